"""Scenarios as data: the pydantic schema, seeded draws, price paths and what-if variants."""
