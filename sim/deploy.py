"""Deploy the default market with ape: tokens first; each protocol adds itself here as it lands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TokenSpec:
    symbol: str
    name: str
    decimals: int


DEFAULT_TOKENS: tuple[TokenSpec, ...] = (
    TokenSpec("USDC", "USD Coin", 6),
    TokenSpec("USDT", "Tether USD", 6),
    TokenSpec("WETH", "Wrapped Ether", 18),
    TokenSpec("wBETH", "Wrapped Beacon ETH", 18),
    TokenSpec("ALT", "Altcoin", 18),
    TokenSpec("USDe", "USDe (placeholder)", 18),
)


def deploy_default_market(project: Any, deployer: Any) -> dict[str, str]:
    """Deploy every contract of the default market from `deployer`; return addresses by name."""
    addresses: dict[str, str] = {}
    for spec in DEFAULT_TOKENS:
        token = project.MockERC20.deploy(spec.name, spec.symbol, spec.decimals, sender=deployer)
        addresses[spec.symbol] = str(token.address)
    return addresses
