"""Retirement on an approved case through HTTP: the alert (case page and staff home), the form with messages
beside the fields, the recorded event with its 养老金工伤补差 (条例 art. 35(3), RULES.md 2 and 5)."""

from __future__ import annotations

import uuid

from sqlmodel import select

from casework.models import AuditRecord, Case, RetirementEvent
from tests.portal.helpers import apply, find, login, post


def _approved_old_worker(client) -> str:
    login(client, "qiye")
    # a passport holder born 1962-05 (statutory retirement 2022-05, long passed); grade 4 with an allowance
    url = apply(client, id_type="护照", id_number=f"E{uuid.uuid4().hex[:8].upper()}", sex="male",
                birth_date="1962-05-01", recognition_number=f"昌人社工认〔2025〕{uuid.uuid4().hex[:8]}号")
    public_id = url.split("/")[3].split("?")[0]
    login(client, "chushen")
    version = find(r'name="version" value="(\d+)"', client.get(f"/staff/cases/{public_id}").text)
    r = post(client, f"/staff/cases/{public_id}/initial-review",
             {"decision": "approve", "version": version, "reason": "测试数据：已人工核实"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    login(client, "fuhe")
    version = find(r'name="version" value="(\d+)"', client.get(f"/staff/cases/{public_id}").text)
    r = post(client, f"/staff/cases/{public_id}/recheck", {"decision": "approve", "version": version},
             follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    return public_id


def test_alert_then_recorded_retirement_with_pension_topup(client, db):
    public_id = _approved_old_worker(client)
    login(client, "chushen")
    page = client.get(f"/staff/cases/{public_id}").text
    assert "退休提醒" in page and "2022-05" in page and "尚未登记退休" in page
    home = client.get("/staff").text
    assert "退休提醒" in home and f"/staff/cases/{public_id}" in home

    # bad input: messages beside the fields, what was typed is kept, nothing written
    r = post(client, f"/staff/cases/{public_id}/retirement", {"retired_on": "2099-01-01", "pension": "三千"})
    assert r.status_code == 200
    assert "晚于今天" in find(r'id="retired_on-error">(.*?)</p>', r.text)
    assert "金额" in find(r'id="pension-error">(.*?)</p>', r.text)
    assert 'value="三千"' in r.text
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == public_id)).one()
    assert db.exec(select(RetirementEvent).where(RetirementEvent.case_id == case.id)).first() is None

    # 6,000 × 75 % = 4,500.00 per month; pension 3,200.50 → the fund pays 1,299.50 per month
    r = post(client, f"/staff/cases/{public_id}/retirement", {"retired_on": "2025-11-20", "pension": "3200.50"},
             follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    page = client.get(f"/staff/cases/{public_id}").text
    assert "尚未登记退休" not in page
    assert "1,299.50" in find(r'class="amount pension-topup">(.*?)</dd>', page) and "2025年12月" in page
    db.rollback()
    event = db.exec(select(RetirementEvent).where(RetirementEvent.case_id == case.id)).one()
    assert (event.pension_fen, event.allowance_fen, event.topup_fen) == (320050, 450000, 129950)
    trail = db.exec(select(AuditRecord).where(AuditRecord.case_id == case.id,
                                              AuditRecord.action == "retirement_record")).one()
    assert trail.details["topup_fen"] == 129950
    assert f"/staff/cases/{public_id}" not in client.get("/staff").text

    # the second reviewer may not record it
    login(client, "fuhe")
    assert client.get(f"/staff/cases/{public_id}/retirement").status_code == 403
