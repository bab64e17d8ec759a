"""Independent random streams. A run has one seed; every consumer (each asset's price path, each market
value drawn at deployment, each agent population, each agent's per-block choices) draws from its own stream,
spawned from the seed by a stable name, so that adding, removing or reordering one consumer changes no other's
draws: compare and sweep then measure only what they vary."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np


def stream_key(name: str) -> int:
    """A stable 128-bit number for a stream's name (the same on every machine and Python version)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:16], "big")


@dataclass(frozen=True)
class Streams:
    """The run's streams: `get(name)` is a fresh generator, the same for the same seed and name."""

    seed: int

    def get(self, name: str) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(entropy=self.seed, spawn_key=(stream_key(name),)))

    def price_path(self, asset: str) -> np.random.Generator:
        return self.get(f"price_path:{asset}")

    def market(self, item: str) -> np.random.Generator:
        """A value drawn while deploying the market (`pool:<name>`, `lending:<market>:<asset>`, ...)."""
        return self.get(f"market:{item}")

    def population(self, label: str) -> np.random.Generator:
        """The parameter draws and per-agent choices of one population (by its name, else its kind)."""
        return self.get(f"population:{label}")

    def agent(self, name: str) -> np.random.Generator:
        """One agent's choices while the blocks run."""
        return self.get(f"agent:{name}")
