"""The real Uniswap v2 factory and pair (npm `@uniswap/v2-core`, solc 0.5.16, the bytecode on mainnet) deployed
beside ours on one anvil, over the same two tokens, with one wallet per role and side so that balances,
events and reserves can be compared side by side."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from sim.node.abi import ContractAbi
from sim.node.artifacts import load_artifact
from sim.node.chain import TxRequest, Wallet
from sim.node.devnet import Devnet, DevnetConfig
from sim.node.npm_artifacts import uniswap_v2

from ..evmnet import Net

ROLES = ("lp1", "lp2", "trader", "fee_to")
TOKEN_SUPPLY = 10**40

PAIR_ABI = ContractAbi.from_abi(uniswap_v2("IUniswapV2Pair").abi)
FACTORY_ABI = ContractAbi.from_abi(uniswap_v2("IUniswapV2Factory").abi)
TOKEN_ABI = ContractAbi.from_abi(load_artifact("MockERC20").abi)
BORROWER_ABI = ContractAbi.from_abi(load_artifact("TestFlashBorrower").abi)
OUR_PAIR_ABI = ContractAbi.from_abi(load_artifact("ConstantProductPool").abi)


@dataclass(frozen=True)
class Side:
    """One implementation: its factory, pair, flash borrower and one wallet per role."""

    name: str
    factory: bytes
    pair: bytes
    borrower: bytes
    wallets: dict[str, Wallet]
    lock_holder: bytes  # where MINIMUM_LIQUIDITY went


@dataclass(frozen=True)
class Pairs:
    net: Net
    token0: bytes
    token1: bytes
    real: Side
    ours: Side


@pytest.fixture(scope="module")
def pairs() -> Iterator[Pairs]:
    with Devnet(DevnetConfig(accounts=12)) as devnet:
        net = Net(devnet)
        deployer = net.deployer
        tokens = sorted(net.deploy_ours("MockERC20", name, name, 18) for name in ("TKA", "TKB"))
        token0, token1 = tokens
        real_factory_abi = ContractAbi.from_abi(uniswap_v2("UniswapV2Factory").abi)
        real_factory = net.deploy(uniswap_v2("UniswapV2Factory").bytecode, real_factory_abi, deployer.address)
        our_factory = net.deploy_ours("ConstantProductFactory", deployer.address)
        create = FACTORY_ABI.fn("createPair")
        net.setup(
            [TxRequest(deployer, f, create.encode(token0, token1)) for f in (real_factory, our_factory)]
        )
        get_pair = FACTORY_ABI.fn("getPair")
        real_pair, our_pair = (
            bytes.fromhex(get_pair.decode(net.call(f, get_pair.encode(token0, token1)))[0][2:])
            for f in (real_factory, our_factory)
        )
        real_borrower = net.deploy_ours("TestFlashBorrower")
        our_borrower = net.deploy_ours("TestFlashBorrower")
        real_wallets = dict(zip(ROLES, net.wallets[1:5], strict=True))
        our_wallets = dict(zip(ROLES, net.wallets[5:9], strict=True))
        # Flash borrowers repay out of their own balance: the same for both.
        mint = TOKEN_ABI.fn("mint")
        net.setup(
            [
                TxRequest(deployer, token, mint.encode(borrower, TOKEN_SUPPLY))
                for token in tokens
                for borrower in (real_borrower, our_borrower)
            ]
        )
        holder = OUR_PAIR_ABI.fn("MINIMUM_LIQUIDITY_HOLDER")
        lock = bytes.fromhex(holder.decode(net.call(our_pair, holder.encode()))[0][2:])
        yield Pairs(
            net,
            token0,
            token1,
            Side("real", real_factory, real_pair, real_borrower, real_wallets, b"\x00" * 20),
            Side("ours", our_factory, our_pair, our_borrower, our_wallets, lock),
        )
