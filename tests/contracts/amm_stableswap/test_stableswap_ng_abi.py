"""StableSwapPool through Curve StableSwap-NG's own ABI.

NG is not published on npm, so its plain pool's ABI (stableswap-ng's implementation v7.0.0: every external
function and event, transcribed from the Vyper source's signatures) is kept beside this test in
curve_stableswap_ng_abi.json. Every NG function we implement has NG's selector and return layout, every NG event
we emit has NG's topic and indexed fields, and the few NG functions we leave out are listed here exactly (and in
docs/interfaces.md). A client holding only NG's ABI then trades, adds and removes liquidity and reads the
price oracle, and decodes the events, with the same numbers as the mirror.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ape
import pytest

from sim.mirrors import stableswap as mirror
from sim.node.abi import ContractAbi
from sim.node.artifacts import load_artifact

NG_ABI = json.loads((Path(__file__).parent / "curve_stableswap_ng_abi.json").read_text())
M6 = 1_000_000 * 10**6

# NG functions this pool does not have, and why (docs/interfaces.md says the same).
NOT_IMPLEMENTED = {
    # The `_receiver` overloads: ours always pays msg.sender.
    "exchange(int128,int128,uint256,uint256,address)",
    "exchange_received(int128,int128,uint256,uint256,address)",
    "add_liquidity(uint256[],uint256,address)",
    "remove_liquidity_one_coin(uint256,int128,uint256,address)",
    "remove_liquidity_imbalance(uint256[],uint256,address)",
    "remove_liquidity(uint256,uint256[],address)",
    "remove_liquidity(uint256,uint256[],address,bool)",
    # No D oracle, and the price EMA's time constant is fixed at NG's factory default.
    "D_oracle()",
    "D_ma_time()",
    "set_ma_exp_time(uint256,uint256)",
    # No EIP-2612 permit on the LP token.
    "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)",
    "DOMAIN_SEPARATOR()",
    "nonces(address)",
    "salt()",
    "version()",
}
NOT_EMITTED = {"SetNewMATime"}


def signature(name: str, types: tuple[str, ...]) -> str:
    return f"{name}({','.join(types)})"


@pytest.fixture(scope="module")
def ours() -> ContractAbi:
    return ContractAbi.from_abi(load_artifact("StableSwapPool").abi)


@pytest.fixture(scope="module")
def ng() -> ContractAbi:
    return ContractAbi.from_abi(NG_ABI)


def test_every_ng_function_we_have_has_ngs_selector_and_return_layout(
    ours: ContractAbi, ng: ContractAbi
) -> None:
    mine = {f.selector: f for f in ours.functions.values()}
    missing = set()
    for function in {f.selector: f for f in ng.functions.values()}.values():
        sig = signature(function.name, function.inputs)
        if function.selector not in mine:
            missing.add(sig)
            continue
        assert mine[function.selector].outputs == function.outputs, sig
    assert missing == NOT_IMPLEMENTED
    # Nothing we name like an NG function takes other arguments (a client's call would miss it).
    ng_names = {f.name for f in ng.functions.values()}
    ng_selectors = {f.selector for f in ng.functions.values()}
    odd = {signature(f.name, f.inputs) for f in ours.functions.values() if f.name in ng_names}
    odd = {s for s in odd if ours.functions[s].selector not in ng_selectors}
    assert not odd


def test_every_ng_event_we_emit_has_ngs_topic_and_indexed_fields(ours: ContractAbi, ng: ContractAbi) -> None:
    missing = set()
    for topic, event in ng.events.items():
        if topic not in ours.events:
            missing.add(event.name)
            continue
        assert ours.events[topic].indexed == event.indexed, event.name
        # ERC-20's Transfer and Approval name their fields after the standard; NG's own events use NG's names.
        if event.name not in {"Transfer", "Approval"}:
            assert ours.events[topic].names == event.names, event.name
    assert missing == NOT_EMITTED


@pytest.fixture(scope="module", autouse=True)
def _module_fixtures_first(deploy_pool: Any, fund: Any, usdc: Any, usdt: Any, mirror_of: Any) -> None:
    """Module fixtures before the function-scoped pool, so ape's isolation never has to rebase them."""


@pytest.fixture
def pool(deploy_pool: Any, fund: Any, usdc: Any, usdt: Any, alice: Any, bob: Any) -> Any:
    pool = deploy_pool([usdc, usdt])
    fund(pool, [alice, bob])
    pool.add_liquidity([M6, M6], 0, sender=alice)
    return pool


def test_an_ng_client_trades_and_reads_the_oracle_as_the_mirror_says(
    pool: Any, usdc: Any, alice: Any, bob: Any, chain: Any, mirror_of: Any
) -> None:
    client = ape.Contract(pool.address, abi=NG_ABI)
    state = mirror_of(pool)
    t = chain.blocks.head.timestamp + 10

    chain.pending_timestamp = t
    receipt = client.exchange(0, 1, 500_000 * 10**6, 0, sender=bob)
    dy = mirror.exchange(state, 0, 1, 500_000 * 10**6, t)
    [log] = list(receipt.decode_logs(client.TokenExchange))
    assert (log.buyer, log.sold_id, log.tokens_sold, log.bought_id, log.tokens_bought) == (
        bob.address,
        0,
        500_000 * 10**6,
        1,
        dy,
    )

    # exchange_received: coins sent first, then swapped without an approval.
    chain.pending_timestamp = t + 300
    usdc.transfer(pool, 100_000 * 10**6, sender=bob)
    chain.pending_timestamp = t + 600
    receipt = client.exchange_received(0, 1, 100_000 * 10**6, 0, sender=bob)
    dy = mirror.exchange(state, 0, 1, 100_000 * 10**6, t + 600)
    [log] = list(receipt.decode_logs(client.TokenExchange))
    assert log.tokens_bought == dy

    chain.pending_timestamp = t + 900
    receipt = client.add_liquidity([0, 300_000 * 10**6], 0, sender=alice)
    minted = mirror.add_liquidity(state, [0, 300_000 * 10**6], t + 900)
    [log] = list(receipt.decode_logs(client.AddLiquidity))
    assert (list(log.token_amounts), log.token_supply) == ([0, 300_000 * 10**6], state.total_supply)
    assert minted > 0

    chain.pending_timestamp = t + 1_200
    receipt = client.remove_liquidity_one_coin(10_000 * 10**18, 0, 0, sender=alice)
    paid = mirror.remove_liquidity_one_coin(state, 10_000 * 10**18, 0, t + 1_200)
    [log] = list(receipt.decode_logs(client.RemoveLiquidityOne))
    assert (log.token_id, log.token_amount, log.coin_amount) == (0, 10_000 * 10**18, paid)

    chain.mine(timestamp=t + 2_000)
    now = chain.blocks.head.timestamp
    assert client.last_price(0) == state.last_prices[0]
    assert client.ema_price(0) == state.ema_prices[0]
    assert client.price_oracle(0) == mirror.price_oracle(state, 0, now)
    assert client.get_p(0) == mirror.get_p(state, 0, now)
    assert client.ma_last_time() & (2**128 - 1) == t + 1_200
    assert client.ma_exp_time() == 866
    assert list(client.get_balances()) == state.balances
    assert client.totalSupply() == state.total_supply
    assert client.get_virtual_price() == mirror.virtual_price(state, now)
    assert client.get_dy(1, 0, 10**9) == mirror.get_dy(state, 1, 0, 10**9, now)
