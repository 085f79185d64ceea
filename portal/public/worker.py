"""A worker's own pages (issue 7): every case about them — including those the employer or a hall filed —
in plain words, and their own online application of the 一次性工伤医疗补助金 (6.1.2.2; casework.online) with the
upload component of the reception work (portal.uploads, components/upload.html).

Object level: a case answers only to casework.people.worker_sees (about the worker, or filed by them); anything
else answers exactly like a missing case (public ids are random: casework.models.new_public_id)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Stream, Template
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from casework import materials, online
from casework.applications import ID_TYPES, RETIREMENT_GROUPS, withdraw
from casework.benefits import TERMINATION_LABELS
from casework.models import Account, AuditRecord, Case, Office
from casework.people import cases_of_worker, worker_sees
from casework.review import documents_of
from casework.roles import COUNTY_NAMES, Role
from casework.transitions import Conflict, DomainError, refusal_of
from portal import uploads
from portal.issuing import issuer
from portal.public.pages import FormBody
from portal.web import Db, actor_for, content_disposition, page, require, see_other, services

BASE = "/me"

# what the worker reads beside the status: what happens next, in plain words
PLAIN = {
    "draft": "您还没有提交。可以继续填写、上传材料，完成后提交。",
    "reception": "经办大厅已登记您的申请，正在收取材料。",
    "reception_pending": "材料不齐。请按一次性告知书补齐全部材料，到经办大厅办理（无需重新登记）。",
    "initial_review": "已受理，经办机构正在初审。",
    "incomplete": "材料或信息需要补正。请按一次性告知书修改后重新提交，重新提交后立即受理。",
    "audit": "经办机构正在核查（社会保险稽核），核查期间办结时限暂停计算。",
    "recheck": "初审已通过，正在复核。",
    "approved": "核定单和将支付给您的待遇见申报详情。",
    "rejected": "初审不通过。原因见不予通过决定书；您可补齐后重新申报，或依法申请行政复议、提起行政诉讼。",
    "withdrawn": "申请已撤回。",
}
# the timeline shows these steps (audit actions), never the staff member's name
TIMELINE_LABELS = {
    "save_draft": "开始填写申报（草稿）",
    "accept_online": "线上提交，系统受理",
    "submit_draft": "线上提交，系统受理",
    "open_onsite": "经办大厅登记申请",
    "accept_onsite": "经办大厅受理",
    "notify_missing_onsite": "材料不齐，出具一次性告知书",
    "initial_incomplete": "材料不完整，出具一次性告知书",
    "resubmit": "补正后重新提交，系统受理",
    "audit_request": "开始社会保险稽核",
    "audit_outcome": "稽核结束，继续初审",
    "initial_approve": "初审通过",
    "initial_reject": "初审不通过",
    "recheck_approve": "复核通过，签发核定单",
    "recheck_return": "复核退回初审，重新审核",
    "withdraw": "申请撤回",
    "reopen_correction": "更正核定，重新审核",
}


def _options() -> dict:
    return {"applicant_kinds": list(online.ONLINE_KINDS.items()), "id_types": [(t, t) for t in ID_TYPES],
            "groups": list(RETIREMENT_GROUPS.items()), "counties": list(COUNTY_NAMES.items()),
            "grades": [(str(g), f"{g}级") for g in range(5, 11)], "terminations": list(TERMINATION_LABELS.items())}


def _int(value) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return -1


def _load(db: Session, account: Account, public_id: str) -> Case:
    case = db.exec(select(Case).where(Case.public_id == public_id)).first()
    if case is None or not worker_sees(account, case):
        raise NotFoundException()
    return case


def _mine(db: Session, account: Account, public_id: str) -> Case:
    """A case the worker may change: their own online application, still a draft or after a one-time notice."""
    case = _load(db, account, public_id)
    if case.submitted_by_id != account.id or case.status not in online.EDITABLE:
        raise NotFoundException()
    return case


def timeline(db: Session, case: Case) -> list[dict]:
    rows = db.exec(select(AuditRecord).where(AuditRecord.case_id == case.id, col(AuditRecord.to_status).is_not(None))
                   .order_by(col(AuditRecord.at), col(AuditRecord.id))).all()
    return [{"at": r.at, "label": TIMELINE_LABELS.get(r.action, r.action)} for r in rows]


class WorkerPages(Controller):
    path = BASE

    @get("/cases", name="me_cases", sync_to_thread=True)
    def cases(self, request: Request, db: Db) -> Template:
        account = require(request, db, Role.WORKER)
        return page(request, db, "public/me_cases.html", cases=cases_of_worker(db, account), plain=PLAIN)

    @get("/cases/{public_id:str}", name="me_case", sync_to_thread=True)
    def case(self, request: Request, db: Db, public_id: FromPath[str], accepted: FromQuery[int] = 0) -> Template:
        account = require(request, db, Role.WORKER)
        return self._case_page(request, db, account, _load(db, account, public_id), just_accepted=bool(accepted))

    def _case_page(self, request: Request, db: Session, account: Account, case: Case, status_code: int = 200,
                   **extra) -> Template:
        office = db.get(Office, case.office_id) if case.status != "draft" else None
        return page(request, db, "public/me_case.html", status_code=status_code, case=case, plain=PLAIN,
                    events=timeline(db, case), documents=documents_of(db, case), case_office=office,
                    own=case.submitted_by_id == account.id,
                    files=materials.files_of(db, case) if case.submitted_by_id == account.id else [],
                    payable=_payable(case), **extra)

    @post("/cases/{public_id:str}/withdraw", name="me_withdraw", sync_to_thread=True)
    def withdraw(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        """The applicant withdraws their own application before the second review decides."""
        account = require(request, db, Role.WORKER)
        case = _load(db, account, public_id)
        try:
            withdraw(db, case, actor_for(request, db, account, Role.WORKER), expected_version=_int(data.get("version")),
                     reason=str(data.get("reason", "")))
            db.commit()
        except DomainError as exc:
            db.rollback()
            case = _load(db, account, public_id)
            return self._case_page(request, db, account, case, status_code=409 if isinstance(exc, Conflict) else 200,
                                   withdraw_error=exc.message)
        return see_other(request, f"{BASE}/cases/{case.public_id}")

    # ------------------------------------------------------------ the online application (6.1.2.2)

    @get("/apply", name="me_apply", sync_to_thread=True)
    def apply_form(self, request: Request, db: Db) -> Template:
        account = require(request, db, Role.WORKER)
        drafts = db.exec(select(Case).where(Case.submitted_by_id == account.id, Case.status == "draft")
                         .order_by(col(Case.created_at).desc())).all()
        values = online.with_identity({"applicant_kind": "worker", "worker_name": account.display_name}, account)
        return page(request, db, "public/me_apply.html", case=None, values=values, errors={}, drafts=drafts,
                    **_options())

    @post("/apply", sync_to_thread=True)
    def apply(self, request: Request, db: Db, data: FormBody) -> Response | Template:
        account = require(request, db, Role.WORKER)
        return self._save(request, db, account, None, data)

    @get("/cases/{public_id:str}/edit", name="me_edit", sync_to_thread=True)
    def edit_form(self, request: Request, db: Db, public_id: FromPath[str], check: FromQuery[int] = 0) -> Template:
        account = require(request, db, Role.WORKER)
        case = _mine(db, account, public_id)
        values = online.values_for(db, case, account)
        errors = online.parse_online(values, account)[1] if check else {}
        return page(request, db, "public/me_apply.html", case=case, values=values, errors=errors, drafts=[],
                    **_options())

    @post("/cases/{public_id:str}/edit", sync_to_thread=True)
    def edit(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        account = require(request, db, Role.WORKER)
        return self._save(request, db, account, _mine(db, account, public_id), data)

    def _save(self, request: Request, db: Session, account: Account, case: Case | None, data: dict):
        """What was typed is kept (a draft) whether or not it is complete; errors are shown beside the fields,
        and only a complete form moves on to the materials."""
        values = online.with_identity({k: str(data.get(k, "")) for k in online.FIELDS}, account)
        actor = actor_for(request, db, account, Role.WORKER)
        try:
            case = online.save(db, actor, values, case)
            db.commit()
        except DomainError as exc:
            db.rollback()
            return page(request, db, "public/me_apply.html", case=case, values=values, drafts=[],
                        errors={exc.field or "applicant_kind": exc.message}, **_options())
        _, errors = online.parse_online(values, account)
        if errors:
            return page(request, db, "public/me_apply.html", case=case, values=values, errors=errors, drafts=[],
                        saved=True, **_options())
        return see_other(request, f"{BASE}/cases/{case.public_id}/materials")

    @get("/cases/{public_id:str}/materials", name="me_materials", sync_to_thread=True)
    def materials_page(self, request: Request, db: Db, public_id: FromPath[str]) -> Template:
        account = require(request, db, Role.WORKER)
        return self._materials(request, db, account, _mine(db, account, public_id))

    def _materials(self, request: Request, db: Session, account: Account, case: Case, *, error: str | None = None,
                   error_field: str | None = None, upload_item: int | None = None, errors: dict | None = None,
                   status_code: int = 200) -> Template:
        values = online.values_for(db, case, account)
        kind = values.get("applicant_kind") if values.get("applicant_kind") in online.ONLINE_KINDS else "worker"
        return page(request, db, "public/me_materials.html", status_code=status_code, case=case, values=values,
                    items=materials.checklist(db, case.matter, kind), by_item=materials.files_by_item(db, case),
                    limits=uploads.limits(services(request).settings), accept=uploads.ACCEPT, error=error,
                    error_field=error_field, upload_item=upload_item, errors=errors or {},
                    data_errors=online.parse_online(values, account)[1], kind_label=online.ONLINE_KINDS[kind])

    def _act(self, request: Request, db: Session, public_id: str, act, **again) -> Response | Template:
        account = require(request, db, Role.WORKER)
        case = _mine(db, account, public_id)
        actor = actor_for(request, db, account, Role.WORKER)
        try:
            try:
                target = act(case, actor)
            except OperationalError as raw:
                db.rollback()
                raise (refusal_of(raw) or raw) from raw
        except DomainError as exc:
            db.rollback()
            case = _mine(db, account, public_id)
            return self._materials(request, db, account, case, error=exc.message, error_field=exc.field,
                                   errors=getattr(exc, "errors", None),
                                   status_code=409 if isinstance(exc, Conflict) else 200, **again)
        return see_other(request, target or f"{BASE}/cases/{case.public_id}/materials")

    @post("/cases/{public_id:str}/upload", name="me_upload", sync_to_thread=True,
          request_max_body_size=uploads.UPLOAD_ROUTE_MAX_BYTES)
    def upload(self, request: Request, db: Db, public_id: FromPath[str],
               data: uploads.MultipartBody) -> Response | Template:
        item_id, act = uploads.upload_from_form(services(request), db, data)
        return self._act(request, db, public_id, act, upload_item=item_id)

    @post("/cases/{public_id:str}/remove", name="me_remove", sync_to_thread=True)
    def remove(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        svc = services(request)

        def act(case: Case, actor) -> None:
            uploads.remove(svc.store, db, case, _int(data.get("file")), actor)

        return self._act(request, db, public_id, act)

    @post("/cases/{public_id:str}/submit", name="me_submit", sync_to_thread=True)
    def submit(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        issue = issuer(services(request), db)

        def act(case: Case, actor) -> str:
            online.submit(db, case, actor, expected_version=_int(data.get("version")), issue=issue)
            db.commit()
            return f"{BASE}/cases/{case.public_id}?accepted=1"

        return self._act(request, db, public_id, act)

    @get("/cases/{public_id:str}/file", name="me_file", sync_to_thread=True)
    def file(self, request: Request, db: Db, public_id: FromPath[str], id: FromQuery[int] = 0) -> Stream:
        """A scan the individual uploaded to their own application (never another's)."""
        account = require(request, db, Role.WORKER)
        case = _load(db, account, public_id)
        if case.submitted_by_id != account.id:
            raise NotFoundException()
        try:
            row = materials.file_of_case(db, case, id)
        except DomainError:
            raise NotFoundException() from None
        stream = services(request).store.open(row.bucket, row.object_key)
        return Stream(stream, media_type=row.content_type, headers={
            "Content-Disposition": content_disposition(row.original_name, "inline"),
            "Cache-Control": "private, no-store", "Content-Length": str(row.size)})


def _payable(case: Case) -> dict | None:
    """Once approved: what the fund will pay, read from the frozen assessment (RULES.md 4: never recomputed)."""
    if case.status != "approved" or not case.assessment:
        return None
    from decimal import Decimal

    lines = [line for line in case.assessment.get("lines", []) if line.get("payer") == "fund"]
    lump = sum((Decimal(line["amount"]) for line in lines if not line.get("monthly")), Decimal("0.00"))
    return {"lines": lines, "lump_total": str(lump), "demo": bool(case.assessment.get("demo"))}
