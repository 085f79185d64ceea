"""An employer agent's online application (standard 6.1.2.1, 6.1.3.1) and their cases (6.2.1: accepted
by the system at once, with its 受理编号 and due date)."""

from __future__ import annotations

from litestar.params import FromPath, FromQuery
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Response, Template
from sqlmodel import Session, select

from casework.applications import (FIELDS, ID_TYPES, RETIREMENT_GROUPS, parse_application, resubmit,
                                   submit_online, withdraw)
from casework.benefits import CareLevel
from casework.models import Case
from casework.people import employer_sees
from casework.review import documents_of
from casework.roles import Role
from casework.transitions import Conflict, DomainError
from portal.public.pages import FormBody
from portal.issuing import issuer
from portal.web import Db, actor_for, page, require, see_other, services


CN_GRADES = "一二三四五六七八九十"


def form_context(values: dict, errors: dict) -> dict:
    return {
        "values": values, "errors": errors, "id_types": ID_TYPES, "groups": RETIREMENT_GROUPS,
        "grade_options": [(str(g), f"{CN_GRADES[g - 1]}级") for g in range(1, 11)],
        "care_options": [(c.value, c.value) for c in CareLevel],
    }


class EmployerApplication(Controller):
    path = "/my"

    @get("/cases", name="my_cases", sync_to_thread=True)
    def my_cases(self, request: Request, db: Db) -> Template:
        account = require(request, db, Role.EMPLOYER_AGENT)
        cases = db.exec(select(Case).where(Case.employer_id == account.employer_id)
                        .order_by(Case.created_at.desc())).all()
        cases = [c for c in cases if employer_sees(account, c)]
        return page(request, db, "public/my_cases.html", cases=cases)

    @get("/apply", name="apply", sync_to_thread=True)
    def apply_form(self, request: Request, db: Db) -> Template:
        require(request, db, Role.EMPLOYER_AGENT)
        return page(request, db, "public/apply.html", **form_context({"id_type": "居民身份证"}, {}))

    @post("/apply", sync_to_thread=True)
    def apply(self, request: Request, db: Db, data: FormBody) -> Response | Template:
        account = require(request, db, Role.EMPLOYER_AGENT)
        values = {k: str(data.get(k, "")) for k in FIELDS}
        parsed, errors = parse_application(values)
        if parsed is None:
            # the whole form comes back with what was typed and a message beside each field; nothing written
            return page(request, db, "public/apply.html", status_code=200, **form_context(values, errors))
        try:
            case = submit_online(db, actor_for(request, db, account, Role.EMPLOYER_AGENT), parsed,
                                 issue=issuer(services(request), db))
            db.commit()
        except DomainError as exc:
            db.rollback()
            errors = {exc.field or "_form": exc.message}
            return page(request, db, "public/apply.html", status_code=200, **form_context(values, errors))
        return see_other(request, f"/my/cases/{case.public_id}?accepted=1")

    def _own(self, request: Request, db: Session, public_id: str):
        account = require(request, db, Role.EMPLOYER_AGENT)
        case = db.exec(select(Case).where(Case.public_id == public_id)).first()
        # another employer's case answers exactly like a missing one: nothing to learn from the URL
        if case is None or not employer_sees(account, case):
            raise NotFoundException()
        return account, case

    @get("/cases/{public_id:str}", name="my_case", sync_to_thread=True)
    def my_case(self, request: Request, db: Db, public_id: FromPath[str], accepted: FromQuery[int] = 0) -> Template:
        account, case = self._own(request, db, public_id)
        return self._case_page(request, db, case, just_accepted=bool(accepted))

    def _case_page(self, request: Request, db: Session, case: Case, status_code: int = 200, **extra) -> Template:
        return page(request, db, "public/my_case.html", status_code=status_code, case=case,
                    documents=documents_of(db, case), **extra)

    @get("/cases/{public_id:str}/resubmit", name="resubmit_form", sync_to_thread=True)
    def resubmit_form(self, request: Request, db: Db, public_id: FromPath[str]) -> Template:
        account, case = self._own(request, db, public_id)
        if case.status != "incomplete":
            return self._case_page(request, db, case, status_code=409,
                                   page_error="该申报当前不需要补正：只有收到一次性告知书、状态为“材料不完整”的申报才能补正后重新提交。")
        return page(request, db, "public/apply.html", case=case, **form_context(values_of(case), {}))

    @post("/cases/{public_id:str}/resubmit", sync_to_thread=True)
    def resubmit(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        """After a 一次性告知书: the corrected application goes into the same case and is accepted afresh."""
        account, case = self._own(request, db, public_id)
        values = {k: str(data.get(k, "")) for k in FIELDS}
        parsed, errors = parse_application(values)
        if parsed is not None:
            try:
                resubmit(db, case, actor_for(request, db, account, Role.EMPLOYER_AGENT), parsed,
                         expected_version=_version(data), issue=issuer(services(request), db))
                db.commit()
                return see_other(request, f"/my/cases/{case.public_id}?accepted=1")
            except DomainError as exc:
                db.rollback()
                errors = {exc.field or "_form": exc.message}
                account, case = self._own(request, db, public_id)
        return page(request, db, "public/apply.html", case=case, **form_context(values, errors))

    @post("/cases/{public_id:str}/withdraw", name="withdraw", sync_to_thread=True)
    def withdraw(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        account, case = self._own(request, db, public_id)
        try:
            withdraw(db, case, actor_for(request, db, account, Role.EMPLOYER_AGENT), expected_version=_version(data),
                     reason=str(data.get("reason", "")))
            db.commit()
        except DomainError as exc:
            db.rollback()
            account, case = self._own(request, db, public_id)
            return self._case_page(request, db, case, status_code=409 if isinstance(exc, Conflict) else 200,
                                   withdraw_error=exc.message)
        return see_other(request, f"/my/cases/{case.public_id}")


def _version(data: dict) -> int:
    try:
        return int(str(data.get("version", "")))
    except ValueError:
        return -1


def values_of(case: Case) -> dict:
    """The case's data as the form's strings, for correcting it."""
    from casework.money import fmt_yuan, from_fen

    values = {name: "" if getattr(case, name, None) is None else str(getattr(case, name))
              for name in FIELDS if hasattr(case, name)}
    for i, fen in enumerate(case.wages_fen, start=1):
        values[f"wage_{i}"] = fmt_yuan(from_fen(fen)).replace(",", "")
    values["care_level"] = case.care_level or ""
    values["version"] = str(case.version)
    return values
