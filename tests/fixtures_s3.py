"""Session fixtures for a REAL S3 server (SeaweedFS via storage.server), shared by every test package.

Loaded by ``pytest_plugins = ["tests.fixtures_s3"]`` in tests/conftest.py. No mocks: moto's server mode
accepts any credentials and tampered signatures (STACK.md), which is exactly what these tests must catch.
If the server cannot start the fixture FAILS: a skipped storage test would hide a broken store.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from storage.server import LocalS3Server, LocalS3ServerError
from storage.store import ObjectStore

__all__ = ["s3_server", "object_store"]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalS3Server]:
    # A short base path: weed's Unix sockets live in the data dir and sun_path is limited to 108 bytes.
    server = LocalS3Server(tmp_path_factory.mktemp("s3") / "data")
    try:
        server.start()
    except LocalS3ServerError as exc:
        pytest.fail(f"local S3 server (SeaweedFS) did not start: {exc}", pytrace=False)
    yield server
    # The data is thrown away, so do not wait for weed's graceful stop (up to ~12 s, see storage.server).
    server.stop(timeout=3.0)


@pytest.fixture(scope="session")
def object_store(s3_server: LocalS3Server) -> Iterator[ObjectStore]:
    """An ObjectStore with its buckets created, under a bucket prefix unique to this session."""
    store = ObjectStore(
        s3_server.endpoint,
        s3_server.access_key,
        s3_server.secret_key,
        bucket_prefix=f"t{uuid.uuid4().hex[:12]}",
    )
    store.ensure_buckets()
    yield store
    store.close()
