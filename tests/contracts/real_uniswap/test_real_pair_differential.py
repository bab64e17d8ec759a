"""Our ConstantProductPool against the real Uniswap v2 pair bytecode: the same Hypothesis sequences (mints, swaps
both ways, flash swaps, burns, skims, syncs, the protocol fee switched on and off, time passing) drive both in
the same blocks through the real IUniswapV2Pair ABI, and every return value, event, reserve, TWAP accumulator,
kLast and balance must be equal.

The documented differences (ConstantProductPool's NatSpec), asserted as exactly that:
- MINIMUM_LIQUIDITY is minted to 0x...dEaD instead of address(0): the first mint's Transfer goes there, and that
  address holds the 1000 locked shares (our ERC20 refuses to mint to zero).
- reverts carry custom errors instead of v2's strings: REVERT_NAMES maps each of v2's messages to our error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from sim.mirrors.cpmm import get_amount_out
from sim.node.abi import PANIC_SELECTOR
from sim.node.chain import Log, TxRequest, Wallet

from ..evmnet import ZERO, campaign, custom_error, error_string, tally
from .conftest import BORROWER_ABI, FACTORY_ABI, OUR_PAIR_ABI, PAIR_ABI, ROLES, TOKEN_ABI, Pairs, Side

E18 = 10**18
TRANSFER = bytes.fromhex("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")

# v2's revert strings and the custom error (or panic) our pool raises in the same place.
REVERT_NAMES = {
    "UniswapV2: LOCKED": "Locked",
    "UniswapV2: INSUFFICIENT_OUTPUT_AMOUNT": "InsufficientOutputAmount",
    "UniswapV2: INSUFFICIENT_LIQUIDITY": "InsufficientLiquidity",
    "UniswapV2: INVALID_TO": "InvalidTo",
    "UniswapV2: INSUFFICIENT_INPUT_AMOUNT": "InsufficientInputAmount",
    "UniswapV2: K": "K",
    "UniswapV2: OVERFLOW": "Overflow",
    "UniswapV2: INSUFFICIENT_LIQUIDITY_MINTED": "InsufficientLiquidityMinted",
    "UniswapV2: INSUFFICIENT_LIQUIDITY_BURNED": "InsufficientLiquidityBurned",
    "UniswapV2: TRANSFER_FAILED": "TransferFailed",
    # v2's SafeMath against Solidity 0.8's checked arithmetic (Panic 0x11).
    "ds-math-sub-underflow": "Panic(0x11)",
    "ds-math-add-overflow": "Panic(0x11)",
    "ds-math-mul-overflow": "Panic(0x11)",
}

amounts = st.one_of(st.integers(1, 10**6), st.integers(10**12, 10**24), st.integers(10**24, 10**30))
roles = st.sampled_from(("lp1", "lp2", "trader"))


def our_error(data: bytes) -> str:
    if data[:4] == PANIC_SELECTOR:
        return f"Panic(0x{int.from_bytes(data[4:36], 'big'):02x})"
    return custom_error(data, OUR_PAIR_ABI) or f"unknown 0x{data[:4].hex()}"


@dataclass(frozen=True)
class Outcome:
    """What one side's action did: success, return value or revert name, and its normalized logs."""

    success: bool
    result: Any
    logs: tuple[tuple[str, tuple[bytes, ...], bytes], ...]


class RealPairDifferential(RuleBasedStateMachine):
    """Both pairs receive every action in the same block; after each, their whole observable state must match."""

    setup: Pairs
    counted = False  # only the Hypothesis campaign's sequences are counted

    def __init__(self) -> None:
        super().__init__()
        self.p = type(self).setup
        self.net = self.p.net
        self.snap = self.net.snapshot()
        self.clock = self.net.chain.timestamp
        self.fee_on = False
        self.counter = tally("uniswap_v2_pair")
        if self.counted:
            self.counter.sequences += 1

    def teardown(self) -> None:
        self.net.revert(self.snap)

    # ------------------------------------------------------------------ plumbing

    def _names(self, side: Side) -> dict[bytes, str]:
        names = {side.pair: "PAIR", side.factory: "FACTORY", side.borrower: "BORROWER", ZERO: "ZERO"}
        names.update({w.address: role.upper() for role, w in side.wallets.items()})
        names[self.p.token0] = "TOKEN0"
        names[self.p.token1] = "TOKEN1"
        if side.lock_holder != ZERO:
            # Documented difference: our MINIMUM_LIQUIDITY holder stands where v2 has address(0).
            names[side.lock_holder] = "ZERO"
        return names

    def _normalize(
        self, side: Side, logs: tuple[Log, ...]
    ) -> tuple[tuple[str, tuple[bytes, ...], bytes], ...]:
        names = self._names(side)
        padded = {b"\x00" * 12 + a: n.encode().ljust(32, b".") for a, n in names.items()}

        def word(w: bytes) -> bytes:
            return padded.get(w, w)

        out = []
        for log in logs:
            topics = tuple(word(t) for t in log.topics)
            data = b"".join(word(log.data[i : i + 32]) for i in range(0, len(log.data), 32))
            out.append((names.get(log.address, "0x" + log.address.hex()), topics, data))
        return tuple(out)

    def _tick(self, seconds: int = 1) -> int:
        self.clock += seconds
        return self.clock

    def _prepare(self, txs: list[TxRequest]) -> None:
        """A block of set-up transfers (tokens into the pairs, LP shares back to them); all must succeed."""
        results = self.net.block(txs, timestamp=self._tick())
        assert all(r.success for r in results)

    def _act(self, calls: dict[str, tuple[Wallet, bytes, bytes]], fn: str | None, seconds: int = 1) -> None:
        """Sends each side's call in one block (after an eth_call for its return value or revert data) and
        compares the outcomes."""
        outcomes: dict[str, Outcome] = {}
        previews = {}
        for name, (wallet, to, data) in calls.items():
            previews[name] = self.net.try_call(to, data, wallet.address)
        txs = [TxRequest(w, to, data, gas=3_000_000) for (w, to, data) in calls.values()]
        results = self.net.block(txs, timestamp=self._tick(seconds))
        for (name, (_, _, _)), tx in zip(calls.items(), results, strict=True):
            ok, returned = previews[name]
            assert ok == tx.success, f"{name}: eth_call and the mined transaction disagree"
            side = self.p.real if name == "real" else self.p.ours
            if ok:
                result: Any = PAIR_ABI.fn(fn).decode(returned) if fn else None
            elif name == "real":
                message = error_string(returned)
                result = REVERT_NAMES.get(message or "", f"unmapped {message!r}")
            else:
                result = our_error(returned)
            outcomes[name] = Outcome(tx.success, result, self._normalize(side, tx.logs))
        assert outcomes["ours"] == outcomes["real"]
        if self.counted:
            self.counter.steps += 1

    def _pair_calls(self, wallet_role: str, fn: str, *args: Any) -> dict[str, tuple[Wallet, bytes, bytes]]:
        calls = {}
        for side in (self.p.real, self.p.ours):
            resolved = [
                side.wallets[a[1:]].address if isinstance(a, str) and a.startswith("@") else a for a in args
            ]
            calls[side.name] = (side.wallets[wallet_role], side.pair, PAIR_ABI.fn(fn).encode(*resolved))
        return calls

    def _send_tokens(self, amount0: int, amount1: int) -> list[TxRequest]:
        mint = TOKEN_ABI.fn("mint")
        txs = []
        for side in (self.p.real, self.p.ours):
            for token, amount in ((self.p.token0, amount0), (self.p.token1, amount1)):
                if amount:
                    txs.append(TxRequest(self.net.deployer, token, mint.encode(side.pair, amount)))
        return txs

    def _reserves(self) -> tuple[int, int]:
        r0, r1, _ = PAIR_ABI.fn("getReserves").decode(
            self.net.call(self.p.real.pair, PAIR_ABI.fn("getReserves").encode())
        )
        return r0, r1

    def _lp_balance(self, side: Side, role: str) -> int:
        fn = PAIR_ABI.fn("balanceOf")
        out: int = fn.decode(self.net.call(side.pair, fn.encode(side.wallets[role].address)))[0]
        return out

    # ------------------------------------------------------------------ rules

    @initialize(amount0=st.integers(10**3, 10**27), amount1=st.integers(10**3, 10**27), role=roles)
    def first_mint(self, amount0: int, amount1: int, role: str) -> None:
        self._prepare(self._send_tokens(amount0, amount1))
        self._act(self._pair_calls(role, "mint", "@" + role), "mint")

    @rule(amount0=amounts, amount1=amounts, role=roles)
    def mint(self, amount0: int, amount1: int, role: str) -> None:
        self._prepare(self._send_tokens(amount0, amount1))
        self._act(self._pair_calls(role, "mint", "@" + role), "mint")

    @rule(role=roles, share=st.integers(0, 10_000))
    def burn(self, role: str, share: int) -> None:
        transfer = PAIR_ABI.fn("transfer")
        txs = []
        for side in (self.p.real, self.p.ours):
            amount = self._lp_balance(side, role) * share // 10_000
            txs.append(TxRequest(side.wallets[role], side.pair, transfer.encode(side.pair, amount)))
        self._prepare(txs)
        self._act(self._pair_calls(role, "burn", "@" + role), "burn")

    @rule(
        zero_for_one=st.booleans(),
        amount_in=amounts,
        ask_more=st.sampled_from((0, 0, 0, 1, -1, -(10**6))),
        seconds=st.sampled_from((1, 1, 12, 3600, 86_400 * 30)),
    )
    def swap(self, zero_for_one: bool, amount_in: int, ask_more: int, seconds: int) -> None:
        r0, r1 = self._reserves()
        if r0 == 0 or r1 == 0:
            return
        out = max(
            0, get_amount_out(amount_in, r0 if zero_for_one else r1, r1 if zero_for_one else r0) + ask_more
        )
        self._prepare(self._send_tokens(amount_in, 0) if zero_for_one else self._send_tokens(0, amount_in))
        outs = (0, out) if zero_for_one else (out, 0)
        self._act(self._pair_calls("trader", "swap", *outs, "@trader", b""), None, seconds)

    @rule(
        out0=st.integers(0, 10**24),
        out1=st.integers(0, 10**24),
        fee_cut=st.sampled_from((0, 0, 1, 10**6)),
        reenter=st.sampled_from((False, False, False, True)),
    )
    def flash_swap(self, out0: int, out1: int, fee_cut: int, reenter: bool) -> None:
        """Borrow both tokens in a flash swap and repay the 0.3% fee (minus `fee_cut` wei: K must refuse)."""
        r0, r1 = self._reserves()
        if r0 == 0 or r1 == 0:
            return
        out0, out1 = out0 % r0, out1 % r1
        repay0 = out0 + (out0 * 3 + 996) // 997 + 1
        repay1 = max(0, out1 + (out1 * 3 + 996) // 997 + 1 - fee_cut)
        borrow = BORROWER_ABI.fn("borrow")
        calls = {
            side.name: (
                side.wallets["trader"],
                side.borrower,
                borrow.encode(side.pair, out0, out1, repay0, repay1, reenter),
            )
            for side in (self.p.real, self.p.ours)
        }
        self._act(calls, None)

    @rule(amount0=amounts, amount1=amounts, skim=st.booleans())
    def donate_then_skim_or_sync(self, amount0: int, amount1: int, skim: bool) -> None:
        self._prepare(self._send_tokens(amount0 % 10**27, amount1 % 10**27))
        if skim:
            self._act(self._pair_calls("lp2", "skim", "@lp2"), None)
        else:
            self._act(self._pair_calls("lp2", "sync"), None)

    @rule(on=st.booleans())
    def switch_protocol_fee(self, on: bool) -> None:
        set_fee_to = FACTORY_ABI.fn("setFeeTo")
        txs = [
            TxRequest(
                self.net.deployer,
                side.factory,
                set_fee_to.encode(side.wallets["fee_to"].address if on else ZERO),
            )
            for side in (self.p.real, self.p.ours)
        ]
        self._prepare(txs)
        self.fee_on = on

    # ------------------------------------------------------------------ the whole observable state

    def _state(self, side: Side) -> dict[str, Any]:
        p = self.p
        views: list[tuple[str, bytes, bytes, Any]] = [
            ("reserves", side.pair, PAIR_ABI.fn("getReserves").encode(), PAIR_ABI.fn("getReserves")),
            (
                "price0CumulativeLast",
                side.pair,
                PAIR_ABI.fn("price0CumulativeLast").encode(),
                PAIR_ABI.fn("price0CumulativeLast"),
            ),
            (
                "price1CumulativeLast",
                side.pair,
                PAIR_ABI.fn("price1CumulativeLast").encode(),
                PAIR_ABI.fn("price1CumulativeLast"),
            ),
            ("kLast", side.pair, PAIR_ABI.fn("kLast").encode(), PAIR_ABI.fn("kLast")),
            ("totalSupply", side.pair, PAIR_ABI.fn("totalSupply").encode(), PAIR_ABI.fn("totalSupply")),
            (
                "locked shares",
                side.pair,
                PAIR_ABI.fn("balanceOf").encode(side.lock_holder),
                PAIR_ABI.fn("balanceOf"),
            ),
            (
                "pair's own shares",
                side.pair,
                PAIR_ABI.fn("balanceOf").encode(side.pair),
                PAIR_ABI.fn("balanceOf"),
            ),
            ("token0 held", p.token0, TOKEN_ABI.fn("balanceOf").encode(side.pair), TOKEN_ABI.fn("balanceOf")),
            ("token1 held", p.token1, TOKEN_ABI.fn("balanceOf").encode(side.pair), TOKEN_ABI.fn("balanceOf")),
            (
                "borrower token0",
                p.token0,
                TOKEN_ABI.fn("balanceOf").encode(side.borrower),
                TOKEN_ABI.fn("balanceOf"),
            ),
            (
                "borrower token1",
                p.token1,
                TOKEN_ABI.fn("balanceOf").encode(side.borrower),
                TOKEN_ABI.fn("balanceOf"),
            ),
        ]
        for role in ROLES:
            address = side.wallets[role].address
            views.append(
                (
                    f"{role} shares",
                    side.pair,
                    PAIR_ABI.fn("balanceOf").encode(address),
                    PAIR_ABI.fn("balanceOf"),
                )
            )
            views.append(
                (
                    f"{role} token0",
                    p.token0,
                    TOKEN_ABI.fn("balanceOf").encode(address),
                    TOKEN_ABI.fn("balanceOf"),
                )
            )
            views.append(
                (
                    f"{role} token1",
                    p.token1,
                    TOKEN_ABI.fn("balanceOf").encode(address),
                    TOKEN_ABI.fn("balanceOf"),
                )
            )
        replies = self.net.reads([(to, data) for _, to, data, _ in views])
        decoded = {name: fn.decode(reply) for (name, _, _, fn), reply in zip(views, replies, strict=True)}
        return {name: value[0] if len(value) == 1 else value for name, value in decoded.items()}

    @invariant()
    def same_state(self) -> None:
        assert self._state(self.p.ours) == self._state(self.p.real)


@pytest.mark.fuzz
def test_our_pair_matches_the_real_uniswap_v2_pair(pairs: Pairs) -> None:
    RealPairDifferential.setup = pairs
    RealPairDifferential.counted = True
    run_state_machine_as_test(
        RealPairDifferential, settings=campaign(ci_examples=50, ci_steps=30, deep_examples=500, deep_steps=60)
    )


@pytest.mark.parametrize(
    ("amount_in", "reserve_in", "reserve_out", "expected"),
    [
        (1, 5, 10, 1662497915624478906),
        (1, 10, 5, 453305446940074565),
        (2, 5, 10, 2851015155847869602),
        (2, 10, 5, 831248957812239453),
        (1, 10, 10, 906610893880149131),
        (1, 100, 100, 987158034397061298),
        (1, 1000, 1000, 996006981039903216),
    ],
)
def test_published_vectors_on_both_pairs(
    pairs: Pairs, amount_in: int, reserve_in: int, reserve_out: int, expected: int
) -> None:
    """v2-core's swap test vectors: the exact output passes on both pairs and one wei more fails on both."""
    for ask_more in (1, 0):
        machine = RealPairDifferential()
        try:
            machine.first_mint(reserve_in * E18, reserve_out * E18, "lp1")
            machine._prepare(machine._send_tokens(amount_in * E18, 0))
            before = machine._state(pairs.real)["trader token1"]
            machine._act(machine._pair_calls("trader", "swap", 0, expected + ask_more, "@trader", b""), None)
            received = machine._state(pairs.real)["trader token1"] - before
            assert received == (0 if ask_more else expected)
            machine.same_state()
        finally:
            machine.teardown()
