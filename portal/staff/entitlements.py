"""Recording a retirement on an approved case (条例 art. 35(3); casework.entitlements decides)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Response, Template

from casework import entitlements
from casework.roles import Role
from casework.transitions import DomainError
from portal.public.pages import FormBody
from portal.staff.review import _load
from portal.web import Db, actor_for, page, require, see_other


class Retirement(Controller):
    path = "/staff/cases"

    @get("/{public_id:str}/retirement", name="retirement_form", sync_to_thread=True)
    def form(self, request: Request, db: Db, public_id: FromPath[str]) -> Template:
        account = require(request, db, Role.INITIAL_REVIEW)
        case = _load(db, account, public_id)
        return self._page(request, db, case, {}, {})

    @post("/{public_id:str}/retirement", sync_to_thread=True)
    def record(self, request: Request, db: Db, public_id: FromPath[str], data: FormBody) -> Response | Template:
        account = require(request, db, Role.INITIAL_REVIEW)
        case = _load(db, account, public_id)
        values = {k: str(data.get(k, "")) for k in ("retired_on", "pension")}
        parsed, errors = entitlements.parse_retirement(values, case)
        if parsed is None:
            return self._page(request, db, case, values, errors)
        try:
            entitlements.record_retirement(db, case, actor_for(request, db, account, Role.INITIAL_REVIEW), parsed)
            db.commit()
        except DomainError as exc:
            db.rollback()
            return self._page(request, db, _load(db, account, public_id), values, {exc.field or "_form": exc.message})
        return see_other(request, f"/staff/cases/{case.public_id}?done=retirement")

    def _page(self, request: Request, db: Db, case, values: dict, errors: dict) -> Template:
        return page(request, db, "staff/retirement.html", case=case, values=values, errors=errors,
                    expected=entitlements.expected_retirement(case))
