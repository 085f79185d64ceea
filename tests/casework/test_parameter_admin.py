"""Parameter administration in the domain (RULES.md 4) on the real database (PostgreSQL or SQLite).

Everything here only flushes: the `db` fixture rolls the test's transaction back, so no version leaks into
other tests."""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from casework import parameter_admin as pa
from casework.benefits import Benefit, CareLevel, ClaimFacts, compute
from casework.models import Account, AuditRecord, Case, Office, ParameterRecord
from casework.parameter_store import DbParameters
from casework.parameters import InMemoryParameters, ParameterVersion
from casework.roles import Role
from casework.transitions import Actor, DomainError, NotPermitted

D = dt.date.fromisoformat


@pytest.fixture
def admin(db, seeded) -> Actor:
    account = db.exec(select(Account).where(Account.username == "canshu")).one()
    return Actor(account=account, role=Role.PARAMETER_ADMIN, office=db.get(Office, account.office_id))


def w_form(**kw):
    return {"region": "自治区", "series": "非私营", "year": "2024", "period": "annual", "amount": "94281",
            "effective_from": "2090-07-01", "source": "新疆统计局2025年公报", **kw}


def make_case(db, assessment: dict | None, **kw) -> Case:
    office = db.exec(select(Office).where(Office.code == "652301")).one()
    fields = dict(matter="disability", benefits="一次性伤残补助金 伤残津贴", channel="online", status="recheck",
                  office_id=office.id, id_type="居民身份证", id_number="652301199003075216", worker_name="测试",
                  sex="male", birth_date=D("1990-03-07"), retirement_group="man", injury_date=D("2025-03-10"),
                  recognition_number="R", recognition_date=D("2025-05-20"), appraisal_number="A",
                  appraisal_date=D("2025-09-15"), grade=4, wages_fen=[600000] * 12, bank_name="B",
                  bank_account="62220202001122", assessment=assessment)
    fields.update(kw)
    case = Case(**fields)
    db.add(case)
    db.flush()
    return case


# ------------------------------------------------------------------------------------------------ parsing

def test_annual_w_is_divided_by_12_and_rounded_half_up_first():
    parsed, errors = pa.parse_version("average_wage", w_form())
    assert errors == {} and parsed.value["amount"] == "7856.75" and parsed.value["annual_amount"] == "94281.00"
    # 90,000.06 / 12 = 7,500.005 → 7,500.01 half-up (half-even would give 7,500.00)
    parsed, _ = pa.parse_version("average_wage", w_form(amount="90000.06"))
    assert parsed.value["amount"] == "7500.01"
    assert parsed.value["series"] == "非私营" and parsed.value["region"] == "自治区" and parsed.value["year"] == 2024
    assert "7,500.01" in parsed.label and "÷ 12" in parsed.label
    parsed, _ = pa.parse_version("average_wage", w_form(period="monthly", amount="8123.45"))
    assert parsed.value["amount"] == "8123.45" and parsed.value["annual_amount"] is None


@pytest.mark.parametrize("key,changes,field,words", [
    ("average_wage", {"amount": "七千"}, "amount", "金额"),
    ("average_wage", {"amount": "7856.755"}, "amount", "两位小数"),
    ("average_wage", {"series": "其他"}, "series", "口径"),
    ("average_wage", {"year": "24"}, "year", "四位年份"),
    ("average_wage", {"source": ""}, "source", "来源文件"),
    ("average_wage", {"effective_from": "2025/07/01"}, "effective_from", "格式不正确"),
    ("minimum_wage", {"area": "110101", "amount": "1900"}, "area", "6523"),
    ("medical_months", {"grade_5": "abc"}, "grade_5", "数字"),
    ("increments", {"effective_from": "2025-07-01", "grade_1": "159"}, "effective_from", "1月1日"),
    ("increments", {"effective_from": "2025-01-01"}, "grade_1", "至少填写一项"),
    ("policy", {"rounding": "half-up", "topup_rule": "net-of-medical"}, "medical_contribution_percent", "比例"),
    ("policy", {"rounding": "ceil", "topup_rule": "gross"}, "rounding", "舍入"),
])
def test_bad_input_gets_a_chinese_message_beside_the_field(key, changes, field, words):
    raw = w_form() if key == "average_wage" else {"effective_from": "2025-01-01", "source": "测试文件"}
    if key == "medical_months":
        raw.update({f"grade_{g}": "5" for g in range(5, 11)})
    parsed, errors = pa.parse_version(key, {**raw, **changes})
    assert parsed is None
    assert words in errors[field], errors


def test_other_shapes_match_the_engine():
    parsed, errors = pa.parse_version("increments", {
        "effective_from": "2024-01-01", "source": "新人社发〔2024〕41号", "grade_1": "159", "grade_4": "130",
        "care_full": "306", "care_part": "195"})
    assert errors == {}
    assert parsed.value == {"grades": {"1": "159.00", "4": "130.00"},
                            "care": {"完全不能自理": "306.00", "部分不能自理": "195.00"}}
    parsed, errors = pa.parse_version("policy", {
        "effective_from": "2026-01-01", "source": "测试", "rounding": "half-up", "topup_rule": "net-of-medical",
        "medical_contribution_percent": "2"})
    assert errors == {} and parsed.value["medical_contribution_rate"] == "0.02"
    parsed, errors = pa.parse_version("minimum_wage", {"effective_from": "2026-01-01", "source": "测试",
                                                        "area": "652323", "amount": "1,780.00"})
    assert errors == {} and parsed.area == "652323" and parsed.value == {"amount": "1780.00"}


# ------------------------------------------------------------------------------------------------ changes

def _audits(db, action):
    return db.exec(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)).all()


def test_create_is_in_force_from_its_date_and_audited(db, admin):
    parsed, _ = pa.parse_version("average_wage", w_form(effective_from="2090-07-01", amount="120000"))
    row = pa.create(db, admin, parsed)
    params = DbParameters(db)
    assert params.in_force("average_wage", D("2090-07-01")).value == Decimal("10000.00")
    assert params.in_force("average_wage", D("2090-06-30")).value != Decimal("10000.00")  # not before its date
    trail = _audits(db, "parameter_add")[-1]
    assert trail.actor_id == admin.id and trail.role == "parameter_admin" and trail.office_code == "652300"
    assert trail.details["version"]["version_id"] == str(row.id)
    assert trail.details["version"]["value"]["amount"] == "10000.00"
    # the same key, area and date again is refused: supersede with a new date instead
    with pytest.raises(DomainError) as e:
        pa.create(db, admin, parsed)
    assert e.value.field == "effective_from" and "新的生效日期" in e.value.message


def test_only_the_parameter_administrator(db, admin, seeded):
    reviewer = db.exec(select(Account).where(Account.username == "chushen")).one()
    parsed, _ = pa.parse_version("average_wage", w_form())
    with pytest.raises(NotPermitted):
        pa.create(db, Actor(account=reviewer, role=Role.PARAMETER_ADMIN), parsed)
    with pytest.raises(NotPermitted):
        pa.create(db, Actor(account=admin.account, role=Role.INITIAL_REVIEW, office=admin.office), parsed)


def test_unused_version_can_be_corrected_or_deleted_with_audit(db, admin):
    parsed, _ = pa.parse_version("average_wage", w_form(amount="96000"))
    row = pa.create(db, admin, parsed)
    fixed, _ = pa.parse_version("average_wage", {**pa.form_values(row), "amount": "96012"})
    assert pa.form_values(row)["amount"] == "96000.00" and pa.form_values(row)["period"] == "annual"
    with pytest.raises(DomainError):
        pa.correct(db, admin, row.id, fixed, reason=" ")
    pa.correct(db, admin, row.id, fixed, reason="年平均工资录入错误")
    assert db.get(ParameterRecord, row.id).value["amount"] == "8001.00"
    corrected = _audits(db, "parameter_correct")[-1]
    assert corrected.reason == "年平均工资录入错误"
    assert corrected.details["before"]["value"]["amount"] == "8000.00"
    assert corrected.details["after"]["value"]["amount"] == "8001.00"
    pa.delete(db, admin, row.id, reason="重复录入")
    assert db.get(ParameterRecord, row.id) is None
    assert _audits(db, "parameter_delete")[-1].details["deleted"]["version_id"] == str(row.id)


def test_a_used_version_can_only_be_superseded(db, admin):
    parsed, _ = pa.parse_version("average_wage", w_form(amount="96000", effective_from="2089-01-01"))
    row = pa.create(db, admin, parsed)
    make_case(db, {"parameters": [{"version_id": str(row.id), "key": "average_wage"}], "lookups": []})
    fixed, _ = pa.parse_version("average_wage", {**pa.form_values(row), "amount": "96012"})
    for attempt in (lambda: pa.correct(db, admin, row.id, fixed, reason="更正"),
                    lambda: pa.delete(db, admin, row.id, reason="删除")):
        with pytest.raises(DomainError) as e:
            attempt()
        assert "只能以新的生效日期录入新版本" in e.value.message and "1 个案件" in e.value.message
    assert db.get(ParameterRecord, row.id).value["amount"] == "8000.00"
    # superseding is always possible
    newer, _ = pa.parse_version("average_wage", w_form(amount="97200", effective_from="2089-07-01"))
    pa.create(db, admin, newer)
    assert DbParameters(db).in_force("average_wage", D("2089-08-01")).value == Decimal("8100.00")


def test_stale_differences_name_both_versions(db, admin, seeded):
    facts = ClaimFacts(benefits=frozenset({Benefit.LUMP_SUM, Benefit.ALLOWANCE}), grade=4,
                       wages=(Decimal("6000.00"),) * 12, injury_date=D("2025-03-10"),
                       appraisal_date=D("2025-09-15"), county="652301")
    snap = compute(facts, DbParameters(db)).snapshot()
    assert pa.stale_differences(db, snap) == []
    parsed, _ = pa.parse_version("average_wage", w_form(amount="96000", effective_from="2025-01-01"))
    pa.create(db, admin, parsed)
    diff = pa.stale_differences(db, snap)
    assert len(diff) == 1 and diff[0]["key"] == "average_wage" and diff[0]["on"] == "2025-03-10"
    assert "7,856.75" in diff[0]["old_value"] and "8,000.00" in diff[0]["new_value"]
    assert diff[0]["new_effective"] == "2025-01-01" and "7,856.75" in diff[0]["old_label"]
    # a version taking effect after the reference date changes nothing (RULES.md 4)
    later, _ = pa.parse_version("minimum_wage", {"effective_from": "2026-06-01", "source": "测试",
                                                  "area": "652301", "amount": "2100"})
    pa.create(db, admin, later)
    assert [d["key"] for d in pa.stale_differences(db, snap)] == ["average_wage"]


# ------------------------------------------------------------------ identical on PostgreSQL and SQLite

_areas = itertools.count(1)
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("60000.00"), places=2)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(w=st.decimals(min_value=Decimal("1000.00"), max_value=Decimal("30000.00"), places=2),
       mw=st.decimals(min_value=Decimal("1000.00"), max_value=Decimal("9000.00"), places=2),
       wages=st.lists(money, min_size=1, max_size=12), grade=st.integers(1, 4),
       care=st.sampled_from(list(CareLevel)))
def test_db_round_trip_equals_the_pure_computation(db, seeded, w, mw, wages, grade, care):
    """Versions stored through the store and read back give exactly the amounts the pure engine gives from
    the same values in memory; the snapshot stored in Case.assessment reads back unchanged. Run with
    PORTAL_TEST_DB=postgresql and =sqlite: both must hold, so the engines agree to the fen."""
    decimal.getcontext().traps[decimal.FloatOperation] = True
    n = next(_areas)
    area, county = f"9{n:05d}", f"8{n:05d}"   # a fresh area per example: no version of another example applies
    from casework.parameter_store import add_version
    add_version(db, key="average_wage", area=area, effective_from=D("2020-01-01"), value={"amount": str(w)},
                source="测试", label="W")
    add_version(db, key="minimum_wage", area=county, effective_from=D("2020-01-01"), value={"amount": str(mw)},
                source="测试", label="MW")
    facts = ClaimFacts(benefits=frozenset({Benefit.LUMP_SUM, Benefit.ALLOWANCE, Benefit.CARE}), grade=grade,
                       wages=tuple(wages), injury_date=D("2025-03-10"), appraisal_date=D("2025-09-15"),
                       care_levels=(care,), care_date=D("2025-09-15"), county=county, wage_area=area)
    stored = DbParameters(db)
    policy = stored.in_force("policy", D("2025-10-01"))
    memory = InMemoryParameters([
        ParameterVersion("average_wage", area, D("2020-01-01"), w, "测试", "W"),
        ParameterVersion("minimum_wage", county, D("2020-01-01"), mw, "测试", "MW"),
        ParameterVersion("policy", None, policy.effective_from, dict(policy.value), "测试", "P"),
    ])
    from_db, pure = compute(facts, stored), compute(facts, memory)
    assert from_db.results() == pure.results()
    assert [ln.to_dict() for ln in from_db.lines] == [ln.to_dict() for ln in pure.lines]
    snap = from_db.snapshot()
    case = make_case(db, snap, id_number=f"T{n}")
    db.expire(case)
    assert db.get(Case, case.id).assessment == snap
    db.delete(case)
    db.flush()


def test_an_implausible_amount_is_refused_beside_its_field():
    from casework.parameter_admin import parse_version

    value, errors = parse_version("average_wage", {"effective_from": "2030-07-01", "source": "测试", "year": "2029",
                                                    "period": "monthly", "amount": "99999999999999999999999",
                                                    "area_name": "昌吉州", "series": "非私营"})
    assert value is None and "超出合理范围" in errors["amount"]
