"""Test fixtures on real parts: PostgreSQL (a fresh database per run) or SQLite (PORTAL_TEST_DB selects;
`make test` runs both), the real S3 server (tests/fixtures_s3.py), real WeasyPrint, the real app."""

from __future__ import annotations

import os
import secrets
import uuid
from pathlib import Path

import pytest

pytest_plugins = ["tests.fixtures_s3"]

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared"))
PG_ADMIN_URL = os.environ.get("PORTAL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def engine_kind() -> str:
    return os.environ.get("PORTAL_TEST_DB", "postgresql")


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> str:
    """A fresh, migrated database for this run. PostgreSQL unreachable → the run fails (never skips)."""
    from sqlalchemy import create_engine, text

    from casework.migrate import upgrade

    if engine_kind() == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.db'}"
        upgrade(url)
        yield url
        return
    name = f"portal_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def engine(db_url):
    from casework.database import make_engine

    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def cheap_hasher():
    from casework.accounts import Hasher

    return Hasher(time_cost=1, memory_kib=1024)  # cheap parameters in tests only (STACK.md)


@pytest.fixture(scope="session")
def seeded(engine, cheap_hasher):
    """The demo data, seeded once per run through the same code `make run` uses."""
    from casework.database import session_scope
    from portal.demo import seed

    with session_scope(engine) as s:
        seed(s, cheap_hasher)
    return True


@pytest.fixture
def db(engine):
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as s:
        yield s
        s.rollback()


@pytest.fixture(scope="session")
def renderer():
    from portal.documents.render import DocumentRenderer

    r = DocumentRenderer(max_workers=1)
    r.start()
    yield r
    r.close()


@pytest.fixture(scope="session")
def settings(db_url):
    from portal.settings import Settings

    # every test client shares one address: the per-address throttle has its own test
    return Settings(database_url=db_url, secret=secrets.token_urlsafe(32), argon2_time_cost=1,
                    argon2_memory_kib=1024, public_base_url="http://testserver.local", ip_failure_limit=100000)


@pytest.fixture(scope="session")
def app(settings, seeded, object_store, renderer):
    from portal.app import create_app

    return create_app(settings, store=object_store, renderer=renderer)


@pytest.fixture
def client(app):
    from litestar.testing import TestClient

    with TestClient(app, base_url="http://testserver.local") as c:
        yield c
