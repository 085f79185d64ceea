"""Registers of upstream records on the staff side (casework.registers): list and search, load a CSV/XLSX file
(upload → preview → confirm), correct one record.

Who: the 登记簿维护岗 (Role.REGISTER_KEEPER) keeps the registers; reviewers, 稽核, supervisors and the chief may
read them. The initial reviewer checks applications against these records, so keeping them is a separate post
(RULES.md 11). The preview's rows wait server-side in `register_upload` (any portal process can confirm them);
only a random token travels in the URL."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Response, Template
from sqlmodel import col, select

from casework import registers as reg
from casework.benefits import CareLevel
from casework.identity import DOCUMENT_TYPES, mask_id
from casework.models import AuditRecord
from casework.roles import COUNTY_NAMES, Role
from casework.transitions import Conflict, DomainError
from portal.public.pages import FormBody
from portal.web import Db, actor_for, page, require, see_other

UploadBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
MAX_UPLOAD = 10 * 1024 * 1024
AUDIT_LABELS = {"register_import": "导入文件", "register_edit": "修改记录"}


def _spec(kind: str) -> reg.Register:
    spec = reg.REGISTERS.get(kind)
    if spec is None:
        raise NotFoundException()
    return spec


def options_for(c: reg.Col) -> list[tuple[str, str]] | None:
    """The choices of a column shown as a <select> (None: a text box)."""
    if c.kind == "id_type":
        return [(t, t) for t in DOCUMENT_TYPES]
    if c.kind == "outcome":
        return [(o, o) for o in reg.RECOGNITION_OUTCOMES]
    if c.kind == "care":
        return [("", "无生活护理等级")] + [(x.value, x.value) for x in CareLevel]
    if c.kind == "grade":
        return [("", "未达到伤残等级")] + [(str(g), f"{g}级") for g in range(1, 11)]
    if c.kind == "level":
        return [("初次鉴定", "初次鉴定"), ("再次鉴定", "再次鉴定（自治区劳动能力鉴定委员会）")]
    if c.kind == "bool":
        return [("否", "否"), ("是", "是")]
    if c.kind == "county":
        return [(code, f"{name}（{code}）") for code, name in COUNTY_NAMES.items()]
    return None


HINTS = {
    "date": "例如 2025-03-10", "month": "例如 2025-03", "money": "元，最多两位小数", "uscc": "18位",
    "number": "例如 昌人社工认〔2025〕0123号",
}

LAYOUT_NOTES = {
    "uscc": "18位统一社会信用代码（按 GB 32100 校验）",
    "text": "文字",
    "county": "昌吉州所辖县市的区划代码，如 652301（也可填县市名称）",
    "date": "日期，如 2025-03-10、2025/3/10、2025年3月10日",
    "month": "月份，如 2025-03、202503",
    "money": "金额（元），最多两位小数，如 6000.00",
    "id_type": "居民身份证（默认）、护照、港澳台居民居住证、外国人永久居留身份证",
    "id": "居民身份证按 GB 11643 校验位核对",
    "number": "文书编号，年份括号〔〕[]（）均可",
    "outcome": "工伤、视同工伤、不予认定",
    "grade": "1–10（或“四级”）；未达到伤残等级的留空",
    "care": "完全不能自理、大部分不能自理、部分不能自理；无护理等级的留空",
    "level": "初次鉴定（默认）或再次鉴定；再次鉴定结论为最终结论",
    "bool": "是 / 否（留空为否）",
}


def _import_page(request: Request, db: Db, spec: reg.Register, errors: dict, status_code: int = 200) -> Template:
    return page(request, db, "staff/registers/import.html", status_code=status_code, spec=spec, errors=errors,
                layout_notes=LAYOUT_NOTES)


class Registers(Controller):
    path = "/staff/registers"

    @get("/", name="registers", sync_to_thread=True)
    def index(self, request: Request, db: Db) -> Template:
        require(request, db, *reg.READER_ROLES)
        trail = db.exec(select(AuditRecord).where(col(AuditRecord.action).in_(list(AUDIT_LABELS)))
                        .order_by(col(AuditRecord.at).desc(), col(AuditRecord.id).desc()).limit(20)).all()
        counts = {kind: reg.count(db, kind) for kind in reg.REGISTERS}
        return page(request, db, "staff/registers/index.html", registers=reg.REGISTERS, counts=counts,
                    trail=trail, audit_labels=AUDIT_LABELS)

    @get("/{kind:str}", name="register_list", sync_to_thread=True)
    def listing(self, request: Request, db: Db, kind: FromPath[str], q: FromQuery[str | None] = None,
             added: FromQuery[int | None] = None, changed: FromQuery[int | None] = None,
             rejected: FromQuery[int | None] = None, saved: FromQuery[str | None] = None) -> Template:
        account = require(request, db, *reg.READER_ROLES)
        spec = _spec(kind)
        keeper = Role.REGISTER_KEEPER.value in account.role_set()
        # readers (reviewers, auditors...) look a person up; they do not browse who is disabled or insured
        # (个人信息保护法: only what the task needs): no listing without a query, and ID numbers masked
        personal = any(c.kind == "id" for c in spec.cols)
        records = reg.search(db, kind, q) if (keeper or q or not personal) else []
        rows = [(r, [mask_id(str(getattr(r, c.attr))) if c.kind == "id" and not keeper and getattr(r, c.attr)
                     else reg.shown(c, reg.plain(getattr(r, c.attr))) for c in spec.cols]) for r in records]
        done = None if added is None else {"added": added, "changed": changed or 0, "rejected": rejected or 0}
        return page(request, db, "staff/registers/list.html", spec=spec, rows=rows, q=q or "", done=done,
                    saved=saved, total=reg.count(db, kind), limit=200)

    # -- loading a file ----------------------------------------------------------------------------------

    @get("/{kind:str}/import", name="register_import", sync_to_thread=True)
    def import_form(self, request: Request, db: Db, kind: FromPath[str]) -> Template:
        require(request, db, *reg.KEEPER_ROLES)
        return _import_page(request, db, _spec(kind), {})

    @post("/{kind:str}/import", sync_to_thread=True, request_max_body_size=MAX_UPLOAD + 64 * 1024)
    def upload(self, request: Request, db: Db, kind: FromPath[str], data: UploadBody) -> Response | Template:
        account = require(request, db, *reg.KEEPER_ROLES)
        spec = _spec(kind)
        file = data.get("file")
        try:
            if file is None or not getattr(file, "filename", ""):
                raise DomainError("请选择要导入的 .csv 或 .xlsx 文件。", field="file")
            content = file.file.read(MAX_UPLOAD + 1)
            if len(content) > MAX_UPLOAD:
                raise DomainError("文件超过 10 MB，请分成几个文件导入。", field="file")
            upload, _plan = reg.stage_import(db, kind, file.filename, content,
                                             actor_for(request, db, account, Role.REGISTER_KEEPER))
            db.commit()
        except DomainError as exc:
            db.rollback()
            return _import_page(request, db, spec, {exc.field or "file": exc.message})
        return see_other(request, f"/staff/registers/{kind}/import/{upload.token}")

    @get("/{kind:str}/import/{token:str}", name="register_preview", sync_to_thread=True)
    def preview(self, request: Request, db: Db, kind: FromPath[str], token: FromPath[str]) -> Template:
        account = require(request, db, *reg.KEEPER_ROLES)
        return self._preview(request, db, account, _spec(kind), token)

    def _preview(self, request: Request, db: Db, account, spec: reg.Register, token: str, *,
                 error: str | None = None, status_code: int = 200) -> Template:
        actor = actor_for(request, db, account, Role.REGISTER_KEEPER)
        try:
            upload = reg.load_upload(db, token, actor)
        except DomainError as exc:
            return _import_page(request, db, spec, {"file": exc.message},
                                status_code=409 if isinstance(exc, Conflict) else 404)
        if upload.kind != spec.kind:
            raise NotFoundException()
        plan = reg.preview_upload(db, upload)
        stale = plan.fingerprint != upload.fingerprint
        return page(request, db, "staff/registers/preview.html", status_code=status_code, spec=spec,
                    upload=upload, plan=plan, stale=stale, error=error, shown=reg.shown,
                    labels=reg.ACTION_LABELS)

    @post("/{kind:str}/import/{token:str}", sync_to_thread=True)
    def confirm(self, request: Request, db: Db, kind: FromPath[str], token: FromPath[str],
                data: FormBody) -> Response | Template:
        account = require(request, db, *reg.KEEPER_ROLES)
        spec = _spec(kind)
        try:
            plan = reg.confirm_import(db, token, actor_for(request, db, account, Role.REGISTER_KEEPER))
            db.commit()
        except DomainError as exc:
            db.rollback()
            return self._preview(request, db, account, spec, token, error=exc.message,
                                 status_code=409 if isinstance(exc, Conflict) else 200)
        c = plan.counts
        return see_other(request, f"/staff/registers/{kind}?added={c['add']}&changed={c['change']}"
                                  f"&rejected={c['reject']}")

    # -- one record --------------------------------------------------------------------------------------

    @get("/{kind:str}/new", name="register_new", sync_to_thread=True)
    def new_form(self, request: Request, db: Db, kind: FromPath[str]) -> Template:
        require(request, db, *reg.KEEPER_ROLES)
        return self._new(request, db, _spec(kind), {}, {})

    def _new(self, request: Request, db: Db, spec: reg.Register, values: dict, errors: dict) -> Template:
        fields = [(c, options_for(c), HINTS.get(c.kind)) for c in spec.cols]
        return page(request, db, "staff/registers/new.html", spec=spec, fields=fields, values=values, errors=errors)

    @post("/{kind:str}/new", sync_to_thread=True)
    def add(self, request: Request, db: Db, kind: FromPath[str], data: FormBody) -> Response | Template:
        account = require(request, db, *reg.KEEPER_ROLES)
        spec = _spec(kind)
        values = {c.attr: str(data.get(c.attr, "")) for c in spec.cols}
        try:
            saved, errors = reg.add_record(db, kind, values, actor_for(request, db, account, Role.REGISTER_KEEPER))
            if saved is None:
                db.rollback()
                return self._new(request, db, spec, values, errors)
            db.commit()
        except DomainError as exc:
            db.rollback()
            return self._new(request, db, spec, values, {exc.field or "_form": exc.message})
        return see_other(request, f"/staff/registers/{kind}?saved={saved.id}")

    @get("/{kind:str}/{record_id:int}/edit", name="register_edit", sync_to_thread=True)
    def edit_form(self, request: Request, db: Db, kind: FromPath[str], record_id: FromPath[int]) -> Template:
        require(request, db, *reg.KEEPER_ROLES)
        spec = _spec(kind)
        record = self._record(db, kind, record_id)
        return self._edit(request, db, spec, record, reg.record_form(kind, record), {})

    def _record(self, db: Db, kind: str, record_id: int):
        try:
            return reg.get_record(db, kind, record_id)
        except DomainError:
            raise NotFoundException() from None

    def _edit(self, request: Request, db: Db, spec: reg.Register, record, values: dict, errors: dict,
              status_code: int = 200) -> Template:
        fields = [(c, options_for(c), HINTS.get(c.kind)) for c in spec.cols if not c.key]
        keys = [(c.header, reg.shown(c, reg.plain(getattr(record, c.attr)))) for c in spec.key_cols]
        return page(request, db, "staff/registers/edit.html", status_code=status_code, spec=spec, record=record,
                    fields=fields, keys=keys, values=values, errors=errors)

    @post("/{kind:str}/{record_id:int}/edit", sync_to_thread=True)
    def edit(self, request: Request, db: Db, kind: FromPath[str], record_id: FromPath[int],
             data: FormBody) -> Response | Template:
        account = require(request, db, *reg.KEEPER_ROLES)
        spec = _spec(kind)
        record = self._record(db, kind, record_id)
        values = {c.attr: str(data.get(c.attr, "")) for c in spec.cols if not c.key}
        values["reason"] = str(data.get("reason", ""))
        try:
            version = int(str(data.get("version", "")))
        except ValueError:
            version = -1
        try:
            saved, errors = reg.update_record(db, kind, record_id, values, actor_for(
                request, db, account, Role.REGISTER_KEEPER), expected_version=version, reason=values["reason"])
            if saved is None:
                db.rollback()
                return self._edit(request, db, spec, record, values, errors)
            db.commit()
        except DomainError as exc:
            db.rollback()
            record = self._record(db, kind, record_id)
            return self._edit(request, db, spec, record, values, {exc.field or "_form": exc.message},
                              status_code=409 if isinstance(exc, Conflict) else 200)
        return see_other(request, f"/staff/registers/{kind}?saved={record_id}")
