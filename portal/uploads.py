"""The upload component of the whole portal: scanned materials into the object store.

Several files per catalogue item (PDF, JPEG, PNG, recognised by their first bytes, never by the name or the
type the browser claims), at most `settings.upload_max_file_bytes` a file and `upload_max_files_per_item` an
item. Each file is streamed to the object store with its SHA-256 (ObjectStore.put_stream with max_bytes), its
original (Chinese) name kept in the database only, its object key opaque (STACK.md, "Uploads").

Nothing half-written: every file of a request is checked before the first byte is stored; if storing one
fails, or the database write or the commit fails, the objects stored by this request are deleted again.

The request: Litestar spools the multipart body before the handler runs (STACK.md), so the route raises the
10 MB body cap (only upload routes do: UPLOAD_ROUTE_MAX_BYTES) and the CSRF token travels in the x-csrftoken
header (htmx sends it from base.html; without JavaScript the hidden field is used). The template partial is
components/upload.html; progress is shown by static/js/upload-progress.js from htmx's xhr progress events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlmodel import Session

from casework import materials
from casework.models import Case
from casework.transitions import Actor, DomainError
from storage.store import MATERIALS, ObjectTooLarge, StorageError

MultipartBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
# the body cap of an upload route: the most files of one item at the most bytes each, and the form fields
UPLOAD_ROUTE_MAX_BYTES = 20 * 50 * 1024 * 1024 + 1024 * 1024
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_files: int

    @property
    def max_file_label(self) -> str:
        return size_label(self.max_file_bytes)


def limits(settings) -> Limits:
    return Limits(max_file_bytes=settings.upload_max_file_bytes, max_files=settings.upload_max_files_per_item)


def size_label(n: int) -> str:
    if n >= 1024 * 1024:
        value = f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".")
        return f"{value} MB"
    if n >= 1024:
        return f"{n // 1024} KB"
    return f"{n} 字节"


def files_in(data: dict[str, Any], name: str = "files") -> list[UploadFile]:
    """The file parts of field `name` (one or several), without the empty part a browser sends when no file
    was chosen."""
    value = data.get(name)
    parts = value if isinstance(value, list) else [value] if value is not None else []
    return [p for p in parts if isinstance(p, UploadFile) and (p.filename or "").strip()]


@dataclass(frozen=True)
class Checked:
    upload: UploadFile
    name: str
    content_type: str
    size: int


def _size(upload: UploadFile) -> int:
    f = upload.file
    f.seek(0, 2)
    size = f.tell()
    f.seek(0)
    return size


def check_files(uploads: list[UploadFile], lim: Limits) -> list[Checked]:
    """Every file checked by its content and size before anything is stored; the message names the file."""
    if not uploads:
        raise DomainError("请选择要上传的文件。", field="files")
    out = []
    for up in uploads:
        name = materials.clean_name(up.filename)
        size = _size(up)
        if size == 0:
            raise DomainError(f"“{name}”是空文件，请重新扫描后上传。", field="files")
        if size > lim.max_file_bytes:
            raise DomainError(f"“{name}”大小为 {size_label(size)}，超过单个文件 {lim.max_file_label} 的上限。"
                              "请降低扫描分辨率或分成几个文件上传。", field="files")
        head = up.file.read(16)
        up.file.seek(0)
        kind = materials.sniff(head)
        if kind is None:
            raise DomainError(f"“{name}”不是 PDF、JPEG 或 PNG 文件（系统按文件内容识别，与文件扩展名无关），"
                              "请重新扫描为这三种格式之一后上传。", field="files")
        out.append(Checked(up, name, kind, size))
    return out


def save_uploads(store, db: Session, case: Case, item_id: int | None, uploads: list[UploadFile], actor: Actor,
                 lim: Limits, *, purpose: str = "material", replaces_id: int | None = None) -> list[materials.UploadedFile]:
    """Check, stream to the store, record and COMMIT; on any failure roll back and delete what was stored."""
    replaces = None
    if replaces_id is not None:
        replaces = materials.file_of_case(db, case, replaces_id)
        if replaces.item_id != item_id:
            raise DomainError("要替换的文件不属于该材料。", field="files")
        if len(uploads) != 1:
            raise DomainError("替换时请只选择一个文件。", field="files")
    item = materials.check_can_upload(db, case, item_id, actor, purpose=purpose, max_files=lim.max_files,
                                      adding=len(uploads), replacing=replaces.id if replaces else None)
    checked = check_files(uploads, lim)
    stored: list[materials.Stored] = []
    try:
        for c in checked:
            try:
                obj = store.put_stream(MATERIALS, c.upload.file, c.size, c.content_type, max_bytes=lim.max_file_bytes)
            except ObjectTooLarge:
                raise DomainError(f"“{c.name}”超过单个文件 {lim.max_file_label} 的上限。", field="files") from None
            except StorageError:
                raise DomainError(f"“{c.name}”未能保存（文件存储服务暂时不可用），请稍后重试。", field="files") from None
            stored.append(materials.Stored(bucket=obj.bucket, key=obj.key, sha256=obj.sha256 or "", size=obj.size,
                                           content_type=c.content_type))
        rows = [materials.record_upload(db, case, item, s, c.name, actor, purpose=purpose,
                                        replaces=replaces if i == 0 else None)
                for i, (s, c) in enumerate(zip(stored, checked))]
        db.commit()
    except BaseException:
        db.rollback()
        for s in stored:
            try:
                store.delete(s.bucket, s.key)
            except StorageError:
                pass  # the orphan sweep (materials.live_keys) removes it later
        raise
    if replaces is not None:
        _delete_quietly(store, replaces)
    return rows


def _delete_quietly(store, row: materials.UploadedFile) -> None:
    try:
        store.delete(row.bucket, row.object_key)
    except StorageError:
        pass  # the row is marked removed: the orphan sweep finds the object


def remove(store, db: Session, case: Case, file_id: int, actor: Actor) -> None:
    """Take a scan off the case before acceptance: the row is kept (marked removed, audited), then the
    object is deleted once the commit succeeded."""
    row = materials.remove_file(db, case, file_id, actor)
    db.commit()
    _delete_quietly(store, row)


def upload_from_form(services, db: Session, data: dict[str, Any]):
    """What every upload route does with its form: the catalogue item, the file it replaces (if any), and
    the action that stores the files — for the route's own permission and error handling to run."""

    def number(name: str) -> int | None:
        try:
            return int(str(data.get(name))) if data.get(name) else None
        except ValueError:
            return -1

    item_id, replace = number("item"), number("replace")

    def act(case: Case, actor: Actor) -> None:
        save_uploads(services.store, db, case, item_id, files_in(data), actor, limits(services.settings),
                     replaces_id=replace)

    return item_id, act
