"""Object storage: an S3-generic store (`ObjectStore`) and a local S3 server launcher (`LocalS3Server`).

Imports nothing from the rest of the portal, so it can be reused and tested on its own.

Names are loaded lazily (PEP 562) so ``python -m storage.server`` does not import `storage.server` twice
(runpy warns about that, and a second copy would have its own registry of running servers).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "LocalS3Server": "storage.server",
    "LocalS3ServerError": "storage.server",
    "serve_forever": "storage.server",
    "ARCHIVE": "storage.store",
    "BUCKETS": "storage.store",
    "DOCUMENTS": "storage.store",
    "MATERIALS": "storage.store",
    "ObjectLocked": "storage.store",
    "ObjectNotFound": "storage.store",
    "ObjectStore": "storage.store",
    "ObjectStream": "storage.store",
    "ObjectTooLarge": "storage.store",
    "StorageError": "storage.store",
    "StoredObject": "storage.store",
    "content_disposition": "storage.store",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from storage.server import LocalS3Server, LocalS3ServerError, serve_forever
    from storage.store import (
        ARCHIVE,
        BUCKETS,
        DOCUMENTS,
        MATERIALS,
        ObjectLocked,
        ObjectNotFound,
        ObjectStore,
        ObjectStream,
        ObjectTooLarge,
        StorageError,
        StoredObject,
        content_disposition,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'storage' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
