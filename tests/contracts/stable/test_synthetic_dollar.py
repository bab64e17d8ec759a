"""SyntheticDollar: minting against hedged collateral, backing under price moves, funding, redemption, caps, roles."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sim.mirrors.synthetic import SyntheticDollarModel, funding_down, funding_up
from tests.contracts.stable.conftest import (
    FUNDING_KEEPER,
    MAX_MINT_PER_BLOCK,
    MINTER,
    REDEEMER,
    WAD,
    WETH_PRICE,
)

DAY = 24 * 3600
CRASH_PRICE = 3_435 * 10**8


@pytest.fixture
def minted(usde: Any, alice: Any, weth: Any) -> Any:
    """Alice mints 10,000 USDe with 2.5 WETH at $4,000."""
    return usde.mint(weth, 25 * 10**17, 0, alice, sender=alice)


# ------------------------------------------------------------ minting


def test_mint_gives_the_oracle_value_and_opens_an_equal_short(
    usde: Any, alice: Any, bob: Any, weth: Any, oracle: Any
) -> None:
    receipt = usde.mint(weth, 25 * 10**17, 10_000 * WAD, bob, sender=alice)
    assert usde.balanceOf(bob) == 10_000 * WAD
    assert usde.totalSupply() == 10_000 * WAD
    book = usde.collateral(weth)
    assert (book.held, book.hedgeSize, book.hedgeEntryNotional) == (25 * 10**17, 25 * 10**17, 10_000 * WAD)
    assert weth.balanceOf(usde) == 25 * 10**17
    [event] = list(receipt.decode_logs(usde.Mint))
    assert (event.minter, event.beneficiary, event.asset) == (alice.address, bob.address, weth.address)
    assert (event.collateralAmount, event.usdeAmount, event.price) == (25 * 10**17, 10_000 * WAD, WETH_PRICE)
    [hedge] = list(receipt.decode_logs(usde.HedgeChanged))
    assert (hedge.size, hedge.entryNotional, hedge.realisedPnl, hedge.active) == (
        25 * 10**17,
        10_000 * WAD,
        0,
        True,
    )


def test_mint_rounds_the_usd_value_down(usde: Any, alice: Any, steth: Any) -> None:
    # 1.333... stETH at $3,998.76543210 = 5,331.687242799999998667 (exact value ...98666.6 rounded down).
    usde.mint(steth, 1_333_333_333_333_333_333, 0, alice, sender=alice)
    assert usde.balanceOf(alice) == 5_331_687_242_799_999_998_667


def test_mint_below_minimum_out_reverts(usde: Any, alice: Any, weth: Any) -> None:
    with ape.reverts(usde.SlippageExceeded, amountOut=4_000 * WAD, minOut=4_000 * WAD + 1):
        usde.mint(weth, WAD, 4_000 * WAD + 1, alice, sender=alice)


def test_mint_of_unlisted_asset_or_zero_reverts(usde: Any, alice: Any, create_token: Any, weth: Any) -> None:
    other = create_token("BNSOL", 9)
    with ape.reverts(usde.CollateralNotListed, asset=other.address):
        usde.mint(other, 10**9, 0, alice, sender=alice)
    with ape.reverts(usde.ZeroAmount):
        usde.mint(weth, 0, 0, alice, sender=alice)


def test_unhedged_stable_collateral_mints_without_a_short(usde: Any, alice: Any, usdt: Any) -> None:
    usde.mint(usdt, 2_500 * 10**6, 0, alice, sender=alice)
    assert usde.balanceOf(alice) == 2_500 * WAD
    book = usde.collateral(usdt)
    assert (book.held, book.hedgeSize, book.hedged) == (2_500 * 10**6, 0, False)
    assert usde.hedgeNotional() == 0


# ------------------------------------------------------------ backing under price moves


def test_backing_is_unchanged_to_the_wei_after_a_price_drop_while_hedged(
    usde: Any, alice: Any, weth: Any, steth: Any, oracle: Any, deployer: Any
) -> None:
    usde.mint(weth, 25 * 10**17, 0, alice, sender=alice)
    usde.mint(steth, 1_333_333_333_333_333_333, 0, alice, sender=alice)
    supply = usde.totalSupply()
    assert usde.totalBacking() == supply
    oracle.setFixedPrice(weth, CRASH_PRICE, sender=deployer)
    oracle.setFixedPrice(steth, 343_012_345_678, sender=deployer)
    assert usde.collateralValue() == 8_587_500 * 10**15 + 4_573_497_942_373_333_332_189
    assert usde.hedgePnl() == supply - usde.collateralValue()
    assert usde.totalBacking() == supply
    assert usde.backingRatio() == WAD


def test_backing_falls_by_the_exact_collateral_loss_once_the_hedge_is_lost(
    usde: Any, minted: Any, weth: Any, oracle: Any, deployer: Any
) -> None:
    oracle.setFixedPrice(weth, 3_800 * 10**8, sender=deployer)
    receipt = usde.setHedgeActive(weth, False, sender=deployer)
    # The short is closed at $3,800: 2.5 * $200 of profit is realised (frozen) into cash.
    [event] = list(receipt.decode_logs(usde.HedgeChanged))
    assert (event.active, event.size, event.entryNotional, event.realisedPnl) == (False, 0, 0, 500 * WAD)
    assert usde.cashBalance() == 500 * WAD
    assert usde.totalBacking() == 10_000 * WAD
    oracle.setFixedPrice(weth, CRASH_PRICE, sender=deployer)
    # Now naked: backing falls by 2.5 * ($3,800 - $3,435) = $912.5.
    assert usde.totalBacking() == 10_000 * WAD - 912_500 * 10**15
    assert usde.backingRatio() == 908_750 * 10**12
    assert usde.hedgePnl() == 0


def test_minting_against_a_lost_hedge_is_refused_until_reopened(
    usde: Any, minted: Any, alice: Any, weth: Any, oracle: Any, deployer: Any
) -> None:
    usde.setHedgeActive(weth, False, sender=deployer)
    with ape.reverts(usde.HedgeInactive, asset=weth.address):
        usde.mint(weth, WAD, 0, alice, sender=alice)
    oracle.setFixedPrice(weth, 3_000 * 10**8, sender=deployer)
    usde.setHedgeActive(weth, True, sender=deployer)
    # Re-opened on the whole custody at $3,000.
    book = usde.collateral(weth)
    assert (book.hedgeSize, book.hedgeEntryNotional, book.hedgeActive) == (25 * 10**17, 7_500 * WAD, True)
    usde.mint(weth, WAD, 0, alice, sender=alice)
    oracle.setFixedPrice(weth, 1_000 * 10**8, sender=deployer)
    assert usde.totalBacking() == 7_500 * WAD + 3_000 * WAD


def test_hedge_switches_are_owner_only_and_must_change_state(
    usde: Any, alice: Any, weth: Any, usdt: Any, deployer: Any
) -> None:
    with ape.reverts(usde.NotOwner, caller=alice.address):
        usde.setHedgeActive(weth, False, sender=alice)
    with ape.reverts(usde.HedgeUnchanged, asset=weth.address, active=True):
        usde.setHedgeActive(weth, True, sender=deployer)
    with ape.reverts(usde.CollateralNotHedged, asset=usdt.address):
        usde.setHedgeActive(usdt, False, sender=deployer)


# ------------------------------------------------------------ redemption


def test_redemption_pays_one_dollar_per_usde_while_fully_backed(
    usde: Any, minted: Any, alice: Any, bob: Any, weth: Any, oracle: Any, deployer: Any
) -> None:
    oracle.setFixedPrice(weth, CRASH_PRICE, sender=deployer)
    receipt = usde.redeem(weth, 1_000 * WAD, 0, bob, sender=alice)
    # $1,000 / $3,435 = 0.291120815138282387 WETH (rounded down).
    assert weth.balanceOf(bob) == 291_120_815_138_282_387
    assert usde.totalSupply() == 9_000 * WAD
    book = usde.collateral(weth)
    assert book.held == book.hedgeSize == 25 * 10**17 - 291_120_815_138_282_387
    assert book.hedgeEntryNotional == 10_000 * WAD - 1_164_483_260_553_129_548_000
    # The closed short's profit is realised into cash; the 655 wei is the payout's rounding, kept as backing.
    assert usde.cashBalance() == 164_483_260_553_129_548_655
    assert usde.totalBacking() == 9_000 * WAD + 655
    [event] = list(receipt.decode_logs(usde.Redeem))
    assert (event.usdeAmount, event.collateralAmount, event.price, event.backingRatio) == (
        1_000 * WAD,
        291_120_815_138_282_387,
        CRASH_PRICE,
        WAD,
    )


def test_redemption_is_pro_rata_below_full_backing(
    usde: Any, minted: Any, alice: Any, bob: Any, weth: Any, oracle: Any, deployer: Any
) -> None:
    usde.setHedgeActive(weth, False, sender=deployer)
    oracle.setFixedPrice(weth, 3_000 * 10**8, sender=deployer)
    assert usde.backingRatio() == 75 * 10**16
    assert usde.previewRedeem(weth, 1_000 * WAD) == 25 * 10**16
    usde.redeem(weth, 1_000 * WAD, 0, bob, sender=alice)
    # 1,000 USDe * $7,500 / 10,000 = $750 = 0.25 WETH.
    assert weth.balanceOf(bob) == 25 * 10**16
    assert usde.totalBacking() == 6_750 * WAD
    assert usde.backingRatio() == 75 * 10**16


def test_redemption_in_the_stable_collateral(usde: Any, alice: Any, bob: Any, usdt: Any) -> None:
    usde.mint(usdt, 2_500 * 10**6, 0, alice, sender=alice)
    usde.redeem(usdt, 1_234_567_891 * 10**12 + 999, 0, bob, sender=alice)
    assert usdt.balanceOf(bob) == 1_234_567_891
    assert usde.totalBacking() == 1_265_432_109 * 10**12


def test_redemption_of_more_collateral_than_held_reverts(
    usde: Any, minted: Any, alice: Any, steth: Any
) -> None:
    with ape.reverts(usde.InsufficientCollateral, asset=steth.address, held=0):
        usde.redeem(steth, 1_000 * WAD, 0, alice, sender=alice)


def test_redemption_below_minimum_out_reverts(usde: Any, minted: Any, alice: Any, weth: Any) -> None:
    with ape.reverts(usde.SlippageExceeded, amountOut=25 * 10**16, minOut=25 * 10**16 + 1):
        usde.redeem(weth, 1_000 * WAD, 25 * 10**16 + 1, alice, sender=alice)


# ------------------------------------------------------------ funding


def test_positive_funding_accrues_exact_yield_and_is_minted_to_the_vault(
    usde: Any, susde: Any, minted: Any, keeper: Any, bob: Any, chain: Any
) -> None:
    start = usde.setFundingRate(WAD // 10, sender=keeper).timestamp
    chain.pending_timestamp = start + DAY
    receipt = usde.accrueFunding(sender=bob)
    income = funding_down(10_000 * WAD, WAD // 10, DAY)
    assert income == 2_739_726_027_397_260_273
    [event] = list(receipt.decode_logs(usde.FundingAccrued))
    assert (event.rate, event.notional, event.elapsed, event.amount) == (WAD // 10, 10_000 * WAD, DAY, income)
    assert usde.pendingYield() == income
    assert usde.cashBalance() == income
    # Yield owed to stakers counts as supply: the ratio stays at 1.
    assert usde.backingRatio() == WAD

    chain.pending_timestamp = start + DAY + 60
    receipt = usde.distributeFunding(sender=bob)
    extra = funding_down(10_000 * WAD, WAD // 10, 60)
    assert usde.balanceOf(susde) == income + extra
    assert usde.totalSupply() == 10_000 * WAD + income + extra
    assert usde.pendingYield() == 0
    assert susde.vestingAmount() == income + extra
    [paid] = list(receipt.decode_logs(usde.FundingDistributed))
    assert (paid.vault, paid.amount) == (susde.address, income + extra)


def test_distribution_waits_for_the_previous_reward_to_vest(
    usde: Any, susde: Any, minted: Any, keeper: Any, bob: Any, chain: Any
) -> None:
    start = usde.setFundingRate(WAD // 10, sender=keeper).timestamp
    chain.pending_timestamp = start + 3_600
    usde.distributeFunding(sender=bob)
    chain.pending_timestamp = start + 7_200
    with ape.reverts(susde.StillVesting):
        usde.distributeFunding(sender=bob)
    chain.pending_timestamp = start + 3_600 + 8 * 3_600
    usde.distributeFunding(sender=bob)
    assert usde.pendingYield() == 0


def test_distribution_with_nothing_pending_reverts(usde: Any, bob: Any) -> None:
    with ape.reverts(usde.NothingToDistribute):
        usde.distributeFunding(sender=bob)


def test_negative_funding_drains_the_reserve_fund_first(
    usde: Any, minted: Any, keeper: Any, deployer: Any, bob: Any, chain: Any
) -> None:
    usde.fundReserve(10 * 10**6, sender=deployer)
    assert usde.reserveFund() == 10 * WAD
    start = usde.setFundingRate(-(WAD // 5), sender=keeper).timestamp
    chain.pending_timestamp = start + DAY
    receipt = usde.accrueFunding(sender=bob)
    cost = funding_up(10_000 * WAD, WAD // 5, DAY)
    assert cost == 5_479_452_054_794_520_548
    assert usde.reserveFund() == 10 * WAD - cost
    assert usde.totalBacking() == 10_000 * WAD
    [event] = list(receipt.decode_logs(usde.FundingAccrued))
    assert (event.amount, event.fromReserve, event.fromBacking) == (-cost, cost, 0)
    [change] = list(receipt.decode_logs(usde.ReserveFundChanged))
    assert (change.delta, change.reserveFund) == (-cost, 10 * WAD - cost)


def test_negative_funding_beyond_the_reserve_is_paid_from_backing(
    usde: Any, minted: Any, keeper: Any, deployer: Any, bob: Any, chain: Any
) -> None:
    usde.fundReserve(5 * 10**6, sender=deployer)
    start = usde.setFundingRate(-(WAD // 5), sender=keeper).timestamp
    chain.pending_timestamp = start + DAY
    receipt = usde.accrueFunding(sender=bob)
    cost = 5_479_452_054_794_520_548
    assert usde.reserveFund() == 0
    assert usde.cashBalance() == -(cost - 5 * WAD)
    assert usde.totalBacking() == 10_000 * WAD - (cost - 5 * WAD)
    [event] = list(receipt.decode_logs(usde.FundingAccrued))
    assert (event.fromReserve, event.fromBacking) == (5 * WAD, cost - 5 * WAD)


def test_views_report_funding_as_if_accrued_now(
    usde: Any, minted: Any, keeper: Any, deployer: Any, chain: Any, weth: Any
) -> None:
    usde.fundReserve(1 * 10**6, sender=deployer)
    start = usde.setFundingRate(-(WAD // 5), sender=keeper).timestamp
    chain.mine(timestamp=start + DAY)
    model = SyntheticDollarModel(last_accrual=start, funding_rate=-(WAD // 5), reserve_fund=WAD)
    model.add_collateral("weth", 18, True)
    model.collaterals["weth"].held = model.collaterals["weth"].hedge_size = 25 * 10**17
    model.collaterals["weth"].hedge_entry = 10_000 * WAD
    model.total_supply = 10_000 * WAD
    prices = {"weth": WETH_PRICE}
    assert usde.reserveFund() == model.reserve_fund_now(start + DAY, prices) == 0
    assert (
        usde.totalBacking()
        == model.total_backing(start + DAY, prices)
        == 10_000 * WAD - 4_479_452_054_794_520_548
    )
    assert usde.backingRatio() == model.backing_ratio(start + DAY, prices)


def test_funding_rate_is_keeper_only_and_bounded(usde: Any, alice: Any, keeper: Any) -> None:
    with ape.reverts(usde.NotRole, role=FUNDING_KEEPER, caller=alice.address):
        usde.setFundingRate(WAD, sender=alice)
    with ape.reverts(usde.FundingRateOutOfRange, rate=25 * WAD + 1):
        usde.setFundingRate(25 * WAD + 1, sender=keeper)
    with ape.reverts(usde.FundingRateOutOfRange, rate=-25 * WAD - 1):
        usde.setFundingRate(-25 * WAD - 1, sender=keeper)
    receipt = usde.setFundingRate(-25 * WAD, sender=keeper)
    [event] = list(receipt.decode_logs(usde.FundingRateSet))
    assert (event.previousRate, event.rate) == (0, -25 * WAD)


def test_funding_distributed_by_the_synthetic_dollar_vests_to_stakers(
    usde: Any, susde: Any, alice: Any, bob: Any, keeper: Any, weth: Any, chain: Any
) -> None:
    usde.mint(weth, 25 * 10**17, 0, alice, sender=alice)
    usde.approve(susde, 2**256 - 1, sender=alice)
    susde.deposit(1_000 * WAD, alice, sender=alice)
    start = usde.setFundingRate(WAD // 10, sender=keeper).timestamp
    chain.pending_timestamp = start + 8 * 3_600
    reward = usde.distributeFunding(sender=bob).return_value
    assert reward == 913_242_009_132_420_091  # 8 h of 10% a year on $10,000
    assert susde.getUnvestedAmount() == reward
    chain.mine(timestamp=start + 16 * 3_600)
    assert susde.totalAssets() == 1_000 * WAD + reward
    assert susde.convertToAssets(1_000 * WAD) == 1_000 * WAD + reward


# ------------------------------------------------------------ per-block caps


def _send_in_one_block(chain: Any, sender: Any, contract: Any, calls: list[bytes]) -> list[Any]:
    """Sends raw transactions with automine off and mines them together; returns their receipts."""
    w3 = chain.provider.web3
    chain.provider.auto_mine = False
    try:
        hashes = [
            w3.eth.send_transaction(
                {"from": sender.address, "to": contract.address, "data": d, "gas": 600_000}
            )
            for d in calls
        ]
        chain.mine()
    finally:
        chain.provider.auto_mine = True
    return [w3.eth.get_transaction_receipt(h) for h in hashes]


def test_mint_cap_binds_within_a_block_and_resets_in_the_next(
    usde: Any, alice: Any, weth: Any, chain: Any, deployer: Any
) -> None:
    usde.setMaxMintPerBlock(6_000 * WAD, sender=deployer)
    one_weth = usde.mint.encode_input(weth, WAD, 0, alice)
    first, second = _send_in_one_block(chain, alice, usde, [one_weth, one_weth])
    assert first["blockNumber"] == second["blockNumber"]
    assert (first["status"], second["status"]) == (1, 0)
    assert usde.mintedPerBlock(first["blockNumber"]) == 4_000 * WAD
    # The next block starts from zero.
    usde.mint(weth, WAD, 0, alice, sender=alice)
    assert usde.mintedThisBlock() == 4_000 * WAD
    assert usde.totalSupply() == 8_000 * WAD


def test_mint_over_the_cap_reverts_with_the_amounts(usde: Any, alice: Any, weth: Any, deployer: Any) -> None:
    usde.setMaxMintPerBlock(3_999 * WAD, sender=deployer)
    with ape.reverts(
        usde.MaxMintPerBlockExceeded, mintedThisBlock=0, amount=4_000 * WAD, maxMintPerBlock=3_999 * WAD
    ):
        usde.mint(weth, WAD, 0, alice, sender=alice)


def test_redeem_cap_binds_within_a_block_and_resets_in_the_next(
    usde: Any, minted: Any, alice: Any, weth: Any, chain: Any, deployer: Any
) -> None:
    receipt = usde.setMaxRedeemPerBlock(1_500 * WAD, sender=deployer)
    assert [(e.previousMax, e.newMax) for e in receipt.decode_logs(usde.MaxRedeemPerBlockChanged)] == [
        (500_000 * WAD, 1_500 * WAD)
    ]
    thousand = usde.redeem.encode_input(weth, 1_000 * WAD, 0, alice)
    first, second = _send_in_one_block(chain, alice, usde, [thousand, thousand])
    assert (first["status"], second["status"]) == (1, 0)
    assert usde.redeemedPerBlock(first["blockNumber"]) == 1_000 * WAD
    with ape.reverts(
        usde.MaxRedeemPerBlockExceeded, redeemedThisBlock=0, amount=1_501 * WAD, maxRedeemPerBlock=1_500 * WAD
    ):
        usde.redeem(weth, 1_501 * WAD, 0, alice, sender=alice)
    usde.redeem(weth, 1_000 * WAD, 0, alice, sender=alice)
    assert usde.totalSupply() == 8_000 * WAD


def test_default_caps_are_set_at_deployment(usde: Any) -> None:
    assert usde.maxMintPerBlock() == MAX_MINT_PER_BLOCK
    assert usde.maxRedeemPerBlock() == 500_000 * WAD


# ------------------------------------------------------------ roles and listing


def test_only_whitelisted_minters_and_redeemers(
    usde: Any, minted: Any, alice: Any, bob: Any, weth: Any, deployer: Any
) -> None:
    with ape.reverts(usde.NotRole, role=MINTER, caller=bob.address):
        usde.mint(weth, WAD, 0, bob, sender=bob)
    usde.transfer(bob, 100 * WAD, sender=alice)
    with ape.reverts(usde.NotRole, role=REDEEMER, caller=bob.address):
        usde.redeem(weth, 100 * WAD, 0, bob, sender=bob)
    receipt = usde.setRole(REDEEMER, bob, True, sender=deployer)
    [event] = list(receipt.decode_logs(usde.RoleSet))
    assert (event.role, event.account, event.allowed) == (REDEEMER, bob.address, True)
    usde.redeem(weth, 100 * WAD, 0, bob, sender=bob)
    assert weth.balanceOf(bob) == 25 * 10**15
    usde.setRole(MINTER, alice, False, sender=deployer)
    with ape.reverts(usde.NotRole, role=MINTER, caller=alice.address):
        usde.mint(weth, WAD, 0, alice, sender=alice)


def test_only_owner_configures(usde: Any, alice: Any, weth: Any) -> None:
    for call in (
        lambda: usde.setRole(MINTER, alice, True, sender=alice),
        lambda: usde.setMaxMintPerBlock(1, sender=alice),
        lambda: usde.setMaxRedeemPerBlock(1, sender=alice),
        lambda: usde.addCollateral(alice, True, sender=alice),
        lambda: usde.setStakingVault(alice, sender=alice),
        lambda: usde.fundReserve(1, sender=alice),
    ):
        with ape.reverts(usde.NotOwner, caller=alice.address):
            call()


def test_collateral_listing_rejects_duplicates_and_self(usde: Any, weth: Any, deployer: Any) -> None:
    assert usde.collateralCount() == 3
    assert usde.collateralAssets(0) == weth.address
    with ape.reverts(usde.InvalidCollateral, asset=weth.address):
        usde.addCollateral(weth, True, sender=deployer)
    with ape.reverts(usde.InvalidCollateral, asset=usde.address):
        usde.addCollateral(usde, False, sender=deployer)


def test_backing_ratio_is_one_with_no_supply(usde: Any) -> None:
    assert usde.backingRatio() == WAD
    assert usde.totalBacking() == 0


def test_reserve_is_credited_at_the_oracle_price(usde: Any, usdt: Any, oracle: Any, deployer: Any) -> None:
    oracle.setFixedPrice(usdt, 99_980_000, sender=deployer)
    receipt = usde.fundReserve(1_000 * 10**6, sender=deployer)
    assert usde.reserveFund() == 999_800 * 10**15
    [event] = list(receipt.decode_logs(usde.ReserveFundChanged))
    assert (event.delta, event.reserveFund) == (999_800 * 10**15, 999_800 * 10**15)
