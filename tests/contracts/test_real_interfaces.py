"""Where our contracts share a function selector with the real protocol's interface (npm `@aave/core-v3`,
`@uniswap/v2-core`), they return the real layout: a client built on the real ABI decodes what we return. The
tables of what is shared are in docs/interfaces.md; this test keeps them honest."""

from __future__ import annotations

import pytest

from sim.node.abi import ContractAbi, Function
from sim.node.artifacts import load_artifact
from sim.node.npm_artifacts import aave_v3, uniswap_v2


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
