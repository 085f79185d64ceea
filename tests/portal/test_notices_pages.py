"""Public notices through HTTP (standard 6.7, RULES.md 8): compiled by the initial reviewer, published by the
chief, shown masked on every output (pages and the PDF's text layer), never searchable, withdrawn with a
reason and kept."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from datetime import timedelta

import pytest
from sqlmodel import select

from casework.clock import beijing_today
from notices.models import NoticeBatch, NoticeRow
from tests.portal.helpers import VALID_APPLICATION, apply, find, login, logout, post

NAME, ID, BANK = VALID_APPLICATION["worker_name"], VALID_APPLICATION["id_number"], VALID_APPLICATION["bank_account"]
NAME_SHOWN, ID_SHOWN = "买**·***", "652301********5216"  # cases/masking.json


def _approved(client) -> str:
    login(client, "qiye")
    public_id = apply(client, recognition_number=f"昌人社工认〔2025〕N{uuid.uuid4().hex[:8]}号").split("/")[3].split("?")[0]
    for who, path, data in (("chushen", "initial-review", {"decision": "approve", "reason": "测试数据：已人工核实"}),
                            ("fuhe", "recheck", {"decision": "approve"})):
        login(client, who)
        version = find(r'name="version" value="(\d+)"', client.get(f"/staff/cases/{public_id}").text)
        r = post(client, f"/staff/cases/{public_id}/{path}", {**data, "version": version}, follow_redirects=False)
        assert r.status_code == 303, r.text[:2000]
    return public_id


def _assert_masked(text: str) -> None:
    squashed = re.sub(r"\s+", "", text)
    assert NAME not in squashed and ID not in squashed and BANK not in squashed
    assert "买买提" not in squashed and "吐尔逊" not in squashed


def _period() -> str:
    today = beijing_today()
    return f"{today.year:04d}-{today.month:02d}"


def _without_tokens(html: str) -> str:
    return re.sub(r'(x-csrftoken": "|name="_csrf_token" value=")[^"]*', "", html)


def _pdf_text(data: bytes, tmp_path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is missing: install Debian poppler-utils")
    path = tmp_path / "notice.pdf"
    path.write_bytes(data)
    return subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True,
                          timeout=60).stdout


def test_compile_approve_publish_masked_and_withdraw(client, db, tmp_path):
    _approved(client)
    login(client, "chushen")
    page = client.get("/staff/notices").text
    assert "编制通告单" in page and "本机构通告设置" not in page
    # bad input: the message beside the field, what was typed is kept
    r = post(client, "/staff/notices", {"period": "2026-13"})
    assert r.status_code == 200 and "年-月" in find(r'id="period-error">(.*?)</p>', r.text) and 'value="2026-13"' in r.text
    r = post(client, "/staff/notices", {"period": _period()}, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    url = r.headers["location"]
    number = url.rsplit("/", 1)[1]
    staff_page = client.get(url).text
    assert NAME_SHOWN in staff_page and ID_SHOWN in staff_page and "待科长审批" in staff_page
    _assert_masked(staff_page)
    # the initial reviewer holds no chief's post: no approval
    assert post(client, f"{url}/approve", {"version": "1"}, follow_redirects=False).status_code == 403
    db.rollback()
    batch = db.exec(select(NoticeBatch).where(NoticeBatch.number == number)).one()
    for row in db.exec(select(NoticeRow).where(NoticeRow.batch_id == batch.id)):
        _assert_masked(row.model_dump_json())

    # a draft is not public
    logout(client)
    assert number not in client.get("/notices").text
    assert client.get(f"/notices/{number}").status_code == 404
    assert client.get(f"/notices/{number}/pdf").status_code == 404

    login(client, "kezhang")
    assert "审批并发布" in client.get(url).text
    r = post(client, f"{url}/approve", {"version": str(batch.version)}, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    assert "已发布" in client.get(url).text

    logout(client)
    listing = client.get("/notices")
    assert listing.status_code == 200 and f"/notices/{number}" in listing.text
    _assert_masked(listing.text)
    assert "<input" not in listing.text  # no search box (RULES.md 8)
    # no query parameter filters by a name or an ID: the same list whatever is asked
    for query in ({"q": NAME}, {"name": "买买提"}, {"id_number": ID}, {"q": "不存在的人"}):
        assert _without_tokens(client.get("/notices", params=query).text) == _without_tokens(listing.text)
    shown = client.get(f"/notices/{number}")
    assert shown.status_code == 200 and NAME_SHOWN in shown.text and ID_SHOWN in shown.text
    assert "异议" in shown.text and "<input" not in shown.text
    _assert_masked(shown.text)
    pdf = client.get(f"/notices/{number}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = _pdf_text(pdf.content, tmp_path)
    assert NAME_SHOWN in re.sub(r"\s+", "", text) and ID_SHOWN in text
    _assert_masked(text)
    db.rollback()
    batch = db.exec(select(NoticeBatch).where(NoticeBatch.number == number)).one()
    import hashlib

    assert hashlib.sha256(pdf.content).hexdigest() == batch.pdf_sha256
    # the QR's verification page knows the notice
    from casework.models import Document

    doc = db.get(Document, batch.document_id)
    verified = client.get(f"/verify/{number}/{doc.token}")
    assert verified.status_code == 200 and "状态有效" in verified.text
    _assert_masked(verified.text)

    # withdrawal: a reason is required; the record stays, the public side forgets it
    login(client, "kezhang")
    r = post(client, f"{url}/withdraw", {"version": str(batch.version), "reason": ""})
    assert r.status_code == 200 and "原因" in find(r'id="reason-error">(.*?)</p>', r.text)
    r = post(client, f"{url}/withdraw", {"version": str(batch.version), "reason": "名单有误"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    assert "名单有误" in client.get(url).text and "已撤回" in client.get("/staff/notices").text
    logout(client)
    assert number not in client.get("/notices").text
    assert client.get(f"/notices/{number}").status_code == 404
    assert client.get(f"/notices/{number}/pdf").status_code == 404
    verified = client.get(f"/verify/{number}/{doc.token}").text
    assert "撤回，不再有效" in verified and "状态有效" not in verified  # a circulating copy no longer passes
    db.rollback()
    kept = db.exec(select(NoticeBatch).where(NoticeBatch.number == number)).one()
    assert kept.status == "withdrawn" and kept.withdraw_reason == "名单有误"


def test_a_notice_past_its_window_is_no_longer_public(client, db):
    _approved(client)
    login(client, "chushen")
    number = post(client, "/staff/notices", {"period": _period()}, follow_redirects=False).headers["location"].rsplit("/", 1)[1]
    login(client, "kezhang")
    assert post(client, f"/staff/notices/{number}/approve", {"version": "1"}, follow_redirects=False).status_code == 303
    logout(client)
    assert f"/notices/{number}" in client.get("/notices").text
    db.rollback()
    batch = db.exec(select(NoticeBatch).where(NoticeBatch.number == number)).one()
    batch.published_from = beijing_today() - timedelta(days=40)
    batch.published_until = beijing_today() - timedelta(days=11)
    db.add(batch)
    db.commit()
    assert f"/notices/{number}" not in client.get("/notices").text
    assert client.get(f"/notices/{number}").status_code == 404


def test_the_chief_keeps_the_office_setting(client, db):
    login(client, "kezhang")
    page = client.get("/staff/notices").text
    assert "本机构通告设置" in page and "编制通告单" not in page
    r = post(client, "/staff/notices/settings", {"publication_days": "3", "objection_days": "五"})
    assert r.status_code == 200 and 'value="3"' in r.text
    assert "7 至 365" in find(r'id="publication_days-error">(.*?)</p>', r.text)
    assert find(r'id="objection_days-error">(.*?)</p>', r.text)
    r = post(client, "/staff/notices/settings", {"publication_days": "30", "objection_days": "5"},
             follow_redirects=False)
    assert r.status_code == 303
    login(client, "chushen")
    assert post(client, "/staff/notices/settings", {"publication_days": "30", "objection_days": "5"},
                follow_redirects=False).status_code == 403
