"""The staff side of a case: the queues, the case page, initial review (6.3) and second review (6.4).

Handlers are short: who may → parse → one call into casework → redirect, or the page again with the
message. The domain decides; these only ask."""

from __future__ import annotations

from litestar.params import FromPath, FromQuery
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Response, Template
from sqlmodel import Session, col, select

from casework import review
from casework.clock import beijing_today
from casework.models import Account, AuditRecord, Case, Employer, Office
from casework.roles import PREFECTURE_CODE, STAFF_ROLES, Role
from casework.transitions import Conflict, DomainError
from portal.issuing import issue_approval_form
from portal.public.pages import FormBody
from portal.web import Db, actor_for, page, require, see_other, services

REVIEW_ROLES = (Role.INITIAL_REVIEW, Role.RECHECK)


def _visible(db: Db, account: Account):
    """Staff see their office's cases; the prefecture bureau sees all (RULES.md 11)."""
    office = db.get(Office, account.office_id) if account.office_id else None
    query = select(Case)
    if office is None or office.code != PREFECTURE_CODE:
        query = query.where(Case.office_id == account.office_id)
    return query


def _load(db: Session, account: Account, public_id: str) -> Case:
    case = db.exec(_visible(db, account).where(Case.public_id == public_id)).first()
    if case is None:
        raise NotFoundException()
    return case


def _int(value) -> int:
    try:
        return int(str(value))
    except ValueError:
        return -1


class StaffReview(Controller):
    path = "/staff"

    @get("/", name="staff_home", sync_to_thread=True)
    def home(self, request: Request, db: Db) -> Template:
        account = require(request, db, *STAFF_ROLES)
        counts = {
            status: len(db.exec(_visible(db, account).where(Case.status == status)).all())
            for status in ("initial_review", "recheck")
        }
        return page(request, db, "staff/home.html", counts=counts)

    @get("/review", name="review_queue", sync_to_thread=True)
    def review_queue(self, request: Request, db: Db) -> Template:
        account = require(request, db, Role.INITIAL_REVIEW)
        return self._queue(request, db, account, "initial_review", "初审待办")

    @get("/recheck", name="recheck_queue", sync_to_thread=True)
    def recheck_queue(self, request: Request, db: Db) -> Template:
        account = require(request, db, Role.RECHECK)
        return self._queue(request, db, account, "recheck", "复核待办")

    def _queue(self, request: Request, db: Db, account: Account, status: str, title: str) -> Template:
        # ordered by due date: the case closest to its deadline first (standard 6.6)
        cases = db.exec(_visible(db, account).where(Case.status == status)
                        .order_by(col(Case.due_date).asc(), col(Case.accepted_at).asc())).all()
        employers = {e.id: e for e in db.exec(select(Employer).where(
            col(Employer.id).in_([c.employer_id for c in cases if c.employer_id]))).all()}
        return page(request, db, "staff/queue.html", cases=cases, employers=employers, title=title,
                    status=status, today=beijing_today())

    @get("/cases/{public_id:str}", name="staff_case", sync_to_thread=True)
    def case_page(self, request: Request, db: Db, public_id: FromPath[str]) -> Template:
        account = require(request, db, *STAFF_ROLES)
        case = _load(db, account, public_id)
        return self._case(request, db, account, case)

    def _case(self, request: Request, db: Db, account: Account, case: Case, *, error: str | None = None,
              values: dict | None = None, status_code: int = 200) -> Template:
        preview = review.preview(db, case) if case.status == "initial_review" else None
        history = db.exec(select(AuditRecord).where(AuditRecord.case_id == case.id)
                          .order_by(col(AuditRecord.at).asc(), col(AuditRecord.id).asc())).all()
        people = {a.id: a for a in db.exec(select(Account).where(col(Account.id).in_(
            [x for x in (case.initial_reviewer_id, case.second_reviewer_id, case.submitted_by_id) if x]))).all()}
        return page(request, db, "staff/case.html", status_code=status_code, case=case,
                    employer=db.get(Employer, case.employer_id) if case.employer_id else None,
                    case_office=db.get(Office, case.office_id), preview=preview, history=history,
                    people=people, documents=review.documents_of(db, case), error=error, values=values or {},
                    retirement_month=review.retirement_month(case), today=beijing_today())

    @post("/cases/{public_id:str}/initial-review", name="initial_review", sync_to_thread=True)
    def initial_review(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        account = require(request, db, Role.INITIAL_REVIEW)
        case = _load(db, account, public_id)
        actor = actor_for(request, db, account, Role.INITIAL_REVIEW)
        decision, reason = str(data.get("decision", "")), str(data.get("reason", "")).strip()
        version = _int(data.get("version"))
        try:
            if decision == "approve":
                review.initial_approve(db, case, actor, expected_version=version, note=reason or None)
            elif decision == "reject":
                review.initial_reject(db, case, actor, expected_version=version, reason=reason)
            else:
                raise DomainError("请选择审核结论（通过或不通过）。", field="decision")
            db.commit()
        except DomainError as exc:
            db.rollback()
            case = _load(db, account, public_id)
            return self._case(request, db, account, case, error=exc.message, values=dict(data),
                              status_code=409 if isinstance(exc, Conflict) else 200)
        return see_other(request, f"/staff/cases/{case.public_id}?done=initial")

    @post("/cases/{public_id:str}/recheck", name="recheck", sync_to_thread=True)
    def recheck(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        account = require(request, db, Role.RECHECK)
        case = _load(db, account, public_id)
        actor = actor_for(request, db, account, Role.RECHECK)
        decision, reason = str(data.get("decision", "")), str(data.get("reason", "")).strip()
        version = _int(data.get("version"))
        try:
            if decision == "approve":
                svc = services(request)
                review.recheck_approve(db, case, actor, expected_version=version,
                                       issue=lambda c, number, token, now: issue_approval_form(
                                           svc, db, c, number, token, now))
            elif decision == "return":
                review.recheck_return(db, case, actor, expected_version=version, reason=reason)
            else:
                raise DomainError("请选择复核结论（通过或退回初审）。", field="decision")
            db.commit()
        except DomainError as exc:
            db.rollback()
            case = _load(db, account, public_id)
            return self._case(request, db, account, case, error=exc.message, values=dict(data),
                              status_code=409 if isinstance(exc, Conflict) else 200)
        return see_other(request, f"/staff/cases/{case.public_id}?done=recheck")
