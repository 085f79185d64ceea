"""Storage tests use the session S3 server of tests/fixtures_s3.py.

That module is registered as a plugin by the top-level tests/conftest.py (`pytest_plugins` is only allowed
there); importing its fixtures here as well would register them twice and start a second server.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from storage.server import LocalS3Server
from storage.store import ObjectStore


@pytest.fixture
def fresh_store(s3_server: LocalS3Server) -> Iterator[ObjectStore]:
    """Buckets of its own, for tests that look at a whole bucket (listing, sweeping)."""
    store = ObjectStore(s3_server.endpoint, s3_server.access_key, s3_server.secret_key,
                        bucket_prefix=f"f{uuid.uuid4().hex[:12]}")
    store.ensure_buckets()
    yield store
    store.close()
