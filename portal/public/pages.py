"""The public side: home, sign-in and sign-out, and the verification page behind every QR code."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from litestar.params import FromPath, FromQuery
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Response, Template
from sqlmodel import Session, select

from casework.accounts import SignInRefused, close_session, open_session, sign_in
from casework.models import Document, Office
from casework.roles import Role
from portal.web import Db, SESSION_COOKIE, current_account, page, services

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def home_for(account) -> str:
    """Where a person lands after signing in: the work of their first role."""
    roles = account.role_set()
    if account.must_change_password:
        return "/account/password"
    if Role.EMPLOYER_AGENT.value in roles:
        return "/my/cases"
    if Role.WORKER.value in roles:
        return "/me/cases"
    if Role.INITIAL_REVIEW.value in roles:
        return "/staff/review"
    if Role.RECHECK.value in roles:
        return "/staff/recheck"
    return "/staff"


def _safe_next(target: str | None) -> str | None:
    # only local paths: an open redirect after sign-in is a phishing aid
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


class PublicPages(Controller):
    @get("/", name="home", sync_to_thread=True)
    def home(self, request: Request, db: Db) -> Template:
        return page(request, db, "public/home.html")

    @get("/login", name="login", sync_to_thread=True)
    def login_form(self, request: Request, db: Db, next: FromQuery[str | None] = None,
                   activated: FromQuery[int] = 0) -> Template:
        return page(request, db, "public/login.html", next=_safe_next(next), form={}, error=None,
                    activated=bool(activated))

    @post("/login", sync_to_thread=True)
    def login(self, request: Request, db: Db, data: FormBody) -> Response:
        s = services(request).settings
        username = str(data.get("username", ""))
        target = _safe_next(str(data.get("next") or ""))
        try:
            account = sign_in(db, services(request).hasher, username, str(data.get("password", "")),
                              max_failed=s.max_failed_logins, lockout=timedelta(minutes=s.lockout_minutes),
                              ip=request.client.host if request.client else None, ip_limit=s.ip_failure_limit)
        except SignInRefused as exc:
            db.commit()  # the failed attempt counts even though sign-in is refused
            return page(request, db, "public/login.html", status_code=200, next=target,
                        form={"username": username}, error=exc.message)
        old = request.cookies.get(SESSION_COOKIE)
        if old:
            close_session(db, old)
        token = open_session(db, account, max_age=timedelta(hours=s.session_max_hours))
        db.commit()
        response = Redirect(path=target or home_for(account), status_code=303)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, secure=s.secure_cookies, samesite="lax",
                            max_age=s.session_max_hours * 3600, path="/")
        return response

    @post("/logout", sync_to_thread=True)
    def logout(self, request: Request, db: Db) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            close_session(db, token)
            db.commit()
        response = Redirect(path="/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @get("/verify/{number:str}/{token:str}", name="verify", sync_to_thread=True)
    def verify(self, request: Request, db: Db, number: FromPath[str], token: FromPath[str]) -> Template:
        """DOCUMENTS.md: type, date, issuing office, validity and SHA-256 — and no personal data."""
        doc = db.exec(select(Document).where(Document.number == number)).first()
        genuine = doc is not None and _same(doc.token, token)
        office = db.get(Office, doc.office_id) if genuine and doc else None
        withdrawn = None
        if genuine and doc and doc.kind == "notice_batch":
            # a withdrawn 业务通告单 (standard 6.7) must not verify as in force: say so, with the date
            from notices.batches import batch_by_number

            batch = batch_by_number(db, doc.number)
            withdrawn = batch.withdrawn_at if batch is not None and batch.status == "withdrawn" else None
        return page(request, db, "public/verify.html", status_code=200 if genuine else 404,
                    doc=doc if genuine else None, issuer=office, number=number, withdrawn=withdrawn)


def _same(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())
