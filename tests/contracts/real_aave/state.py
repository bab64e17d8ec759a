"""Reads a whole market's state in one JSON-RPC batch, in the model's terms (model.MarketState), through each
market's own ABI: Aave's IPool, aToken and debt token for the real market; IPool, IPoolLens for ours. Also reads
the views the model predicts (getUserAccountData, the normalized indexes)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.mirrors.lending import ReserveState
from sim.node.abi import ContractAbi
from sim.node.artifacts import load_artifact

from .conftest import AAVE_ATOKEN, AAVE_DEBT, AAVE_POOL, OURS, Markets
from .model import TREASURY, Config, MarketState, User

LENS = ContractAbi.from_abi(load_artifact("IPoolLens").abi)
# getReserveState's struct fields, by name, in ABI order.
RESERVE_FIELDS = tuple(
    c["name"]
    for e in load_artifact("IPoolLens").abi
    if e.get("name") == "getReserveState"
    for c in e["outputs"][0]["components"]
)
OUR_POOL = OURS["LendingPool"]
TOKEN = OURS["MockERC20"]


@dataclass(frozen=True)
class Reading:
    """A market as read: its state, each role's getUserAccountData and each reserve's normalized indexes."""

    state: MarketState
    accounts: dict[str, tuple[int, ...]]
    indexes: dict[str, tuple[int, int]]  # (normalized income, normalized variable debt)


def roles(m: Markets, side: str) -> dict[str, bytes]:
    """The model's user names -> this market's addresses: users "0", "1", "2" (the liquidator) and the treasury."""
    users = m.real_users if side == "real" else m.our_users
    return {**{str(i): w.address for i, w in enumerate(users)}, TREASURY: m.treasury.address}


def _word(data: bytes, i: int = 0) -> int:
    return int.from_bytes(data[32 * i : 32 * i + 32], "big")


def read(m: Markets, side: str, config: Config) -> Reading:
    real = side == "real"
    pool = m.real if real else m.ours
    assets = list(config.listings)
    who = roles(m, side)
    requests: list[tuple[bytes, bytes]] = []
    for s in assets:
        token = m.tokens[s]
        if real:
            requests += [
                (pool, AAVE_POOL.fn("getReserveData").encode(token)),
                (m.a_tokens[s], AAVE_ATOKEN.fn("scaledTotalSupply").encode()),
                (m.debt_tokens[s], AAVE_DEBT.fn("scaledTotalSupply").encode()),
                (token, TOKEN.fn("balanceOf").encode(m.a_tokens[s])),
            ]
        else:
            requests.append((pool, LENS.fn("getReserveState").encode(token)))
        requests += [
            (pool, AAVE_POOL.fn("getReserveNormalizedIncome").encode(token)),
            (pool, AAVE_POOL.fn("getReserveNormalizedVariableDebt").encode(token)),
        ]
    for address in who.values():
        requests += [
            (pool, AAVE_POOL.fn("getUserConfiguration").encode(address)),
            (pool, AAVE_POOL.fn("getUserEMode").encode(address)),
            (pool, AAVE_POOL.fn("getUserAccountData").encode(address)),
        ]
        for s in assets:
            if real:
                requests += [
                    (m.a_tokens[s], AAVE_ATOKEN.fn("scaledBalanceOf").encode(address)),
                    (m.debt_tokens[s], AAVE_DEBT.fn("scaledBalanceOf").encode(address)),
                ]
            else:
                requests.append((pool, OUR_POOL.fn("getUserReserve").encode(address, m.tokens[s])))
    replies = iter(m.net.reads(requests))

    reserves: dict[str, ReserveState] = {}
    indexes: dict[str, tuple[int, int]] = {}
    for s in assets:
        factor = config.listings[s].reserve_factor
        if real:
            data = AAVE_POOL.fn("getReserveData").decode(next(replies))[0]
            supply, debt, cash = (_word(next(replies)) for _ in range(3))
            reserves[s] = ReserveState(
                liquidity_index=data[1],
                variable_borrow_index=data[3],
                liquidity_rate=data[2],
                borrow_rate=data[4],
                last_update=data[6],
                scaled_total_supply=supply,
                scaled_total_debt=debt,
                accrued_to_treasury=data[12],
                virtual_balance=cash,
                deficit=0,
                reserve_factor=factor,
            )
        else:
            v = LENS.fn("getReserveState").decode(next(replies))[0]
            f = dict(zip(RESERVE_FIELDS, v, strict=True))
            reserves[s] = ReserveState(
                liquidity_index=f["liquidityIndex"],
                variable_borrow_index=f["variableBorrowIndex"],
                liquidity_rate=f["currentLiquidityRate"],
                borrow_rate=f["currentVariableBorrowRate"],
                last_update=f["lastUpdateTimestamp"],
                scaled_total_supply=f["scaledTotalSupply"],
                scaled_total_debt=f["scaledTotalDebt"],
                accrued_to_treasury=f["accruedToTreasury"],
                virtual_balance=f["virtualUnderlyingBalance"],
                deficit=f["deficit"],
                reserve_factor=factor,
            )
        indexes[s] = (_word(next(replies)), _word(next(replies)))

    users: dict[str, User] = {}
    accounts: dict[str, tuple[int, ...]] = {}
    for name in who:
        config_word, emode = _word(next(replies)), _word(next(replies))
        accounts[name] = tuple(AAVE_POOL.fn("getUserAccountData").decode(next(replies)))
        user = User(emode=emode)
        for i, s in enumerate(assets):
            if real:
                scaled_supply, scaled_debt = _word(next(replies)), _word(next(replies))
            else:
                reply = next(replies)
                scaled_supply, scaled_debt = _word(reply, 2), _word(reply, 3)
            if scaled_supply:
                user.supply[s] = scaled_supply
            if scaled_debt:
                user.debt[s] = scaled_debt
            if (config_word >> (2 * i)) & 1:
                user.borrowing.add(s)
            if (config_word >> (2 * i + 1)) & 1:
                user.collateral.add(s)
        users[name] = user
    return Reading(MarketState(reserves, users), accounts, indexes)


def normalized(state: MarketState) -> MarketState:
    """The state with zero balances dropped, so a model's state compares equal to a reading."""
    users = {
        name: User(
            {a: v for a, v in u.supply.items() if v},
            {a: v for a, v in u.debt.items() if v},
            set(u.collateral),
            set(u.borrowing),
            u.emode,
        )
        for name, u in state.users.items()
    }
    return MarketState(dict(state.reserves), users)
