"""StableSwapPool: construction, exact quotes and fills on USDC/USDT and USDe/USDC/USDT, fees, limits, reverts.

The pinned numbers are NG's arithmetic for these balances (equal to sim.mirrors.stableswap, which the
differential tests check against the contract on random pools).
"""

from __future__ import annotations

from typing import Any

import ape
import pytest
from eth_abi import decode

from sim.mirrors import stableswap as mirror

M6 = 1_000_000 * 10**6  # one million of a 6-decimal coin
M18 = 1_000_000 * 10**18
FEE3 = 1_000_000  # the 3-coin pool: 0.01% ...
OFFPEG3 = 50_000_000_000  # ... rising up to 5x off peg


@pytest.fixture(scope="module")
def pool2(deploy_pool: Any, fund: Any, usdc: Any, usdt: Any, alice: Any, bob: Any) -> Any:
    """USDC/USDT, A 200, fee 0.04%, off-peg multiplier 2, seeded by alice with a million of each."""
    pool = deploy_pool([usdc, usdt])
    fund(pool, [alice, bob])
    pool.add_liquidity([M6, M6], 0, sender=alice)
    return pool


@pytest.fixture(scope="module")
def pool3(deploy_pool: Any, fund: Any, usde: Any, usdc: Any, usdt: Any, alice: Any, bob: Any) -> Any:
    """USDe/USDC/USDT, A 200, fee 0.01%, off-peg multiplier 5, seeded by alice with a million of each."""
    pool = deploy_pool([usde, usdc, usdt], fee=FEE3, offpeg=OFFPEG3)
    fund(pool, [alice, bob])
    pool.add_liquidity([M18, M6, M6], 0, sender=alice)
    return pool


@pytest.fixture(scope="module")
def empty2(deploy_pool: Any, fund: Any, usdc: Any, usdt: Any, alice: Any) -> Any:
    pool = deploy_pool([usdc, usdt])
    fund(pool, [alice])
    return pool


@pytest.fixture(scope="module", autouse=True)
def _pools_first(pool2: Any, pool3: Any, empty2: Any) -> None:
    """Deploy the module's pools before any test, so ape's isolation never has to rebase fixtures."""


# ---------------------------------------------------------------- construction


def test_constructor_records_coins_rates_and_parameters(
    deploy_pool: Any, usde: Any, usdc: Any, wbtc: Any, deployer: Any
) -> None:
    pool = deploy_pool([usde, usdc, wbtc], a=150, fee=FEE3, offpeg=OFFPEG3)
    assert pool.N_COINS() == 3
    assert [pool.coins(k) for k in range(3)] == [usde.address, usdc.address, wbtc.address]
    assert list(pool.stored_rates()) == [10**18, 10**30, 10**28]
    assert (pool.A(), pool.A_precise(), pool.initial_A(), pool.future_A()) == (150, 15_000, 15_000, 15_000)
    assert (pool.initial_A_time(), pool.future_A_time()) == (0, 0)
    assert (pool.fee(), pool.offpeg_fee_multiplier(), pool.admin_fee()) == (FEE3, OFFPEG3, 5 * 10**9)
    assert (pool.decimals(), pool.totalSupply(), pool.owner()) == (18, 0, deployer.address)
    assert list(pool.get_balances()) == [0, 0, 0]
    assert pool.symbol() == "USDeUSDCUSD8-f"


def constructor_revert(project: Any, deployer: Any, args: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """(error name, arguments) a deployment with `args` reverts with, from a raw eth_call.

    ape can decode a failed deployment with the ABI of whatever it last saw at the would-be address (stale once
    another test module's snapshot was reverted), so the revert data is decoded here with the pool's own ABI.
    """
    container = project.StableSwapPool
    code = (
        container.contract_type.deployment_bytecode.bytecode + container.constructor.encode_input(*args).hex()
    )
    try:
        container.provider.web3.eth.call({"from": deployer.address, "data": code.replace("0x", "")})
    except Exception as error:  # web3 raises one class per revert kind; all carry the revert data last
        data = bytes.fromhex(str(error.args[-1]).removeprefix("0x"))
    else:
        pytest.fail(f"deployment with {args} did not revert")
    [abi] = [
        abi
        for selector, abi in container.contract_type.identifier_lookup.items()
        if abi.type == "error" and bytes.fromhex(selector.removeprefix("0x")) == data[:4]
    ]
    return abi.name, tuple(decode([i.canonical_type for i in abi.inputs], data[4:]))


def test_constructor_rejects_bad_configurations(
    project: Any, deployer: Any, usdc: Any, usdt: Any, usde: Any, dai: Any, wbtc: Any, create_token: Any
) -> None:
    def reverts(
        coins: list[Any], a: int = 200, fee: int = 4_000_000, offpeg: int = 10**10
    ) -> tuple[str, tuple[Any, ...]]:
        addresses = [c if isinstance(c, str) else c.address for c in coins]
        return constructor_revert(project, deployer, ("P", "P", addresses, a, fee, offpeg, deployer.address))

    zero = "0x0000000000000000000000000000000000000000"
    assert reverts([usdc]) == ("BadCoinCount", (1,))
    assert reverts([usdc, usdt, usde, dai, wbtc]) == ("BadCoinCount", (5,))
    assert reverts([usdc, usdt, usdc]) == ("DuplicateCoin", (usdc.address.lower(),))
    assert reverts([usdc, zero]) == ("ZeroAddress", ())
    assert reverts([usdc, usdt], a=0) == ("BadA", (0,))
    assert reverts([usdc, usdt], a=10**6) == ("BadA", (10**6,))
    assert reverts([usdc, usdt], fee=5 * 10**9 + 1) == ("FeeTooHigh", (5 * 10**9 + 1, 10**10))
    # fee * multiplier may reach MAX_FEE * 1e10 (the off-peg fee caps at 50%), not one unit more.
    assert reverts([usdc, usdt], fee=10**8, offpeg=5 * 10**11 + 1) == ("FeeTooHigh", (10**8, 5 * 10**11 + 1))
    pool = project.StableSwapPool.deploy(
        "P", "P", [usdc, usdt], 200, 10**8, 5 * 10**11, deployer, sender=deployer
    )
    assert pool.offpeg_fee_multiplier() == 5 * 10**11
    odd = create_token("ODD", 19)
    assert reverts([usdc, odd]) == ("BadDecimals", (odd.address.lower(), 19))


# ---------------------------------------------------------------- first deposit and quotes


def test_first_deposit_mints_D_which_is_the_sum_of_a_balanced_pool(
    pool2: Any, pool3: Any, alice: Any
) -> None:
    assert pool2.totalSupply() == pool2.balanceOf(alice) == 2 * M18
    assert pool3.totalSupply() == pool3.balanceOf(alice) == 3 * M18
    assert pool2.get_virtual_price() == pool3.get_virtual_price() == 10**18
    assert list(pool3.get_balances()) == [M18, M6, M6]


def test_first_deposit_emits_add_liquidity_without_fees(empty2: Any, alice: Any) -> None:
    receipt = empty2.add_liquidity([5 * 10**6, 7 * 10**6], 0, sender=alice)
    [log] = list(receipt.decode_logs(empty2.AddLiquidity))
    assert log["provider"] == alice.address
    assert list(log.token_amounts) == [5 * 10**6, 7 * 10**6]
    assert list(log.fees) == [0, 0]
    assert log.invariant == log.token_supply == empty2.totalSupply() == empty2.balanceOf(alice)
    assert log.invariant == mirror.get_D([5 * 10**18, 7 * 10**18], 20_000) == 11_999_147_302_881_853_451


def test_first_deposit_needs_every_coin(empty2: Any, alice: Any) -> None:
    with ape.reverts(empty2.InitialDepositNeedsAllCoins, coin=1):
        empty2.add_liquidity([10**6, 0], 0, sender=alice)


def test_virtual_price_of_an_empty_pool_reverts(empty2: Any) -> None:
    with ape.reverts(empty2.EmptyPool):
        empty2.get_virtual_price()


def test_quotes_on_a_balanced_two_coin_pool(pool2: Any) -> None:
    assert pool2.get_dy(0, 1, 1_000 * 10**6) == 999_595_026
    assert pool2.get_dy(1, 0, 1_000 * 10**6) == 999_595_026
    assert pool2.get_dy(0, 1, 500_000 * 10**6) == 498_149_447_003
    assert pool2.dynamic_fee(0, 1) == pool2.fee() == 4_000_000
    assert pool2.get_p(0) == 10**18


def test_quotes_on_a_balanced_three_coin_pool_with_mixed_decimals(pool3: Any) -> None:
    assert pool3.get_dy(0, 1, 10_000 * 10**18) == 9_998_502_493
    assert pool3.get_dy(1, 0, 10_000 * 10**6) == 9_998_502_493_812_521_455_337
    assert pool3.get_dy(0, 2, 600_000 * 10**18) == 597_176_689_195
    assert pool3.get_p(0) == pool3.get_p(1) == 10**18


# ---------------------------------------------------------------- swaps


def test_small_swap_pays_the_quote_and_books_half_the_fee_for_the_admin(
    pool2: Any, usdc: Any, usdt: Any, bob: Any
) -> None:
    usdt_before = usdt.balanceOf(bob)
    receipt = pool2.exchange(0, 1, 1_000 * 10**6, 999_595_026, sender=bob)
    [log] = list(receipt.decode_logs(pool2.TokenExchange))
    assert (log.buyer, log.sold_id, log.tokens_sold, log.bought_id, log.tokens_bought) == (
        bob.address,
        0,
        1_000 * 10**6,
        1,
        999_595_026,
    )
    assert usdt.balanceOf(bob) - usdt_before == 999_595_026
    assert list(pool2.get_balances()) == [1_001_000_000_000, 999_000_204_975]
    assert (pool2.admin_balances(0), pool2.admin_balances(1)) == (0, 199_999)
    # The LPs' half of the fee raises the virtual price; nothing else moved D.
    assert pool2.get_virtual_price() == 1_000_000_100_000_445_459
    assert usdt.balanceOf(pool2) == pool2.balances(1) + pool2.admin_balances(1)


def test_large_swap_slips_and_raises_the_dynamic_fee(pool2: Any, bob: Any) -> None:
    pool2.exchange(0, 1, 500_000 * 10**6, 0, sender=bob)
    assert list(pool2.get_balances()) == [1_500_000_000_000, 501_747_680_401]
    assert pool2.admin_balances(1) == 102_872_596
    assert pool2.dynamic_fee(0, 1) == 4_568_014  # 0.0457%: 14% above the base fee at 75/25
    assert pool2.get_p(0) == 1_008_774_147_699_320_712  # USDT now costs 1.0088 USDC
    assert pool2.get_virtual_price() == 1_000_051_731_277_185_290


def test_three_coin_dump_of_usde_matches_pinned_books(pool3: Any, bob: Any) -> None:
    pool3.exchange(0, 2, 600_000 * 10**18, 597_176_689_195, sender=bob)
    assert list(pool3.get_balances()) == [1_600_000 * 10**18, M6, 402_791_146_779]
    assert [pool3.admin_balances(k) for k in range(3)] == [0, 0, 32_164_026]
    assert (pool3.get_p(0), pool3.get_p(1)) == (1_002_895_471_588_224_701, 1_014_343_596_540_427_617)
    assert (pool3.dynamic_fee(0, 2), pool3.dynamic_fee(1, 2)) == (1_400_292, 1_169_585)


def test_constant_fee_when_multiplier_is_one(
    deploy_pool: Any, fund: Any, usdc: Any, usdt: Any, alice: Any
) -> None:
    pool = deploy_pool([usdc, usdt], offpeg=10**10)
    fund(pool, [alice])
    pool.add_liquidity([M6, M6 // 10], 0, sender=alice)
    assert pool.dynamic_fee(0, 1) == pool.fee() == 4_000_000


def test_swap_below_min_dy_reverts_with_amounts(pool2: Any, bob: Any) -> None:
    with ape.reverts(pool2.InsufficientOutput, amount=999_595_026, minimum=999_595_027):
        pool2.exchange(0, 1, 1_000 * 10**6, 999_595_027, sender=bob)


def test_swap_argument_checks(pool2: Any, bob: Any) -> None:
    with ape.reverts(pool2.SameCoin, index=1):
        pool2.exchange(1, 1, 10**6, 0, sender=bob)
    with ape.reverts(pool2.CoinIndexOutOfRange, index=2):
        pool2.exchange(0, 2, 10**6, 0, sender=bob)
    with ape.reverts(pool2.CoinIndexOutOfRange, index=-1):
        pool2.get_dy(-1, 0, 10**6)
    with ape.reverts(pool2.ZeroAmount):
        pool2.exchange(0, 1, 0, 0, sender=bob)
    with ape.reverts(pool2.CoinIndexOutOfRange, index=2):
        pool2.coins(2)
    with ape.reverts(pool2.CoinIndexOutOfRange, index=1):
        pool2.get_p(1)


def test_swap_without_allowance_bubbles_the_token_error(
    pool2: Any, usdc: Any, deployer: Any, keeper: Any
) -> None:
    usdc.mint(keeper, 10**6, sender=deployer)
    # ape decodes the bubbled error with the pool's ABI (the pool is an ERC20 too): owner and spender show it
    # is keeper's USDC allowance to the pool that fell short.
    with ape.reverts(
        pool2.InsufficientAllowance, owner=keeper.address, spender=pool2.address, allowance=0, needed=10**6
    ):
        pool2.exchange(0, 1, 10**6, 0, sender=keeper)


def test_exchange_received_swaps_what_was_sent(pool2: Any, usdc: Any, usdt: Any, bob: Any) -> None:
    usdc.transfer(pool2, 1_000 * 10**6, sender=bob)
    with ape.reverts(pool2.InsufficientReceived, received=1_000 * 10**6, expected=1_000 * 10**6 + 1):
        pool2.exchange_received(0, 1, 1_000 * 10**6 + 1, 0, sender=bob)
    before = usdt.balanceOf(bob)
    pool2.exchange_received(0, 1, 1_000 * 10**6, 999_595_026, sender=bob)
    assert usdt.balanceOf(bob) - before == 999_595_026
    assert list(pool2.get_balances()) == [1_001_000_000_000, 999_000_204_975]


def test_get_dx_plus_one_wei_buys_the_asked_amount_with_a_constant_fee(
    deploy_pool: Any, fund: Any, usdc: Any, usdt: Any, alice: Any
) -> None:
    pool = deploy_pool([usdc, usdt], offpeg=10**10)
    fund(pool, [alice])
    pool.add_liquidity([M6, 3 * M6], 0, sender=alice)
    # NG's get_dx undoes the fee but not the swap's `- 1`: it comes out one wei of input short.
    for dy, dx in ((10**6, 991_646), (10**9, 991_656_209), (10**11, 99_256_469_716)):
        assert pool.get_dx(0, 1, dy) == dx
        assert pool.get_dy(0, 1, dx) == dy - 1
        assert pool.get_dy(0, 1, dx + 1) == dy


# ---------------------------------------------------------------- liquidity


def test_imbalanced_deposit_pays_the_imbalance_fee_half_to_admin(pool2: Any, bob: Any) -> None:
    assert pool2.calc_token_amount([100_000 * 10**6, 0], True) == 99_968_126_147_924_995_618_338
    receipt = pool2.add_liquidity([100_000 * 10**6, 0], 99_968_126_147_924_995_618_338, sender=bob)
    [log] = list(receipt.decode_logs(pool2.AddLiquidity))
    assert list(log.fees) == [10_001_912, 9_999_572]
    assert log.token_supply == pool2.totalSupply() == 2_099_968_126_147_924_995_618_338
    assert log.invariant == mirror.get_D(
        mirror.to_xp([10**30] * 2, [1_099_989_998_088, 999_990_000_428]), 20_000
    )
    assert pool2.balanceOf(bob) == 99_968_126_147_924_995_618_338
    assert list(pool2.get_balances()) == [1_099_994_999_044, 999_995_000_214]
    assert (pool2.admin_balances(0), pool2.admin_balances(1)) == (5_000_956, 4_999_786)


def test_deposit_below_min_mint_reverts_with_amounts(pool2: Any, bob: Any) -> None:
    minted = pool2.calc_token_amount([10**6, 10**6], True)
    with ape.reverts(pool2.InsufficientMint, minted=minted, minimum=minted + 1):
        pool2.add_liquidity([10**6, 10**6], minted + 1, sender=bob)


def test_zero_deposit_does_not_raise_the_invariant(pool2: Any, bob: Any) -> None:
    d = pool2.get_virtual_price() * pool2.totalSupply() // 10**18
    with ape.reverts(pool2.InvariantNotIncreased, D0=d, D1=d):
        pool2.add_liquidity([0, 0], 0, sender=bob)


def test_wrong_array_length_reverts(pool2: Any, bob: Any) -> None:
    with ape.reverts(pool2.WrongLength, length=3, expected=2):
        pool2.add_liquidity([1, 1, 1], 0, sender=bob)
    with ape.reverts(pool2.WrongLength, length=1, expected=2):
        pool2.remove_liquidity(1, [0], sender=bob)


def test_remove_liquidity_pays_pro_rata_and_sends_admin_fees_to_owner(
    pool2: Any, usdc: Any, usdt: Any, alice: Any, bob: Any, deployer: Any
) -> None:
    pool2.exchange(0, 1, 1_000 * 10**6, 0, sender=bob)
    owner_usdt = usdt.balanceOf(deployer)
    alice_usdc = usdc.balanceOf(alice)
    burn = 10**24  # half of alice's shares
    receipt = pool2.remove_liquidity(burn, [500_500_000_000, 499_500_102_487], sender=alice)
    [log] = list(receipt.decode_logs(pool2.RemoveLiquidity))
    assert list(log.token_amounts) == [500_500_000_000, 499_500_102_487]
    assert list(log.fees) == [0, 0]
    assert log.token_supply == pool2.totalSupply() == 10**24
    assert usdc.balanceOf(alice) - alice_usdc == 500_500_000_000
    assert list(pool2.get_balances()) == [500_500_000_000, 499_500_102_488]
    assert usdt.balanceOf(deployer) - owner_usdt == 199_999
    assert (pool2.admin_balances(0), pool2.admin_balances(1)) == (0, 0)
    assert usdt.balanceOf(pool2) == 499_500_102_488


def test_remove_liquidity_below_min_amounts_reverts(pool2: Any, alice: Any) -> None:
    with ape.reverts(pool2.InsufficientOutput, amount=M6 // 2, minimum=M6 // 2 + 1):
        pool2.remove_liquidity(10**24, [0, M6 // 2 + 1], sender=alice)
    with ape.reverts(pool2.ZeroAmount):
        pool2.remove_liquidity(0, [0, 0], sender=alice)


def test_burning_more_shares_than_owned_reverts(pool2: Any, alice: Any, bob: Any) -> None:
    with ape.reverts(pool2.InsufficientBalance, account=bob.address, balance=0, needed=10**18):
        pool2.remove_liquidity(10**18, [0, 0], sender=bob)


def test_remove_liquidity_one_coin_pays_the_quote(pool2: Any, usdt: Any, alice: Any, bob: Any) -> None:
    pool2.add_liquidity([100_000 * 10**6, 0], 0, sender=bob)
    assert pool2.calc_withdraw_one_coin(10**23, 1) == 99_941_170_222
    with ape.reverts(pool2.InsufficientOutput, amount=99_941_170_222, minimum=99_941_170_223):
        pool2.remove_liquidity_one_coin(10**23, 1, 99_941_170_223, sender=alice)
    before = usdt.balanceOf(alice)
    supply = pool2.totalSupply()
    receipt = pool2.remove_liquidity_one_coin(10**23, 1, 99_941_170_222, sender=alice)
    [log] = list(receipt.decode_logs(pool2.RemoveLiquidityOne))
    assert (log["provider"], log.token_id, log.token_amount, log.coin_amount) == (
        alice.address,
        1,
        10**23,
        99_941_170_222,
    )
    assert log.token_supply == supply - 10**23
    assert usdt.balanceOf(alice) - before == 99_941_170_222
    # The fee is 20948261 USDT wei; half stays with the LPs, half is the admin's.
    assert pool2.admin_balances(1) == 4_999_786 + 20_948_261 // 2
    assert pool2.balances(1) == 999_995_000_214 - 99_941_170_222 - 20_948_261 // 2


def test_remove_liquidity_imbalance_burns_one_share_more_than_the_quote(
    pool2: Any, usdc: Any, bob: Any
) -> None:
    pool2.add_liquidity([100_000 * 10**6, 0], 0, sender=bob)
    quote = pool2.calc_token_amount([10_000 * 10**6, 0], False)
    assert quote == 9_999_643_960_778_168_870_847
    with ape.reverts(pool2.ExcessiveBurn, burned=quote + 1, maximum=quote):
        pool2.remove_liquidity_imbalance([10_000 * 10**6, 0], quote, sender=bob)
    shares = pool2.balanceOf(bob)
    before = usdc.balanceOf(bob)
    receipt = pool2.remove_liquidity_imbalance([10_000 * 10**6, 0], quote + 1, sender=bob)
    [log] = list(receipt.decode_logs(pool2.RemoveLiquidityImbalance))
    assert list(log.token_amounts) == [10_000 * 10**6, 0]
    assert pool2.balanceOf(bob) == shares - quote - 1
    assert usdc.balanceOf(bob) - before == 10_000 * 10**6
    # The deposit's admin fees were 5000956 and 4999786; the withdrawal's add 476420 and 476215.
    assert (pool2.admin_balances(0), pool2.admin_balances(1)) == (5_477_376, 5_476_001)


def test_withdraw_admin_fees_sends_everything_accrued_to_the_owner(
    pool3: Any, usdt: Any, bob: Any, keeper: Any, deployer: Any
) -> None:
    pool3.exchange(0, 2, 600_000 * 10**18, 0, sender=bob)
    before = usdt.balanceOf(deployer)
    receipt = pool3.withdraw_admin_fees(sender=keeper)
    [log] = list(receipt.decode_logs(pool3.WithdrawAdminFees))
    assert (log.receiver, list(log.amounts)) == (deployer.address, [0, 0, 32_164_026])
    assert usdt.balanceOf(deployer) - before == 32_164_026
    assert pool3.admin_balances(2) == 0
    assert usdt.balanceOf(pool3) == pool3.balances(2)


def test_set_new_fee_is_owner_only_and_capped(pool2: Any, alice: Any, deployer: Any) -> None:
    with ape.reverts(pool2.NotOwner, caller=alice.address):
        pool2.set_new_fee(10**6, 10**10, sender=alice)
    with ape.reverts(pool2.FeeTooHigh, fee=10**8, offpeg_fee_multiplier=5 * 10**11 + 1):
        pool2.set_new_fee(10**8, 5 * 10**11 + 1, sender=deployer)
    receipt = pool2.set_new_fee(10**6, 3 * 10**10, sender=deployer)
    [log] = list(receipt.decode_logs(pool2.ApplyNewFee))
    assert (log.fee, log.offpeg_fee_multiplier) == (10**6, 3 * 10**10)
    assert (pool2.fee(), pool2.offpeg_fee_multiplier()) == (10**6, 3 * 10**10)
    assert pool2.get_dy(0, 1, 1_000 * 10**6) == mirror.get_dy(
        mirror.StableSwapState(
            rates=[10**30] * 2,
            fee=10**6,
            offpeg_fee_multiplier=3 * 10**10,
            initial_A=20_000,
            future_A=20_000,
            balances=[M6, M6],
            total_supply=2 * M18,
        ),
        0,
        1,
        1_000 * 10**6,
        0,
    )
