"""Small helpers for driving the portal through HTTP as a person would."""

from __future__ import annotations

import re
import uuid

from portal.demo import DEMO_PASSWORD

VALID_APPLICATION = {
    "id_type": "居民身份证",
    "id_number": "652301199003075216",  # valid check character, male, born 1990-03-07
    "worker_name": "买买提·吐尔逊",
    "retirement_group": "",
    "injury_date": "2025-03-10",
    "recognition_number": "昌人社工认〔2025〕0123号",
    "recognition_date": "2025-05-20",
    "appraisal_number": "昌劳鉴〔2025〕0456号",
    "appraisal_date": "2025-09-15",
    "grade": "4",
    "care_level": "部分不能自理",
    "care_date": "2025-09-15",
    **{f"wage_{i}": "6000.00" for i in range(1, 13)},
    "bank_name": "中国工商银行昌吉分行",
    "bank_account": "6222020200112233445",
}


def csrf(client) -> str:
    token = client.cookies.get("csrftoken")
    if not token:
        client.get("/login")
        token = client.cookies.get("csrftoken")
    assert token, "no CSRF cookie"
    return token


def post(client, url: str, data: dict, **kw):
    return client.post(url, data={**data, "_csrf_token": csrf(client)}, **kw)


def login(client, username: str, password: str = DEMO_PASSWORD):
    client.cookies.clear()
    r = post(client, "/login", {"username": username, "password": password}, follow_redirects=False)
    assert r.status_code == 303, f"sign-in of {username} failed: {r.status_code} {r.text[:300]}"
    return r


def logout(client):
    post(client, "/logout", {}, follow_redirects=False)
    client.cookies.clear()


def find(pattern: str, text: str) -> str:
    m = re.search(pattern, text)
    assert m, f"{pattern!r} not found"
    return m.group(1)


def apply(client, **changes) -> str:
    """Submit an application as the signed-in employer agent; returns the case page URL.

    Each call names a 工伤认定 decision of its own unless told otherwise: the same worker and decision
    cannot be applied for twice (casework.applications.refuse_duplicate)."""
    changes.setdefault("recognition_number", f"昌人社工认〔2025〕T{uuid.uuid4().hex[:8]}号")
    r = post(client, "/my/apply", {**VALID_APPLICATION, **changes}, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    return r.headers["location"]
