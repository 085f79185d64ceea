"""Every casework module that defines tables, imported so SQLModel's metadata knows them all (Alembic,
create_all). Tables live beside the domain code that owns them."""

from __future__ import annotations

import importlib
import pkgutil

import casework


def import_all_tables() -> None:
    for module in pkgutil.iter_modules(casework.__path__):
        importlib.import_module(f"casework.{module.name}")
