"""The counter (受理岗, standard 6.2.2): a new on-site case for the 一次性工伤医疗补助金, the checklist of the
materials catalogue with an upload per item, then accept (受理单) or notify what is missing (一次性告知书);
after acceptance the applicant-signed scan of the 受理单.

Handlers only ask: who may → parse → one call into casework (or the upload component) → commit → redirect;
on a refusal the page again with the message beside the field and what was typed."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Stream, Template
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from casework import materials, reception
from casework.applications import ID_TYPES, RETIREMENT_GROUPS
from casework.benefits import TERMINATION_LABELS
from casework.models import Account, Case, Office
from casework.review import documents_of
from casework.roles import CASE_ROLES, COUNTY_NAMES, PREFECTURE_CODE, Role
from casework.transitions import Conflict, DomainError, refusal_of
from portal import uploads
from portal.issuing import issuer
from portal.public.pages import FormBody
from portal.web import Db, actor_for, content_disposition, current_account, page, require, see_other, services

BASE = "/staff/reception"


def _load(db: Session, account: Account, public_id: str, *, online_too: bool = False) -> Case:
    """A case of the receiver's own hall (the prefecture bureau sees all, RULES.md 11). `online_too`: the scans
    of an individual's online application (casework.online) are read through the same file route."""
    case = db.exec(select(Case).where(Case.public_id == public_id)).first()
    office = db.get(Office, account.office_id) if account.office_id else None
    if case is None or office is None or (office.code != PREFECTURE_CODE and case.office_id != office.id):
        raise NotFoundException()
    if case.channel != "onsite" and not (online_too and case.status != "draft"):
        raise NotFoundException()
    return case


def current_roles(request: Request, db: Session) -> frozenset[str]:
    account = current_account(request, db)
    return account.role_set() if account else frozenset()


def _int(value) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return -1


def _form_options() -> dict:
    return {
        "applicant_kinds": list(materials.APPLICANT_KINDS.items()), "id_types": [(t, t) for t in ID_TYPES],
        "groups": list(RETIREMENT_GROUPS.items()), "counties": list(COUNTY_NAMES.items()),
        "grades": [(str(g), f"{g}级") for g in range(1, 11)], "terminations": list(TERMINATION_LABELS.items()),
    }


def _ticks(data: dict) -> tuple[set[str], dict[str, str]]:
    ticked = data.get("received") or []
    if isinstance(ticked, str):
        ticked = [ticked]
    wanted = {k[len("wanted_"):]: str(v) for k, v in data.items() if k.startswith("wanted_")}
    return set(ticked), wanted


class Reception(Controller):
    path = BASE

    @get("/", name="reception_home", sync_to_thread=True)
    def home(self, request: Request, db: Db) -> Template:
        account = require(request, db, Role.RECEPTION)
        open_cases = db.exec(select(Case).where(Case.office_id == account.office_id, Case.channel == "onsite",
                                                col(Case.status).in_(materials.UPLOAD_STATUSES))
                             .order_by(col(Case.created_at).desc())).all()
        accepted = db.exec(select(Case).where(Case.office_id == account.office_id, Case.channel == "onsite",
                                              col(Case.accepted_at).is_not(None))
                           .order_by(col(Case.accepted_at).desc()).limit(20)).all()
        return page(request, db, "staff/reception/home.html", open_cases=open_cases, accepted=accepted)

    @get("/new", name="reception_new", sync_to_thread=True)
    def new_form(self, request: Request, db: Db) -> Template:
        require(request, db, Role.RECEPTION)
        return page(request, db, "staff/reception/new.html", values={"applicant_kind": "worker"}, errors={},
                    **_form_options())

    @post("/new", name="reception_create", sync_to_thread=True)
    def create(self, request: Request, db: Db, data: FormBody) -> Response | Template:
        account = require(request, db, Role.RECEPTION)
        values = {k: str(data.get(k, "")) for k in reception.FIELDS}
        parsed, errors = reception.parse_counter(values)
        if parsed is not None:
            try:
                case = reception.open_case(db, actor_for(request, db, account, Role.RECEPTION), parsed)
                db.commit()
                return see_other(request, f"{BASE}/cases/{case.public_id}")
            except DomainError as exc:
                db.rollback()
                errors = {exc.field or "applicant_kind": exc.message}
        return page(request, db, "staff/reception/new.html", values=values, errors=errors, **_form_options())

    @get("/cases/{public_id:str}", name="reception_case", sync_to_thread=True)
    def case_page(self, request: Request, db: Db, public_id: FromPath[str]) -> Template:
        # the hall's reviewers read the materials and scans here; only the 受理岗 sees the forms
        account = require(request, db, *CASE_ROLES)
        return self._page(request, db, _load(db, account, public_id))

    def _page(self, request: Request, db: Session, case: Case, *, error: str | None = None,
              error_field: str | None = None, values: dict | None = None, errors: dict | None = None,
              upload_item: int | None = None, ticks: tuple[set[str], dict[str, str]] | None = None,
              status_code: int = 200) -> Template:
        items = materials.case_checklist(db, case)
        by_item = materials.files_by_item(db, case)
        visits = reception.visits(db, case)
        if ticks is None:
            # the return visit starts from what the last visit found (the same record continues)
            last = visits[-1] if visits else None
            ticks = ({i["code"] for i in last.items if i["status"] == "received"} if last else set(),
                     {i["code"]: i["wanted"] for i in last.items if i["status"] == "defective"} if last else {})
        receivers = {a.id: a for a in db.exec(select(Account).where(
            col(Account.id).in_([v.receiver_id for v in visits]))).all()}
        return page(request, db, "staff/reception/case.html", status_code=status_code, case=case, items=items,
                    by_item=by_item, visits=visits, receivers=receivers, documents=documents_of(db, case),
                    signed=materials.files_of(db, case, purpose=materials.SIGNED_RECEIPT),
                    limits=uploads.limits(services(request).settings), accept=uploads.ACCEPT,
                    error=error, error_field=error_field, upload_item=upload_item,
                    values=values or reception.values_of(case), errors=errors or {}, ticked=ticks[0],
                    wanted=ticks[1], is_receiver=Role.RECEPTION.value in current_roles(request, db),
                    editable=case.status in materials.UPLOAD_STATUSES and Role.RECEPTION.value in current_roles(request, db),
                    case_office=db.get(Office, case.office_id), **_form_options())

    def _act(self, request: Request, db: Session, public_id: str, data: dict, act, **again) -> Response | Template:
        account = require(request, db, Role.RECEPTION)
        case = _load(db, account, public_id)
        actor = actor_for(request, db, account, Role.RECEPTION)
        try:
            try:
                act(case, actor)
            except OperationalError as raw:
                db.rollback()
                raise (refusal_of(raw) or raw) from raw
        except DomainError as exc:
            db.rollback()
            case = _load(db, account, public_id)
            return self._page(request, db, case, error=exc.message, error_field=exc.field,
                              status_code=409 if isinstance(exc, Conflict) else 200, **again)
        return see_other(request, f"{BASE}/cases/{case.public_id}")

    @post("/cases/{public_id:str}", name="reception_update", sync_to_thread=True)
    def update(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        values = {k: str(data.get(k, "")) for k in reception.FIELDS}
        parsed, errors = reception.parse_counter(values)
        if parsed is None:
            account = require(request, db, Role.RECEPTION)
            case = _load(db, account, public_id)
            return self._page(request, db, case, error="登记信息有误，未保存，请按提示修改。", values=values,
                              errors=errors, error_field="data")

        def act(case: Case, actor) -> None:
            reception.update_case(db, case, actor, parsed, expected_version=_int(data.get("version")))
            db.commit()

        return self._act(request, db, public_id, data, act, values=values)

    @post("/cases/{public_id:str}/upload", name="reception_upload", sync_to_thread=True,
          request_max_body_size=uploads.UPLOAD_ROUTE_MAX_BYTES)
    def upload(self, request: Request, db: Db, public_id: FromPath[str],
               data: uploads.MultipartBody) -> Response | Template:
        item_id, act = uploads.upload_from_form(services(request), db, data)
        return self._act(request, db, public_id, data, act, upload_item=item_id)

    @post("/cases/{public_id:str}/remove", name="reception_remove", sync_to_thread=True)
    def remove(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        svc = services(request)

        def act(case: Case, actor) -> None:
            uploads.remove(svc.store, db, case, _int(data.get("file")), actor)

        return self._act(request, db, public_id, data, act)

    @post("/cases/{public_id:str}/accept", name="reception_accept", sync_to_thread=True)
    def accept(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        ticked, wanted = _ticks(data)
        issue = issuer(services(request), db)

        def act(case: Case, actor) -> None:
            checked = reception.review_checklist(db, case, ticked, wanted)
            reception.accept_onsite(db, case, actor, expected_version=_int(data.get("version")), checked=checked,
                                    issue=issue)
            db.commit()

        return self._act(request, db, public_id, data, act, ticks=(ticked, wanted))

    @post("/cases/{public_id:str}/notify", name="reception_notify", sync_to_thread=True)
    def notify(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        ticked, wanted = _ticks(data)
        issue = issuer(services(request), db)

        def act(case: Case, actor) -> None:
            checked = reception.review_checklist(db, case, ticked, wanted)
            reception.notify_missing_onsite(db, case, actor, expected_version=_int(data.get("version")),
                                            checked=checked, issue=issue)
            db.commit()

        return self._act(request, db, public_id, data, act, ticks=(ticked, wanted))

    @post("/cases/{public_id:str}/signed-receipt", name="reception_signed", sync_to_thread=True,
          request_max_body_size=uploads.UPLOAD_ROUTE_MAX_BYTES)
    def signed_receipt(self, request: Request, db: Db, public_id: FromPath[str],
                       data: uploads.MultipartBody) -> Response | Template:
        svc = services(request)

        def act(case: Case, actor) -> None:
            uploads.save_uploads(svc.store, db, case, None, uploads.files_in(data), actor,
                                 uploads.limits(svc.settings), purpose=materials.SIGNED_RECEIPT)

        return self._act(request, db, public_id, data, act)

    @get("/cases/{public_id:str}/file", name="reception_file", sync_to_thread=True)
    def file(self, request: Request, db: Db, public_id: FromPath[str], id: FromQuery[int] = 0) -> Stream:
        """A scan, for the staff of the case's hall (reviewers read the materials here); never public."""
        account = require(request, db, *CASE_ROLES)
        case = _load(db, account, public_id, online_too=True)
        try:
            row = materials.file_of_case(db, case, id, purpose=None)
        except DomainError:
            raise NotFoundException() from None
        stream = services(request).store.open(row.bucket, row.object_key)
        return Stream(stream, media_type=row.content_type, headers={
            "Content-Disposition": content_disposition(row.original_name, "inline"),
            "Cache-Control": "private, no-store", "Content-Length": str(row.size)})
