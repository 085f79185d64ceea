"""ObjectStore against a real SeaweedFS (tests/fixtures_s3.py): no mocks, every call goes over S3."""

from __future__ import annotations

import hashlib
import io
import os
import re
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from storage.server import LocalS3Server
from storage.store import (
    ARCHIVE,
    DOCUMENTS,
    MATERIALS,
    PART_SIZE,
    ObjectLocked,
    ObjectNotFound,
    ObjectStore,
    ObjectTooLarge,
    StorageError,
    content_disposition,
)

MiB = 1024 * 1024
KEY_RE = re.compile(r"^\d{4}/\d{2}/[0-9a-f]{32}$")


class OnlyRead:
    """A file object that can only be read forward, in uneven chunks, like a request body."""

    def __init__(self, data: bytes, chunk: int = 1_000_003) -> None:
        self._buf = io.BytesIO(data)
        self._chunk = chunk

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._chunk
        return self._buf.read(min(size, self._chunk))


@pytest.fixture(scope="module")
def big() -> bytes:
    # 25 MiB: three parts of 10 MiB, the last short, so part boundaries are exercised.
    return os.urandom(25 * MiB)


def _multipart_uploads(store: ObjectStore, bucket: str) -> list:
    # The SDK has no public call for this; the test needs to see that an aborted upload left no parts.
    result = store._client._list_multipart_uploads(store.bucket_name(bucket))
    return list(result.uploads)


# -- put / get ------------------------------------------------------------------------------------------


def test_put_bytes_round_trip(object_store: ObjectStore) -> None:
    data = "工伤认定决定书".encode() * 100
    stored = object_store.put_bytes(DOCUMENTS, data, "application/pdf")

    assert stored.bucket == DOCUMENTS
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.content_type == "application/pdf"
    assert object_store.read(DOCUMENTS, stored.key) == data

    info = object_store.stat(DOCUMENTS, stored.key)
    assert (info.size, info.sha256, info.content_type) == (len(data), stored.sha256, "application/pdf")
    assert info.last_modified is not None


def test_open_streams_in_chunks_and_closes(object_store: ObjectStore) -> None:
    data = os.urandom(300_000)
    stored = object_store.put_bytes(MATERIALS, data, "image/jpeg")

    stream = object_store.open(MATERIALS, stored.key, chunk_size=64 * 1024)
    assert stream.size == len(data)
    assert stream.content_type == "image/jpeg"
    assert stream.sha256 == stored.sha256
    chunks = list(stream)
    assert len(chunks) > 1 and b"".join(chunks) == data
    assert next(stream, None) is None  # exhausted and closed; iterating again is harmless

    # A download abandoned halfway (client went away) releases its connection on close().
    partial = object_store.open(MATERIALS, stored.key, chunk_size=1024)
    next(partial)
    partial.close()
    assert object_store.read(MATERIALS, stored.key) == data


def test_empty_object(object_store: ObjectStore) -> None:
    stored = object_store.put_stream(MATERIALS, io.BytesIO(b""), None, "text/plain")
    assert stored.size == 0
    assert stored.sha256 == hashlib.sha256(b"").hexdigest()
    assert object_store.read(MATERIALS, stored.key) == b""


def test_keys_are_opaque_and_unique(object_store: ObjectStore) -> None:
    a = object_store.put_bytes(MATERIALS, b"same", "text/plain")
    b = object_store.put_bytes(MATERIALS, b"same", "text/plain")
    assert KEY_RE.match(a.key) and KEY_RE.match(b.key)
    assert a.key != b.key
    assert a.key.startswith(datetime.now(timezone.utc).strftime("%Y/%m/"))


def test_non_ascii_content_type_is_not_sent(object_store: ObjectStore) -> None:
    # Whatever a browser claims goes into a header; the SDK refuses non-ASCII there.
    stored = object_store.put_bytes(MATERIALS, b"x", "图片/jpeg")
    assert stored.content_type == "application/octet-stream"
    assert object_store.stat(MATERIALS, stored.key).content_type == "application/octet-stream"


# -- multipart and checksums ----------------------------------------------------------------------------


@pytest.mark.parametrize("known_length", [True, False], ids=["known-length", "unknown-length"])
def test_multipart_sha256_is_of_the_streamed_bytes(object_store: ObjectStore, big: bytes,
                                                   known_length: bool) -> None:
    assert len(big) > 2 * PART_SIZE
    expected = hashlib.sha256(big).hexdigest()

    stored = object_store.put_stream(MATERIALS, OnlyRead(big), len(big) if known_length else None,
                                     "application/pdf")

    assert stored.size == len(big)
    assert stored.sha256 == expected
    info = object_store.stat(MATERIALS, stored.key)
    assert info.size == len(big)
    assert info.sha256 == expected  # recorded in metadata although S3 fixes metadata before the parts
    assert info.content_type == "application/pdf"
    assert object_store.verify(MATERIALS, stored.key, expected)
    assert hashlib.sha256(object_store.read(MATERIALS, stored.key)).hexdigest() == expected


def test_verify_detects_a_different_checksum(object_store: ObjectStore) -> None:
    stored = object_store.put_bytes(MATERIALS, b"original", "text/plain")
    assert object_store.verify(MATERIALS, stored.key, stored.sha256.upper())
    assert not object_store.verify(MATERIALS, stored.key, hashlib.sha256(b"tampered").hexdigest())
    assert not object_store.verify(MATERIALS, stored.key, "not a hash")


def test_declared_length_must_match(object_store: ObjectStore) -> None:
    with pytest.raises(StorageError, match="declared"):
        object_store.put_stream(MATERIALS, io.BytesIO(b"short"), 100, "text/plain")


# -- size limit -----------------------------------------------------------------------------------------


def test_size_limit_unknown_length_multipart_leaves_nothing(fresh_store: ObjectStore, big: bytes) -> None:
    with pytest.raises(ObjectTooLarge) as info:
        fresh_store.put_stream(MATERIALS, OnlyRead(big), None, "application/pdf", max_bytes=12 * MiB)
    assert info.value.max_bytes == 12 * MiB
    assert fresh_store.list_keys(MATERIALS) == []
    assert _multipart_uploads(fresh_store, MATERIALS) == []


def test_size_limit_small_and_declared(fresh_store: ObjectStore) -> None:
    with pytest.raises(ObjectTooLarge):  # found while reading, below one part
        fresh_store.put_stream(MATERIALS, OnlyRead(b"x" * 1001, chunk=100), None, "text/plain",
                               max_bytes=1000)
    with pytest.raises(ObjectTooLarge):  # refused from the declared length, before reading
        fresh_store.put_stream(MATERIALS, OnlyRead(b"x" * 1001), 1001, "text/plain", max_bytes=1000)
    assert fresh_store.list_keys(MATERIALS) == []

    exact = fresh_store.put_stream(MATERIALS, OnlyRead(b"x" * 1000, chunk=7), None, "text/plain",
                                   max_bytes=1000)
    assert exact.size == 1000
    assert fresh_store.list_keys(MATERIALS) == [exact.key]


# -- delete / list / not found ----------------------------------------------------------------------------


def test_delete_and_not_found(object_store: ObjectStore) -> None:
    stored = object_store.put_bytes(DOCUMENTS, b"to delete", "text/plain")
    object_store.delete(DOCUMENTS, stored.key)
    with pytest.raises(ObjectNotFound):
        object_store.open(DOCUMENTS, stored.key)
    with pytest.raises(ObjectNotFound):
        object_store.stat(DOCUMENTS, stored.key)
    with pytest.raises(ObjectNotFound):
        object_store.verify(DOCUMENTS, stored.key, stored.sha256)
    object_store.delete(DOCUMENTS, stored.key)  # deleting twice is fine (S3 semantics)


def test_list_keys_with_prefix(fresh_store: ObjectStore) -> None:
    a = fresh_store.put_bytes(DOCUMENTS, b"a", "text/plain")
    b = fresh_store.put_bytes(DOCUMENTS, b"b", "text/plain")
    assert sorted(fresh_store.list_keys(DOCUMENTS)) == sorted([a.key, b.key])
    assert fresh_store.list_keys(DOCUMENTS, prefix=a.key[:8]) == sorted([a.key, b.key])
    assert fresh_store.list_keys(DOCUMENTS, prefix="1999/") == []


def test_unknown_bucket_is_refused(object_store: ObjectStore) -> None:
    with pytest.raises(ValueError, match="unknown bucket"):
        object_store.put_bytes("public", b"x", "text/plain")


# -- credentials --------------------------------------------------------------------------------------------


def test_wrong_credentials_are_refused(s3_server: LocalS3Server, object_store: ObjectStore) -> None:
    stored = object_store.put_bytes(MATERIALS, b"secret scan", "image/png")
    for access, secret in [(s3_server.access_key, "wrong-secret-key-0000000000"),
                           ("NOSUCHKEY00000000000", s3_server.secret_key)]:
        with ObjectStore(s3_server.endpoint, access, secret, bucket_prefix=object_store.bucket_prefix) as bad:
            with pytest.raises(StorageError) as info:
                bad.read(MATERIALS, stored.key)
            assert info.value.code in {"SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied"}
    # Nothing is public: an unsigned GET is refused too.
    url = f"http://{s3_server.endpoint}/{object_store.bucket_name(MATERIALS)}/{stored.key}"
    response = httpx.get(url)
    assert response.status_code == 403
    assert b"secret scan" not in response.content


# -- presigned URLs ---------------------------------------------------------------------------------------


def test_presigned_get_with_chinese_file_name(s3_server: LocalS3Server, object_store: ObjectStore) -> None:
    data = b"%PDF-1.7 fake"
    stored = object_store.put_bytes(DOCUMENTS, data, "application/pdf")
    name = "工伤职工 张三 伤残待遇核定表.pdf"

    url = object_store.presigned_get(DOCUMENTS, stored.key, timedelta(minutes=5), filename=name,
                                     public_endpoint=f"http://{s3_server.endpoint}")
    response = httpx.get(url)

    assert response.status_code == 200
    assert response.content == data
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == name


def test_presigned_url_is_bound_to_the_signed_host(s3_server: LocalS3Server,
                                                   object_store: ObjectStore) -> None:
    stored = object_store.put_bytes(DOCUMENTS, b"host bound", "text/plain")
    port = s3_server.port
    url = object_store.presigned_get(DOCUMENTS, stored.key, timedelta(minutes=5),
                                     public_endpoint=f"localhost:{port}")
    assert url.startswith(f"http://localhost:{port}/")
    assert httpx.get(url).content == b"host bound"
    # The same URL sent to another host name (same server) no longer matches the signature.
    assert httpx.get(url.replace(f"localhost:{port}", f"127.0.0.1:{port}")).status_code == 403


def test_tampered_presigned_url_is_rejected(object_store: ObjectStore) -> None:
    stored = object_store.put_bytes(DOCUMENTS, b"signed", "text/plain")
    other = object_store.put_bytes(DOCUMENTS, b"other", "text/plain")
    url = object_store.presigned_get(DOCUMENTS, stored.key, timedelta(minutes=5), filename="a.txt")
    assert httpx.get(url).status_code == 200

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    sig = query["X-Amz-Signature"]
    query["X-Amz-Signature"] = ("0" if sig[0] != "0" else "1") + sig[1:]
    tampered_sig = urlunsplit(parts._replace(query=urlencode(query)))
    assert httpx.get(tampered_sig).status_code == 403

    # A valid signature does not carry over to another object or a longer lifetime.
    other_key = urlunsplit(parts._replace(path=parts.path.replace(stored.key, other.key)))
    assert httpx.get(other_key).status_code == 403
    query = dict(parse_qsl(parts.query))
    query["X-Amz-Expires"] = "604800"
    assert httpx.get(urlunsplit(parts._replace(query=urlencode(query)))).status_code == 403


def test_presigning_needs_no_server(object_store: ObjectStore) -> None:
    # region= is set, so signing for an unreachable host must not try to contact it.
    started = time.monotonic()
    url = object_store.presigned_get(MATERIALS, "2026/01/abc", timedelta(minutes=1),
                                     public_endpoint="https://files.agency.invalid:9443")
    assert url.startswith("https://files.agency.invalid:9443/")
    assert time.monotonic() - started < 1.0


def test_content_disposition() -> None:
    value = content_disposition("伤残等级鉴定结论书.pdf")
    assert value == ("attachment; filename=\"download.pdf\"; filename*=UTF-8''"
                     "%E4%BC%A4%E6%AE%8B%E7%AD%89%E7%BA%A7%E9%89%B4%E5%AE%9A%E7%BB%93%E8%AE%BA%E4%B9%A6.pdf")
    assert value.isascii()
    assert content_disposition("report 2026.pdf", "inline").startswith('inline; filename="report 2026.pdf"')
    injected = content_disposition('a"\r\nSet-Cookie: x=1;.pdf')
    assert "\r" not in injected and "\n" not in injected
    assert injected.split(";")[1].count('"') == 2
    with pytest.raises(ValueError):
        content_disposition("a.pdf", "evil")


# -- object lock (archive) --------------------------------------------------------------------------------


def test_retention_prevents_deletion_in_archive(object_store: ObjectStore) -> None:
    stored = object_store.put_bytes(ARCHIVE, b"monthly archive 2026-01", "application/zip")
    until = datetime.now(timezone.utc) + timedelta(days=1)
    object_store.set_retention(ARCHIVE, stored.key, until)

    mode, retained_until = object_store.get_retention(ARCHIVE, stored.key)
    assert mode == "COMPLIANCE"
    assert abs((retained_until - until).total_seconds()) < 2

    with pytest.raises(ObjectLocked):
        object_store.delete(ARCHIVE, stored.key)
    # Not even a delete marker hides it: the archive is still readable and intact.
    assert object_store.read(ARCHIVE, stored.key) == b"monthly archive 2026-01"
    assert object_store.verify(ARCHIVE, stored.key, stored.sha256)
    # COMPLIANCE retention cannot be shortened.
    with pytest.raises(StorageError):
        object_store.set_retention(ARCHIVE, stored.key, datetime.now(timezone.utc) + timedelta(seconds=5))


def test_archive_multipart_keeps_one_version(fresh_store: ObjectStore, big: bytes) -> None:
    stored = fresh_store.put_stream(ARCHIVE, OnlyRead(big), None, "application/zip")
    assert fresh_store.stat(ARCHIVE, stored.key).sha256 == hashlib.sha256(big).hexdigest()
    client, name = fresh_store._client, fresh_store.bucket_name(ARCHIVE)
    versions = list(client.list_objects(name, prefix=stored.key, include_version=True, recursive=True))
    assert len(versions) == 1  # the version made before the checksum was recorded is gone

    # Without retention an archive object can be removed for good: every version, no delete marker left.
    fresh_store.delete(ARCHIVE, stored.key)
    assert list(client.list_objects(name, include_version=True, recursive=True)) == []


def test_unlocked_bucket_has_no_retention(object_store: ObjectStore) -> None:
    stored = object_store.put_bytes(ARCHIVE, b"not yet retained", "text/plain")
    assert object_store.get_retention(ARCHIVE, stored.key) is None
    with pytest.raises(ValueError):
        object_store.set_retention(ARCHIVE, stored.key, datetime(2030, 1, 1))  # naive datetime


def test_ensure_buckets_is_idempotent(object_store: ObjectStore) -> None:
    object_store.ensure_buckets()


def test_archive_bucket_without_object_lock_is_an_error(s3_server: LocalS3Server) -> None:
    store = ObjectStore(s3_server.endpoint, s3_server.access_key, s3_server.secret_key,
                        bucket_prefix="nolock-" + os.urandom(4).hex())
    with store:
        store._client.make_bucket(store.bucket_name(ARCHIVE))  # created by someone, without lock
        with pytest.raises(StorageError, match="object lock"):
            store.ensure_buckets()


# -- orphan sweep -----------------------------------------------------------------------------------------


def test_sweep_removes_only_old_orphans(fresh_store: ObjectStore) -> None:
    known_old = fresh_store.put_bytes(MATERIALS, b"row exists", "text/plain")
    orphan_old = fresh_store.put_bytes(MATERIALS, b"row never committed", "text/plain")
    grace = timedelta(minutes=30)
    # S3 timestamps have one-second resolution: let a second pass so "old" and "new" differ.
    cutoff_moment = datetime.now(timezone.utc)
    time.sleep(1.1)
    orphan_new = fresh_store.put_bytes(MATERIALS, b"upload in progress", "text/plain")

    # Pretend the grace period has passed for the first two objects only.
    deleted = fresh_store.sweep_orphans(MATERIALS, {known_old.key}, grace, now=cutoff_moment + grace)

    assert deleted == [orphan_old.key]
    assert sorted(fresh_store.list_keys(MATERIALS)) == sorted([known_old.key, orphan_new.key])

    # With a predicate (e.g. a database lookup) and no grace left, the newer orphan goes too.
    deleted = fresh_store.sweep_orphans(MATERIALS, lambda key: key == known_old.key, timedelta(0),
                                        now=datetime.now(timezone.utc) + timedelta(seconds=2))
    assert deleted == [orphan_new.key]
    assert fresh_store.list_keys(MATERIALS) == [known_old.key]


def test_sweep_skips_retained_archives(fresh_store: ObjectStore) -> None:
    retained = fresh_store.put_bytes(ARCHIVE, b"retained", "text/plain")
    fresh_store.set_retention(ARCHIVE, retained.key, datetime.now(timezone.utc) + timedelta(hours=1),
                              mode="GOVERNANCE")
    loose = fresh_store.put_bytes(ARCHIVE, b"loose", "text/plain")
    deleted = fresh_store.sweep_orphans(ARCHIVE, set(), timedelta(0),
                                        now=datetime.now(timezone.utc) + timedelta(seconds=2))
    assert deleted == [loose.key]
    assert fresh_store.list_keys(ARCHIVE) == [retained.key]


def test_abort_stale_uploads(fresh_store: ObjectStore) -> None:
    # What a process killed in the middle of a multipart upload leaves behind.
    name = fresh_store.bucket_name(MATERIALS)
    fresh_store._client._create_multipart_upload(name, "2026/01/interrupted", {})
    assert len(_multipart_uploads(fresh_store, MATERIALS)) == 1
    assert fresh_store.abort_stale_uploads(MATERIALS, timedelta(hours=1)) == 0  # may still be running
    later = datetime.now(timezone.utc) + timedelta(hours=2)
    assert fresh_store.abort_stale_uploads(MATERIALS, timedelta(hours=1), now=later) == 1
    assert _multipart_uploads(fresh_store, MATERIALS) == []
