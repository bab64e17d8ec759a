"""The deployed market: every contract by role, the simulator's address book."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.node.contracts import Handle


@dataclass(frozen=True)
class PoolInfo:
    name: str
    kind: str
    handle: Handle
    tokens: tuple[str, ...]
    router: str = "router"  # the Market.contracts key of the router that trades a constant-product pair


@dataclass
class Market:
    """Every deployed contract by role; the simulator's address book."""

    tokens: dict[str, Handle] = field(default_factory=dict)
    decimals: dict[str, int] = field(default_factory=dict)
    pools: dict[str, PoolInfo] = field(default_factory=dict)
    oracles: dict[str, Handle] = field(default_factory=dict)
    contracts: dict[str, Handle] = field(default_factory=dict)

    def units(self, asset: str, amount: float) -> int:
        """Whole-token amount -> integer base units."""
        return round(amount * int(10 ** self.decimals[asset]))

    def labelled(self) -> dict[str, Handle]:
        """One label per address; a contract that is also a token (the synthetic dollar, its vault) keeps its
        token label, so that its Transfer events update balances like any other token's."""
        token_addresses = {h.address for h in self.tokens.values()}
        out = {label: h for label, h in self.contracts.items() if h.address not in token_addresses}
        out |= {f"token:{k}": v for k, v in self.tokens.items()}
        out |= {f"pool:{k}": v.handle for k, v in self.pools.items()}
        out |= {f"oracle:{k}": v for k, v in self.oracles.items()}
        return out

    def addresses(self) -> dict[str, str]:
        """The address book by name, role aliases included (`synthetic` is also `token:USDe`)."""
        named = self.labelled() | self.contracts
        return {label: handle.hex for label, handle in sorted(named.items())}
