"""What each agent's transactions did on chain, counted from receipts and decoded events (never from what the
agent meant to do): transactions sent and reverted, liquidations that happened with the debt actually repaid
and the collateral actually seized, trades actually filled, redemptions, oracle updates."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sim.node.chain import to_address
from sim.node.events import Event
from sim.world.liquidations import BlockLiquidations
from sim.world.world import PoolView, World

WAD = 10**18
USD8 = 1e8


@dataclass
class AgentOutcomes:
    """Per agent name: counters of outcomes. `addresses` maps each agent to the addresses that act for it
    (its wallet and the contracts it deployed), to tell its fills from swaps others made in its transaction."""

    addresses: Mapping[str, frozenset[bytes]]
    counts: dict[str, dict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float))
    )

    def sent(self, tags: Iterable[str]) -> None:
        """The block's transactions, by the agent that sent them."""
        for tag in tags:
            self.counts[tag]["txs"] += 1

    def observe(self, events: list[Event], liquidations: BlockLiquidations, world: World) -> None:
        for liquidation in liquidations.liquidations:
            mine = self.counts[liquidation.agent]
            mine["liquidations"] += 1
            mine["repaid_usd" if liquidation.group is None else "proceeds_usd"] += liquidation.usd
        for event in events:
            if event.name == "TxFailed":
                self.counts[event.agent]["reverted"] += 1
            elif event.name == "LiquidationCall" and event.contract.startswith("lending:"):
                view = world.lending[event.contract.removeprefix("lending:")]
                collateral = view.by_token[to_address(event.args["collateralAsset"])]
                seized = view.usd(collateral, int(event.args["liquidatedCollateralAmount"]))
                self.counts[event.agent]["seized_usd"] += seized
            elif event.contract in world.pool_by_label and event.name in ("Swap", "TokenExchange"):
                self._fill(event, world.pool_by_label[event.contract], world)
            elif event.contract in world.pool_by_label and event.name in ("Mint", "Burn"):
                pool = world.pool_by_label[event.contract]
                key = "liquidity_added_usd" if event.name == "Mint" else "liquidity_removed_usd"
                self.counts[event.agent][key] += _pair_value(pool, event.args, world)
            elif event.name == "Redeem" and "usdeAmount" in event.args:
                self.counts[event.agent]["redemptions"] += 1
                self.counts[event.agent]["redeemed_usd"] += int(event.args["usdeAmount"]) / WAD
            elif event.name in ("PriceUpdated", "TwapUpdated") and event.contract.startswith("oracle:"):
                self.counts[event.agent]["oracle_updates"] += 1

    def _fill(self, event: Event, pool: PoolView, world: World) -> None:
        """A filled trade, if the agent's own wallet or contract traded (not a venue selling inside its call)."""
        args = event.args
        ours = self.addresses.get(event.agent, frozenset())
        if event.name == "Swap":
            if to_address(args["to"]) not in ours:
                return
            tokens = pool.info.tokens if pool.token0_first else tuple(reversed(pool.info.tokens))
            sold = [(tokens[0], int(args["amount0In"])), (tokens[1], int(args["amount1In"]))]
        else:
            if to_address(args["buyer"]) not in ours:
                return
            sold = [(pool.info.tokens[int(args["sold_id"])], int(args["tokens_sold"]))]
        mine = self.counts[event.agent]
        mine["trades"] += 1
        for asset, amount in sold:
            mine["sold_usd"] += amount / 10 ** world.market.decimals[asset] * world.reference.get(asset, 0.0)

    def of(self, agent: str) -> dict[str, float]:
        return dict(self.counts.get(agent, {}))


def _pair_value(pool: PoolView, args: Mapping[str, int], world: World) -> float:
    """A pair's Mint or Burn amounts at the reference prices."""
    tokens = pool.info.tokens if pool.token0_first else tuple(reversed(pool.info.tokens))
    return float(
        sum(
            int(args[f"amount{i}"]) / 10 ** world.market.decimals[asset] * world.reference.get(asset, 0.0)
            for i, asset in enumerate(tokens)
        )
    )
