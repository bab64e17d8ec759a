"""OracleKeeper: pushes reference prices to keeper-pushed oracle sources when Chainlink's rule says so
(deviation beyond the threshold or heartbeat elapsed), completes TWAP windows and pokes the circuit breaker."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.agents.base import Agent, BuildContext, Cause, SetupContext
from sim.market.builder import price8
from sim.mirrors.oracle import push_due
from sim.node.chain import TxRequest
from sim.node.contracts import Handle
from sim.scenario.kinds import AgentParams
from sim.world.world import World

# The synthetic dollar's collateral feeds: Chainlink's usual ETH/USD rule (1 hour or 0.1%).
SYNTHETIC_HEARTBEAT_S = 3600
SYNTHETIC_DEVIATION_BPS = 10


class OracleKeeperParams(AgentParams):
    """Pushes reference prices to pushed oracle sources when the deviation or heartbeat rule says so; which
    feeds, TWAP windows and breaker assets it serves comes from the scenario's oracles and mitigations."""


@dataclass(frozen=True)
class PushedFeed:
    oracle: str
    asset: str
    heartbeat: int
    deviation_bps: int


@dataclass
class OracleKeeper(Agent[OracleKeeperParams]):
    kind = "oracle_keeper"
    Params = OracleKeeperParams
    cause = Cause.EXOGENOUS

    feeds: list[PushedFeed] = field(default_factory=list)
    twaps: list[tuple[str, str, int]] = field(default_factory=list)  # (oracle, asset, window)
    breakers: list[tuple[str, str]] = field(default_factory=list)  # (breaker label, asset)
    last_push: dict[tuple[str, str], int] = field(default_factory=dict)
    priority: int = 1_000_000

    def bind(self, ctx: BuildContext, rng: np.random.Generator) -> None:
        scenario = ctx.scenario
        self.feeds = [
            PushedFeed(m.name, asset, s.heartbeat_s, s.deviation_bps)
            for m in scenario.lending
            for asset, s in m.oracle.items()
            if s.kind == "pushed"
        ]
        if scenario.synthetic is not None:
            self.feeds += [
                PushedFeed("synthetic", a, SYNTHETIC_HEARTBEAT_S, SYNTHETIC_DEVIATION_BPS)
                for a in scenario.synthetic.collateral
            ]
        self.twaps = [
            (m.name, a, s.window_s) for m in scenario.lending for a, s in m.oracle.items() if s.kind == "twap"
        ]
        for venue in scenario.venues:
            self.twaps += [
                (venue.name, a, v.oracle.window_s)
                for a, v in venue.collateral.items()
                if v.oracle.kind == "twap"
            ]
            if scenario.venue_mitigations(venue).circuit_breaker.enabled:
                self.breakers += [
                    (scenario.breaker_label(venue), a) for a in sorted(venue.collateral) if a != venue.quote
                ]

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        """The funder (every oracle's owner) appoints this keeper on the oracles it pushes to."""
        labels = sorted({f.oracle for f in self.feeds})
        return [
            ctx.market.oracles[label].tx(ctx.funder, "setKeeper", self.wallet.address, True, tag="setup")
            for label in labels
        ]

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        txs: list[TxRequest] = []
        market = world.market
        for feed in self.feeds:
            key = (feed.oracle, feed.asset)
            current = world.oracle_prices.get(key)
            reference = world.reference.get(feed.asset)
            if current is None or reference is None:
                continue
            price = price8(reference)
            updated_at = self.last_push.setdefault(key, world.timestamp)
            if (
                push_due(current, price, updated_at, world.timestamp, feed.heartbeat, feed.deviation_bps).due
                and price > 0
            ):
                oracle: Handle = market.oracles[feed.oracle]
                txs.append(
                    oracle.tx(
                        self.wallet, "pushPrice", market.tokens[feed.asset].address, price, tag=self.name
                    )
                )
                self.last_push[key] = world.timestamp
                self.count("attempted_pushes")
        for oracle_label, asset, window in self.twaps:
            key = (oracle_label, asset)
            # The set-up primed every TWAP one window before the start: its next window is due at block 0.
            started = self.last_push.setdefault(key, world.timestamp - window)
            if world.timestamp - started >= window:
                txs.append(
                    market.oracles[oracle_label].tx(
                        self.wallet, "updateTwap", market.tokens[asset].address, tag=self.name
                    )
                )
                self.last_push[key] = world.timestamp
        txs += [
            market.contracts[label].tx(self.wallet, "checkAndPause", market.tokens[a].address, tag=self.name)
            for label, a in self.breakers
        ]
        return txs
