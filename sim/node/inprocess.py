"""The in-process backend: the same blocks executed by revm inside this Python process (pyrevm), with no
devnet, no signing and nothing serialised to JSON-RPC.

What pyrevm 0.3.7 does and how this module deals with it (each checked by tests/sim/test_inprocess.py):

- `message_call` neither bumps the caller's nonce nor charges fees; `deploy` takes the address CREATE gives the
  sender's current nonce. Nonces are kept here per sender and written into the EVM before every deployment, so
  contracts land at the same addresses as on anvil.
- The journal is never finalised between calls: accounts and slots stay warm and SSTORE's "original value" is
  the value first loaded, so `gasUsed` is lower than a fresh transaction's (a swap about 52k instead of 94k).
  No call of pyrevm's API finalises it (`commit` only closes a checkpoint; `revert` cools what it undoes), so
  gas figures here are not exact: `describe()` says `gas_exact: false` and anvil stays the reference for gas.
  Nothing a contract does depends on gas here (no `gasleft`), so state, events and reads are unaffected.
- Reads run inside a snapshot that is reverted afterwards, so a read never warms state for a transaction.
- Transient storage is reset after every transaction (EIP-1153: it lives for one transaction).
- The journal (and every log) is kept for the whole life of the EVM, about 1-3 KB per transaction. Every
  `compact_every` transactions the state is moved into a fresh EVM (`compact`): accounts, code and storage
  read from the journal's state, the rest dropped, so a run's memory follows its state, not its length.
- Only CamelCase spec ids are recognised ("Cancun"); anything else silently becomes the latest spec.
- Chain id defaults to 1 (set to 31337 here); BASEFEE is forced to 0 (anvil runs with a zero base fee too);
  revert data comes only inside the error text (parsed here); no block hashes or state roots exist.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from sim.node.backend import DEV_BALANCE_WEI, BackendError
from sim.node.chain import BlockResult, ChainError, Log, TxRequest, TxResult, Wallet
from sim.node.rpc import RpcError

SPEC = "Cancun"  # anvil runs with --hardfork cancun
BLOCK_GAS_LIMIT = 30_000_000_000
_REVERT = re.compile(r"Revert \{ gas_used: (\d+), output: 0x([0-9a-fA-F]*) \}")
_HALT = re.compile(r"Halt \{ reason: (\w+), gas_used: (\d+) \}")
# The journal's state as pyrevm 0.3.7 prints it (`EVM.journal_str`, revm 8's Debug of JournaledState).
_ACCOUNT = re.compile(
    r"(0x[0-9a-f]{40}): Account \{ info: AccountInfo \{ balance: (\d+), nonce: (\d+), "
    r"code_hash: (0x[0-9a-f]{64}), code: .*?\}, storage: \{(.*?)\}, status: AccountStatus\(([^)]*)\) \}"
)
_SLOT = re.compile(r"(\d+): StorageSlot \{ previous_or_original_value: \d+, present_value: (\d+) \}")
EMPTY_CODE_HASH = "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
COMPACT_EVERY = 20_000  # transactions between two moves of the state into a fresh EVM


class CompactionError(RuntimeError):
    """The journal's state could not be read back (a pyrevm whose printout differs from 0.3.7's)."""


def _pyrevm() -> Any:
    try:
        import pyrevm
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise BackendError(
            "the in-process backend needs pyrevm (pip install 'pyrevm==0.3.7', or `make setup`); "
            "or run on anvil with --backend anvil."
        ) from exc
    return pyrevm


@dataclass
class _Failure:
    gas_used: int
    output: bytes


def _failure(message: str) -> _Failure | None:
    """A reverted or halted execution, from pyrevm's error text (its only carrier of revert data)."""
    match = _REVERT.search(message)
    if match is not None:
        return _Failure(int(match.group(1)), bytes.fromhex(match.group(2)))
    match = _HALT.search(message)
    if match is not None:
        return _Failure(int(match.group(2)), b"")
    return None


@dataclass
class InProcessBackend:
    """revm in this process. Blocks, timestamps, nonces and receipts follow anvil's; gas is not exact."""

    evm: Any
    chain_id: int
    timestamp: int
    number: int = 0
    base_fee: int = 0
    compact_every: int = COMPACT_EVERY
    calls_made: int = field(default=0, init=False)
    compactions: int = field(default=0, init=False)
    _since_compaction: int = 0
    # The state as of the last compaction (address -> balance, nonce, code, non-zero slots): the fresh EVM's
    # database, which pyrevm cannot list back.
    _state: dict[str, tuple[int, int, bytes | None, dict[int, int]]] = field(default_factory=dict)
    _nonces: dict[bytes, int] = field(default_factory=dict)
    _hex: dict[bytes, str] = field(default_factory=dict)
    _addresses: dict[str, bytes] = field(default_factory=dict)
    _reverts: dict[bytes, bytes] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        genesis_timestamp: int,
        prefunded: Sequence[bytes],
        chain_id: int,
        compact_every: int | None = None,
    ) -> InProcessBackend:
        """A fresh EVM at block 0 (`genesis_timestamp`), each `prefunded` address holding what anvil gives its
        development accounts; its state moves to a fresh EVM every `compact_every` transactions (default
        COMPACT_EVERY; 0 never)."""
        pyrevm = _pyrevm()
        env = pyrevm.Env(
            cfg=pyrevm.CfgEnv(chain_id=chain_id),
            block=pyrevm.BlockEnv(
                number=0, timestamp=genesis_timestamp, basefee=0, gas_limit=BLOCK_GAS_LIMIT
            ),
        )
        backend = cls(pyrevm.EVM(env=env, spec_id=SPEC), chain_id, genesis_timestamp)
        backend.compact_every = COMPACT_EVERY if compact_every is None else compact_every
        backend.fund(prefunded, DEV_BALANCE_WEI)
        return backend

    # -- addresses as pyrevm wants them (hex strings), converted once each
    def _h(self, address: bytes) -> str:
        text = self._hex.get(address)
        if text is None:
            text = self._hex[address] = "0x" + address.hex()
        return text

    def _b(self, text: str) -> bytes:
        """20 bytes of a "0x..." address in any letter case (pyrevm checksums what it returns)."""
        raw = self._addresses.get(text)
        if raw is None:
            raw = self._addresses[text] = bytes.fromhex(text[2:])
        return raw

    # -- blocks
    def send_block(self, txs: Sequence[TxRequest], timestamp: int | None = None) -> BlockResult:
        if timestamp is None:
            timestamp = self.timestamp + 1
        number = self.number + 1
        pyrevm = _pyrevm()
        evm = self.evm
        evm.set_block_env(
            pyrevm.BlockEnv(number=number, timestamp=timestamp, basefee=0, gas_limit=BLOCK_GAS_LIMIT)
        )
        self._reverts.clear()
        results: list[TxResult] = []
        log_index = 0
        nonces = self._nonces
        for index, request in enumerate(txs):
            sender = request.sender.address
            nonce = nonces.get(sender, 0)
            if request.sender.nonce != nonce:  # nothing after this transaction ran; its nonce is unchanged
                raise ChainError(
                    f"transaction {index} of the block (agent {request.tag or '?'}) was refused: nonce "
                    f"{request.sender.nonce} where the chain expects {nonce}"
                )
            tx_hash = ((number << 32) | index).to_bytes(32, "big")  # unique in the run; no signatures here
            result = self._execute(request, nonce, index, tx_hash, log_index)
            log_index += len(result.logs)
            results.append(result)
            nonces[sender] = nonce + 1
            request.sender.nonce += 1
        self.number = number
        self.timestamp = timestamp
        self._since_compaction += len(txs)
        if self.compact_every and self._since_compaction >= self.compact_every:
            self.compact()
        return BlockResult(number, timestamp, tuple(results))

    def compact(self) -> None:
        """Move the state (balances, nonces, code, storage) into a fresh EVM and drop the old journal and logs,
        which pyrevm never frees. Between blocks only: nothing of a transaction is pending."""
        pyrevm = _pyrevm()
        text = self.evm.journal_str
        start = text.find("state: {")
        end = text.find(", transient_storage: {")
        if not text.startswith("JournaledState {") or start < 0 or end < 0:
            raise CompactionError(
                "cannot read the in-process EVM's state back from pyrevm's journal (its printout is not the "
                "one pyrevm 0.3.7 gives): install pyrevm==0.3.7 (`make setup`), or run with --backend anvil."
            )
        # The journal holds what was loaded since the last compaction; the rest is where that one left it.
        state = self._state
        for match in _ACCOUNT.finditer(text, start, end):
            address, balance, nonce, code_hash, storage, _status = match.groups()
            known = state.get(address)
            slots = dict(known[3]) if known is not None else {}
            slots.update((int(k), int(v)) for k, v in _SLOT.findall(storage))
            code = (
                (known[2] if known is not None and known[2] is not None else self.evm.get_code(address))
                if code_hash != EMPTY_CODE_HASH
                else None
            )
            state[address] = (int(balance), int(nonce), code, {k: v for k, v in slots.items() if v})
        del text
        env = pyrevm.Env(
            cfg=pyrevm.CfgEnv(chain_id=self.chain_id),
            block=pyrevm.BlockEnv(
                number=self.number, timestamp=self.timestamp, basefee=0, gas_limit=BLOCK_GAS_LIMIT
            ),
        )
        fresh = pyrevm.EVM(env=env, spec_id=SPEC)
        for address, (balance, nonce, code, slots) in state.items():
            if not (balance or nonce or code or slots):
                continue
            fresh.insert_account_info(address, pyrevm.AccountInfo(balance=balance, nonce=nonce, code=code))
            for key, value in slots.items():
                fresh.insert_account_storage(address, key, value)
        self.evm = fresh
        self.compactions += 1
        self._since_compaction = 0

    def _execute(
        self, request: TxRequest, nonce: int, index: int, tx_hash: bytes, log_index: int
    ) -> TxResult:
        evm = self.evm
        sender = self._h(request.sender.address)
        created: bytes | None = None
        try:
            if request.to is None:
                self._set_nonce(sender, nonce)
                created = self._b(evm.deploy(sender, request.data, value=request.value, gas=request.gas))
            else:
                evm.message_call(
                    sender, self._h(request.to), request.data, value=request.value, gas=request.gas
                )
        except RuntimeError as exc:
            failure = _failure(str(exc))
            if failure is None:  # refused before execution (a balance too low for the value)
                raise ChainError(
                    f"transaction {index} of the block (agent {request.tag or '?'}) was refused: {exc}"
                ) from None
            evm.reset_transient_storage()
            self._reverts[tx_hash] = failure.output
            return TxResult(request, tx_hash, index, False, failure.gas_used, (), None)
        evm.reset_transient_storage()
        outcome = evm.result
        logs = tuple(
            Log(self._b(entry.address), tuple(topics), data, log_index + i, index)
            for i, entry in enumerate(outcome.logs)
            for topics, data in (entry.data,)
        )
        return TxResult(request, tx_hash, index, True, outcome.gas_used, logs, created)

    def _set_nonce(self, sender: str, nonce: int) -> None:
        info = self.evm.basic(sender)
        pyrevm = _pyrevm()
        self.evm.insert_account_info(sender, pyrevm.AccountInfo(balance=info.balance, nonce=nonce))

    def revert_data(self, tx_hash: bytes) -> bytes:
        return self._reverts.get(tx_hash, b"")

    def revert_data_many(self, tx_hashes: Sequence[bytes]) -> list[bytes]:
        return [self._reverts.get(h, b"") for h in tx_hashes]

    # -- reads: direct calls on the latest state, inside a snapshot that is reverted (nothing stays warm)
    def call(self, to: bytes, data: bytes, block: str = "latest", sender: bytes | None = None) -> bytes:
        out = self.calls([(to, data)], block, sender)[0]
        if isinstance(out, RpcError):
            raise out
        return out

    def calls(
        self, requests: Sequence[tuple[bytes, bytes]], block: str = "latest", sender: bytes | None = None
    ) -> list[bytes | RpcError]:
        if block != "latest":
            raise ValueError(f"the in-process backend reads the latest state only, not {block!r}")
        if not requests:
            return []
        self.calls_made += 1
        evm = self.evm
        caller = self._h(sender or bytes(20))
        out: list[bytes | RpcError] = []
        checkpoint = evm.snapshot()
        try:
            for to, data in requests:
                try:
                    out.append(evm.message_call(caller, self._h(to), data))
                except RuntimeError as exc:
                    failure = _failure(str(exc))
                    revert = failure.output if failure is not None else b""
                    out.append(
                        RpcError(
                            "eth_call",
                            {"message": f"execution reverted: {exc}", "code": 3, "data": "0x" + revert.hex()},
                        )
                    )
        finally:
            evm.revert(checkpoint)
        return out

    # -- accounts
    def sync_nonce(self, wallet: Wallet) -> None:
        wallet.nonce = self._nonces.get(wallet.address, 0)

    def fund(self, addresses: Sequence[bytes], wei: int) -> None:
        for address in addresses:
            self.evm.set_balance(self._h(address), wei)

    def describe(self) -> dict[str, Any]:
        return {
            "name": "revm",
            "library": "pyrevm",
            "version": metadata.version("pyrevm"),
            "spec": SPEC,
            "gas_exact": False,
        }

    def close(self) -> None:
        self.evm = None
