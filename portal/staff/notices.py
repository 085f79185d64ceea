"""Staff pages of the public notices (业务通告单, standard 6.7): the initial reviewer compiles a month's approved
cases into a draft; the chief approves publication (never the compiler), withdraws with a reason, and keeps the
office's setting (amounts shown or not, publication window, objection period). The domain is notices.batches."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Response, Template
from sqlmodel import Session

from casework.clock import beijing_today
from casework.models import Account
from casework.roles import Role
from casework.transitions import DomainError
from notices import batches
from portal.notice_documents import notice_issuer, objection_text, period_label
from portal.public.pages import FormBody
from portal.web import Db, actor_for, page, require, see_other, services

READERS = (Role.INITIAL_REVIEW, Role.CHIEF)


def _has(account: Account, role: Role) -> bool:
    return role.value in account.role_set()


def _own(db: Session, account: Account, number: str) -> batches.NoticeBatch:
    batch = batches.batch_by_number(db, number)
    # another office's notice answers like a missing one
    if batch is None or batch.office_id != account.office_id:
        raise NotFoundException()
    return batch


class StaffNotices(Controller):
    path = "/staff/notices"

    def _list(self, request: Request, db: Session, account: Account, *, errors: dict | None = None,
              values: dict | None = None) -> Template:
        setting = batches.setting_for(db, account.office_id) if account.office_id else None
        today = beijing_today()
        default_period = f"{today.year:04d}-{today.month:02d}"
        listed = batches.office_batches(db, account.office_id) if account.office_id else []
        return page(request, db, "staff/notices.html", errors=errors or {},
                    values=values or {"period": default_period, **({
                        "publication_days": setting.publication_days, "objection_days": setting.objection_days,
                        "show_amounts": setting.show_amounts} if setting else {})},
                    setting=setting, may_compile=_has(account, Role.INITIAL_REVIEW),
                    may_approve=_has(account, Role.CHIEF), labels=batches.STATUS_LABELS,
                    batches=[{"batch": b, "period": period_label(b.period), "in_force": batches.in_force(b, today)}
                             for b in listed])

    @get("/", name="staff_notices", sync_to_thread=True)
    def index(self, request: Request, db: Db) -> Template:
        account = require(request, db, *READERS)
        return self._list(request, db, account)

    @post("/", name="staff_notices_compile", sync_to_thread=True)
    def compile(self, request: Request, db: Db, data: FormBody) -> Response | Template:
        account = require(request, db, Role.INITIAL_REVIEW)
        values = {"period": str(data.get("period", "")).strip()}
        try:
            batch = batches.compile_batch(db, actor_for(request, db, account, Role.INITIAL_REVIEW), values["period"])
            db.commit()
        except DomainError as exc:
            db.rollback()
            return self._list(request, db, account, errors={exc.field or "period": exc.message}, values=values)
        return see_other(request, f"/staff/notices/{batch.number}")

    @post("/settings", name="staff_notices_settings", sync_to_thread=True)
    def settings(self, request: Request, db: Db, data: FormBody) -> Response | Template:
        account = require(request, db, Role.CHIEF)
        values = {k: str(data.get(k, "")) for k in ("publication_days", "objection_days", "show_amounts")}
        parsed, errors = batches.parse_setting(data)
        if errors:
            return self._list(request, db, account, errors=errors, values=values)
        try:
            batches.save_setting(db, actor_for(request, db, account, Role.CHIEF), parsed)
            db.commit()
        except DomainError as exc:
            db.rollback()
            return self._list(request, db, account, errors={exc.field or "publication_days": exc.message},
                              values=values)
        return see_other(request, "/staff/notices")

    def _detail(self, request: Request, db: Session, account: Account, batch: batches.NoticeBatch, *,
                errors: dict | None = None, values: dict | None = None) -> Template:
        return page(request, db, "staff/notice.html", batch=batch, rows=batches.rows_of(db, batch),
                    people=batches.people_of(db, batch), period=period_label(batch.period),
                    label=batches.STATUS_LABELS.get(batch.status, batch.status),
                    objection=objection_text(batch) if batch.objection_until else "",
                    in_force=batches.in_force(batch, beijing_today()),
                    may_approve=_has(account, Role.CHIEF) and batch.status == "draft",
                    own_batch=batch.compiled_by_id == account.id,
                    may_withdraw=_has(account, Role.CHIEF) and batch.status != "withdrawn",
                    errors=errors or {}, values=values or {})

    @get("/{number:str}", name="staff_notice", sync_to_thread=True)
    def show(self, request: Request, db: Db, number: FromPath[str]) -> Template:
        account = require(request, db, *READERS)
        return self._detail(request, db, account, _own(db, account, number))

    @post("/{number:str}/approve", name="staff_notice_approve", sync_to_thread=True)
    def approve(self, request: Request, db: Db, number: FromPath[str], data: FormBody) -> Response | Template:
        account = require(request, db, Role.CHIEF)
        batch = _own(db, account, number)
        try:
            batches.approve(db, batch, actor_for(request, db, account, Role.CHIEF),
                            expected_version=_version(data), issue=notice_issuer(services(request)))
            db.commit()
        except DomainError as exc:
            db.rollback()
            return self._detail(request, db, account, _own(db, account, number), errors={"approve": exc.message})
        return see_other(request, f"/staff/notices/{number}")

    @post("/{number:str}/withdraw", name="staff_notice_withdraw", sync_to_thread=True)
    def withdraw(self, request: Request, db: Db, number: FromPath[str], data: FormBody) -> Response | Template:
        account = require(request, db, Role.CHIEF)
        batch = _own(db, account, number)
        values = {"reason": str(data.get("reason", ""))}
        try:
            batches.withdraw(db, batch, actor_for(request, db, account, Role.CHIEF), reason=values["reason"],
                             expected_version=_version(data))
            db.commit()
        except DomainError as exc:
            db.rollback()
            return self._detail(request, db, account, _own(db, account, number),
                                errors={exc.field or "reason": exc.message}, values=values)
        return see_other(request, f"/staff/notices/{number}")


def _version(data: dict) -> int | None:
    raw = str(data.get("version", "")).strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None
