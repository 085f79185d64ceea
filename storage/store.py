"""S3-generic object store for scanned materials, issued documents and monthly archives.

Speaks plain S3 through the ``minio`` SDK, so it works against SeaweedFS (development, tests) and any
maintained MinIO-compatible server in production (STACK.md, "Object store").

**The SDK is synchronous and blocking.** From async code (Litestar handlers) call these methods off the
event loop: ``sync_to_thread=True`` on the handler, or ``await anyio.to_thread.run_sync(store.put_stream,
...)``. The iterator returned by :meth:`ObjectStore.open` is a plain sync iterator; Litestar's ``Stream``
runs each ``next()`` in a worker thread, which is what we want::

    stream = store.open("documents", key)            # raises ObjectNotFound before any byte is sent
    return Stream(stream, media_type=stream.content_type,
                  headers={"Content-Disposition": content_disposition("决定书.pdf"),
                           "Content-Length": str(stream.size)})

Consistency (ARCHITECTURE.md, "Storage and consistency"): callers write the object first, then commit the
database row holding :class:`StoredObject`'s key and SHA-256; :meth:`ObjectStore.sweep_orphans` removes
objects no row points to after a grace period. Keys are opaque (``YYYY/MM/<uuid4 hex>``): file names,
person names and ID numbers never reach the store, and object metadata stays ASCII (the SDK refuses the
rest).

Messages of :class:`StorageError` are English for logs; the portal shows its own Chinese text.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import TracebackType
from typing import IO, Any
from urllib.parse import quote, urlsplit

import urllib3
from minio import Minio
from minio.commonconfig import GOVERNANCE, REPLACE, CopySource
from minio.error import InvalidResponseError, MinioException, S3Error, ServerError
from minio.objectlockconfig import COMPLIANCE
from minio.retention import Retention

__all__ = [
    "ARCHIVE",
    "BUCKETS",
    "DOCUMENTS",
    "MATERIALS",
    "PART_SIZE",
    "ObjectLocked",
    "ObjectNotFound",
    "ObjectStore",
    "ObjectStream",
    "ObjectTooLarge",
    "StorageError",
    "StoredObject",
    "content_disposition",
]

MATERIALS = "materials"  # scanned uploads from applicants and staff
DOCUMENTS = "documents"  # PDFs the portal issues
ARCHIVE = "archive"  # monthly archives; object lock, so retention can be enforced by the store
BUCKETS = (MATERIALS, DOCUMENTS, ARCHIVE)
_LOCKED_BUCKETS = frozenset({ARCHIVE})

# The SDK buffers about (parallel uploads + 1) x part size per upload (STACK.md, "Uploads"); with one
# upload thread and 10 MiB parts an upload costs ~20 MiB of memory whatever the file size.
PART_SIZE = 10 * 1024 * 1024
_CHUNK = 64 * 1024
SHA256_META = "sha256"  # stored as x-amz-meta-sha256
_SHA256_HEADER = "x-amz-meta-" + SHA256_META
_DEFAULT_TYPE = "application/octet-stream"
_CONTENT_TYPE_RE = re.compile(r"^[\x21-\x7e]+/[\x21-\x7e]+(?:\s*;\s*[\x20-\x7e]*)?$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


# -- errors ----------------------------------------------------------------------------------------------


class StorageError(Exception):
    """The object store refused or failed an operation. `code` is the S3 error code when there is one."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class ObjectNotFound(StorageError):
    """No such object (or bucket)."""


class ObjectTooLarge(StorageError):
    """The upload exceeded `max_bytes`; nothing was kept in the store."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"object larger than the limit of {max_bytes} bytes", code="EntityTooLarge")
        self.max_bytes = max_bytes


class ObjectLocked(StorageError):
    """The object is under retention (object lock) and cannot be deleted or overwritten yet."""


_NOT_FOUND_CODES = {"NoSuchKey", "NoSuchBucket", "NoSuchVersion", "NotFound", "ResourceNotFound"}


@contextmanager
def _wrap(action: str, bucket: str, key: str | None = None, *, locked_means: bool = False) -> Iterator[None]:
    """Turn SDK / HTTP exceptions into StorageError with a readable message, keeping the cause."""
    where = f"{bucket}/{key}" if key else bucket
    try:
        yield
    except StorageError:
        raise
    except S3Error as exc:
        text = f"object store: {action} {where} failed: {exc.code}: {exc.message}"
        if exc.code in _NOT_FOUND_CODES:
            raise ObjectNotFound(text, code=exc.code) from exc
        if locked_means and exc.code in {"AccessDenied", "ObjectLocked", "InvalidRequest"}:
            raise ObjectLocked(text + " (object is under retention)", code=exc.code) from exc
        raise StorageError(text, code=exc.code) from exc
    except ServerError as exc:
        raise StorageError(
            f"object store: {action} {where} failed: HTTP {exc.status_code}", code=str(exc.status_code)
        ) from exc
    except (InvalidResponseError, MinioException) as exc:
        raise StorageError(f"object store: {action} {where} failed: {exc}") from exc
    except urllib3.exceptions.HTTPError as exc:
        raise StorageError(f"object store unreachable ({action} {where}): {exc}") from exc
    except ValueError as exc:  # the SDK validates names, lengths and expiries with ValueError
        raise StorageError(f"object store: {action} {where}: {exc}") from exc


# -- values ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredObject:
    """What the database row keeps about an object. `bucket` is the logical name (e.g. "materials")."""

    bucket: str
    key: str
    size: int
    sha256: str | None  # None only from stat() of an object written without our metadata
    content_type: str
    last_modified: datetime | None = None
    version_id: str | None = None


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """A Content-Disposition value that carries any file name, Chinese included.

    A raw non-ASCII header value is a 500 in the ASGI server (STACK.md); RFC 6266/5987 gives an ASCII
    ``filename=`` fallback for old clients and the exact name in ``filename*=UTF-8''...``.
    """
    if disposition not in {"attachment", "inline"}:
        raise ValueError("disposition must be 'attachment' or 'inline'")
    # Control characters and path separators have no business in a download name (header injection,
    # "../" in browsers that honour it).
    name = "".join(ch for ch in filename if unicodedata.category(ch)[0] != "C")
    name = name.replace("/", "_").replace("\\", "_").strip() or "download"
    # the ASCII fallback keeps what is ASCII ("工伤保险待遇核定单-HD2026….pdf" → "HD2026….pdf") rather than
    # a row of underscores; modern browsers use filename* anyway
    ascii_only = "".join(ch for ch in name if 0x20 <= ord(ch) < 0x7F and ch not in '"%;')
    stem, dot, ext = ascii_only.rpartition(".")
    if not dot:
        stem, ext = ascii_only, ""
    stem = stem.strip("-_ .")
    fallback = (stem or "download") + (f".{ext}" if dot and ext.strip("_ ") else "")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _clean_content_type(content_type: str | None) -> str:
    # Stored as a header: anything not plain ASCII would be refused by the SDK or smuggle header bytes.
    if content_type and _CONTENT_TYPE_RE.match(content_type):
        return content_type
    return _DEFAULT_TYPE


def _new_key(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return f"{now:%Y/%m}/{uuid.uuid4().hex}"


# -- streaming helpers -----------------------------------------------------------------------------------


class _HashingReader(io.RawIOBase):
    """Hands the SDK the bytes of `source` while hashing and counting them, enforcing `limit`.

    The SHA-256 is therefore of exactly the bytes uploaded, computed in the single pass the upload makes.
    Raising from read() makes the SDK abort a multipart upload, so nothing is left behind.
    """

    def __init__(self, source: IO[bytes], limit: int | None) -> None:
        super().__init__()
        self._source = source
        self._limit = limit
        self._hash = hashlib.sha256()
        self.count = 0
        self._head = b""

    def readable(self) -> bool:
        return True

    def push_back(self, data: bytes) -> None:
        """Serve already-hashed bytes again before the rest of the source (see put_stream)."""
        self._head = data

    def _pull(self, size: int) -> bytes:
        if self._limit is not None:
            # Read at most one byte past the limit: enough to know it is exceeded, no more.
            size = min(size, self._limit + 1 - self.count)
            if size <= 0:
                raise ObjectTooLarge(self._limit)
        data = self._source.read(size)
        if not data:
            return b""
        if not isinstance(data, bytes):  # the SDK insists on bytes (not bytearray / memoryview)
            data = bytes(data)
        self.count += len(data)
        if self._limit is not None and self.count > self._limit:
            raise ObjectTooLarge(self._limit)
        self._hash.update(data)
        return data

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = PART_SIZE
        if self._head:
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._pull(size)

    def read_up_to(self, size: int) -> bytes:
        """Read until `size` bytes or end of stream (a single read() may return less)."""
        parts, got = [], 0
        while got < size:
            data = self._pull(size - got)
            if not data:
                break
            parts.append(data)
            got += len(data)
        return b"".join(parts)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class ObjectStream:
    """A streaming download: iterate for chunks; closes the HTTP response at the end, on error or close().

    Suitable as the content of a Litestar ``Stream``. `size`, `content_type` and `sha256` come from the
    response headers, so a handler can set Content-Length before the first byte.
    """

    def __init__(self, response: Any, bucket: str, key: str, chunk_size: int = _CHUNK) -> None:
        self._response = response
        self.bucket = bucket
        self.key = key
        headers = response.headers
        self.size = int(headers.get("content-length", 0))
        self.content_type = headers.get("content-type", _DEFAULT_TYPE)
        self.sha256: str | None = headers.get(_SHA256_HEADER)
        self._chunks = response.stream(chunk_size)
        self._closed = False

    def __iter__(self) -> ObjectStream:
        return self

    def __next__(self) -> bytes:
        if self._closed:
            raise StopIteration
        try:
            with _wrap("read", self.bucket, self.key):
                chunk = next(self._chunks, None)
        except BaseException:
            self.close()
            raise
        if chunk is None:
            self.close()
            raise StopIteration
        return chunk

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._response.close()
            self._response.release_conn()

    def __enter__(self) -> ObjectStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # a client that disconnects mid-download must not leak the connection
        try:
            self.close()
        except Exception:  # noqa: BLE001 - nothing sensible to do during garbage collection
            pass


# -- the store -------------------------------------------------------------------------------------------


class ObjectStore:
    """Buckets ``{bucket_prefix}-materials``, ``-documents`` and ``-archive`` on one S3 endpoint.

    Methods take the logical bucket name (``"materials"``, ``"documents"``, ``"archive"``). Thread-safe
    (the SDK shares one urllib3 pool); blocking (see the module docstring).
    """

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        secure: bool = False,
        region: str = "us-east-1",
        bucket_prefix: str = "portal",
        *,
        http_client: urllib3.PoolManager | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.secure = secure
        self.region = region
        self.bucket_prefix = bucket_prefix
        self._access_key = access_key
        self._secret_key = secret_key
        # region= stops the SDK from asking the server for each bucket's location before requests.
        self._client = Minio(
            endpoint, access_key, secret_key, secure=secure, region=region, http_client=http_client
        )
        self._presigners: dict[tuple[str, bool], Minio] = {}
        for name in BUCKETS:
            self.bucket_name(name)  # validate the prefix early, not at the first upload

    # -- buckets -----------------------------------------------------------------------------------------

    def bucket_name(self, bucket: str) -> str:
        """The physical bucket name for a logical one."""
        if bucket not in BUCKETS:
            raise ValueError(f"unknown bucket {bucket!r}; expected one of {', '.join(BUCKETS)}")
        name = f"{self.bucket_prefix}-{bucket}" if self.bucket_prefix else bucket
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", name):
            raise ValueError(f"bucket prefix {self.bucket_prefix!r} gives an invalid S3 bucket name {name!r}")
        return name

    def ensure_buckets(self) -> None:
        """Create the three buckets if missing; the archive bucket with object lock.

        Object lock can only be switched on when a bucket is created, so an existing archive bucket
        without it is an error, not something to repair silently.
        """
        for bucket in BUCKETS:
            name = self.bucket_name(bucket)
            locked = bucket in _LOCKED_BUCKETS
            with _wrap("create bucket", name):
                if not self._client.bucket_exists(name):
                    try:
                        self._client.make_bucket(name, object_lock=locked)
                    except S3Error as exc:
                        # Another worker may have created it a moment ago.
                        if exc.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                            if locked:
                                raise StorageError(
                                    f"object store: cannot create bucket {name} with object lock "
                                    f"({exc.code}: {exc.message}); the archive needs a server that "
                                    "supports S3 object lock",
                                    code=exc.code,
                                ) from exc
                            raise
            if locked:
                try:
                    self._client.get_object_lock_config(name)
                except S3Error as exc:
                    raise StorageError(
                        f"object store: bucket {name} exists without object lock ({exc.code}); object "
                        "lock can only be enabled when a bucket is created: move its objects to a new "
                        "bucket created with object lock",
                        code=exc.code,
                    ) from exc

    # -- writing -----------------------------------------------------------------------------------------

    def put_stream(
        self,
        bucket: str,
        fileobj: IO[bytes],
        length: int | None,
        content_type: str | None,
        max_bytes: int | None = None,
    ) -> StoredObject:
        """Stream `fileobj` into a new object under a fresh opaque key and return what to record.

        Memory stays at ~2 parts (20 MiB) whatever the size. The SHA-256 is computed from the bytes as
        they are sent. Over `max_bytes` (declared or actual) raises ObjectTooLarge and leaves nothing.
        `length` None (or negative) means unknown: multipart in PART_SIZE parts.
        """
        name = self.bucket_name(bucket)
        if length is not None and length < 0:
            length = None
        if max_bytes is not None and length is not None and length > max_bytes:
            raise ObjectTooLarge(max_bytes)
        content_type = _clean_content_type(content_type)
        key = _new_key()
        reader = _HashingReader(fileobj, max_bytes)

        # Anything that fits in one part is read first, so its hash is known before the single PUT and
        # goes into the metadata directly. (The SDK would buffer this part in memory anyway.)
        if length is None or length <= PART_SIZE:
            head = reader.read_up_to(PART_SIZE + 1 if length is None else length)
            if length is not None and len(head) != length:
                raise StorageError(f"upload stream ended after {len(head)} of {length} declared bytes")
            if len(head) <= PART_SIZE:
                sha256 = reader.hexdigest()
                with _wrap("upload", name, key):
                    result = self._client.put_object(
                        name, key, io.BytesIO(head), len(head), content_type=content_type,
                        metadata={SHA256_META: sha256}, num_parallel_uploads=1,
                    )
                return StoredObject(bucket, key, len(head), sha256, content_type,
                                    version_id=result.version_id)
            reader.push_back(head)  # more than one part and length unknown: stream it after all
            del head

        try:
            with _wrap("upload", name, key):
                result = self._client.put_object(
                    name, key, reader, -1 if length is None else length, content_type=content_type,
                    part_size=PART_SIZE, num_parallel_uploads=1,
                )
        except ObjectTooLarge:
            raise  # the SDK has aborted the multipart upload; no object exists
        sha256 = reader.hexdigest()
        size = reader.count
        # S3 fixes metadata when a multipart upload begins, before the hash is known: rewrite the
        # metadata with a server-side copy onto the same key.
        try:
            with _wrap("record checksum of", name, key):
                copied = self._client.copy_object(
                    name, key, CopySource(name, key, version_id=result.version_id),
                    metadata={SHA256_META: sha256, "Content-Type": content_type},
                    metadata_directive=REPLACE,
                )
                if bucket in _LOCKED_BUCKETS and result.version_id:
                    # The copy made a new version; the first one, without checksum, must not linger.
                    self._client.remove_object(name, key, version_id=result.version_id)
        except StorageError:
            self._remove_quietly(bucket, key)
            raise
        return StoredObject(bucket, key, size, sha256, content_type, version_id=copied.version_id)

    def put_bytes(self, bucket: str, data: bytes, content_type: str | None) -> StoredObject:
        """Store a small in-memory object (e.g. a rendered PDF)."""
        return self.put_stream(bucket, io.BytesIO(data), len(data), content_type)

    # -- reading -----------------------------------------------------------------------------------------

    def open(self, bucket: str, key: str, chunk_size: int = _CHUNK) -> ObjectStream:
        """Start a streaming download. Errors (ObjectNotFound) are raised here, before any byte."""
        name = self.bucket_name(bucket)
        with _wrap("download", name, key):
            response = self._client.get_object(name, key)
        return ObjectStream(response, bucket, key, chunk_size)

    def read(self, bucket: str, key: str) -> bytes:
        """The whole object in memory: only for small objects."""
        with self.open(bucket, key) as stream:
            return b"".join(stream)

    def stat(self, bucket: str, key: str) -> StoredObject:
        name = self.bucket_name(bucket)
        with _wrap("stat", name, key):
            info = self._client.stat_object(name, key)
        sha = (info.metadata or {}).get(_SHA256_HEADER)
        return StoredObject(
            bucket, key, int(info.size or 0), sha, info.content_type or _DEFAULT_TYPE,
            last_modified=info.last_modified, version_id=info.version_id,
        )

    def verify(self, bucket: str, key: str, sha256: str) -> bool:
        """Fixity check: re-read the object and compare its SHA-256 with the recorded one.

        A missing object raises ObjectNotFound (a different finding from a changed one).
        """
        expected = sha256.strip().lower()
        digest = hashlib.sha256()
        with self.open(bucket, key, chunk_size=1024 * 1024) as stream:
            for chunk in stream:
                digest.update(chunk)
        return _HEX64.match(expected) is not None and digest.hexdigest() == expected

    def list_keys(self, bucket: str, prefix: str = "") -> list[str]:
        name = self.bucket_name(bucket)
        with _wrap("list", name, prefix or None):
            return [o.object_name for o in self._client.list_objects(name, prefix=prefix or None,
                                                                       recursive=True)
                    if o.object_name is not None and not o.is_dir]

    # -- deleting --------------------------------------------------------------------------------------

    def delete(self, bucket: str, key: str) -> None:
        """Delete an object for good. Deleting a missing object is not an error (S3 semantics).

        In the archive bucket (versioned, because object lock needs versioning) a plain DELETE only adds
        a delete marker and the data stays, so every version is removed; one under retention raises
        ObjectLocked.
        """
        name = self.bucket_name(bucket)
        with _wrap("delete", name, key, locked_means=bucket in _LOCKED_BUCKETS):
            if bucket not in _LOCKED_BUCKETS:
                self._client.remove_object(name, key)
                return
            versions = [
                o.version_id
                for o in self._client.list_objects(name, prefix=key, include_version=True, recursive=True)
                if o.object_name == key
            ]
            for version_id in versions:
                self._client.remove_object(name, key, version_id=version_id)

    def _remove_quietly(self, bucket: str, key: str) -> None:
        try:
            self.delete(bucket, key)
        except StorageError:
            pass  # the orphan sweep will find it; the original error matters more

    def sweep_orphans(
        self,
        bucket: str,
        known_keys: Callable[[str], bool] | Collection[str],
        older_than: timedelta,
        *,
        now: datetime | None = None,
    ) -> list[str]:
        """Delete objects older than `older_than` that no database row points to; return their keys.

        The grace period covers uploads whose row is not committed yet (object first, row second).
        `known_keys` is a set of keys or a predicate ``key -> bool`` (e.g. a DB lookup). Objects under
        retention are skipped. Run abort_stale_uploads() in the same job for interrupted uploads.
        """
        if older_than < timedelta(0):
            raise ValueError("older_than must not be negative")
        is_known = known_keys if callable(known_keys) else known_keys.__contains__
        cutoff = (now or datetime.now(timezone.utc)) - older_than
        name = self.bucket_name(bucket)
        with _wrap("list", name):
            candidates = [
                o.object_name
                for o in self._client.list_objects(name, recursive=True)
                if o.object_name and not o.is_dir and o.last_modified is not None and o.last_modified < cutoff
            ]
        deleted = []
        for key in candidates:
            if is_known(key):
                continue
            try:
                self.delete(bucket, key)
            except ObjectLocked:
                continue
            deleted.append(key)
        return deleted

    def abort_stale_uploads(self, bucket: str, older_than: timedelta, *, now: datetime | None = None) -> int:
        """Abort multipart uploads begun more than `older_than` ago and never completed; return how many.

        A process killed mid-upload leaves its parts on the server, invisible to listings and to
        sweep_orphans. The SDK has no public call for this, so its internal one is used; a server that
        cannot list uploads is reported as StorageError.
        """
        cutoff = (now or datetime.now(timezone.utc)) - older_than
        name = self.bucket_name(bucket)
        aborted = 0
        key_marker = upload_marker = None
        with _wrap("abort stale uploads in", name):
            for _page in range(1000):  # a bound, in case a server keeps saying "truncated"
                result = self._client._list_multipart_uploads(  # noqa: SLF001
                    name, key_marker=key_marker, upload_id_marker=upload_marker
                )
                for upload in result.uploads:
                    if upload.initiated_time is not None and upload.initiated_time < cutoff:
                        self._client._abort_multipart_upload(  # noqa: SLF001
                            name, upload.object_name, upload.upload_id
                        )
                        aborted += 1
                if not result.is_truncated:
                    break
                key_marker = result.next_key_marker
                # minio 7.2.20 stores this marker under a mistyped attribute name.
                upload_marker = getattr(result, "next_upload_id_marker", None) or getattr(
                    result, "self._next_upload_id_marker", None
                )
        return aborted

    # -- retention (archive) ---------------------------------------------------------------------------

    def set_retention(self, bucket: str, key: str, until: datetime, mode: str = COMPLIANCE) -> None:
        """Lock an object until `until` (timezone-aware). COMPLIANCE cannot be shortened or bypassed by
        anyone; GOVERNANCE can be by an account with bypass permission."""
        if mode not in {COMPLIANCE, GOVERNANCE}:
            raise ValueError("mode must be COMPLIANCE or GOVERNANCE")
        if until.tzinfo is None:
            raise ValueError("retention date must be timezone-aware")
        name = self.bucket_name(bucket)
        with _wrap("set retention on", name, key, locked_means=True):
            self._client.set_object_retention(name, key, Retention(mode, until.astimezone(timezone.utc)))

    def get_retention(self, bucket: str, key: str) -> tuple[str, datetime] | None:
        """(mode, until) of the object's retention, or None."""
        name = self.bucket_name(bucket)
        try:
            with _wrap("get retention of", name, key):
                retention = self._client.get_object_retention(name, key)
        except StorageError as exc:
            if exc.code in {"NoSuchObjectLockConfiguration", "ObjectLockConfigurationNotFoundError"}:
                return None
            raise
        if retention is None or retention.mode is None or retention.retain_until_date is None:
            return None
        return retention.mode, retention.retain_until_date

    # -- presigned URLs --------------------------------------------------------------------------------

    def presigned_get(
        self,
        bucket: str,
        key: str,
        expires: timedelta,
        filename: str | None = None,
        public_endpoint: str | None = None,
        *,
        disposition: str = "attachment",
    ) -> str:
        """A short-lived GET URL for staff on the agency network.

        The signature covers the host, so it is made for `public_endpoint` (the host the browser uses:
        ``"https://files.example:9000"`` or ``"host:port"``), by a client that has the region set and
        therefore makes no network call. `filename` becomes the download name, Chinese included.
        """
        name = self.bucket_name(bucket)
        client = self._presigner(public_endpoint)
        headers = {"response-content-disposition": content_disposition(filename, disposition)} if filename else None
        with _wrap("presign", name, key):
            return client.presigned_get_object(name, key, expires=expires, response_headers=headers)

    def _presigner(self, public_endpoint: str | None) -> Minio:
        if not public_endpoint:
            return self._client
        if "://" in public_endpoint:
            parts = urlsplit(public_endpoint)
            if parts.scheme not in {"http", "https"} or not parts.netloc:
                raise ValueError(f"bad public endpoint {public_endpoint!r}")
            if parts.path not in {"", "/"} or parts.query:
                raise ValueError("a public endpoint with a path is not supported by S3 path-style URLs")
            host, secure = parts.netloc, parts.scheme == "https"
        else:
            host, secure = public_endpoint, self.secure
        cache_key = (host, secure)
        if cache_key not in self._presigners:
            self._presigners[cache_key] = Minio(
                host, self._access_key, self._secret_key, secure=secure, region=self.region
            )
        return self._presigners[cache_key]

    # -- lifecycle -------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close pooled connections."""
        for client in (self._client, *self._presigners.values()):
            client._http.clear()  # noqa: SLF001 - the SDK exposes no close()

    def __enter__(self) -> ObjectStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<ObjectStore {self.endpoint} prefix={self.bucket_prefix!r}>"
