"""Differential tests: random positions, time warps and price moves; getUserAccountData and every
liquidationCall outcome (amounts, fee, deficit, or the revert) must equal the mirror to the wei."""

from __future__ import annotations

from typing import Any

import ape
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.mirrors.fixed_point import unit
from sim.mirrors.lending import (
    MAX_UINT256,
    LiquidationError,
    account_data,
    liquidation_amounts,
    supply_burn_scaled,
)
from tests.fuzz_profiles import fuzz_settings

SYMBOLS = ("USDC", "WETH", "WBTC", "USDE")
DAY = 24 * 3600


def tokens_for_usd(market: Any, symbol: str, usd: int) -> int:
    return (
        usd
        * 10**8
        * unit(market.tokens[symbol].decimals())
        // int(market.oracle.getAssetPrice(market.tokens[symbol]))
    )


def assert_account_matches_mirror(market: Any, user: Any) -> Any:
    expected = account_data(market.positions(user), market.prices(), market.params(), market.emode(user))
    assert market.account_data(user) == (
        expected.total_collateral_base,
        expected.total_debt_base,
        expected.available_borrows_base,
        expected.current_liquidation_threshold,
        expected.ltv,
        expected.health_factor,
    )
    return expected


@st.composite
def scenarios(draw: Any) -> dict[str, Any]:
    emode = draw(st.booleans())
    collateral = draw(st.lists(st.sampled_from(SYMBOLS), min_size=1, max_size=3, unique=True))
    borrowable = ("USDC", "USDE") if emode else SYMBOLS
    return {
        "emode": emode,
        "supplies": {s: draw(st.integers(100, 300_000)) for s in collateral},
        "debts": draw(st.lists(st.sampled_from(borrowable), min_size=1, max_size=2, unique=True)),
        "utilisation_bps": draw(st.sampled_from([6_000, 8_000, 9_000, 9_500, 9_990])),
        "warp": draw(st.integers(0, 400 * DAY)),
        # collateral falls by `severity`, debt rises by a third of it: from healthy to deep bad debt
        "severity_bps": draw(st.sampled_from([0, 1_000, 2_000, 3_000, 4_000, 5_000, 7_000])),
        "noise_bps": {s: draw(st.integers(-300, 300)) for s in SYMBOLS},
        "collateral_pick": draw(st.integers(0, 2)),
        "debt_pick": draw(st.integers(0, 1)),
        "cover_bps": draw(st.one_of(st.just(None), st.integers(100, 12_000))),
        "receive_a_token": draw(st.booleans()),
    }


@pytest.mark.fuzz
@settings(
    # 25 scenarios in CI; the deep profile's examples under CASCADE_FUZZ=deep (`make fuzz`).
    fuzz_settings(ci_examples=25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_account_data_and_liquidations_match_mirror(
    market: Any, chain: Any, alice: Any, liquidator: Any, treasury: Any, scenario: dict[str, Any]
) -> None:
    snapshot = chain.snapshot()
    try:
        run_scenario(market, chain, alice, liquidator, treasury, scenario)
    finally:
        chain.restore(snapshot)


def run_scenario(
    market: Any, chain: Any, alice: Any, liquidator: Any, treasury: Any, sc: dict[str, Any]
) -> None:
    pool = market.pool
    for symbol, usd in sc["supplies"].items():
        market.supply(alice, symbol, tokens_for_usd(market, symbol, usd))
    if sc["emode"]:
        pool.setUserEMode(1, sender=alice)
    for symbol in sc["debts"]:
        available = market.account_data(alice)[2] * sc["utilisation_bps"] // 10_000 // len(sc["debts"])
        amount = tokens_for_usd(market, symbol, 1) * available // 10**8
        if amount > 0:
            market.borrow(alice, symbol, amount)
    assert_account_matches_mirror(market, alice)

    chain.mine(1, timestamp=int(chain.blocks.head.timestamp) + sc["warp"])
    positions = market.positions(alice)
    prices = market.prices()
    for symbol in SYMBOLS:
        if positions.get(symbol) and positions[symbol].debt:
            move = 10_000 + sc["severity_bps"] // 3
        elif symbol in positions:
            move = 10_000 - sc["severity_bps"]
        else:
            continue
        market.set_price(symbol, prices[symbol] * (move + sc["noise_bps"][symbol]) // 10_000)
    assert_account_matches_mirror(market, alice)

    positions = market.positions(alice)
    collaterals = sorted(s for s, p in positions.items() if p.collateral_enabled and p.supplied)
    debts = sorted(s for s, p in positions.items() if p.debt)
    if not collaterals or not debts:
        return
    collateral = collaterals[sc["collateral_pick"] % len(collaterals)]
    debt = debts[sc["debt_pick"] % len(debts)]
    cover = MAX_UINT256 if sc["cover_bps"] is None else positions[debt].debt * sc["cover_bps"] // 10_000
    liquidate_and_compare(market, alice, liquidator, treasury, collateral, debt, cover, sc["receive_a_token"])


def liquidate_and_compare(
    market: Any,
    user: Any,
    liquidator: Any,
    treasury: Any,
    collateral: str,
    debt: str,
    cover: int,
    receive_a_token: bool,
) -> None:
    pool = market.pool
    positions = market.positions(user)
    try:
        plan = liquidation_amounts(
            positions, market.prices(), market.params(), market.emode(user), collateral, debt, cover
        )
    except LiquidationError as refusal:
        event(f"refused: {refusal.reason}")
        with ape.reverts(getattr(pool, refusal.reason)):
            pool.liquidationCall(
                market.tokens[collateral], market.tokens[debt], user, cover, False, sender=liquidator
            )
        return

    event("liquidated with bad debt" if plan.has_no_collateral_left else "liquidated")
    collateral_token = market.tokens[collateral]
    index = int(pool.getReserveNormalizedIncome(collateral_token))
    borrower_scaled = int(pool.getUserReserve(user, collateral_token).scaledSupply)
    treasury_scaled = int(pool.getUserReserve(treasury, collateral_token).scaledSupply)
    market.fund(liquidator, debt, plan.debt_repaid)
    receipt = pool.liquidationCall(
        collateral_token, market.tokens[debt], user, cover, receive_a_token, sender=liquidator
    )
    [log] = receipt.decode_logs(pool.LiquidationCall)
    assert (log.debtToCover, log.liquidatedCollateralAmount) == (
        plan.debt_repaid,
        plan.collateral_to_liquidator,
    )

    # The fee moves as scaled supply, rounded up but never past what the borrower has left.
    seized_scaled = supply_burn_scaled(plan.collateral_to_liquidator, index)
    fee_scaled = min(supply_burn_scaled(plan.protocol_fee, index), borrower_scaled - seized_scaled)
    assert pool.getUserReserve(treasury, collateral_token).scaledSupply == treasury_scaled + fee_scaled
    assert (
        pool.getUserReserve(user, collateral_token).scaledSupply
        == borrower_scaled - seized_scaled - fee_scaled
    )

    deficits = {log.debtAsset: log.amountCreated for log in receipt.decode_logs(pool.DeficitCreated)}
    if plan.has_no_collateral_left:
        owed = {market.tokens[s].address: p.debt for s, p in positions.items() if p.debt}
        owed[market.tokens[debt].address] -= plan.debt_repaid
        assert deficits == {asset: amount for asset, amount in owed.items() if amount}
        assert all(p.debt == 0 for p in market.positions(user).values())
    else:
        assert deficits == {}
    assert_account_matches_mirror(market, user)
