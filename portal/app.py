"""The Litestar application: both sides of the portal over one domain core."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy.exc import DataError
from sqlmodel import Session

from casework.accounts import Hasher
from casework.database import make_engine
from portal import filters
from portal.downloads import Downloads
from portal.public.apply import EmployerApplication
from portal.public.pages import PublicPages
from portal.settings import Settings
from portal.staff.entitlements import Retirement
from portal.staff.parameters import ParameterAdmin
from portal.staff.reception import Reception
from portal.staff.calendar import CalendarPages
from portal.staff.queues import Queues
from portal.staff.review import StaffReview
from portal.staff.registers import Registers
from portal.public.account import AccountPages
from portal.public.worker import WorkerPages
from portal.staff.admin import AdminPages, AgentPages, WorkerDesk
from portal.public.notices import PublicNotices
from portal.staff.notices import StaffNotices
from portal.web import MustChangePassword, NotSignedIn, Services, page, provide_db

HERE = Path(__file__).resolve().parent
log = logging.getLogger("portal")

# No inline script anywhere: htmx is a file, and its own indicator <style> is turned off in base.html.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def build_store(settings: Settings):
    from storage.store import ObjectStore

    store = ObjectStore(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key,
                        secure=settings.s3_secure, bucket_prefix=settings.bucket_prefix)
    store.ensure_buckets()
    return store


def build_renderer(settings: Settings):
    from portal.documents.render import DocumentRenderer

    return DocumentRenderer(max_workers=settings.pdf_workers)


def create_app(settings: Settings | None = None, *, store=None, renderer=None) -> Litestar:
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    hasher = Hasher(settings.argon2_time_cost, settings.argon2_memory_kib)
    svc = Services(settings=settings, engine=engine, store=store, renderer=renderer, hasher=hasher)
    own_renderer = renderer is None

    @asynccontextmanager
    async def lifespan(app: Litestar):
        if svc.store is None:
            svc.store = build_store(settings)
        if svc.renderer is None:
            svc.renderer = build_renderer(settings)
        if own_renderer:
            svc.renderer.start()  # warm the PDF process pool before the first request
        try:
            yield
        finally:
            if own_renderer:
                svc.renderer.close()
            engine.dispose()

    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    template_config = TemplateConfig(instance=JinjaTemplateEngine.from_environment(env))
    filters.install(env)

    def add_security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if settings.secure_cookies:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if request.headers.get("hx-request") == "true":
            return Response(content="", status_code=200, headers={"HX-Redirect": f"/login?next={request.url.path}"})
        return Redirect(path=f"/login?next={request.url.path}", status_code=303)

    def must_change_password(request: Request, exc: MustChangePassword) -> Response:
        # a temporary password (casework.people) opens only the change-password page
        if request.headers.get("hx-request") == "true":
            return Response(content="", status_code=200, headers={"HX-Redirect": "/account/password"})
        return Redirect(path="/account/password", status_code=303)

    def http_error(request: Request, exc: HTTPException) -> Response:
        status = exc.status_code
        if request.url.path.startswith("/api/"):
            return Response(content={"detail": exc.detail, "status_code": status}, status_code=status)
        messages = {
            400: "请求无法处理，请检查填写的内容后重试。",
            403: "您无权执行该操作，或页面已过期（请刷新页面后重试）。",
            404: "找不到该页面或记录。",
            405: "不支持该操作方式。",
            413: "上传的文件过大。",
        }
        message = messages.get(status, "请求未能完成。")
        if status == 403 and exc.detail and exc.detail != "Forbidden" and "CSRF" not in str(exc.detail):
            message = str(exc.detail)
        return error_page(request, status, message)

    def error_page(request: Request, status: int, message: str) -> Response:
        """The error in the portal's own frame: a signed-in person keeps their menu and name."""
        # the account cached by the failed request belongs to its (rolled back) session: look it up afresh
        request.scope.get("state", {}).pop("account", None)
        try:
            with Session(engine, expire_on_commit=False) as db:
                return page(request, db, "error.html", status_code=status, status=status, message=message)
        except Exception:  # the database itself may be what failed
            log.exception("error page without the portal frame")
            return Template(template_name="error.html", context={"status": status, "message": message},
                            status_code=status)

    def out_of_range(request: Request, exc: Exception) -> Response:
        # an identifier too large for the database (a typed or tampered URL): no such record
        return error_page(request, 404, "找不到该页面或记录。")

    def data_error(request: Request, exc: Exception) -> Response:
        # PostgreSQL refused a value (out of range, too long): nothing was written; say so, and log it.
        # On a GET it can only be a looked-up identifier (a typed or tampered URL): no such record.
        log.warning("data refused by the database on %s: %s", request.url.path, exc)
        if request.method == "GET":
            return out_of_range(request, exc)
        return error_page(request, 400, "提交的数据超出允许的范围，未保存。请检查填写的内容后重试。")

    def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
        return error_page(request, 500, "系统出现错误，您的操作未完成，请稍后重试。如多次出现，请联系经办机构。")

    app = Litestar(
        route_handlers=[
            PublicPages, EmployerApplication, StaffReview, Queues, Downloads, CalendarPages, ParameterAdmin, Retirement, Registers,
            Reception, AccountPages, WorkerPages, AdminPages, AgentPages, WorkerDesk, PublicNotices, StaffNotices,
            create_static_files_router(path="/static", directories=[HERE / "static"], name="static"),
        ],
        dependencies={"db": Provide(provide_db)},
        openapi_config=None,  # no schema UI: it would load scripts from elsewhere (CSP)
        lifespan=[lifespan],
        template_config=template_config,
        csrf_config=CSRFConfig(secret=settings.secret, cookie_secure=settings.secure_cookies,
                               cookie_samesite="lax", cookie_httponly=False),
        after_request=add_security_headers,
        exception_handlers={NotSignedIn: not_signed_in, MustChangePassword: must_change_password,
                            HTTPException: http_error, OverflowError: out_of_range, DataError: data_error,
                            Exception: server_error},
        debug=settings.debug,
    )
    app.state.services = svc
    return app
