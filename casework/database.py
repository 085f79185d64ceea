"""Engine and sessions. Synchronous SQLAlchemy: the domain is plain functions over a Session, called
from Litestar's thread pool, the command line and the tests alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine


def make_engine(url: str, **kw) -> Engine:
    if url.startswith("sqlite"):
        # hide_parameters: a database error message must not carry the ID numbers or accounts it was given
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True,
                               **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            # WAL lets readers run beside the single writer; foreign keys are off by default in SQLite
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover - trivial
            # pysqlite's own transaction handling is switched off (below) so that SAVEPOINTs work;
            # SQLite itself serialises writers, and the busy timeout makes a second writer wait
            conn.exec_driver_sql("BEGIN")

        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_conn, _record):  # pragma: no cover - trivial
            dbapi_conn.isolation_level = None

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **kw)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
