"""The main job end to end through HTTP (standard 6.1.2.1 → 6.2.1 → 6.3 → 6.4 a)."""

from __future__ import annotations

import hashlib
import re
import subprocess

import pytest
from sqlmodel import select

from casework.models import AuditRecord, Case, Document
from tests.portal.helpers import VALID_APPLICATION, apply, find, login, post


def test_online_application_to_approval_form(client, db, object_store):
    login(client, "qiye")
    # the demo worker's own 工伤认定 decision: the seeded registers know it, so every check passes
    url = apply(client, recognition_number=VALID_APPLICATION["recognition_number"])
    page = client.get(url).text
    number = find(r'class="case-number">([^<]+)<', page)
    assert re.fullmatch(r"SL\d{4}652301\d{5}", number), number
    assert "已受理，待初审" in page
    assert re.search(r'class="due-date">\d{4}年\d{2}月\d{2}日', page)
    public_id = url.split("/")[3].split("?")[0]

    # 6.3: the initial reviewer of 昌吉市 sees it in the queue, ordered by due date, with amounts
    login(client, "chushen")
    queue = client.get("/staff/review").text
    assert number in queue
    case_page = client.get(f"/staff/cases/{public_id}").text
    assert "演示参数，非正式标准" in case_page
    # W 7,856.75 (demo): 本人工资 6,000.00; grade 4: 21 months; 75 %; care 30 % of W
    assert "6,000.00" in case_page and "126,000.00" in case_page and "4,500.00" in case_page
    assert "2,357.03" in case_page  # 7856.75 × 30 % = 2357.025 → half-up
    assert "壹拾贰万陆仟元整" in case_page
    version = find(r'name="version" value="(\d+)"', case_page)
    r = post(client, f"/staff/cases/{public_id}/initial-review",
             # the demo worker applies in many tests: the duplicate-claim check fails, so a reason is written
             {"decision": "approve", "version": version, "reason": "测试数据：同一演示职工，已人工核实非重复申领"},
             follow_redirects=False)
    assert r.status_code == 303
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == public_id)).one()
    assert case.status == "recheck" and case.assessment["results"]["lump_sum"] == "126000.00"

    # 6.4: a different person approves → the 核定单 is issued and stored with its SHA-256
    login(client, "fuhe")
    page = client.get(f"/staff/cases/{public_id}").text
    assert "已冻结的核定结果" in page
    version = find(r'name="version" value="(\d+)"', page)
    r = post(client, f"/staff/cases/{public_id}/recheck", {"decision": "approve", "version": version},
             follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == public_id)).one()
    assert case.status == "approved"
    doc = db.exec(select(Document).where(Document.case_id == case.id, Document.kind == "approval_form")).one()
    assert re.fullmatch(r"HD\d{4}652301\d{5}", doc.number)
    stored = object_store.read(doc.bucket, doc.object_key)
    assert hashlib.sha256(stored).hexdigest() == doc.sha256

    # the employer downloads it through the portal
    login(client, "qiye")
    page = client.get(f"/my/cases/{public_id}").text
    assert "复核通过，已核定" in page and doc.number in page
    r = client.get(f"/documents/{doc.public_id}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/pdf")
    assert r.content == stored
    assert "filename*=UTF-8''" in r.headers["content-disposition"]

    # every state change is audited with who, role, office, from and to
    db.rollback()
    trail = db.exec(select(AuditRecord).where(AuditRecord.case_id == case.id, AuditRecord.to_status.is_not(None))
                    .order_by(AuditRecord.id)).all()
    assert [(a.action, a.from_status, a.to_status) for a in trail] == [
        ("accept_online", None, "initial_review"),
        ("initial_approve", "initial_review", "recheck"),
        ("recheck_approve", "recheck", "approved"),
    ]
    assert trail[1].role == "initial_review" and trail[1].office_code == "652301"
    assert trail[2].actor_id != trail[1].actor_id


def _to_recheck(client, db, **changes) -> str:
    login(client, "qiye")
    public_id = apply(client, **changes).split("/")[3].split("?")[0]
    login(client, "zonghe")  # holds both posts in a small hall
    page = client.get(f"/staff/cases/{public_id}").text
    version = find(r'name="version" value="(\d+)"', page)
    r = post(client, f"/staff/cases/{public_id}/initial-review",
             # the demo worker applies in many tests: the duplicate-claim check fails, so a reason is written
             {"decision": "approve", "version": version, "reason": "测试数据：同一演示职工，已人工核实非重复申领"},
             follow_redirects=False)
    assert r.status_code == 303
    return public_id


def test_initial_reviewer_is_refused_the_second_review(client, db):
    public_id = _to_recheck(client, db)
    page = client.get(f"/staff/cases/{public_id}").text
    version = find(r'name="version" value="(\d+)"', page)
    r = post(client, f"/staff/cases/{public_id}/recheck", {"decision": "approve", "version": version})
    assert r.status_code == 200
    assert "不能再进行复核" in r.text
    db.rollback()
    assert db.exec(select(Case).where(Case.public_id == public_id)).one().status == "recheck"
    assert not db.exec(select(Document).join(Case).where(Case.public_id == public_id,
                                                         Document.kind == "approval_form")).all()


def test_stale_page_gets_a_conflict_not_a_double_approval(client, db):
    public_id = _to_recheck(client, db)
    login(client, "fuhe")
    page = client.get(f"/staff/cases/{public_id}").text
    version = find(r'name="version" value="(\d+)"', page)
    first = post(client, f"/staff/cases/{public_id}/recheck", {"decision": "approve", "version": version},
                 follow_redirects=False)
    assert first.status_code == 303
    again = post(client, f"/staff/cases/{public_id}/recheck", {"decision": "approve", "version": version})
    assert again.status_code in (200, 409)
    assert "请刷新页面" in again.text
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == public_id)).one()
    assert len(db.exec(select(Document).where(Document.case_id == case.id,
                                              Document.kind == "approval_form")).all()) == 1


def test_reject_needs_a_reason_and_is_shown_to_the_employer(client, db):
    login(client, "qiye")
    public_id = apply(client).split("/")[3].split("?")[0]
    login(client, "chushen")
    page = client.get(f"/staff/cases/{public_id}").text
    version = find(r'name="version" value="(\d+)"', page)
    r = post(client, f"/staff/cases/{public_id}/initial-review", {"decision": "reject", "version": version})
    assert "必须注明原因" in r.text
    r = post(client, f"/staff/cases/{public_id}/initial-review",
             {"decision": "reject", "version": version, "reason": "工伤认定决定书编号与认定记录不符"},
             follow_redirects=False)
    assert r.status_code == 303
    login(client, "qiye")
    page = client.get(f"/my/cases/{public_id}").text
    assert "初审不通过" in page and "工伤认定决定书编号与认定记录不符" in page


def test_missing_parameter_refuses_and_names_it(client, db):
    # an injury before the first W version in force (demo W takes effect 2022-07-01)
    login(client, "qiye")
    public_id = apply(client, injury_date="2021-03-01", recognition_date="2021-05-01",
                      appraisal_date="2021-09-01", care_date="2021-09-01").split("/")[3].split("?")[0]
    login(client, "chushen")
    page = client.get(f"/staff/cases/{public_id}").text
    assert "无法核定待遇" in page and "平均工资" in page
    version = find(r'name="version" value="(\d+)"', page)
    r = post(client, f"/staff/cases/{public_id}/initial-review", {"decision": "approve", "version": version})
    assert "无法核定待遇" in r.text
    db.rollback()
    assert db.exec(select(Case).where(Case.public_id == public_id)).one().status == "initial_review"


@pytest.mark.parametrize("field,value,message", [
    ("id_number", "652301199003075214", "校验"),
    ("grade", "11", "伤残等级"),
    ("wage_3", "五千", "金额"),
    ("care_date", "2025-01-01", "不能早于受伤日期"),
])
def test_bad_input_is_answered_beside_the_field_and_nothing_is_written(client, db, field, value, message):
    login(client, "qiye")
    before = len(db.exec(select(Case)).all())
    db.rollback()
    r = post(client, "/my/apply", {**VALID_APPLICATION, field: value})
    assert r.status_code == 200
    assert f'id="{field}-error"' in r.text
    error = find(rf'id="{field}-error">(.*?)</p>', r.text)
    assert message in error, error
    # the form keeps what was typed
    assert 'value="中国工商银行昌吉分行"' in r.text
    assert f'value="{value}"' in r.text or f'<option value="{value}" selected' in r.text or field == "grade"
    db.rollback()
    assert len(db.exec(select(Case)).all()) == before


def test_another_employers_case_is_not_found(client):
    login(client, "qiye")
    public_id = apply(client).split("/")[3].split("?")[0]
    login(client, "qiye2")
    assert client.get(f"/my/cases/{public_id}").status_code == 404
    login(client, "chushen_htb")  # another county's hall
    assert client.get(f"/staff/cases/{public_id}").status_code == 404


def test_the_same_application_twice_is_refused_and_names_the_open_case(client, db):
    login(client, "qiye")
    first = apply(client, recognition_number="昌人社工认〔2025〕DOUBLE号")
    number = find(r'class="case-number">([^<]+)<', client.get(first).text)
    db.rollback()
    before = len(db.exec(select(Case)).all())
    db.rollback()
    r = post(client, "/my/apply", {**VALID_APPLICATION, "recognition_number": "昌人社工认〔2025〕DOUBLE号"})
    assert r.status_code == 200
    error = find(r'id="recognition_number-error">(.*?)</p>', r.text)
    assert "请勿重复申报" in error and number in error
    assert len(db.exec(select(Case)).all()) == before
