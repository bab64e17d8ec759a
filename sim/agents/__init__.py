"""Agents: small classes that read the world and return transactions for the next block."""
