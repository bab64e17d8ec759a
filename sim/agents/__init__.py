"""Agents: small classes that read the world and return transactions for the next block, one module per kind.
Importing this package imports every module in it, which registers each kind (its class and parameter model)."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
