"""What every page handler shares: the database session, the signed-in person, the actor for the domain,
page rendering with the common context, and htmx-aware redirects."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Response, Template
from sqlmodel import Session

from casework.accounts import Hasher, resume_session
from casework.models import Account, Employer, Office
from casework.queues import queue_counts
from casework.roles import Role
from casework.transitions import Actor

SESSION_COOKIE = "portal_session"


@dataclass
class Services:
    """What the app holds for its lifetime (built in portal.app)."""

    settings: Any
    engine: Any
    store: Any
    renderer: Any
    hasher: Hasher


def services(request: Request) -> Services:
    return request.app.state.services


def provide_db(request: Request) -> Iterator[Session]:
    """One session per request; handlers commit explicitly after the domain call (STACK.md: never rely
    on a commit after the response has been chosen)."""
    with Session(services(request).engine, expire_on_commit=False) as session:
        try:
            yield session
        finally:
            session.rollback()


class NotSignedIn(HTTPException):
    status_code = 401


class Forbidden(HTTPException):
    status_code = 403


class MustChangePassword(HTTPException):
    """A temporary password (casework.people) opens only the change-password page until replaced."""

    status_code = 303


def current_account(request: Request, db: Session) -> Account | None:
    if "account" in request.scope.get("state", {}):
        return request.scope["state"]["account"]
    token = request.cookies.get(SESSION_COOKIE)
    account = None
    if token:
        s = services(request).settings
        account = resume_session(db, token, idle=timedelta(minutes=s.session_idle_minutes))
        db.commit()
    request.scope.setdefault("state", {})["account"] = account
    return account


def require(request: Request, db: Session, *roles: Role) -> Account:
    """The signed-in account holding one of `roles`, or a refusal (sign-in page / 403 in Chinese)."""
    account = current_account(request, db)
    if account is None:
        raise NotSignedIn(detail="请先登录。")
    if account.must_change_password and request.url.path != "/account/password":
        raise MustChangePassword(detail="请先修改临时密码。")
    held = account.role_set()
    if roles and not any(r.value in held for r in roles):
        raise Forbidden(detail="您的账户无权访问该页面。")
    return account


def actor_for(request: Request, db: Session, account: Account, role: Role) -> Actor:
    office = db.get(Office, account.office_id) if account.office_id else None
    return Actor(account=account, role=role, office=office, ip=request.client.host if request.client else None)


def page(request: Request, db: Session, template: str, status_code: int = 200, **context: Any) -> Template:
    account = current_account(request, db)
    employer = db.get(Employer, account.employer_id) if account and account.employer_id else None
    office = db.get(Office, account.office_id) if account and account.office_id else None
    context.setdefault("account", account)
    context.setdefault("employer", employer)
    context.setdefault("office", office)
    context.setdefault("roles", account.role_set() if account else frozenset())
    context.setdefault("is_htmx", request.headers.get("hx-request") == "true")
    context.setdefault("queue_counts", queue_counts(db, account) if account and account.kind == "staff" else [])
    if account and account.kind != "staff" and "unread" not in context:
        from casework.messages import unread_count

        context["unread"] = unread_count(db, account)
    return Template(template_name=template, context=context, status_code=status_code)


def see_other(request: Request, url: str) -> Response:
    """POST-redirect-GET. htmx would swap the whole next page into its target, so it gets HX-Redirect."""
    if request.headers.get("hx-request") == "true":
        return Response(content="", status_code=200, headers={"HX-Redirect": url})
    return Redirect(path=url, status_code=303)


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """RFC 5987: a Chinese file name in a header must be percent-encoded UTF-8 (else a 500). One
    implementation, the store's, for streamed downloads and presigned URLs alike."""
    from storage.store import content_disposition as build

    return build(filename, disposition)


# Explicit parameter kinds (Litestar 2.25 deprecates inferred ones).
Db = NamedDependency[Session]
