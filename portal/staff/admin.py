"""People administration (issue 7; domain in casework.people).

  /staff/admin    the user administrator (用户管理员): staff accounts, roles and office, deactivation with the
                  leaver's open cases listed for reassignment, password resets (a temporary password shown ONCE),
                  and the separation settings of RULES.md 11 per office.
  /staff/agents   employer agents (经办人), provisioned by the agency only: the administrator or a hall's 受理岗.
  /staff/workers  a hall's 受理岗 issues a worker's one-time activation code after checking the identity document,
                  on the 账户激活凭条.

The activation slip is rendered and streamed ONCE and never stored: it carries the code in clear, and
DOCUMENTS.md says it is never archived — so it is not a case document (no Document row, nothing in the object
store). Only the code's argon2 hash is kept (casework.people.ActivationCode). A lost slip means a new code."""

from __future__ import annotations

from datetime import timedelta

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Response, Template
from sqlmodel import Session, col, select

from casework import people
from casework.clock import beijing_date, fmt_date, fmt_instant
from casework.identity import mask_id, mask_name
from casework.models import Account, Employer, Office
from casework.roles import COUNTY_NAMES, OFFICES, ROLE_LABELS, STAFF_ROLES, Role
from casework.transitions import DomainError
from portal.public.pages import FormBody
from portal.web import Db, content_disposition, page, require, see_other, services


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _staff_options() -> dict:
    return {"offices": [(code, name) for code, name, _ in OFFICES],
            "role_options": [(r.value, ROLE_LABELS[r]) for r in Role if r in STAFF_ROLES]}


def _account(db: Session, account_id: int) -> Account:
    account = db.get(Account, account_id)
    if account is None:
        raise NotFoundException()
    return account


def _roles_of(data: dict) -> list[str]:
    picked = data.get("roles") or []
    return [picked] if isinstance(picked, str) else [str(p) for p in picked]


class AdminPages(Controller):
    path = "/staff/admin"

    @get("/accounts", name="admin_accounts", sync_to_thread=True)
    def accounts(self, request: Request, db: Db) -> Template:
        require(request, db, Role.ADMIN)
        rows = db.exec(select(Account).where(Account.kind == "staff").order_by(col(Account.active).desc(),
                                                                                Account.username)).all()
        offices = {o.id: o for o in db.exec(select(Office)).all()}
        return page(request, db, "staff/admin/accounts.html", rows=rows, offices=offices)

    @get("/accounts/new", name="admin_new", sync_to_thread=True)
    def new_form(self, request: Request, db: Db) -> Template:
        require(request, db, Role.ADMIN)
        return page(request, db, "staff/admin/account.html", target=None, values={"roles": []}, errors={},
                    open_cases=[], **_staff_options())

    @post("/accounts/new", sync_to_thread=True)
    def create(self, request: Request, db: Db, data: FormBody) -> Template:
        admin = require(request, db, Role.ADMIN)
        values = {"username": str(data.get("username", "")), "display_name": str(data.get("display_name", "")),
                  "office": str(data.get("office", "")), "roles": _roles_of(data)}
        parsed, errors = people.parse_staff(values, new=True)
        if parsed is not None:
            try:
                account, temp = people.create_staff(db, admin, parsed, services(request).hasher, ip=_ip(request))
                db.commit()
                return _secret(request, db, account, temp, created=True)
            except DomainError as exc:
                db.rollback()
                errors = {exc.field or "username": exc.message}
        return page(request, db, "staff/admin/account.html", target=None, values=values, errors=errors,
                    open_cases=[], **_staff_options())

    @get("/accounts/{account_id:int}", name="admin_account", sync_to_thread=True)
    def account_page(self, request: Request, db: Db, account_id: FromPath[int]) -> Template:
        require(request, db, Role.ADMIN)
        target = _account(db, account_id)
        return self._page(request, db, target)

    def _page(self, request: Request, db: Session, target: Account, **kw) -> Template:
        return _account_page(request, db, target, **kw)

    @post("/accounts/{account_id:int}", sync_to_thread=True)
    def update(self, request: Request, db: Db, account_id: FromPath[int], data: FormBody) -> Response | Template:
        admin = require(request, db, Role.ADMIN)
        target = _account(db, account_id)
        values = {"username": target.username, "display_name": str(data.get("display_name", "")),
                  "office": str(data.get("office", "")), "roles": _roles_of(data)}
        parsed, errors = people.parse_staff(values, new=False)
        if parsed is not None:
            try:
                people.update_staff(db, admin, target, parsed, ip=_ip(request))
                db.commit()
                return see_other(request, f"/staff/admin/accounts/{target.id}")
            except DomainError as exc:
                db.rollback()
                errors = {exc.field or "roles": exc.message}
                target = _account(db, account_id)
        return self._page(request, db, target, values=values, errors=errors)

    @post("/accounts/{account_id:int}/deactivate", sync_to_thread=True)
    def deactivate(self, request: Request, db: Db, account_id: FromPath[int], data: FormBody) -> Response | Template:
        return _deactivate(request, db, account_id, data, (Role.ADMIN,), back=f"/staff/admin/accounts/{account_id}")

    @post("/accounts/{account_id:int}/reactivate", sync_to_thread=True)
    def reactivate(self, request: Request, db: Db, account_id: FromPath[int]) -> Response:
        admin = require(request, db, Role.ADMIN)
        target = _account(db, account_id)
        people.reactivate(db, admin, target, ip=_ip(request))
        db.commit()
        return see_other(request, f"/staff/admin/accounts/{target.id}")

    @post("/accounts/{account_id:int}/reset-password", sync_to_thread=True)
    def reset(self, request: Request, db: Db, account_id: FromPath[int]) -> Template:
        return _reset(request, db, account_id, (Role.ADMIN,))

    @get("/separation", name="admin_separation", sync_to_thread=True)
    def separation(self, request: Request, db: Db) -> Template:
        require(request, db, Role.ADMIN)
        return self._separation(request, db)

    def _separation(self, request: Request, db: Session, errors: dict | None = None, status_code: int = 200):
        offices = db.exec(select(Office).order_by(Office.code)).all()
        return page(request, db, "staff/admin/separation.html", status_code=status_code, offices=offices,
                    errors=errors or {})

    @post("/separation/{code:str}", sync_to_thread=True)
    def set_separation(self, request: Request, db: Db, code: FromPath[str], data: FormBody) -> Response | Template:
        admin = require(request, db, Role.ADMIN)
        office = db.exec(select(Office).where(Office.code == code)).first()
        if office is None:
            raise NotFoundException()
        try:
            people.set_receiver_may_review(db, admin, office, str(data.get("allowed", "")) == "1",
                                           reason=str(data.get(f"reason_{code}", "")), ip=_ip(request))
            db.commit()
        except DomainError as exc:
            db.rollback()
            return self._separation(request, db, {exc.field or f"reason_{code}": exc.message})
        return see_other(request, "/staff/admin/separation")


def _account_page(request: Request, db: Session, target: Account, *, values: dict | None = None,
                  errors: dict | None = None, status_code: int = 200) -> Template:
    office = db.get(Office, target.office_id) if target.office_id else None
    values = values or {"username": target.username, "display_name": target.display_name,
                        "office": office.code if office else "", "roles": sorted(target.role_set())}
    return page(request, db, "staff/admin/account.html", status_code=status_code, target=target, values=values,
                errors=errors or {}, open_cases=people.open_cases_of(db, target), **_staff_options())


def _deactivate(request: Request, db: Session, account_id: int, data: dict, roles, *, back: str):
    by = require(request, db, *roles)
    target = _account(db, account_id)
    if not people.may_manage(db, by, target) or (Role.ADMIN not in roles and target.kind == "staff"):
        raise NotFoundException()
    try:
        reason = data.get("reason") if target.kind == "staff" else data.get(f"reason_{account_id}")
        people.deactivate(db, by, target, reason=str(reason or ""), ip=_ip(request))
        db.commit()
    except DomainError as exc:
        db.rollback()
        if target.kind == "staff":
            return _account_page(request, db, _account(db, account_id), errors={exc.field or "reason": exc.message})
        return AgentPages._list(request, db, by, errors={f"reason_{account_id}": exc.message})
    return see_other(request, back)


def _reset(request: Request, db: Session, account_id: int, roles) -> Template:
    by = require(request, db, *roles)
    target = _account(db, account_id)
    if target.kind == "worker":
        # a worker's password is reset with a new activation code at a hall (the ID is checked there)
        raise NotFoundException()
    if not people.may_manage(db, by, target) or (Role.ADMIN not in roles and target.kind == "staff"):
        raise NotFoundException()
    temp = people.reset_password(db, by, target, services(request).hasher, ip=_ip(request))
    db.commit()
    return _secret(request, db, target, temp, created=False)


def _secret(request: Request, db: Session, account: Account, temp: str, *, created: bool) -> Template:
    """The temporary password, shown once in the answer to the POST (never stored in clear, never cached)."""
    response = page(request, db, "staff/admin/secret.html", target=account, temp=temp, created=created)
    response.headers["Cache-Control"] = "no-store"
    return response


class AgentPages(Controller):
    path = "/staff/agents"

    @staticmethod
    def _list(request: Request, db: Session, by: Account, *, values: dict | None = None,
              errors: dict | None = None, status_code: int = 200) -> Template:
        office = db.get(Office, by.office_id) if by.office_id else None
        query = select(Account, Employer).join(Employer, col(Account.employer_id) == Employer.id).where(
            Account.kind == "employer")
        if Role.ADMIN.value not in by.role_set() and office is not None and office.code in COUNTY_NAMES:
            query = query.where(Employer.county == office.code)
        rows = db.exec(query.order_by(Employer.uscc, Account.username)).all()
        default_county = office.code if office is not None and office.code in COUNTY_NAMES else ""
        return page(request, db, "staff/admin/agents.html", status_code=status_code, rows=rows,
                    values=values or {"county": default_county}, errors=errors or {},
                    counties=list(COUNTY_NAMES.items()))

    @get("/", name="agents", sync_to_thread=True)
    def agents(self, request: Request, db: Db) -> Template:
        by = require(request, db, Role.ADMIN, Role.RECEPTION)
        return self._list(request, db, by)

    @post("/", sync_to_thread=True)
    def create(self, request: Request, db: Db, data: FormBody) -> Template:
        by = require(request, db, Role.ADMIN, Role.RECEPTION)
        values = {k: str(data.get(k, "")) for k in ("uscc", "employer_name", "county", "username", "display_name")}
        parsed, errors = people.parse_agent(values)
        if parsed is not None:
            try:
                account, _, temp = people.create_agent(db, by, parsed, services(request).hasher, ip=_ip(request))
                db.commit()
                return _secret(request, db, account, temp, created=True)
            except DomainError as exc:
                db.rollback()
                errors = {exc.field or "uscc": exc.message}
        return self._list(request, db, by, values=values, errors=errors)

    @post("/{account_id:int}/reset-password", sync_to_thread=True)
    def reset(self, request: Request, db: Db, account_id: FromPath[int]) -> Template:
        return _reset(request, db, account_id, (Role.ADMIN, Role.RECEPTION))

    @post("/{account_id:int}/deactivate", sync_to_thread=True)
    def deactivate(self, request: Request, db: Db, account_id: FromPath[int], data: FormBody) -> Response | Template:
        return _deactivate(request, db, account_id, data, (Role.ADMIN, Role.RECEPTION), back="/staff/agents")


class WorkerDesk(Controller):
    path = "/staff/workers"

    @get("/", name="workers", sync_to_thread=True)
    def form(self, request: Request, db: Db) -> Template:
        require(request, db, Role.RECEPTION)
        return page(request, db, "staff/admin/workers.html", values={"id_type": "居民身份证"}, errors={},
                    id_types=people.ID_TYPES)

    @post("/activation", sync_to_thread=True)
    def issue(self, request: Request, db: Db, data: FormBody) -> Response | Template:
        receiver = require(request, db, Role.RECEPTION)
        values = {k: str(data.get(k, "")) for k in ("id_type", "id_number", "display_name", "checked")}
        person, errors = people.parse_person_id(values)
        if values["checked"] != "1":
            errors["checked"] = "请先核验本人有效身份证件原件，并勾选确认。"
        svc = services(request)
        if person is not None and not errors:
            try:
                issued = people.issue_activation(db, receiver, person, values["display_name"], svc.hasher,
                                                 valid_for=timedelta(days=svc.settings.activation_code_days),
                                                 ip=_ip(request))
                office = db.get(Office, receiver.office_id)
                pdf = svc.renderer.render("documents/activation_slip.html", {
                    "number": f"JH{beijing_date(issued.expires_at).strftime('%Y%m%d')}-{issued.account.id}",
                    "office": office.name if office else "", "verify_url": f"{svc.settings.public_base_url}/activate",
                    "demo": False, "name": mask_name(issued.account.display_name),
                    "id_masked": f"{person.id_type} {mask_id(person.id_number)}",
                    "code": people.format_code(issued.code), "expires_at": fmt_instant(issued.expires_at),
                    "issued_on": fmt_date(beijing_date(issued.expires_at - timedelta(days=svc.settings.activation_code_days))),
                    "activate_url": f"{svc.settings.public_base_url}/activate",
                    "login_url": f"{svc.settings.public_base_url}/login",
                    "days": svc.settings.activation_code_days,
                })
                # committed only once the slip exists: a code nobody could be given is never valid
                db.commit()
            except DomainError as exc:
                db.rollback()
                errors = {exc.field or "id_number": exc.message}
            else:
                return Response(content=pdf, media_type="application/pdf", status_code=200, headers={
                    "Content-Disposition": content_disposition("账户激活凭条.pdf", "inline"),
                    "Cache-Control": "no-store"})
        return page(request, db, "staff/admin/workers.html", values=values, errors=errors, id_types=people.ID_TYPES)

