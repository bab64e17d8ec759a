"""Scenario -> deployed contracts: the market builder and deployment records."""
