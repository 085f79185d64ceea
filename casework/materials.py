"""The materials catalogue (申请材料目录) and the scanned files of a case.

ONE versioned catalogue per 事项 is the single source of the materials: the reception checklist, the upload
form, the table of the 社会保险业务受理单, the 一次性告知书 and (later) the service guide all read it here, so
they can never disagree. A catalogue version, once used by a case, is never edited: a change is a new version
(the case keeps the version it was opened with).

Uploaded files are recorded here (original Chinese name in the database, the object key opaque —
STACK.md, "Uploads"); the bytes themselves are streamed to the object store by the portal (portal.uploads),
which calls `record_upload()` only after the object is stored, and deletes the object if this write fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Column, Field, Session, SQLModel, col, select

from casework.models import Case, utcnow
from casework.transitions import Actor, DomainError, audit

APPLICANT_KINDS = {
    "worker": "工伤职工本人",
    "former_employer": "原用人单位（代职工申请）",  # 6.1.1.2
    "proxy": "委托代理人",
}
FORMS = {"original": "原件", "copy": "复印件"}
# the file types a scan may be, recognised by their first bytes (never by the name the browser sends)
FILE_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
SIGNED_RECEIPT = "signed_receipt"  # the applicant-signed scan of the 受理单 (DOCUMENTS.md)


class MaterialCatalogue(SQLModel, table=True):
    """One version of the materials of one 事项."""

    __tablename__ = "material_catalogue"
    __table_args__ = (sa.UniqueConstraint("matter", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    matter: str = Field(max_length=20, index=True)  # as Case.matter
    version: int
    effective_from: date
    source: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class MaterialItem(SQLModel, table=True):
    """One material of a catalogue version, in the order it is listed everywhere."""

    __tablename__ = "material_item"
    id: int | None = Field(default=None, primary_key=True)
    catalogue_id: int = Field(foreign_key="material_catalogue.id", index=True)
    code: str = Field(max_length=32)
    order: int
    name: str = Field(max_length=200)
    form: str = Field(max_length=10)  # FORMS
    count: int = Field(default=1)
    required: bool = Field(default=True)  # False: only under `condition`
    condition: str | None = Field(default=None, max_length=20)  # an applicant kind, e.g. "proxy"
    notes: str = Field(default="", max_length=400)

    @property
    def form_label(self) -> str:
        return FORMS.get(self.form, self.form)

    def wanted(self) -> str:
        """What the applicant must bring, in the words of the one-time notice."""
        text = f"请提供{self.name}{self.form_label}{self.count}份"
        return text + (f"（{self.notes}）" if self.notes else "") + "。"


class UploadedFile(SQLModel, table=True):
    """A scanned file of a case: one of possibly several per catalogue item, or the signed receipt."""

    __tablename__ = "uploaded_file"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    item_id: int | None = Field(default=None, foreign_key="material_item.id", index=True)
    purpose: str = Field(default="material", max_length=20)  # "material" | SIGNED_RECEIPT
    original_name: str = Field(max_length=255)
    content_type: str = Field(max_length=40)
    size: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    sha256: str = Field(max_length=64)
    bucket: str = Field(max_length=63)
    object_key: str = Field(max_length=200, unique=True)
    uploaded_by_id: int | None = Field(default=None, foreign_key="account.id")
    uploaded_at: datetime = Field(default_factory=utcnow)
    removed: bool = Field(default=False)
    removed_at: datetime | None = None
    removed_by_id: int | None = Field(default=None, foreign_key="account.id")


# The seeded catalogues. 一次性工伤医疗补助金: standard 6.1.2.2 (materials a–c; c only when a proxy applies).
_SEED = {
    "medical": {
        "effective_from": date(2023, 1, 1),
        "source": "DB 6523/T 375—2023 第 6.1.2.2 条",
        "items": [
            ("identity", "工伤职工社会保障卡或其他有效身份证件（居民身份证、护照、港澳台居民居住证、外国人永久居留身份证）",
             "original", 1, True, None, "核对原件后扫描留存，原件当场退还"),
            ("termination", "解除或终止劳动合同证明，或劳动人事争议仲裁文书、民事调解文书", "original", 1, True, None,
             "须载明劳动关系解除或终止的日期和原因"),
            ("principal_id_copy", "委托人（工伤职工）有效身份证件复印件", "copy", 1, False, "proxy", ""),
            ("proxy_id", "受委托人有效身份证件", "original", 1, False, "proxy", "核对原件后扫描留存"),
            ("power_of_attorney", "授权委托书", "original", 1, False, "proxy",
             "须载明委托事项和权限，由委托人签名"),
        ],
    },
}


def current_catalogue(session: Session, matter: str) -> MaterialCatalogue:
    """The newest catalogue version of `matter`; the seeded version is written on first use (idempotent)."""
    cat = session.exec(select(MaterialCatalogue).where(MaterialCatalogue.matter == matter)
                       .order_by(col(MaterialCatalogue.version).desc())).first()
    if cat is not None:
        return cat
    seed = _SEED.get(matter)
    if seed is None:
        raise DomainError(f"事项“{matter}”没有材料目录。")
    try:
        with session.begin_nested():
            cat = MaterialCatalogue(matter=matter, version=1, effective_from=seed["effective_from"],
                                    source=seed["source"])
            session.add(cat)
            session.flush()
            for order, (code, name, form, count, required, condition, notes) in enumerate(seed["items"], 1):
                session.add(MaterialItem(catalogue_id=cat.id, code=code, order=order, name=name, form=form,
                                         count=count, required=required, condition=condition, notes=notes))
            session.flush()
    except IntegrityError:
        # another transaction wrote version 1 first: use theirs
        cat = session.exec(select(MaterialCatalogue).where(MaterialCatalogue.matter == matter)
                           .order_by(col(MaterialCatalogue.version).desc())).one()
    return cat


def items_of(session: Session, catalogue: MaterialCatalogue) -> list[MaterialItem]:
    return list(session.exec(select(MaterialItem).where(MaterialItem.catalogue_id == catalogue.id)
                             .order_by(col(MaterialItem.order))).all())


def checklist(session: Session, matter: str, applicant_kind: str) -> list[MaterialItem]:
    """The materials an applicant of `applicant_kind` must bring, in catalogue order: the required items and
    the conditional ones whose condition is this kind of applicant (e.g. the power of attorney for a proxy)."""
    if applicant_kind not in APPLICANT_KINDS:
        raise DomainError("请选择申请人类型。", field="applicant_kind")
    return [i for i in items_of(session, current_catalogue(session, matter))
            if i.required or i.condition == applicant_kind]


def case_checklist(session: Session, case: Case) -> list[MaterialItem]:
    return checklist(session, case.matter, case.applicant_kind or "worker")


def files_of(session: Session, case: Case, *, purpose: str = "material") -> list[UploadedFile]:
    return list(session.exec(select(UploadedFile).where(UploadedFile.case_id == case.id,
                                                        UploadedFile.purpose == purpose,
                                                        UploadedFile.removed == False)  # noqa: E712
                             .order_by(col(UploadedFile.uploaded_at), col(UploadedFile.id))).all())


def files_by_item(session: Session, case: Case) -> dict[int, list[UploadedFile]]:
    out: dict[int, list[UploadedFile]] = {}
    for f in files_of(session, case):
        if f.item_id is not None:
            out.setdefault(f.item_id, []).append(f)
    return out


def sniff(head: bytes) -> str | None:
    """The content type of a scan from its first bytes, or None when it is none of PDF, JPEG, PNG."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def clean_name(name: str | None) -> str:
    """The original file name as the browser sent it, without any folder part, kept for display only."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = "".join(ch for ch in base if ch.isprintable())
    return base[:255] or "未命名文件"


@dataclass(frozen=True)
class Stored:
    """What the object store returned for one upload."""

    bucket: str
    key: str
    sha256: str
    size: int
    content_type: str


UPLOAD_STATUSES = ("reception", "reception_pending")
# an individual's own online application (casework.online, 6.1.2.2): files are added while it is a draft and
# again after a one-time notice (6.3.1 b), before the resubmission
ONLINE_UPLOAD_STATUSES = ("draft", "incomplete")


def _applicant_may_change(case: Case, actor: Actor) -> bool:
    """True when `actor` is the individual applicant of this online case and may change its files now; raises
    when they may not. False for staff (the counter's own rules below apply)."""
    from casework.roles import Role
    from casework.transitions import check

    if actor.role is not Role.WORKER:
        return False
    if case.status not in ONLINE_UPLOAD_STATUSES:
        raise DomainError("申报已提交，材料不能再增删。", field="files")
    check(case, "submit_draft" if case.status == "draft" else "resubmit", actor)  # own application only
    return True


def check_can_upload(session: Session, case: Case, item_id: int | None, actor: Actor, *, purpose: str,
                     max_files: int, adding: int = 1, replacing: int | None = None) -> MaterialItem | None:
    """Refuse before any byte is stored: wrong state, item not on this case's checklist, too many files."""
    if purpose == SIGNED_RECEIPT:
        if case.channel != "onsite" or case.accepted_at is None:
            raise DomainError("案件受理后才能上传申请人签字的受理单扫描件。", field="files")
        if actor.office is None or case.office_id != actor.office.id:
            raise DomainError("该案件不属于您所在的经办机构。")
        return None
    if _applicant_may_change(case, actor):
        pass
    elif case.status not in UPLOAD_STATUSES:
        raise DomainError("案件已受理，材料不能再增删。如需补充，请联系初审岗。", field="files")
    elif actor.office is None or case.office_id != actor.office.id:
        raise DomainError("该案件不属于您所在的经办机构。")
    item = next((i for i in case_checklist(session, case) if i.id == item_id), None)
    if item is None:
        raise DomainError("请选择本案件材料清单中的材料。", field="item")
    present = len(files_by_item(session, case).get(item.id, []))
    if replacing is not None:
        present -= 1
    if present + adding > max_files:
        raise DomainError(f"“{item.name}”最多上传 {max_files} 个文件，已有 {max(present, 0)} 个。", field="files")
    return item


def record_upload(session: Session, case: Case, item: MaterialItem | None, stored: Stored, original_name: str,
                  actor: Actor, *, purpose: str = "material", replaces: UploadedFile | None = None,
                  now: datetime | None = None) -> UploadedFile:
    """The row of a file already in the object store (the caller deletes the object if this fails)."""
    now = now or utcnow()
    row = UploadedFile(case_id=case.id, item_id=item.id if item else None, purpose=purpose,
                       original_name=clean_name(original_name), content_type=stored.content_type,
                       size=stored.size, sha256=stored.sha256, bucket=stored.bucket, object_key=stored.key,
                       uploaded_by_id=actor.id, uploaded_at=now)
    session.add(row)
    if replaces is not None:
        _remove(replaces, actor, now)
        session.add(replaces)
    session.flush()
    audit(session, "material.upload", actor.account, role=actor.role.value,
          office_code=actor.office.code if actor.office else None, case_id=case.id, ip=actor.ip,
          details={"file": row.id, "item": item.code if item else purpose,
                   "size": row.size, "sha256": row.sha256,
                   **({"replaces": replaces.id} if replaces is not None else {})})
    return row


def _remove(row: UploadedFile, actor: Actor, now: datetime) -> None:
    row.removed = True
    row.removed_at = now
    row.removed_by_id = actor.id


def file_of_case(session: Session, case: Case, file_id: int, *, purpose: str | None = "material") -> UploadedFile:
    row = session.get(UploadedFile, file_id) if file_id > 0 else None
    if row is None or row.case_id != case.id or row.removed or (purpose and row.purpose != purpose):
        raise DomainError("找不到该文件，可能已被删除。请刷新页面。", field="files")
    return row


def remove_file(session: Session, case: Case, file_id: int, actor: Actor, *, now: datetime | None = None) -> UploadedFile:
    """Before acceptance a scan can be taken off the case. The row stays (marked removed) for the audit
    trail; the object is swept later by the orphan sweep of the store once no live row points to it."""
    if _applicant_may_change(case, actor):
        pass
    elif case.status not in UPLOAD_STATUSES:
        raise DomainError("案件已受理，材料不能再删除。", field="files")
    elif actor.office is None or case.office_id != actor.office.id:
        raise DomainError("该案件不属于您所在的经办机构。")
    row = file_of_case(session, case, file_id)
    _remove(row, actor, now or utcnow())
    session.add(row)
    session.flush()
    audit(session, "material.remove", actor.account, role=actor.role.value,
          office_code=actor.office.code if actor.office else None, case_id=case.id, ip=actor.ip,
          details={"file": row.id, "sha256": row.sha256})
    return row


def live_keys(session: Session) -> set[str]:
    """Object keys a live row points to (for ObjectStore.sweep_orphans of the materials bucket)."""
    return set(session.exec(select(UploadedFile.object_key).where(UploadedFile.removed == False)).all())  # noqa: E712
