"""The routes × roles access table, written out here (not generated from the code).

Every route of the app must appear in ROUTES: a new route without an entry fails `test_every_route_is_in_the_table`.
Each entry names who may use it: "public", "signed-in", or role codes. Object-level rules (an employer's own
cases, a hall's own cases) are tested in test_flow.py and below."""

from __future__ import annotations

import pytest

from portal.demo import ACCOUNTS, WORKERS
from tests.portal.helpers import apply, csrf, login

PUBLIC, SIGNED_IN = "public", "signed-in"
STAFF = {"reception", "initial_review", "recheck", "business_archivist", "archive", "finance", "chief", "auditor",
         "supervisor", "admin", "parameter_admin", "register_keeper"}
# staff who work on cases (and so may see the personal data in them): not the administrators of users,
# parameters and registers
CASE_STAFF = STAFF - {"admin", "parameter_admin", "register_keeper"}
REGISTER_READERS = {"register_keeper", "initial_review", "recheck", "auditor", "supervisor", "chief"}

# (method, path pattern) → who may
ROUTES: dict[tuple[str, str], object] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/verify/{number:str}/{token:str}"): PUBLIC,
    ("GET", "/static/{file_path:path}"): PUBLIC,
    ("GET", "/my/cases"): {"employer_agent"},
    ("GET", "/my/apply"): {"employer_agent"},
    ("POST", "/my/apply"): {"employer_agent"},
    ("GET", "/my/cases/{public_id:str}"): {"employer_agent"},
    ("GET", "/staff"): STAFF,
    ("GET", "/staff/review"): {"initial_review"},
    ("GET", "/staff/recheck"): {"recheck"},
    ("GET", "/staff/audits"): {"auditor"},
    ("GET", "/staff/cases"): CASE_STAFF,
    ("POST", "/staff/cases/assign"): {"chief"},
    ("GET", "/staff/cases/{public_id:str}"): CASE_STAFF,
    ("POST", "/staff/cases/{public_id:str}/initial-review"): {"initial_review"},
    ("POST", "/staff/cases/{public_id:str}/recheck"): {"recheck"},
    ("GET", "/documents/{public_id:str}"): SIGNED_IN,
    ("GET", "/staff/calendar"): STAFF,
    ("POST", "/staff/calendar/days"): {"parameter_admin", "admin"},
    ("POST", "/staff/calendar/years"): {"parameter_admin", "admin"},
    ("GET", "/my/cases/{public_id:str}/resubmit"): {"employer_agent"},
    ("POST", "/my/cases/{public_id:str}/resubmit"): {"employer_agent"},
    ("POST", "/my/cases/{public_id:str}/withdraw"): {"employer_agent"},
    ("POST", "/me/cases/{public_id:str}/withdraw"): {"worker"},
    ("POST", "/staff/cases/{public_id:str}/audit-outcome"): {"auditor"},
    ("POST", "/staff/cases/{public_id:str}/correct"): {"initial_review"},
    ("POST", "/staff/cases/{public_id:str}/assign"): {"chief"},
    ("GET", "/staff/cases/{public_id:str}/retirement"): {"initial_review"},
    ("POST", "/staff/cases/{public_id:str}/retirement"): {"initial_review"},
    ("GET", "/staff/parameters"): {"parameter_admin"},
    ("GET", "/staff/parameters/{key:str}/new"): {"parameter_admin"},
    ("POST", "/staff/parameters/{key:str}/new"): {"parameter_admin"},
    ("GET", "/staff/parameters/versions/{version_id:int}/edit"): {"parameter_admin"},
    ("POST", "/staff/parameters/versions/{version_id:int}/edit"): {"parameter_admin"},
    ("POST", "/staff/parameters/versions/{version_id:int}/delete"): {"parameter_admin"},
    # the counter (portal.staff.reception): on-site cases of the 受理岗; scans readable by the hall's staff
    ("GET", "/staff/reception"): {"reception"},
    ("GET", "/staff/reception/new"): {"reception"},
    ("POST", "/staff/reception/new"): {"reception"},
    ("GET", "/staff/reception/cases/{public_id:str}"): CASE_STAFF,
    ("POST", "/staff/reception/cases/{public_id:str}"): {"reception"},
    ("POST", "/staff/reception/cases/{public_id:str}/upload"): {"reception"},
    ("POST", "/staff/reception/cases/{public_id:str}/remove"): {"reception"},
    ("POST", "/staff/reception/cases/{public_id:str}/accept"): {"reception"},
    ("POST", "/staff/reception/cases/{public_id:str}/notify"): {"reception"},
    ("POST", "/staff/reception/cases/{public_id:str}/signed-receipt"): {"reception"},
    ("GET", "/staff/reception/cases/{public_id:str}/file"): CASE_STAFF,
    ("GET", "/staff/registers"): REGISTER_READERS,
    ("GET", "/staff/registers/{kind:str}"): REGISTER_READERS,
    ("GET", "/staff/registers/{kind:str}/import"): {"register_keeper"},
    ("POST", "/staff/registers/{kind:str}/import"): {"register_keeper"},
    ("GET", "/staff/registers/{kind:str}/import/{token:str}"): {"register_keeper"},
    ("POST", "/staff/registers/{kind:str}/import/{token:str}"): {"register_keeper"},
    ("GET", "/staff/registers/{kind:str}/new"): {"register_keeper"},
    ("POST", "/staff/registers/{kind:str}/new"): {"register_keeper"},
    ("GET", "/staff/registers/{kind:str}/{record_id:int}/edit"): {"register_keeper"},
    ("POST", "/staff/registers/{kind:str}/{record_id:int}/edit"): {"register_keeper"},
    # people and access (issue 7; tests/portal/test_people.py for the object-level rules)
    ("GET", "/activate"): PUBLIC,
    ("POST", "/activate"): PUBLIC,
    ("GET", "/account/password"): SIGNED_IN,
    ("POST", "/account/password"): SIGNED_IN,
    ("GET", "/messages"): SIGNED_IN,
    ("GET", "/me/cases"): {"worker"},
    ("GET", "/me/cases/{public_id:str}"): {"worker"},
    ("GET", "/me/apply"): {"worker"},
    ("POST", "/me/apply"): {"worker"},
    ("GET", "/me/cases/{public_id:str}/edit"): {"worker"},
    ("POST", "/me/cases/{public_id:str}/edit"): {"worker"},
    ("GET", "/me/cases/{public_id:str}/materials"): {"worker"},
    ("POST", "/me/cases/{public_id:str}/upload"): {"worker"},
    ("POST", "/me/cases/{public_id:str}/remove"): {"worker"},
    ("POST", "/me/cases/{public_id:str}/submit"): {"worker"},
    ("GET", "/me/cases/{public_id:str}/file"): {"worker"},
    ("GET", "/staff/admin/accounts"): {"admin"},
    ("GET", "/staff/admin/accounts/new"): {"admin"},
    ("POST", "/staff/admin/accounts/new"): {"admin"},
    ("GET", "/staff/admin/accounts/{account_id:int}"): {"admin"},
    ("POST", "/staff/admin/accounts/{account_id:int}"): {"admin"},
    ("POST", "/staff/admin/accounts/{account_id:int}/deactivate"): {"admin"},
    ("POST", "/staff/admin/accounts/{account_id:int}/reactivate"): {"admin"},
    ("POST", "/staff/admin/accounts/{account_id:int}/reset-password"): {"admin"},
    ("GET", "/staff/admin/separation"): {"admin"},
    ("POST", "/staff/admin/separation/{code:str}"): {"admin"},
    ("GET", "/staff/agents"): {"admin", "reception"},
    ("POST", "/staff/agents"): {"admin", "reception"},
    ("POST", "/staff/agents/{account_id:int}/reset-password"): {"admin", "reception"},
    ("POST", "/staff/agents/{account_id:int}/deactivate"): {"admin", "reception"},
    ("GET", "/staff/workers"): {"reception"},
    ("POST", "/staff/workers/activation"): {"reception"},
    # public notices (standard 6.7; tests/portal/test_notices_pages.py): no search, published and in force only
    ("GET", "/notices"): PUBLIC,
    ("GET", "/notices/{number:str}"): PUBLIC,
    ("GET", "/notices/{number:str}/pdf"): PUBLIC,
    ("GET", "/staff/notices"): {"initial_review", "chief"},
    ("POST", "/staff/notices"): {"initial_review"},
    ("POST", "/staff/notices/settings"): {"chief"},
    ("GET", "/staff/notices/{number:str}"): {"initial_review", "chief"},
    ("POST", "/staff/notices/{number:str}/approve"): {"chief"},
    ("POST", "/staff/notices/{number:str}/withdraw"): {"chief"},
}


def app_routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        for method in getattr(route, "methods", ()):
            if method in ("HEAD", "OPTIONS"):
                continue
            found.add((method, route.path))
    return found


def test_every_route_is_in_the_table(app):
    missing = app_routes(app) - set(ROUTES)
    assert not missing, f"routes without an entry in the access table: {sorted(missing)}"
    gone = set(ROUTES) - app_routes(app)
    assert not gone, f"access table names routes the app no longer has: {sorted(gone)}"


@pytest.fixture(scope="module")
def sample_case(app):
    """A case of 昌吉市 (qiye's employer) to fill path parameters with."""
    from litestar.testing import TestClient

    with TestClient(app, base_url="http://testserver.local") as c:
        login(c, "qiye")
        return apply(c).split("/")[3].split("?")[0]


def _url(pattern: str, public_id: str) -> str:
    return (pattern.replace("{public_id:str}", public_id).replace("{number:str}", "HD0000000000000")
            .replace("{token:str}", "x").replace("{file_path:path}", "css/portal.css")
            .replace("{key:str}", "average_wage").replace("{version_id:int}", "1")
            .replace("{kind:str}", "employers").replace("{record_id:int}", "1")
            # no such account or office: the table tests the role gate only, never changes a real account
            .replace("{account_id:int}", "999999").replace("{code:str}", "999999"))


def _expected(rule, roles: set[str] | None) -> bool:
    if rule == PUBLIC:
        return True
    if roles is None:
        return False
    if rule == SIGNED_IN:
        return True
    return bool(rule & roles)


# the staff of the case's own hall; other halls' staff get "not found" for a case (object-level scope)
PEOPLE = [(None, None)] + [(u, {r.value for r in roles}) for u, _, roles, office, _ in ACCOUNTS
                           if office in (None, "652301", "652300")] + [(i, {"worker"}) for i, *_ in WORKERS]


@pytest.mark.parametrize("username,roles", PEOPLE, ids=[p[0] or "anonymous" for p in PEOPLE])
def test_access_table(client, sample_case, username, roles):
    if username:
        login(client, username)
    for (method, pattern), rule in sorted(ROUTES.items()):
        if pattern in ("/logout", "/login") and method == "POST":
            continue  # signing in and out change the session under test
        url = _url(pattern, sample_case)
        if method == "GET":
            r = client.get(url, follow_redirects=False)
        else:
            r = client.post(url, data={"_csrf_token": csrf(client)}, follow_redirects=False)
        to_login = r.status_code == 303 and r.headers.get("location", "").startswith("/login")
        refused = r.status_code in (401, 403) or to_login
        allowed = _expected(rule, roles)
        if pattern == "/documents/{public_id:str}" or pattern.startswith("/verify"):
            # no such document: a 404 whoever asks, but never served to the anonymous
            assert r.status_code == (303 if roles is None and pattern.startswith("/documents") else 404), (
                method, url, r.status_code)
            continue
        if pattern == "/staff/cases/{public_id:str}" and roles and roles & CASE_STAFF:
            # prefecture staff see every hall's cases; county staff their own (all here are 昌吉市 or 州局)
            assert r.status_code == 200, (username, url, r.status_code)
            continue
        if allowed:
            assert not refused and r.status_code < 500, (username, method, url, r.status_code, r.text[:300])
        else:
            assert refused or (r.status_code == 404 and any(p in pattern for p in ("public_id", "account_id", "{code"))), (
                username, method, url, r.status_code)


def test_post_without_csrf_token_is_refused(client):
    login(client, "qiye")
    r = client.post("/my/apply", data={"worker_name": "张三"}, follow_redirects=False)
    assert r.status_code == 403
    assert "页面已过期" in r.text


def test_htmx_request_with_csrf_header_is_accepted(client):
    login(client, "qiye")
    r = client.post("/my/apply", data={"worker_name": "张三"}, headers={"x-csrftoken": csrf(client),
                                                                       "hx-request": "true"})
    assert r.status_code == 200 and "请填写证件号码" in r.text


def test_security_headers_and_no_inline_script(client):
    r = client.get("/login")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "<script>" not in r.text and "style=" not in r.text
    assert 'hx-headers=\'{"x-csrftoken": "' in r.text


def _session_from(response) -> str:
    header = response.headers["set-cookie"]
    assert "httponly" in header.lower() and "samesite=lax" in header.lower()
    return header.split("portal_session=", 1)[1].split(";", 1)[0]


def test_session_id_rotates_at_sign_in_and_the_old_one_dies(client):
    first = _session_from(login(client, "qiye"))
    r = client.post("/login", data={"username": "qiye", "password": "Demo-2026", "_csrf_token": csrf(client)},
                    follow_redirects=False)
    second = _session_from(r)
    assert second != first
    client.cookies.clear()
    client.cookies.set("portal_session", first)
    assert client.get("/my/cases", follow_redirects=False).status_code == 303  # the old id opens nothing
    client.cookies.clear()
    client.cookies.set("portal_session", second)
    assert client.get("/my/cases", follow_redirects=False).status_code == 200


def test_lockout_after_repeated_failures(client, db):
    from casework.models import Account
    from sqlmodel import select

    for _ in range(5):
        r = client.post("/login", data={"username": "kezhang", "password": "wrong", "_csrf_token": csrf(client)})
        assert "用户名或密码不正确" in r.text
    r = client.post("/login", data={"username": "kezhang", "password": "Demo-2026", "_csrf_token": csrf(client)},
                    follow_redirects=False)
    assert r.status_code == 200 and "锁定" in r.text
    db.rollback()
    account = db.exec(select(Account).where(Account.username == "kezhang")).one()
    account.locked_until = None
    db.add(account)
    db.commit()
    r = client.post("/login", data={"username": "kezhang", "password": "Demo-2026", "_csrf_token": csrf(client)},
                    follow_redirects=False)
    assert r.status_code == 303


def test_unknown_user_and_wrong_password_read_the_same(client):
    a = client.post("/login", data={"username": "nobody", "password": "x", "_csrf_token": csrf(client)})
    b = client.post("/login", data={"username": "qiye", "password": "x", "_csrf_token": csrf(client)})
    assert "用户名或密码不正确" in a.text and "用户名或密码不正确" in b.text


def test_next_parameter_cannot_redirect_elsewhere(client):
    r = client.post("/login", data={"username": "qiye", "password": "Demo-2026", "next": "//evil.example/",
                                    "_csrf_token": csrf(client)}, follow_redirects=False)
    assert r.headers["location"] == "/my/cases"


@pytest.mark.parametrize("username,url", [
    ("canshu", "/staff/parameters/versions/99999999999999999999999/edit"),
    ("guanli", "/staff/admin/accounts/99999999999999999999999"),
    ("dengji", "/staff/registers/employers/99999999999999999999999/edit"),
])
def test_an_identifier_too_large_is_not_found_not_an_error(client, username, url):
    login(client, username)
    r = client.get(url)
    assert r.status_code == 404 and "找不到" in r.text
    assert "退出登录" in r.text  # the error page keeps the signed-in frame
