"""What a run writes as it goes: per-block metrics, the recorder, agent PnL."""
