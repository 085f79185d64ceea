"""The staff side of a case: the queues, the case page, initial review (6.3) and second review (6.4).

Handlers are short: who may → parse → one call into casework → redirect, or the page again with the
message. The domain decides; these only ask."""

from __future__ import annotations

from litestar.params import FromPath, FromQuery
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Response, Template
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from casework import compliance, deadlines, queues, review
from casework.applications import DEFECT_FIELDS
from casework.assignment import assign
from casework.audits import record_outcome, request_audit
from casework.clock import beijing_today
from casework.entitlements import overdue_retirements
from casework.models import Account, AuditRecord, Case, Employer, Office
from casework.roles import CASE_ROLES, PREFECTURE_CODE, STAFF_ROLES, Role
from casework.transitions import Conflict, DomainError, refusal_of
from portal.issuing import issuer
from portal.public.pages import FormBody
from portal.staff.case_extras import case_extras
from portal.web import Db, actor_for, page, require, see_other, services

REVIEW_ROLES = (Role.INITIAL_REVIEW, Role.RECHECK)


def _load(db: Session, account: Account, public_id: str) -> Case:
    case = db.exec(queues.visible(db, account).where(Case.public_id == public_id)).first()
    if case is None:
        raise NotFoundException()
    return case


def _colleagues(db: Session, case: Case) -> list[Account]:
    """Reviewers of the case's office: whom an audit request was confirmed with, to whom a case is assigned."""
    people = db.exec(select(Account).where(Account.office_id == case.office_id, Account.active == True)  # noqa: E712
                     .order_by(Account.username)).all()
    return [a for a in people if {Role.INITIAL_REVIEW.value, Role.RECHECK.value} & a.role_set()]


def defects_from(data: dict) -> list[review.Defect]:
    """The reviewer's marks on an incomplete online submission: ticked fields, each with what is wanted."""
    ticked = data.get("defect") or []
    if isinstance(ticked, str):
        ticked = [ticked]
    labels = dict(DEFECT_FIELDS)
    return [review.Defect(field=f, label=labels[f], wanted=str(data.get(f"wanted_{f}", "")).strip())
            for f in ticked if f in labels]


def _int(value) -> int:
    """A form's integer (a version, an account id); anything else — or too large for a database id — is -1."""
    try:
        number = int(str(value))
    except ValueError:
        return -1
    return number if -2**31 < number < 2**31 else -1


class StaffReview(Controller):
    path = "/staff"

    @get("/", name="staff_home", sync_to_thread=True)
    def home(self, request: Request, db: Db) -> Template:
        account = require(request, db, *STAFF_ROLES)
        # RULES.md 5: expected retirement months that have passed with no retirement recorded
        overdue = overdue_retirements(db, db.exec(queues.visible(db, account).where(Case.status == "approved")).all())
        return page(request, db, "staff/home.html", overdue_retirements=overdue)

    @get("/cases/{public_id:str}", name="staff_case", sync_to_thread=True)
    def case_page(self, request: Request, db: Db, public_id: FromPath[str]) -> Template:
        account = require(request, db, *CASE_ROLES)
        case = _load(db, account, public_id)
        return self._case(request, db, account, case)

    def _case(self, request: Request, db: Db, account: Account, case: Case, *, error: str | None = None,
              error_field: str | None = None, values: dict | None = None, status_code: int = 200) -> Template:
        preview = review.preview(db, case) if case.status == "initial_review" else None
        seen_fingerprint = review.fingerprint(preview.assessment) if preview and preview.assessment else ""
        history = db.exec(select(AuditRecord).where(AuditRecord.case_id == case.id)
                          .order_by(col(AuditRecord.at).asc(), col(AuditRecord.id).asc())).all()
        people = {a.id: a for a in db.exec(select(Account).where(col(Account.id).in_(
            [x for x in (case.initial_reviewer_id, case.second_reviewer_id, case.submitted_by_id) if x]))).all()}
        return page(request, db, "staff/case.html", status_code=status_code, case=case,
                    employer=db.get(Employer, case.employer_id) if case.employer_id else None,
                    case_office=db.get(Office, case.office_id), preview=preview, history=history,
                    people=people, documents=review.documents_of(db, case), error=error, values=values or {},
                    retirement_month=review.retirement_month(case), today=beijing_today(),
                    error_field=error_field, defect_fields=DEFECT_FIELDS, seen_fingerprint=seen_fingerprint, periods=deadlines.periods(db, case),
                    colleagues=_colleagues(db, case), **case_extras(db, case),
                    compliance_checks=compliance.run_checks(db, case) if case.status == "initial_review" else None)

    def _decide(self, request: Request, db: Session, public_id: str, role: Role, data: dict, act) -> Response | Template:
        """The shape of every decision: who may → one domain call → commit → back to the case page; or the
        page again with the message (and what was typed), nothing written."""
        account = require(request, db, role)
        case = _load(db, account, public_id)
        actor = actor_for(request, db, account, role)
        try:
            try:
                act(case, actor, _int(data.get("version")))
                db.commit()
            except OperationalError as raw:
                db.rollback()
                raise (refusal_of(raw) or raw) from raw
        except DomainError as exc:
            db.rollback()
            case = _load(db, account, public_id)
            return self._case(request, db, account, case, error=exc.message, error_field=exc.field,
                              values=dict(data), status_code=409 if isinstance(exc, Conflict) else 200)
        return see_other(request, f"/staff/cases/{case.public_id}")

    @post("/cases/{public_id:str}/initial-review", name="initial_review", sync_to_thread=True)
    def initial_review(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        decision, reason = str(data.get("decision", "")), str(data.get("reason", "")).strip()
        issue = issuer(services(request), db)

        def act(case: Case, actor, version: int) -> None:
            if decision == "approve":
                review.initial_approve(db, case, actor, expected_version=version, note=reason or None,
                                       seen=str(data.get("seen")) if data.get("seen") else None)
            elif decision == "reject":
                review.initial_reject(db, case, actor, expected_version=version, reason=reason, issue=issue)
            elif decision == "incomplete":
                review.mark_incomplete(db, case, actor, expected_version=version, issue=issue,
                                       defects=defects_from(data))
            elif decision == "audit":
                request_audit(db, case, actor, expected_version=version, reason=reason,
                              consulted_id=_int(data.get("consulted_id")))
            else:
                raise DomainError("请选择审核结论。", field="decision")

        return self._decide(request, db, public_id, Role.INITIAL_REVIEW, data, act)

    @post("/cases/{public_id:str}/recheck", name="recheck", sync_to_thread=True)
    def recheck(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        decision, reason = str(data.get("decision", "")), str(data.get("reason", "")).strip()
        issue = issuer(services(request), db)

        def act(case: Case, actor, version: int) -> None:
            if decision == "approve":
                review.recheck_approve(db, case, actor, expected_version=version, issue=issue)
            elif decision == "return":
                review.recheck_return(db, case, actor, expected_version=version, reason=reason,
                                      consulted=data.get("consulted") == "yes")
            else:
                raise DomainError("请选择复核结论（通过或退回初审）。", field="decision")

        return self._decide(request, db, public_id, Role.RECHECK, data, act)

    @post("/cases/{public_id:str}/audit-outcome", name="audit_outcome", sync_to_thread=True)
    def audit_outcome(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        def act(case: Case, actor, version: int) -> None:
            record_outcome(db, case, actor, expected_version=version, outcome=str(data.get("reason", "")),
                           document_ref=str(data.get("document_ref", "")))

        return self._decide(request, db, public_id, Role.AUDITOR, data, act)

    @post("/cases/{public_id:str}/correct", name="correct", sync_to_thread=True)
    def correct(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        def act(case: Case, actor, version: int) -> None:
            review.reopen_correction(db, case, actor, expected_version=version, reason=str(data.get("reason", "")))

        return self._decide(request, db, public_id, Role.INITIAL_REVIEW, data, act)

    @post("/cases/{public_id:str}/assign", name="assign_one", sync_to_thread=True)
    def assign_one(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        def act(case: Case, actor, version: int) -> None:
            if version != case.version:
                raise Conflict("该案件已被他人更新，请刷新页面后再分派。")
            assign(db, [case], actor, _int(data.get("reviewer_id")) if data.get("reviewer_id") else None,
                   str(data.get("reason", "")))

        return self._decide(request, db, public_id, Role.CHIEF, data, act)
