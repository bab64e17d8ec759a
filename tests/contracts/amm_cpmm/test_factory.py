"""ConstantProductFactory: CREATE2 pairs, lookups in both orders, duplicates and the fee roles."""

from __future__ import annotations

from typing import Any

import ape
from eth_utils import keccak, to_checksum_address

ZERO = "0x0000000000000000000000000000000000000000"


def _create2_address(factory: str, token0: str, token1: str, init_code: bytes) -> str:
    salt = keccak(bytes.fromhex(token0[2:]) + bytes.fromhex(token1[2:]))
    digest = keccak(b"\xff" + bytes.fromhex(factory[2:]) + salt + keccak(init_code))
    return str(to_checksum_address(digest[12:]))


def test_create_pair_deploys_at_the_create2_address(
    deployer: Any, project: Any, factory: Any, token0: Any, token1: Any
) -> None:
    receipt = factory.createPair(token1, token0, sender=deployer)  # either order
    init_code = bytes(project.ConstantProductPool.contract_type.deployment_bytecode.to_bytes())
    expected = _create2_address(factory.address, token0.address, token1.address, init_code)

    assert factory.getPair(token0, token1) == factory.getPair(token1, token0) == expected
    assert (factory.allPairsLength(), factory.allPairs(0)) == (1, expected)
    [event] = list(receipt.decode_logs(factory.PairCreated))
    assert (event.token0, event.token1, event.pair, event.index) == (
        token0.address,
        token1.address,
        expected,
        1,
    )
    pair = project.ConstantProductPool.at(expected)
    assert (pair.token0(), pair.token1(), pair.factory()) == (token0.address, token1.address, factory.address)


def test_duplicate_pair_reverts_in_either_order(
    deployer: Any, factory: Any, token0: Any, token1: Any
) -> None:
    factory.createPair(token0, token1, sender=deployer)
    existing = factory.getPair(token0, token1)
    with ape.reverts(factory.PairExists, pair=existing):
        factory.createPair(token0, token1, sender=deployer)
    with ape.reverts(factory.PairExists, pair=existing):
        factory.createPair(token1, token0, sender=deployer)


def test_identical_or_zero_tokens_revert(deployer: Any, factory: Any, token0: Any) -> None:
    with ape.reverts(factory.IdenticalAddresses):
        factory.createPair(token0, token0, sender=deployer)
    with ape.reverts(factory.ZeroAddress):
        factory.createPair(token0, ZERO, sender=deployer)


def test_all_pairs_lists_pairs_in_creation_order(deployer: Any, factory: Any, tokens: list[Any]) -> None:
    factory.createPair(tokens[0], tokens[1], sender=deployer)
    factory.createPair(tokens[2], tokens[0], sender=deployer)
    assert factory.allPairsLength() == 2
    assert factory.allPairs(0) == factory.getPair(tokens[0], tokens[1])
    assert factory.allPairs(1) == factory.getPair(tokens[0], tokens[2])
    assert factory.getPair(tokens[1], tokens[2]) == ZERO


def test_only_fee_to_setter_sets_the_fee_roles(alice: Any, bob: Any, factory: Any, fee_setter: Any) -> None:
    assert (factory.feeTo(), factory.feeToSetter()) == (ZERO, fee_setter.address)
    with ape.reverts(factory.Forbidden):
        factory.setFeeTo(alice, sender=alice)
    with ape.reverts(factory.Forbidden):
        factory.setFeeToSetter(alice, sender=alice)

    receipt = factory.setFeeTo(bob, sender=fee_setter)
    assert factory.feeTo() == bob.address
    assert [log.feeTo for log in receipt.decode_logs(factory.FeeToSet)] == [bob.address]
    factory.setFeeToSetter(alice, sender=fee_setter)
    assert factory.feeToSetter() == alice.address
    with ape.reverts(factory.Forbidden):
        factory.setFeeTo(ZERO, sender=fee_setter)
    factory.setFeeTo(ZERO, sender=alice)
    assert factory.feeTo() == ZERO
