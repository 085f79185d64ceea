"""Every page is valid HTML5 (html5lib, strict), with unique ids, labelled inputs, forms with an action and
the CSRF field on every POST form (STYLE.md: the test client parses every page)."""

from __future__ import annotations

import re
from collections import Counter

import html5lib
import pytest

from tests.portal.helpers import apply, login

PAGES = {
    None: ["/", "/login"],
    "qiye": ["/my/cases", "/my/apply", "{my_case}"],
    "chushen": ["/staff", "/staff/review", "/staff/cases", "{staff_case}", "/staff/calendar"],
    "fuhe": ["/staff/recheck"],
    "canshu": ["/staff/parameters", "/staff/calendar"],
    "kezhang": ["/staff/cases", "{staff_case}"],
}


def check_markup(html: str, url: str) -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        doc = parser.parse(html)
    except html5lib.html5parser.ParseError as exc:
        line = html.splitlines()[parser.errors[0][0][0] - 1] if parser.errors else ""
        raise AssertionError(f"{url}: invalid HTML: {exc}\n{line}") from None
    ids = Counter(el.get("id") for el in doc.iter() if el.get("id"))
    dup = [i for i, n in ids.items() if n > 1]
    assert not dup, f"{url}: duplicate ids {dup}"
    labels = {el.get("for") for el in doc.iter("label")}
    for el in doc.iter():
        if el.tag in ("input", "select", "textarea") and el.get("type") not in ("hidden", "submit", "button"):
            named = el.get("id") in labels or el.get("aria-label") or el.get("aria-labelledby")
            assert named, f"{url}: {el.tag} name={el.get('name')} has no label"
    for form in doc.iter("form"):
        assert form.get("action"), f"{url}: a form without an action"
        if (form.get("method") or "get").lower() == "post":
            names = {i.get("name") for i in form.iter("input")}
            assert "_csrf_token" in names, f"{url}: POST form to {form.get('action')} without the CSRF field"
    assert doc.tag == "html" and doc.get("lang") == "zh-CN"
    assert doc.find(".//main") is not None and doc.find(".//h1") is not None, f"{url}: no main or h1"


@pytest.fixture(scope="module")
def case_ids(app):
    from litestar.testing import TestClient

    with TestClient(app, base_url="http://testserver.local") as c:
        login(c, "qiye")
        public_id = apply(c, recognition_number="昌人社工认〔2025〕MARKUP号").split("/")[3].split("?")[0]
    return {"my_case": f"/my/cases/{public_id}", "staff_case": f"/staff/cases/{public_id}"}


@pytest.mark.parametrize("user", list(PAGES), ids=[u or "anonymous" for u in PAGES])
def test_pages_are_valid_and_accessible_markup(client, case_ids, user):
    if user:
        login(client, user)
    for url in PAGES[user]:
        url = url.format(**case_ids)
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        check_markup(r.text, url)


def test_form_with_errors_is_valid_markup(client):
    from tests.portal.helpers import post

    login(client, "qiye")
    r = post(client, "/my/apply", {"id_number": "123", "grade": "x"})
    check_markup(r.text, "/my/apply (errors)")
    assert re.search(r'aria-invalid="true"', r.text)
