"""Across and within runs: cascade attribution, compare, sweep and the parallel batch runner."""
