"""Parameter administration and the parameter difference at second review, through HTTP (RULES.md 4)."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlmodel import col, select

from casework.models import AuditRecord, Case, ParameterRecord
from tests.portal.helpers import apply, find, login, post


@pytest.fixture
def cleanup_versions(engine):
    """Versions these tests commit are removed afterwards, so that other tests see the demo parameters."""
    from sqlmodel import Session

    with Session(engine) as s:
        before = set(s.exec(select(ParameterRecord.id)).all())
    yield
    with Session(engine) as s:
        for row in s.exec(select(ParameterRecord).where(col(ParameterRecord.id).not_in(before))).all():
            s.delete(row)
        s.commit()


def _new_w(client, **changes):
    form = {"region": "自治区", "series": "非私营", "year": "2089", "period": "annual", "amount": "100000",
            "effective_from": "2090-07-01", "source": "测试：统计公报", **changes}
    return post(client, "/staff/parameters/average_wage/new", form, follow_redirects=False)


def test_only_the_parameter_administrator_sees_the_pages(client, seeded):
    login(client, "chushen")
    assert client.get("/staff/parameters").status_code == 403
    login(client, "canshu")
    page = client.get("/staff/parameters").text
    for name in ("统筹地区职工月平均工资", "最低工资标准", "一次性工伤医疗补助金月数表", "年度调整额", "计算规则设置"):
        assert name in page
    assert "7,856.75 元/月" in page and "652323" in page
    assert client.get("/staff/parameters/nonsense/new").status_code == 404
    for key in ("average_wage", "minimum_wage", "medical_months", "increments", "policy"):
        r = client.get(f"/staff/parameters/{key}/new")
        assert r.status_code == 200 and 'name="effective_from"' in r.text and "csrf" in r.text.lower()


def test_add_w_from_an_annual_figure_and_correct_it_with_audit(client, db, cleanup_versions):
    login(client, "canshu")
    r = _new_w(client, amount="90000.06")
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/parameters")
    db.rollback()
    row = db.exec(select(ParameterRecord).where(ParameterRecord.key == "average_wage")
                  .order_by(col(ParameterRecord.id).desc())).first()
    # 90,000.06 ÷ 12 = 7,500.005 → 7,500.01 (half-up, RULES.md 4)
    assert row.value["amount"] == "7500.01" and row.value["annual_amount"] == "90000.06"
    page = client.get("/staff/parameters").text
    assert "7,500.01 元/月" in page and "新增版本" in page
    added = db.exec(select(AuditRecord).where(AuditRecord.action == "parameter_add")
                    .order_by(col(AuditRecord.id).desc())).first()
    assert added.details["version"]["version_id"] == str(row.id) and added.actor_name.startswith("吴参数管理员")

    # a correction of an unused version: the form is prefilled; a reason is required
    edit = client.get(f"/staff/parameters/versions/{row.id}/edit").text
    assert 'value="90000.06"' in edit and "删除该版本" in edit
    form = {"region": "自治区", "series": "非私营", "year": "2089", "period": "annual", "amount": "96000",
            "effective_from": "2090-07-01", "source": "测试：统计公报"}
    r = post(client, f"/staff/parameters/versions/{row.id}/edit", form)
    assert r.status_code == 200 and 'id="reason-error"' in r.text and 'value="96000"' in r.text
    r = post(client, f"/staff/parameters/versions/{row.id}/edit", {**form, "reason": "录入错误"},
             follow_redirects=False)
    assert r.status_code == 303
    db.rollback()
    assert db.get(ParameterRecord, row.id).value["amount"] == "8000.00"
    corrected = db.exec(select(AuditRecord).where(AuditRecord.action == "parameter_correct")
                        .order_by(col(AuditRecord.id).desc())).first()
    assert corrected.reason == "录入错误" and corrected.details["before"]["value"]["amount"] == "7500.01"
    row_id = row.id
    r = post(client, f"/staff/parameters/versions/{row_id}/delete", {"delete_reason": "测试完毕"},
             follow_redirects=False)
    assert r.status_code == 303
    db.rollback()
    db.expunge_all()
    assert db.get(ParameterRecord, row_id) is None
    assert db.exec(select(AuditRecord).where(AuditRecord.action == "parameter_delete")
                   .order_by(col(AuditRecord.id).desc())).first().details["deleted"]["version_id"] == str(row_id)


def test_bad_input_is_answered_beside_the_field_and_nothing_is_written(client, db):
    login(client, "canshu")
    before = len(db.exec(select(ParameterRecord)).all())
    db.rollback()
    r = _new_w(client, amount="七万", source="")
    assert r.status_code == 200
    assert "金额" in find(r'id="amount-error">(.*?)</p>', r.text)
    assert "来源文件" in find(r'id="source-error">(.*?)</p>', r.text)
    assert 'value="七万"' in r.text and 'value="2089"' in r.text   # the form keeps what was typed
    assert len(db.exec(select(ParameterRecord)).all()) == before


def _approved_at_initial_review(client) -> str:
    login(client, "qiye")
    # injury 2025-03-10, demo W 7,856.75; a recognition number of its own (a repeated one is a 核查 finding)
    public_id = apply(client, recognition_number=f"昌人社工认〔2025〕{uuid.uuid4().hex[:8]}号").split("/")[3].split("?")[0]
    login(client, "chushen")
    page = client.get(f"/staff/cases/{public_id}").text
    version = find(r'name="version" value="(\d+)"', page)
    # the same demo worker applies in many tests: a possible repeated claim is noted, as a reviewer would
    r = post(client, f"/staff/cases/{public_id}/initial-review",
             {"decision": "approve", "version": version, "reason": "测试数据：同一演示职工，已人工核实非重复申领"},
             follow_redirects=False)
    assert r.status_code == 303, r.text[:3000]
    return public_id


def test_a_used_version_cannot_be_edited_or_deleted(client, db):
    public_id = _approved_at_initial_review(client)
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == public_id)).one()
    used_id = next(p["version_id"] for p in case.assessment["parameters"] if p["key"] == "average_wage")
    login(client, "canshu")
    listing = client.get("/staff/parameters").text
    assert re.search(rf'id="version-{used_id}".*?已被 \d+ 个案件使用（只能取代）', listing, re.S)
    edit = client.get(f"/staff/parameters/versions/{used_id}/edit").text
    assert "只能录入新版本取代" in edit
    form = {"region": "自治区", "series": "非私营", "year": "2021", "period": "monthly", "amount": "9999.00",
            "effective_from": "2022-07-01", "source": "篡改", "reason": "想改"}
    r = post(client, f"/staff/parameters/versions/{used_id}/edit", form)
    assert r.status_code == 409 and "只能以新的生效日期录入新版本来取代它" in r.text
    r = post(client, f"/staff/parameters/versions/{used_id}/delete", {"delete_reason": "想删"})
    assert r.status_code == 409 and "只能以新的生效日期录入新版本来取代它" in r.text
    db.rollback()
    assert db.get(ParameterRecord, int(used_id)).value["amount"] == "7856.75"
    assert not db.exec(select(AuditRecord).where(AuditRecord.reason.in_(["想改", "想删"]))).all()


def test_recheck_shows_a_newer_version_for_the_same_reference_date_and_offers_return(client, db,
                                                                                    cleanup_versions):
    public_id = _approved_at_initial_review(client)
    login(client, "fuhe")
    page = client.get(f"/staff/cases/{public_id}").text
    assert "参数已有新版本" not in page

    # a newer W taking effect on/before the injury date (2025-03-10)
    login(client, "canshu")
    assert _new_w(client, year="2024", amount="96000", effective_from="2025-01-01").status_code == 303
    # and one taking effect after every reference date: it must not be flagged
    assert _new_w(client, year="2088", amount="120000", effective_from="2090-07-01").status_code == 303

    login(client, "fuhe")
    page = client.get(f"/staff/cases/{public_id}").text
    assert "参数已有新版本" in page
    section = find(r'(<section class="notice warn stale-parameters".*?</section>)', page.replace("\n", " "))
    assert "统筹地区职工月平均工资" in section and "2025年03月10日" in section
    old = find(r'class="old-version">(.*?)</td>', section)
    new = find(r'class="new-version">(.*?)</td>', section)
    assert "7,856.75" in old and "8,000.00" in new and "10,000.00" not in section
    # the frozen snapshot is still what is shown (never silently recomputed)
    assert "已冻结的核定结果" in page and "126,000.00" in page
    reason = find(r'<textarea id="stale-reason" name="reason"[^>]*>(.*?)</textarea>', page.replace("\n", " "))
    assert "统筹地区职工月平均工资" in reason and 'name="consulted"' in section
    version = find(r'name="version" value="(\d+)"', section)
    r = post(client, f"/staff/cases/{public_id}/recheck", {"decision": "return", "version": version,
                                                          "reason": reason, "consulted": "yes"}, follow_redirects=False)
    assert r.status_code == 303, re.findall(r'role="alert"[^>]*>(.*?)</div>', r.text, re.S)
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == public_id)).one()
    assert case.status == "initial_review" and case.assessment is None and "新版本" in case.last_reason


@pytest.mark.parametrize("key,form,shown", [
    ("minimum_wage", {"area": "652328", "amount": "1780"}, "1,780.00 元/月"),
    ("medical_months", {f"grade_{g}": str(16 - g) for g in range(5, 11)}, "5级 11 个月"),
    ("increments", {"grade_1": "159", "grade_4": "130", "care_full": "306"}, "1级 +159.00"),
    ("policy", {"rounding": "half-up", "topup_rule": "net-of-medical", "medical_contribution_percent": "2",
                "care_start": "month-after-conclusion", "medical_base": "W"}, "个人医保费率 2%"),
])
def test_every_kind_of_version_can_be_added_through_its_form(client, db, cleanup_versions, key, form, shown):
    login(client, "canshu")
    page = client.get(f"/staff/parameters/{key}/new").text
    for name in form:   # the form offers every field the domain reads
        assert f'name="{name}"' in page, name
    r = post(client, f"/staff/parameters/{key}/new",
             {**form, "effective_from": "2090-01-01", "source": "测试文件", "demo": "1"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:3000]
    listing = client.get("/staff/parameters").text
    assert shown in listing
