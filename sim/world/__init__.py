"""The simulator's view of on-chain state, kept current from events: pools and each protocol's view."""
