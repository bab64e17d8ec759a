"""The fast path: local signing equals eth-account's, block order equals request order, errors name the cause."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account

from sim.node.abi import ContractAbi, describe_revert
from sim.node.artifacts import load_artifact
from sim.node.chain import Chain, ChainError, TxRequest, Wallet, checksum, sign_dynamic_fee_tx
from sim.node.devnet import Devnet, DevnetConfig
from sim.node.rpc import RpcError

KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


@pytest.fixture(scope="module")
def node() -> Iterator[Devnet]:
    with Devnet(DevnetConfig(accounts=40)) as running:
        yield running


@pytest.fixture(scope="module")
def token_abi() -> ContractAbi:
    return ContractAbi.from_abi(load_artifact("MockERC20").abi)


@pytest.fixture(scope="module")
def setup(node: Devnet, token_abi: ContractAbi) -> tuple[Chain, list[Wallet], bytes]:
    chain = Chain(node.url).connect()
    wallets = [Wallet.from_hex(a.private_key) for a in node.accounts]
    artifact = load_artifact("MockERC20")
    deployed = chain.send_block(
        [TxRequest(wallets[0], None, artifact.bytecode + token_abi.encode_constructor("T", "T", 18))]
    )
    token = deployed.txs[0].contract_address
    assert token is not None
    mint = token_abi.fn("mint")
    chain.send_block([TxRequest(wallets[0], token, mint.encode(w.address, 10**24)) for w in wallets])
    return chain, wallets, token


def test_signature_is_byte_identical_to_eth_account() -> None:
    wallet = Wallet.from_hex(KEY)
    request = TxRequest(
        wallet, bytes.fromhex("5FbDB2315678afecb367f032d93F642f64180aa3"), b"\x01\x02", value=7, gas=90_000
    )
    raw, _ = sign_dynamic_fee_tx(wallet, 31337, 3, 11, 22, request)
    expected = Account.sign_transaction(
        {
            "type": 2,
            "chainId": 31337,
            "nonce": 3,
            "maxPriorityFeePerGas": 11,
            "maxFeePerGas": 22,
            "gas": 90_000,
            "to": checksum(request.to or b""),
            "value": 7,
            "data": b"\x01\x02",
            "accessList": [],
        },
        KEY,
    ).raw_transaction
    assert raw == bytes(expected)
    assert wallet.hex == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def test_block_order_is_the_request_order_across_many_senders(setup: Any, token_abi: ContractAbi) -> None:
    chain, wallets, token = setup
    transfer = token_abi.fn("transfer")
    txs = [
        TxRequest(wallets[i % 40], token, transfer.encode(wallets[(i + 1) % 40].address, i + 1), tag=f"a{i}")
        for i in range(400)
    ]
    block = chain.send_block(txs)
    assert [r.tx_index for r in block.txs] == list(range(400))
    assert all(r.success for r in block.txs)
    first = token_abi.events[block.txs[0].logs[0].topics[0]]
    assert first.name == "Transfer"
    assert first.decode(list(block.txs[5].logs[0].topics), block.txs[5].logs[0].data)["value"] == 6


def test_block_timestamp_is_the_requested_one(setup: Any) -> None:
    chain, _, _ = setup
    now = int(chain.send_block([]).timestamp)
    block = chain.send_block([], timestamp=now + 12)
    assert block.timestamp == now + 12


def test_reverted_transaction_is_mined_as_failed_and_decodable(setup: Any, token_abi: ContractAbi) -> None:
    chain, wallets, token = setup
    too_much = token_abi.fn("transfer").encode(wallets[1].address, 10**30)
    block = chain.send_block([TxRequest(wallets[2], token, too_much, tag="whale")])
    assert not block.txs[0].success
    with pytest.raises(RpcError) as failure:
        chain.call(token, too_much, sender=wallets[2].address)
    data = bytes.fromhex(str(failure.value.data).removeprefix("0x"))
    balance = token_abi.fn("balanceOf").decode(
        chain.call(token, token_abi.fn("balanceOf").encode(wallets[2].address))
    )[0]
    assert describe_revert(data, [token_abi]) == (
        f"InsufficientBalance(account={wallets[2].hex.lower()}, balance={balance}, needed={10**30})"
    )


def test_refused_transaction_names_the_agent_and_rewinds_nonces(setup: Any, token_abi: ContractAbi) -> None:
    chain, wallets, token = setup
    wallet = wallets[3]
    good_nonce = wallet.nonce
    wallet.nonce = good_nonce - 1  # already used: the node refuses it
    with pytest.raises(ChainError, match="agent looper-7"):
        chain.send_block(
            [TxRequest(wallet, token, token_abi.fn("approve").encode(wallets[0].address, 1), tag="looper-7")]
        )
    assert wallet.nonce == good_nonce - 1
    chain.sync_nonce(wallet)
    assert wallet.nonce == good_nonce


def test_batched_calls_return_results_in_order(setup: Any, token_abi: ContractAbi) -> None:
    chain, wallets, token = setup
    balance_of = token_abi.fn("balanceOf")
    results = chain.calls([(token, balance_of.encode(w.address)) for w in wallets[:5]])
    balances = [balance_of.decode(r)[0] for r in results if isinstance(r, bytes)]
    assert len(balances) == 5
    assert all(b > 0 for b in balances)
