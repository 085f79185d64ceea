"""Queues per role and office, search and filters, and the chief's bulk (re)assignment."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Response, Template
from sqlmodel import Session, col, select

from casework import queues
from casework.assignment import assign
from casework.benefits import Benefit
from casework.clock import beijing_today
from casework.models import Account, Case, Employer, Office
from casework.roles import CASE_ROLES, Role
from casework.transitions import STATUS_LABELS, DomainError
from portal.public.pages import FormBody
from portal.web import Db, actor_for, page, require, see_other


def _employers(db: Session, cases: list[Case]) -> dict:
    ids = [c.employer_id for c in cases if c.employer_id]
    return {e.id: e for e in db.exec(select(Employer).where(col(Employer.id).in_(ids))).all()} if ids else {}


def _people(db: Session, cases: list[Case]) -> dict:
    ids = [c.assigned_to_id for c in cases if c.assigned_to_id]
    return {a.id: a for a in db.exec(select(Account).where(col(Account.id).in_(ids))).all()} if ids else {}


class Queues(Controller):
    path = "/staff"

    def _queue(self, request: Request, db: Session, role: Role) -> Template:
        account = require(request, db, role)
        cases = queues.queue(db, account, role)
        return page(request, db, "staff/queue.html", cases=cases, employers=_employers(db, cases),
                    assignees=_people(db, cases), title=queues.QUEUES[role][1], today=beijing_today())

    @get("/review", name="review_queue", sync_to_thread=True)
    def review_queue(self, request: Request, db: Db) -> Template:
        return self._queue(request, db, Role.INITIAL_REVIEW)

    @get("/recheck", name="recheck_queue", sync_to_thread=True)
    def recheck_queue(self, request: Request, db: Db) -> Template:
        return self._queue(request, db, Role.RECHECK)

    @get("/audits", name="audit_queue", sync_to_thread=True)
    def audit_queue(self, request: Request, db: Db) -> Template:
        return self._queue(request, db, Role.AUDITOR)

    @get("/cases", name="case_search", sync_to_thread=True)
    def search(self, request: Request, db: Db, q: FromQuery[str] = "", status: FromQuery[str] = "",
               benefit: FromQuery[str] = "", office: FromQuery[str] = "") -> Template:
        return self._search(request, db, q=q, status=status, benefit=benefit, office=office)

    def _search(self, request: Request, db: Session, *, q: str = "", status: str = "", benefit: str = "",
                office: str = "", error: str | None = None) -> Template:
        account = require(request, db, *CASE_ROLES)
        office_id = int(office) if office.isdigit() else None
        cases = queues.search(db, account, text=q, status=status, benefit=benefit, office_id=office_id)
        offices = db.exec(select(Office).order_by(Office.code)).all() if queues.sees_all(db, account) else []
        colleagues = [a for a in db.exec(select(Account).where(Account.office_id == account.office_id,
                                                                Account.active == True)).all()  # noqa: E712
                      if {Role.INITIAL_REVIEW.value, Role.RECHECK.value} & a.role_set()]
        return page(request, db, "staff/search.html", cases=cases, employers=_employers(db, cases),
                    assignees=_people(db, cases), today=beijing_today(), statuses=STATUS_LABELS,
                    benefits=[b.value for b in Benefit], offices=offices, colleagues=colleagues,
                    filters={"q": q, "status": status, "benefit": benefit, "office": office}, error=error)

    @post("/cases/assign", name="bulk_assign", sync_to_thread=True)
    def bulk_assign(self, request: Request, db: Db, data: FormBody) -> Response | Template:
        account = require(request, db, Role.CHIEF)
        ids = data.get("case") or []
        ids = [ids] if isinstance(ids, str) else list(ids)
        cases = [c for c in db.exec(queues.visible(db, account).where(col(Case.public_id).in_(ids))).all()]
        reviewer = str(data.get("reviewer_id", ""))
        try:
            if not cases:
                raise DomainError("请勾选要分派的案件。")
            assign(db, cases, actor_for(request, db, account, Role.CHIEF),
                   int(reviewer) if reviewer.isdigit() else None, str(data.get("reason", "")))
            db.commit()
        except DomainError as exc:
            db.rollback()
            return self._search(request, db, error=exc.message)
        return see_other(request, "/staff/cases")
