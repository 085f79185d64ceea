"""Alembic environment: the metadata of casework.models; the URL from DATABASE_URL or the caller.

Plain Alembic, one transaction per run on PostgreSQL (a failed migration leaves nothing half-made);
batch mode on SQLite (ALTER TABLE is limited there)."""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

from casework.tables import import_all_tables
from casework.database import make_engine

import_all_tables()  # tables live in several casework modules (models, registers, deadlines...)
import notices.models  # noqa: E402,F401  the 业务通告单 tables (notices/, standard 6.7)
config = context.config
target_metadata = SQLModel.metadata


def render_item(type_, obj, autogen_context):
    # sqlmodel's AutoString would need an import in every revision: render it as a plain String
    if type_ == "type" and obj.__class__.__name__ == "AutoString":
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    if type_ == "type" and obj.__class__.__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def url() -> str:
    return config.attributes.get("url") or os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")


def run_migrations_offline() -> None:
    context.configure(url=url(), target_metadata=target_metadata, literal_binds=True, render_item=render_item,
                      render_as_batch=url().startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(url(), poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_item=render_item,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
