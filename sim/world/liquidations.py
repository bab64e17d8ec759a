"""A block's liquidations and bad debt as typed records, valued once from the decoded events at the block's
oracle answers: the metrics and the cascade attribution both take them from here."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sim.node.chain import to_address
from sim.node.events import Event
from sim.world.venue import VenueView
from sim.world.world import World


@dataclass(frozen=True)
class Liquidation:
    """One liquidation: a lending `LiquidationCall`, or a venue liquidation (`LiquidationStarted`, valued by
    the `LiquidationCompleted` of the same transaction)."""

    market: str  # "lending:<name>", or the venue's label ("venue", or "venue:<name>" among several)
    block: int
    tx_index: int
    log_index: int  # of the LiquidationCall / LiquidationStarted event
    agent: str  # who sent the transaction
    account: bytes
    group: int | None  # the venue's margin group (None on a lending market)
    collateral: str  # the asset seized on a lending market; "" on the venue, which sells every collateral
    usd: float  # lending: debt covered at the market's oracle; venue: sale proceeds at the quote's reference
    mode: str  # venue margin mode ("cross" or "isolated"); "" on a lending market

    @property
    def position(self) -> tuple[int, int]:
        """Where its event sits in the block."""
        return (self.tx_index, self.log_index)


@dataclass(frozen=True)
class BadDebt:
    """Debt left without collateral: a lending market's `DeficitCreated` or the venue's `BadDebt`."""

    market: str
    account: bytes
    asset: str
    usd: float
    mode: str  # venue margin mode; "" on a lending market


@dataclass
class BlockLiquidations:
    liquidations: list[Liquidation] = field(default_factory=list)
    bad_debts: list[BadDebt] = field(default_factory=list)
    # written-off debt paid back afterwards (the venue's repayDeficit), by the payer
    covered: list[BadDebt] = field(default_factory=list)

    def at(self) -> dict[tuple[int, int], Liquidation]:
        """The liquidations by the position of their event in the block."""
        return {liquidation.position: liquidation for liquidation in self.liquidations}


def liquidations_in(events: list[Event], world: World) -> BlockLiquidations:
    """The block's liquidations and bad debt, in event order, valued at the world's current prices."""
    out = BlockLiquidations()
    started: dict[tuple[str, int], int] = {}  # (venue label, tx index) -> index into out.liquidations
    for event in events:
        if event.contract.startswith("lending:"):
            _lending(event, world, out)
        elif event.contract in world.venue_by_label:
            _venue(event, world.venue_by_label[event.contract], world, out, started)
    return out


def _lending(event: Event, world: World, out: BlockLiquidations) -> None:
    label = event.contract
    view = world.lending[label.removeprefix("lending:")]
    args = event.args
    if event.name == "LiquidationCall":
        debt = view.by_token[to_address(args["debtAsset"])]
        out.liquidations.append(
            Liquidation(
                market=label,
                block=event.block,
                tx_index=event.tx_index,
                log_index=event.log_index,
                agent=event.agent,
                account=to_address(args["user"]),
                group=None,
                collateral=view.by_token[to_address(args["collateralAsset"])],
                usd=view.usd(debt, int(args["debtToCover"])),
                mode="",
            )
        )
    elif event.name == "DeficitCreated":
        asset = view.by_token[to_address(args["debtAsset"])]
        usd = view.usd(asset, int(args["amountCreated"]))
        out.bad_debts.append(BadDebt(label, to_address(args["user"]), asset, usd, ""))


def _venue(
    event: Event, venue: VenueView, world: World, out: BlockLiquidations, started: dict[tuple[str, int], int]
) -> None:
    args = event.args
    if event.name == "LiquidationStarted":
        account = to_address(args["account"])
        started[(venue.label, event.tx_index)] = len(out.liquidations)
        out.liquidations.append(
            Liquidation(
                market=venue.label,
                block=event.block,
                tx_index=event.tx_index,
                log_index=event.log_index,
                agent=event.agent,
                account=account,
                group=int(args["group"]),
                collateral="",
                usd=0.0,
                mode=venue.mode_of(account),
            )
        )
    elif event.name == "LiquidationCompleted" and (venue.label, event.tx_index) in started:
        i = started[(venue.label, event.tx_index)]
        unit = 10 ** venue.decimals[venue.quote]
        proceeds = float(int(args["proceeds"]) / unit * world.reference.get(venue.quote, 1.0))
        out.liquidations[i] = replace(out.liquidations[i], usd=out.liquidations[i].usd + proceeds)
    elif event.name == "DeficitRepaid":
        asset = venue.asset_of(to_address(args["asset"]))
        usd = int(args["amount"]) / 10 ** venue.decimals[asset] * world.reference.get(asset, 1.0)
        out.covered.append(BadDebt(venue.label, to_address(args["payer"]), asset, usd, ""))
    elif event.name == "BadDebt":
        asset = venue.asset_of(to_address(args["asset"]))
        usd = int(args["amount"]) / 10 ** venue.decimals[asset] * world.reference.get(asset, 1.0)
        account = to_address(args["account"])
        out.bad_debts.append(BadDebt(venue.label, account, asset, usd, venue.mode_of(account)))
