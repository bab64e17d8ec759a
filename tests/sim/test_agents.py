"""Each agent's decision logic on small in-memory fixtures (no chain): what it sends, and when it stays put."""

from __future__ import annotations

import numpy as np
import pytest

from sim.agents.arbitrageur import Arbitrageur, ArbitrageurParams, cpmm_optimal_input
from sim.agents.flash_liquidation_bot import FlashLiquidationBot, FlashLiquidationBotParams
from sim.agents.liquidation_bot import LiquidationBot, LiquidationBotParams
from sim.agents.looper import Looper, LooperParams
from sim.agents.market_maker import MarketMaker, MarketMakerParams
from sim.agents.oracle_keeper import OracleKeeper, OracleKeeperParams, PushedFeed
from sim.agents.redeemer import Redeemer, RedeemerParams
from sim.market.market import Market, PoolInfo
from sim.mirrors.cpmm import CpmmState, get_amount_out
from sim.mirrors.fixed_point import RAY, percent_mul_ceil
from sim.mirrors.lending import FLASHLOAN_PREMIUM_BPS, EModeCategory, ReserveParams, liquidation_amounts
from sim.node.abi import ContractAbi
from sim.node.chain import Wallet
from sim.node.contracts import Handle, abi_of
from sim.world.lending import LendingView, UserBook
from sim.world.synthetic import SyntheticView
from sim.world.world import World

RNG = np.random.default_rng(0)


def addr(n: int) -> bytes:
    return n.to_bytes(20, "big")


def wallet(n: int) -> Wallet:
    return Wallet.from_hex(f"{n:064x}")


def call_name(tx_data: bytes, contract: str) -> str:
    abi: ContractAbi = abi_of(contract)
    return next(f.name for f in abi.functions.values() if f.selector == tx_data[:4])


@pytest.fixture
def market() -> Market:
    m = Market()
    for i, (symbol, decimals) in enumerate([("USDC", 6), ("USDT", 6), ("WETH", 18), ("USDe", 18)], start=1):
        m.tokens[symbol] = Handle("MockERC20", addr(i))
        m.decimals[symbol] = decimals
    m.pools["weth_usdc"] = PoolInfo(
        "weth_usdc", "constant_product", Handle("ConstantProductPool", addr(20)), ("WETH", "USDC")
    )
    m.pools["usde_usdt"] = PoolInfo(
        "usde_usdt", "constant_product", Handle("ConstantProductPool", addr(21)), ("USDe", "USDT")
    )
    m.oracles["aave"] = Handle("PriceOracle", addr(30))
    m.contracts["router"] = Handle("ConstantProductRouter", addr(40))
    m.contracts["synthetic"] = Handle("SyntheticDollar", addr(4))
    return m


@pytest.fixture
def world(market: Market) -> World:
    w = World.create(market)
    # WETH (token 3) sorts after USDC (token 1): token0 is USDC.
    w.pools["weth_usdc"].cpmm = CpmmState(
        reserve0=4_400_000 * 10**6, reserve1=1_000 * 10**18, total_supply=10**18
    )
    w.pools["usde_usdt"].cpmm = CpmmState(
        reserve0=1_000_000 * 10**6, reserve1=1_600_000 * 10**18, total_supply=10**18
    )
    w.reference = {"USDC": 1.0, "USDT": 1.0, "WETH": 4_400.0, "USDe": 1.0}
    w.block, w.timestamp = 10, 1_000_000
    return w


def test_keeper_pushes_only_past_the_deviation_threshold(world: World) -> None:
    keeper = OracleKeeper(
        "keeper", wallet(1), OracleKeeperParams(), feeds=[PushedFeed("aave", "WETH", 3600, 50)]
    )
    world.oracle_prices[("aave", "WETH")] = 4_400 * 10**8
    world.reference["WETH"] = 4_390.0  # 23 bps: not due
    assert keeper.act(world, RNG) == []
    world.reference["WETH"] = 4_370.0  # 68 bps: due
    [tx] = keeper.act(world, RNG)
    assert call_name(tx.data, "PriceOracle") == "pushPrice"
    assert tx.data[-32:] == (4_370 * 10**8).to_bytes(32, "big")


def test_keeper_pushes_an_unchanged_price_when_the_heartbeat_elapses(world: World) -> None:
    keeper = OracleKeeper(
        "keeper", wallet(1), OracleKeeperParams(), feeds=[PushedFeed("aave", "WETH", 3600, 50)]
    )
    world.oracle_prices[("aave", "WETH")] = 4_400 * 10**8
    assert keeper.act(world, RNG) == []
    world.timestamp += 3600
    assert len(keeper.act(world, RNG)) == 1


def test_cpmm_arbitrage_size_maximises_profit_after_the_fee() -> None:
    reserve_in, reserve_out = 1_000 * 10**18, 4_400_000 * 10**6  # WETH in, USDC out: 4,400 USDC per WETH
    fair = 4_000 * 10**6 / 10**18  # the reference: 4,000
    amount = cpmm_optimal_input(reserve_in, reserve_out, fair)

    def profit(x: int) -> float:
        return get_amount_out(x, reserve_in, reserve_out) - x * fair

    step = amount // 1000
    assert profit(amount) > profit(amount - step) and profit(amount) > profit(amount + step)
    # The next unit pays the reference after the fee: the pool's mid is left a fee's width above it.
    mid = (reserve_out - get_amount_out(amount, reserve_in, reserve_out)) / (reserve_in + amount)
    assert mid * 0.997 == pytest.approx(fair, rel=2e-3) and mid > fair
    assert cpmm_optimal_input(reserve_in, reserve_out, 4_400 * 10**6 / 10**18) == 0  # the fee eats any trade


def test_arbitrageur_sells_the_overpriced_side_only(world: World) -> None:
    arb = Arbitrageur("arb", wallet(2), ArbitrageurParams(pools=["weth_usdc"], min_edge_bps=10))
    world.track(arb.wallet.address)
    world.balances[(arb.wallet.address, "WETH")] = 10_000 * 10**18
    world.balances[(arb.wallet.address, "USDC")] = 10**14
    assert arb.act(world, RNG) == []  # pool at the reference price: nothing to do
    world.reference["WETH"] = 4_000.0  # the pool still pays 4,400: sell WETH into it
    [tx] = arb.act(world, RNG)
    assert call_name(tx.data, "ConstantProductRouter") == "swapExactTokensForTokens"
    path_offset = 32 * 5
    assert tx.data[4 + path_offset + 32 + 12 : 4 + path_offset + 64] == world.market.tokens["WETH"].address


def test_market_maker_pulls_on_drawdown_and_returns_after_calm(world: World) -> None:
    mm = MarketMaker(
        "mm",
        wallet(3),
        MarketMakerParams(
            pools=["usde_usdt"], watch="WETH", drawdown_limit=0.05, vol_limit=100.0, calm_blocks=3
        ),
    )
    world.track(mm.wallet.address)
    world.balances[(mm.wallet.address, "lp:usde_usdt")] = 10**18
    assert mm.act(world, RNG) == []
    world.reference["WETH"] = 4_100.0  # -6.8% from the peak
    pulled = mm.act(world, RNG)
    assert [call_name(t.data, "ConstantProductPool") for t in pulled] == ["transfer", "burn"]
    assert int.from_bytes(pulled[0].data[-32:], "big") == 10**18 * 95 // 100  # keeps 5%
    world.balances[(mm.wallet.address, "USDe")] = 10**24
    world.balances[(mm.wallet.address, "USDT")] = 10**12
    # Once the one 7% move weighs less in the volatility window (under half the limit), 3 quiet blocks in a
    # row bring the maker back, at the pool's current ratio.
    waited = [mm.act(world, RNG) for _ in range(10)]
    first_back = next(i for i, txs in enumerate(waited) if txs)
    assert first_back >= 2
    assert not mm.pulled and mm.peak == 4_100.0
    back = waited[first_back]
    assert [call_name(t.data, "MockERC20") for t in back[:2]] == ["transfer", "transfer"]
    assert call_name(back[2].data, "ConstantProductPool") == "mint"


def test_redeemer_buys_up_to_the_threshold_within_the_cap(world: World) -> None:
    world.synthetic = SyntheticView(
        handle=world.market.contracts["synthetic"], symbol="USDe", max_redeem_per_block=2_000_000 * 10**18
    )
    redeemer = Redeemer(
        "r",
        wallet(4),
        RedeemerParams(pool="usde_usdt", quote="USDT", threshold=0.99, max_per_block_usd=2_000_000),
    )
    world.track(redeemer.wallet.address)
    world.balances[(redeemer.wallet.address, "USDT")] = 10**14
    swap, redeem = redeemer.act(world, RNG)  # USDe at 0.625 in the pool
    bought = int.from_bytes(redeem.data[4 + 32 : 4 + 64], "big")
    # Enough to lift the pool to 0.99: the USDe reserve falls to sqrt(k / 0.99).
    k = 1_600_000 * 10**18 * 1_000_000 * 10**6
    assert bought == pytest.approx(1_600_000 * 10**18 - (k / (0.99 * 10**6 / 10**18)) ** 0.5, rel=1e-9)
    assert call_name(swap.data, "ConstantProductRouter") == "swapExactTokensForTokens"
    world.pools["usde_usdt"].cpmm = CpmmState(
        reserve0=10_000_000 * 10**6, reserve1=16_000_000 * 10**18, total_supply=1
    )
    _, redeem = redeemer.act(world, RNG)
    assert int.from_bytes(redeem.data[4 + 32 : 4 + 64], "big") == int(
        2_000_000.0 * 10**18
    )  # the per-block cap binds (a drawn USD figure is a float)
    world.pools["usde_usdt"].cpmm = CpmmState(
        reserve0=1_000_000 * 10**6, reserve1=1_000_000 * 10**18, total_supply=1
    )
    assert redeemer.act(world, RNG) == []  # at the peg: nothing to buy


@pytest.fixture
def lending(world: World, market: Market) -> LendingView:
    market.contracts["lending:aave"] = Handle("LendingPool", addr(50))
    params = {
        "USDC": ReserveParams(6, 7_500, 7_800, 10_450),
        "WETH": ReserveParams(18, 8_050, 8_300, 10_500, 1_000),
        "USDe": ReserveParams(18, 7_200, 7_500, 10_850),
    }
    emodes = {
        1: EModeCategory(9_000, 9_200, 10_300, frozenset({"USDe", "USDC"}), frozenset({"USDe", "USDC"}))
    }
    assets = ["USDC", "WETH", "USDe"]
    view = LendingView(
        name="aave",
        pool=market.contracts["lending:aave"],
        oracle="aave",
        assets=assets,
        tokens={a: market.tokens[a].address for a in assets},
        params=params,
        emodes=emodes,
        snapshot=world.snapshot,
    )
    world.add_lending(view, assets)
    world.oracle_prices.update(
        {("aave", "USDC"): 10**8, ("aave", "WETH"): 4_400 * 10**8, ("aave", "USDe"): 10**8}
    )
    return view


def borrow_against(
    view: LendingView, user: bytes, collateral: str, supplied: int, debt: int, emode: int = 0
) -> None:
    view.users[user] = UserBook({collateral: supplied}, {"USDC": debt}, {collateral: True}, emode)
    view.touched.add(user)
    view.after_refresh()


def test_liquidation_index_flags_only_accounts_under_water(lending: LendingView) -> None:
    safe, risky = addr(101), addr(102)
    borrow_against(lending, safe, "WETH", 10 * 10**18, 20_000 * 10**6)  # HF 1.83
    borrow_against(lending, risky, "WETH", 10 * 10**18, 35_000 * 10**6)  # HF 1.043
    assert lending.liquidatable() == []
    lending.snapshot.oracle_prices[("aave", "WETH")] = 4_000 * 10**8  # risky: HF 0.949
    assert [user for user, _ in lending.liquidatable()] == [risky]


def test_liquidation_bot_repays_the_close_factor_and_sells_the_seizure(
    lending: LendingView, world: World
) -> None:
    risky = addr(102)
    borrow_against(lending, risky, "WETH", 10 * 10**18, 35_000 * 10**6)
    bot = LiquidationBot(
        "bot",
        wallet(5),
        LiquidationBotParams(market="aave", stables=["USDC"], sell_pools=["weth_usdc"]),
        view=lending,
    )
    world.track(bot.wallet.address)
    world.balances[(bot.wallet.address, "USDC")] = 10**12
    world.oracle_prices[("aave", "WETH")] = 4_100 * 10**8
    liquidation, sale = bot.act(world, RNG)
    assert call_name(liquidation.data, "LendingPool") == "liquidationCall"
    # It asks for the maximum (the pool applies the close factor and the collateral cap itself) and sells what
    # the mirror says it gets: HF 0.972 > 0.95 and both sides >= $2,000, so v3.3 closes half the debt.
    assert int.from_bytes(liquidation.data[4 + 96 : 4 + 128], "big") == 2**256 - 1
    assert call_name(sale.data, "ConstantProductRouter") == "swapExactTokensForTokens"
    half = liquidation_amounts(
        lending.positions(risky), lending.prices(), lending.params, None, "WETH", "USDC", 2**256 - 1
    )
    assert half.debt_repaid == 17_500 * 10**6
    assert int.from_bytes(sale.data[4 : 4 + 32], "big") == half.collateral_to_liquidator
    assert bot.stats["attempted_repay_usd"] == 17_500
    world.oracle_prices[("aave", "WETH")] = 4_000 * 10**8
    bot.act(world, RNG)
    # HF 0.949 <= 0.95: the whole debt may be repaid.
    assert bot.stats["attempted_repay_usd"] == 17_500 + 35_000


def test_flash_bot_sends_only_what_the_mirrors_say_pays(lending: LendingView, world: World) -> None:
    """The bot's profit forecast is the lending mirror's seizure sold through the pair's mirror, minus the debt
    and the flash premium; a deep pair pays, a shallow one (or a higher threshold) does not."""
    risky = addr(102)
    borrow_against(lending, risky, "WETH", 10 * 10**18, 35_000 * 10**6)
    bot = FlashLiquidationBot(
        "flash",
        wallet(6),
        FlashLiquidationBotParams(market="aave", sell_pools=["weth_usdc", "usde_usdt"]),
        view=lending,
    )
    bot.contract = Handle("FlashLiquidator", addr(60))
    world.track(lending.pool.address, preexisting=True)
    world.balances[(lending.pool.address, "USDC")] = 10**15  # the reserve's cash
    world.oracle_prices[("aave", "WETH")] = 4_100 * 10**8  # HF 0.972: half the debt
    plan = bot.plan(world, lending.positions(risky), None)
    amounts = liquidation_amounts(
        lending.positions(risky), lending.prices(), lending.params, None, "WETH", "USDC", 2**256 - 1
    )
    out = get_amount_out(amounts.collateral_to_liquidator, 1_000 * 10**18, 4_400_000 * 10**6)
    flash = 17_500 * 10**6 + 17_500 * 10**3 + 1
    premium = percent_mul_ceil(flash, FLASHLOAN_PREMIUM_BPS)
    assert plan is not None and (plan.collateral, plan.debt, plan.pool) == ("WETH", "USDC", "weth_usdc")
    assert plan.debt_to_cover == 17_500 * 10**6 and plan.flash_amount == flash
    assert plan.profit == out - 17_500 * 10**6 - premium
    [tx] = bot.act(world, RNG)
    assert tx.to == addr(60) and call_name(tx.data, "FlashLiquidator") == "liquidate"
    words = [int.from_bytes(tx.data[4 + 32 * i : 4 + 32 * (i + 1)], "big") for i in range(7)]
    assert words[3:5] == [2**256 - 1, flash]  # ask the pool for the maximum, borrow the margin
    world.balances[(lending.pool.address, "USDC")] = flash - 1  # the reserve cannot lend that much
    assert bot.act(world, RNG) == []
    world.balances[(lending.pool.address, "USDC")] = 10**15
    bot.params = bot.params.model_copy(update={"min_profit_usd": plan.profit / 10**6 + 1})  # just above
    assert bot.act(world, RNG) == []
    bot.params = bot.params.model_copy(update={"min_profit_usd": 0.0})
    world.pools["weth_usdc"].cpmm = CpmmState(reserve0=44_000 * 10**6, reserve1=10 * 10**18, total_supply=1)
    assert bot.plan(world, lending.positions(risky), None) is None  # a thin pair loses money


def test_looper_unwinds_on_risk_off_and_holds_otherwise(lending: LendingView, world: World) -> None:
    looper = Looper(
        "loop",
        wallet(6),
        LooperParams(
            market="aave",
            collateral="USDe",
            debt="USDC",
            risk_asset="WETH",
            risk_off_drawdown=0.1,
            sell_pools=["usde_usdt"],
        ),
        view=lending,
    )
    world.pools["usde_usdt"].cpmm = CpmmState(reserve0=10**13, reserve1=10**25, total_supply=1)
    world.market.pools["usde_usdt"] = PoolInfo(
        "usde_usdt", "constant_product", Handle("ConstantProductPool", addr(21)), ("USDe", "USDC")
    )
    world.pools["usde_usdt"].info = world.market.pools["usde_usdt"]
    borrow_against(lending, looper.wallet.address, "USDe", 500_000 * 10**18, 400_000 * 10**6, emode=1)
    lending.reserves["USDC"] = lending.reserves["USDC"].__class__(borrow_rate=RAY // 20)
    assert looper.act(world, RNG) == []
    world.reference["WETH"] = 3_900.0  # -11% from the peak: risk-off
    withdraw, _sale, repay = looper.act(world, RNG)
    assert [call_name(withdraw.data, "LendingPool"), call_name(repay.data, "LendingPool")] == [
        "withdraw",
        "repay",
    ]
    assert looper.stats["attempted_unwinds_risk_off"] == 1
