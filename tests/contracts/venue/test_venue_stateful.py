"""Stateful test: deposits, levered borrows, perp trades, price crashes (whale dumps into the thin pools, oracle
moves, each followed by a liquidation sweep as bots do), keeper pokes, time and liquidations by anyone, with the
circuit breaker on. Checked on every liquidation attempt:

- the venue never liquidates a healthy account (it reverts with NotLiquidatable);
- a cross liquidation sells every collateral asset the account held, in full; an isolated one only the
  failing groups', leaving the others untouched;
- a paused asset is never traded or liquidated (a success means no touched asset was paused at that second);

after every step: insurance accounting balances to the wei (funded + fees - shortfalls == insuranceFund());
after every liquidation and at the end of each example: the venue's token balances equal the accounts'
balances + the books' available liquidity + the insurance fund, and each book's borrowed equals the debts.
"""

from __future__ import annotations

from typing import Any

from ape.exceptions import ContractLogicError
from eth_utils import keccak, to_checksum_address
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from web3.exceptions import ContractCustomError as Web3CustomError

from .conftest import E6, E9, E18, USD

CROSS_ACCOUNTS = 2  # alice, bob; carol is isolated
fractions = st.integers(1, 100)
NOT_LIQUIDATABLE = keccak(text="NotLiquidatable(address,int256,uint256)")[:4]
ASSET_PAUSED = keccak(text="AssetPaused(address,uint256)")[:4]


def revert_data(chain: Any, contract: Any, method: str, args: list[Any], sender: Any) -> bytes | None:
    """The revert data of a call, or None when it succeeds: a raw eth_call, because ape traces and decodes
    every refusal (about a second each) and this machine refuses a lot."""
    data = getattr(contract, method).encode_input(*args)
    try:
        chain.provider.web3.eth.call({"to": contract.address, "from": sender.address, "data": data})
    except Web3CustomError as error:
        return bytes.fromhex(str(error.data)[2:])
    return None


def address_arg(data: bytes, index: int) -> str:
    return to_checksum_address(data[4 + 32 * index + 12 : 4 + 32 * (index + 1)])


def test_venue_invariants_hold_under_random_operations(
    venue: Any,
    breaker: Any,
    oracle: Any,
    tokens: dict[str, Any],
    pools: dict[str, Any],
    create_token: Any,
    deployer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    keeper: Any,
    liquidator: Any,
    chain: Any,
    fund: Any,
    deposit: Any,
    dump: Any,
) -> None:
    usdt, usde, wbeth, bnsol, weth = (tokens[s] for s in ("USDT", "USDe", "wBETH", "BNSOL", "WETH"))
    sol = create_token("SOL", 9)
    oracle.setFixedPrice(sol, 200 * USD, sender=deployer)
    # The venue's own marks: USDe at its thin pool's spot, BNSOL a 30% spot / 70% conversion-rate index.
    oracle.setPoolSpotSource(usde, pools["USDe"], usdt, sender=deployer)
    oracle.setIndexSource(bnsol, pools["BNSOL"], usdt, 3_000, sol, E18, sender=deployer)
    venue.setCircuitBreaker(breaker, sender=deployer)
    accounts = [alice, bob, carol]
    collateral = [usdt, usde, wbeth, bnsol]
    units = {usdt.address: E6, usde.address: E18, wbeth.address: E18 // 1_000, bnsol.address: E9 // 10}
    watched = [usdt, usde, wbeth, bnsol]
    loan_group, eth_group = 65, 1
    stats = {"liquidated": 0, "healthy_refused": 0, "paused_refused": 0, "trades": 0}
    # Fund and approve once, before the machine's snapshots: inside it every deposit is a single transaction.
    for account in (*accounts[:CROSS_ACCOUNTS], deployer):
        for token in collateral:
            fund(account, token, 10**9 * units[token.address])
    # Carol margins each risk on its own: a USDe-backed loan and a wBETH-backed ETH long.
    venue.setIsolatedMode(True, sender=carol)
    deposit(carol, usde, 10_000 * E18)
    deposit(carol, wbeth, 2 * E18)
    venue.allocateMargin(loan_group, usde, 10_000 * E18, sender=carol)
    venue.borrow(usdt, 7_000 * E6, sender=carol)
    venue.releaseMargin(loan_group, usdt, 7_000 * E6, sender=carol)
    venue.allocateMargin(eth_group, wbeth, 2 * E18, sender=carol)
    venue.openPosition(weth, 3 * E18, sender=carol)

    def holdings(account: Any) -> dict[int, dict[str, Any]]:
        """group -> {"balances": {asset: amount}, "debts": {...}, "positions": {market: size}}"""
        view = venue.getAccount(account)
        return {
            g.group: {
                "balances": {c[0]: c[1] for c in g.collaterals},
                "debts": {d[0]: d[1] for d in g.debts},
                "positions": {p[0]: p[1] for p in g.positions},
                "liquidatable": g.equity < g.maintenance,
            }
            for g in view.groups
        }

    def touched(group: dict[str, Any]) -> set[str]:
        assets = set(group["balances"]) | set(group["debts"]) | set(group["positions"])
        return assets - {usdt.address}

    class VenueMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = chain.snapshot()
            self.insurance = venue.insuranceFund()

        def teardown(self) -> None:
            try:
                self.check_ledgers()
            finally:
                chain.restore(self.snapshot)

        @initialize(
            amounts=st.lists(st.integers(1, 20_000), min_size=4, max_size=4),
            loans=st.lists(st.integers(50, 100), min_size=2, max_size=2),
            sizes=st.lists(st.integers(40, 100), min_size=2, max_size=2),
            longs=st.lists(st.booleans(), min_size=2, max_size=2),
        )
        def open_levered_accounts(
            self, amounts: list[int], loans: list[int], sizes: list[int], longs: list[bool]
        ) -> None:
            for who in range(CROSS_ACCOUNTS):
                for token, amount in zip(collateral, amounts, strict=True):
                    venue.deposit(token, amount * units[token.address], sender=accounts[who])
                self.borrow_and_withdraw(who, loans[who])
                self.trade(who, sizes[who], longs[who])

        def _headroom(self, account: Any) -> int:
            """Equity above the initial requirement, in USD (8 decimals)."""
            return int(venue.accountEquity(account)) - int(venue.initialRequirement(account))

        @rule(
            who=st.integers(0, CROSS_ACCOUNTS - 1),
            asset=st.sampled_from(range(4)),
            amount=st.integers(1, 5_000),
        )
        def deposit_more(self, who: int, asset: int, amount: int) -> None:
            token = collateral[asset]
            venue.deposit(token, amount * units[token.address], sender=accounts[who])

        @rule(who=st.integers(0, CROSS_ACCOUNTS - 1), fraction=fractions)
        def borrow_and_withdraw(self, who: int, fraction: int) -> None:
            account = accounts[who]
            # Borrowing USDT keeps equity and adds 10% IM; withdrawing it takes equity: amount <= headroom / 1.1.
            amount = self._headroom(account) * fraction // 120 // 100  # USD 8 decimals -> USDT 6 decimals
            if amount <= 0:
                return
            venue.borrow(usdt, amount, sender=account)
            venue.withdraw(usdt, amount, sender=account)

        @rule(who=st.integers(0, CROSS_ACCOUNTS - 1), fraction=fractions, long=st.booleans())
        def trade(self, who: int, fraction: int, long: bool) -> None:
            account = accounts[who]
            notional = self._headroom(account) * 10 * fraction // 110  # IM 10%, with a margin for rounding
            size = notional * E18 // oracle.getAssetPrice(weth)
            if size <= 0:
                return
            delta = size if long else -size
            if self._attempt("openPosition", [weth.address], weth.address, delta, sender=account):
                stats["trades"] += 1

        @rule(who=st.integers(0, CROSS_ACCOUNTS - 1), fraction=fractions)
        def reduce(self, who: int, fraction: int) -> None:
            account = accounts[who]
            size = venue.getPosition(account, weth).size
            delta = -size * fraction // 100
            if delta:
                self._attempt("openPosition", [weth.address], weth.address, delta, sender=account)

        @rule(asset=st.sampled_from(["USDe", "BNSOL"]), fraction=st.sampled_from([60, 30, 10, 90]))
        def whale_dumps(self, asset: str, fraction: int) -> None:
            token = tokens[asset]
            reserve0, reserve1, _ = pools[asset].getReserves()
            reserve = reserve0 if pools[asset].token0() == token.address else reserve1
            dump(pools[asset], token, reserve * fraction // 100)
            self.liquidate_everyone()  # liquidation bots sweep right after a move, as on a real venue

        @rule(
            asset=st.sampled_from(["WETH", "wBETH"]),
            change_bps=st.sampled_from([-2_500, -1_000, -4_000, -500, 500, 1_000]),
        )
        def oracle_moves(self, asset: str, change_bps: int) -> None:
            token = tokens[asset]
            price = oracle.getAssetPrice(token) * (10_000 + change_bps) // 10_000
            oracle.setFixedPrice(token, max(price, 1), sender=deployer)
            self.liquidate_everyone()

        @rule(asset=st.sampled_from(["USDe", "wBETH", "BNSOL", "WETH"]))
        def keeper_pokes(self, asset: str) -> None:
            breaker.checkAndPause(tokens[asset], sender=keeper)

        @rule(seconds=st.integers(1, 600))
        def time_passes(self, seconds: int) -> None:
            chain.mine(timestamp=chain.blocks.head.timestamp + seconds)

        @rule(amount=st.integers(1, 10_000))
        def fund_insurance(self, amount: int) -> None:
            venue.fundInsurance(amount * E6, sender=deployer)
            self.insurance += amount * E6

        def _attempt(self, method: str, assets: list[str], *args: Any, sender: Any) -> Any:
            """Send a trade or liquidation touching `assets`: it may only fail with AssetPaused on one of them,
            and when it succeeds none of them was paused at its second."""
            until = {a: breaker.pausedUntil(a) for a in assets}
            refusal = revert_data(chain, venue, method, list(args), sender)
            if refusal is None:
                try:
                    receipt = getattr(venue, method)(*args, sender=sender)
                except ContractLogicError as error:  # refused at the next second only: a pause edge
                    assert isinstance(error, venue.AssetPaused), error
                    refusal = ASSET_PAUSED + bytes(12) + bytes.fromhex(error.inputs["asset"][2:])
            if refusal is not None:
                assert refusal[:4] == ASSET_PAUSED, refusal.hex()
                assert address_arg(refusal, 0) in assets
                stats["paused_refused"] += 1
                return None
            assert all(u <= receipt.timestamp for u in until.values()), (until, receipt.timestamp)
            return receipt

        @rule()
        def liquidate_everyone(self) -> None:
            liquidated = stats["liquidated"]
            for account in accounts:
                self.liquidate(account)
            if stats["liquidated"] > liquidated:
                self.check_ledgers()

        def liquidate(self, account: Any) -> None:
            before = holdings(account)
            isolated = venue.isIsolated(account)
            candidates = {g: h for g, h in before.items() if (g != 0) == isolated}
            failing = {g: h for g, h in candidates.items() if h["liquidatable"]}
            if not failing:
                refusal = revert_data(chain, venue, "liquidate", [account.address], liquidator)
                assert refusal is not None and refusal[:4] == NOT_LIQUIDATABLE
                assert address_arg(refusal, 0) == account.address
                stats["healthy_refused"] += 1
                return
            assets = sorted(set().union(*(touched(h) for h in failing.values())))
            receipt = self._attempt("liquidate", assets, account.address, sender=liquidator)
            if receipt is None:
                return
            stats["liquidated"] += 1
            after = holdings(account)
            started = {e.group for e in receipt.decode_logs(venue.LiquidationStarted)}
            assert started == set(failing)
            sold = {(e.asset, e.amountIn) for e in receipt.decode_logs(venue.CollateralSold)}
            expected_sales: set[tuple[str, int]] = set()
            for g, h in failing.items():
                # Every non-quote balance is sold in full (less what repaid a debt in the same asset in kind).
                for asset, amount in h["balances"].items():
                    if asset != usdt.address:
                        in_kind = min(amount, h["debts"].get(asset, 0))
                        if amount > in_kind:
                            expected_sales.add((asset, amount - in_kind))
                group_after = after.get(g, {"balances": {}, "positions": {}})
                assert set(group_after["balances"]) <= {usdt.address}
                assert group_after["positions"] == {}
            assert sold == expected_sales
            for g, h in before.items():
                if g not in failing:
                    assert {k: after[g][k] for k in ("balances", "debts", "positions")} == {
                        k: h[k] for k in ("balances", "debts", "positions")
                    }
            for event in receipt.decode_logs(venue.LiquidationCompleted):
                self.insurance += event.fee
            for event in receipt.decode_logs(venue.InsuranceFundUsed):
                self.insurance -= event.quoteSpent

        @invariant()
        def insurance_accounting_balances(self) -> None:
            assert venue.insuranceFund() == self.insurance

        def check_ledgers(self) -> None:
            """Tokens held == accounts' balances + books' available + insurance; books' borrowed == debts.
            About a dozen calls: run after each liquidation and at the end of each example, not every step."""
            balances = {t.address: 0 for t in watched}
            debts = {t.address: 0 for t in watched}
            for account in accounts:
                for group in holdings(account).values():
                    for asset, amount in group["balances"].items():
                        balances[asset] += amount
                    for asset, amount in group["debts"].items():
                        debts[asset] += amount
            for token in watched:
                book = venue.getBook(token)
                extra = self.insurance if token == usdt else 0
                assert token.balanceOf(venue) == balances[token.address] + book.available + extra
                assert book.borrowed == debts[token.address]

    VenueMachine.TestCase.settings = settings(
        max_examples=20,
        stateful_step_count=12,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    run_state_machine_as_test(VenueMachine, settings=VenueMachine.TestCase.settings)
    assert all(stats.values()), stats  # every path was taken: liquidations, both refusals, trades
