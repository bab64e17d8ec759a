"""cascade-sim: a DeFi stress-test lab on a local EVM devnet."""

__version__ = "0.1.0"
