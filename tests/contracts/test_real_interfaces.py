"""Where our contracts share a function selector with the real protocol's interface (npm `@aave/core-v3`,
`@uniswap/v2-core`, `@uniswap/v2-periphery`, `@openzeppelin/contracts`), they return the real layout: a client
built on the real ABI decodes what we return. The tables of what is shared are in docs/interfaces.md; this test
keeps them honest."""

from __future__ import annotations

import pytest

from sim.node.abi import ContractAbi, Function
from sim.node.artifacts import load_artifact
from sim.node.npm_artifacts import aave_v3, openzeppelin, uniswap_v2, uniswap_v2_periphery


def ours(*names: str) -> dict[bytes, Function]:
    out: dict[bytes, Function] = {}
    for name in names:
        out.update({f.selector: f for f in ContractAbi.from_abi(load_artifact(name).abi).functions.values()})
    return out


def theirs(abi: tuple[dict[str, object], ...]) -> dict[bytes, Function]:
    return {f.selector: f for f in ContractAbi.from_abi(abi).functions.values()}


def wire(types: tuple[str, ...]) -> tuple[str, ...]:
    """The types as the ABI encodes them: a static tuple is its members in place (Aave returns the user
    configuration as a one-word struct, byte for byte a uint256)."""
    out: list[str] = []
    for t in types:
        dynamic = "string" in t or "bytes" in t.replace("bytes32", "") or "[]" in t
        if t.startswith("(") and t.endswith(")") and not dynamic:
            depth, start = 0, 1
            for i, c in enumerate(t[1:-1], start=1):
                depth += {"(": 1, ")": -1}.get(c, 0)
                if c == "," and depth == 0:
                    out += wire((t[start:i],))
                    start = i + 1
            out += wire((t[start:-1],))
        else:
            out.append(t)
    return tuple(out)


def aave(interface: str) -> dict[bytes, Function]:
    return theirs(aave_v3(f"interfaces/{interface}.sol/{interface}").abi)


# (our contracts, the real interface, the least number of selectors we must share with it)
PAIRS = {
    "LendingPool vs Aave IPool": (ours("LendingPool", "IPoolLens"), aave("IPool"), 19),
    "PoolAddressesProvider vs Aave IPoolAddressesProvider": (
        ours("PoolAddressesProvider"),
        aave("IPoolAddressesProvider"),
        9,
    ),
    "PoolAddressesProvider vs Aave IACLManager": (ours("PoolAddressesProvider"), aave("IACLManager"), 6),
    "PriceOracle vs Aave IPriceOracleGetter": (ours("PriceOracle"), aave("IPriceOracleGetter"), 3),
    "ConstantProductPool vs IUniswapV2Pair": (
        ours("ConstantProductPool"),
        theirs(uniswap_v2("IUniswapV2Pair").abi),
        23,
    ),
    "ConstantProductFactory vs IUniswapV2Factory": (
        ours("ConstantProductFactory"),
        theirs(uniswap_v2("IUniswapV2Factory").abi),
        6,
    ),
    "ConstantProductRouter vs IUniswapV2Router02": (
        ours("ConstantProductRouter"),
        theirs(uniswap_v2_periphery("IUniswapV2Router02").abi),
        10,
    ),
    "StakedSyntheticDollar vs OpenZeppelin IERC4626": (
        ours("StakedSyntheticDollar"),
        theirs(openzeppelin("IERC4626").abi),
        25,
    ),
}

# The pairs whose shared functions must also declare the real state mutability (pure, view, nonpayable,
# payable), with the real implementation whose ABI may stand in for the interface's: an interface declares
# Router02's `factory` pure, while the deployed UniswapV2Router02, like ours, reads it from an immutable (view).
MUTABILITY = {
    "ConstantProductRouter vs IUniswapV2Router02": theirs(uniswap_v2_periphery("UniswapV2Router02").abi),
    "StakedSyntheticDollar vs OpenZeppelin IERC4626": theirs(openzeppelin("ERC4626").abi),
}

# Router02's functions ConstantProductRouter leaves out (docs/interfaces.md lists the same): ETH/WETH paths,
# permits and fee-on-transfer variants.
ROUTER02_LEFT_OUT = {
    "WETH",
    "addLiquidityETH",
    "removeLiquidityETH",
    "removeLiquidityETHSupportingFeeOnTransferTokens",
    "removeLiquidityETHWithPermit",
    "removeLiquidityETHWithPermitSupportingFeeOnTransferTokens",
    "removeLiquidityWithPermit",
    "swapETHForExactTokens",
    "swapExactETHForTokens",
    "swapExactETHForTokensSupportingFeeOnTransferTokens",
    "swapExactTokensForETH",
    "swapExactTokensForETHSupportingFeeOnTransferTokens",
    "swapExactTokensForTokensSupportingFeeOnTransferTokens",
    "swapTokensForExactETH",
}


@pytest.mark.parametrize("pair", list(PAIRS))
def test_every_shared_selector_returns_the_real_layout(pair: str) -> None:
    mine, real, least = PAIRS[pair]
    shared = sorted(set(mine) & set(real))
    assert len(shared) >= least, f"{pair}: only {[mine[s].name for s in shared]} shared"
    differing = {
        mine[s].name: (mine[s].outputs, real[s].outputs)
        for s in shared
        if wire(mine[s].outputs) != wire(real[s].outputs)
    }
    assert not differing, f"{pair}: same selector, different return layout: {differing}"


def test_aave_pool_functions_we_name_like_aave_take_aaves_arguments() -> None:
    """A function named as one of Aave's IPool functions has Aave's argument list too (else an Aave client's call
    would reach the fallback and revert). The one exception is an admin function no client calls."""
    # Aave's initReserve is called by its PoolConfigurator with the aToken, debt tokens and rate strategy this
    # pool does not have; ours is the owner's listing call with the rate model's parameters.
    admin_only = {"initReserve"}
    mine, real = ours("LendingPool", "IPoolLens"), aave("IPool")
    real_by_name = {f.name: f for f in real.values()}
    clashes = {
        f.name: (f.inputs, real_by_name[f.name].inputs)
        for f in mine.values()
        if f.name in real_by_name and f.selector not in real and f.name not in admin_only
    }
    assert not clashes, clashes


@pytest.mark.parametrize("pair", list(MUTABILITY))
def test_every_shared_selector_takes_the_real_inputs_and_mutability(pair: str) -> None:
    mine, real, _ = PAIRS[pair]
    implementation = MUTABILITY[pair]
    shared = sorted(set(mine) & set(real))
    assert all(real[s].mutability for s in shared), f"{pair}: the real ABI lacks stateMutability"
    differing = {
        mine[s].name: (mine[s].inputs, mine[s].mutability, real[s].inputs, real[s].mutability)
        for s in shared
        if mine[s].inputs != real[s].inputs
        or mine[s].mutability not in {real[s].mutability, implementation.get(s, real[s]).mutability}
    }
    assert not differing, f"{pair}: same selector, different inputs or mutability: {differing}"


def test_router02_functions_we_leave_out_are_the_documented_ones() -> None:
    """Every Router02 function is either shared (same selector) or on the documented list of left-out ones, and
    no function of ours takes a Router02 name with other arguments (its client would hit the fallback)."""
    mine, real, _ = PAIRS["ConstantProductRouter vs IUniswapV2Router02"]
    assert {f.name for s, f in real.items() if s not in mine} == ROUTER02_LEFT_OUT
    assert not {f.name for s, f in mine.items() if s not in real} & {f.name for f in real.values()}


def test_erc4626_is_implemented_whole() -> None:
    """All of OpenZeppelin's IERC4626 (the EIP's functions and ERC-20's) is shared, events included."""
    mine, real, _ = PAIRS["StakedSyntheticDollar vs OpenZeppelin IERC4626"]
    assert {f.name for s, f in real.items() if s not in mine} == set()
    ours_events = ContractAbi.from_abi(load_artifact("StakedSyntheticDollar").abi).events
    real_events = ContractAbi.from_abi(openzeppelin("IERC4626").abi).events
    assert set(real_events) <= set(ours_events)
    for topic, event in real_events.items():
        assert ours_events[topic].indexed == event.indexed, event.name
