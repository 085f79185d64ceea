"""Account pages every person shares: a worker's activation (public), changing one's password (a temporary
password opens nothing else until replaced), and the in-portal message box (casework.messages)."""

from __future__ import annotations

from datetime import timedelta

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template

from sqlmodel import col, select

from casework import messages, people
from casework.models import Case
from casework.accounts import SignInRefused
from casework.transitions import DomainError
from portal.public.pages import FormBody, home_for
from portal.web import Db, SESSION_COOKIE, page, require, see_other, services


class AccountPages(Controller):
    @get("/activate", name="activate", sync_to_thread=True)
    def activate_form(self, request: Request, db: Db) -> Template:
        return page(request, db, "public/activate.html", values={"id_type": "居民身份证"}, errors={}, error=None,
                    id_types=people.ID_TYPES)

    @post("/activate", sync_to_thread=True)
    def activate(self, request: Request, db: Db, data: FormBody) -> Response | Template:
        s = services(request).settings
        values = {k: str(data.get(k, "")) for k in ("id_type", "id_number")}
        person, errors = people.parse_person_id(values)
        password, again = str(data.get("password", "")), str(data.get("again", ""))
        code = str(data.get("code", ""))
        if not code.strip():
            errors["code"] = "请填写激活码。"
        if password != again:
            errors["again"] = "两次输入的密码不一致。"
        error = None
        if person is not None and not errors:
            try:
                people.activate(db, services(request).hasher, person, code, password,
                                max_failed=s.max_failed_logins, lockout=timedelta(minutes=s.lockout_minutes),
                                ip=request.client.host if request.client else None, ip_limit=s.ip_failure_limit)
                db.commit()
                return Redirect(path="/login?activated=1", status_code=303)
            except SignInRefused as exc:
                db.commit()  # the failed attempt counts, like a failed sign-in
                error = exc.message
            except DomainError as exc:
                db.rollback()
                errors[exc.field or "code"] = exc.message
        return page(request, db, "public/activate.html", values=values, errors=errors, error=error,
                    id_types=people.ID_TYPES)

    @get("/account/password", name="password", sync_to_thread=True)
    def password_form(self, request: Request, db: Db) -> Template:
        require(request, db)
        return page(request, db, "public/password.html", errors={}, done=False)

    @post("/account/password", sync_to_thread=True)
    def change_password(self, request: Request, db: Db, data: FormBody) -> Response | Template:
        account = require(request, db)
        forced = account.must_change_password
        try:
            people.change_password(db, services(request).hasher, account, str(data.get("current", "")),
                                   str(data.get("new", "")), str(data.get("again", "")),
                                   ip=request.client.host if request.client else None)
            # other sessions of this account end: whoever knew the old password is out
            people.end_sessions(db, account, keep=request.cookies.get(SESSION_COOKIE))
            db.commit()
        except DomainError as exc:
            if isinstance(exc, people.WrongCurrentPassword):
                db.commit()  # the failed attempt counts (and may have locked the account)
            else:
                db.rollback()
            return page(request, db, "public/password.html", errors=getattr(exc, "errors", {exc.field: exc.message}),
                        done=False)
        if forced:
            return see_other(request, home_for(account))
        return page(request, db, "public/password.html", errors={}, done=True)

    @get("/messages", name="messages", sync_to_thread=True)
    def inbox(self, request: Request, db: Db) -> Template:
        """Opening the message box marks what it shows as read (the menu count goes down)."""
        account = require(request, db)
        rows = messages.inbox(db, account)
        unread_ids = {m.id for m in rows if m.read_at is None}
        messages.mark_read(db, account, list(unread_ids))
        db.commit()
        cases = {c.id: c for c in db.exec(select(Case).where(col(Case.id).in_([m.case_id for m in rows if m.case_id])))}
        base = "/me/cases/" if account.kind == "worker" else "/my/cases/"
        return page(request, db, "public/messages.html", rows=rows, new=unread_ids, cases=cases, base=base, unread=0)
