"""Retirement (条例 art. 35(3), RULES.md 2 and 5): the alert when the expected month has passed, the recorded
event and the 养老金工伤补差 — pure function and on the real database (flush only; rolled back)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from casework import entitlements
from casework.benefits import Benefit, ClaimFacts, Refused, compute, pension_topup
from casework.models import Account, AuditRecord, Office, RetirementEvent
from casework.parameter_store import DbParameters, add_version
from casework.roles import Role
from casework.transitions import Actor, DomainError, NotPermitted
from tests.casework.test_parameter_admin import make_case

D = dt.date.fromisoformat


def test_pension_lower_than_allowance_the_fund_pays_the_difference():
    line = pension_topup(Decimal("4500.00"), Decimal("3200.50"), retired_on=D("2026-02-10"), grade=4)
    assert line.amount == Decimal("1299.50") and line.payer == "fund" and line.kind == "pension_topup"
    assert line.start_month == "2026-03" and line.monthly and "第三十五条" in line.basis
    assert "4,500.00" in line.formula and "3,200.50" in line.formula
    none = pension_topup(Decimal("4500.00"), Decimal("4500.00"), retired_on=D("2026-12-31"), grade=1)
    assert none.amount == Decimal("0.00") and none.start_month == "2027-01" and "不需补差" in none.formula
    with pytest.raises(Refused) as e:
        pension_topup(Decimal("4500.00"), Decimal("1000.00"), retired_on=D("2026-02-10"), grade=5)
    assert e.value.field == "grade"
    with pytest.raises(TypeError):
        pension_topup(4500.0, Decimal("1000.00"), retired_on=D("2026-02-10"), grade=4)  # type: ignore[arg-type]


@given(st.decimals(min_value=Decimal("0.00"), max_value=Decimal("99999.99"), places=2),
       st.decimals(min_value=Decimal("0.00"), max_value=Decimal("99999.99"), places=2))
def test_pension_plus_topup_is_never_below_the_allowance(allowance, pension):
    line = pension_topup(allowance, pension, retired_on=D("2026-01-15"), grade=2)
    assert line.amount >= 0
    assert pension + line.amount == max(allowance, pension)


@pytest.fixture
def reviewer(db, seeded) -> Actor:
    account = db.exec(select(Account).where(Account.username == "chushen")).one()
    return Actor(account=account, role=Role.INITIAL_REVIEW, office=db.get(Office, account.office_id))


def approved_case(db, *, birth="1962-05-01", grade=4):
    facts = ClaimFacts(benefits=frozenset({Benefit.LUMP_SUM, Benefit.ALLOWANCE}), grade=grade,
                       wages=(Decimal("6000.00"),) * 12, injury_date=D("2023-03-10"),
                       appraisal_date=D("2023-09-15"), county="652301")
    snap = compute(facts, DbParameters(db)).snapshot()
    return make_case(db, snap, status="approved", birth_date=D(birth), grade=grade,
                     injury_date=D("2023-03-10"), appraisal_date=D("2023-09-15"))


def test_alert_after_the_expected_month_until_an_event_is_recorded(db, reviewer):
    case = approved_case(db)   # man born 1962-05: retires 2022-05 (before the reform)
    view = entitlements.retirement_view(db, case, D("2026-01-10"))
    assert view.expected.month_str == "2022-05" and "尚未登记退休" in view.alert and view.event is None
    assert case in entitlements.overdue_retirements(db, [case], D("2026-01-10"))
    young = approved_case(db, birth="1990-03-07")
    assert entitlements.retirement_view(db, young, D("2026-01-10")).alert is None
    assert young not in entitlements.overdue_retirements(db, [young], D("2026-01-10"))

    data, errors = entitlements.parse_retirement({"retired_on": "2025-12-20", "pension": "3,000.00"}, case,
                                                 today=D("2026-01-10"))
    assert errors == {}
    entitlements.record_retirement(db, case, reviewer, data)
    view = entitlements.retirement_view(db, case, D("2026-01-10"))
    assert view.alert is None and view.event.retired_on == D("2025-12-20")
    assert entitlements.overdue_retirements(db, [case], D("2026-01-10")) == []


def test_recorded_event_computes_the_topup_with_increments_in_fen_and_is_audited(db, reviewer):
    case = approved_case(db)
    paid = Decimal(case.assessment["results"]["monthly_paid"])   # 6000 × 75 % = 4500.00, no top-up due
    assert paid == Decimal("4500.00")
    # a yearly increment (effective 1 January 2025) for people receiving since December 2024 or before
    add_version(db, key="increments", effective_from=D("2025-01-01"),
                value={"grades": {"4": "130.00"}, "care": {}}, source="测试调整", label="2025年度调整")
    data, _ = entitlements.parse_retirement({"retired_on": "2025-06-15", "pension": "3200.55"}, case,
                                            today=D("2026-01-10"))
    event = entitlements.record_retirement(db, case, reviewer, data)
    assert (event.pension_fen, event.allowance_fen, event.topup_fen) == (320055, 463000, 142945)
    assert event.start_month == "2025-07"
    row = db.exec(select(RetirementEvent).where(RetirementEvent.case_id == case.id)).one()
    assert row.topup_fen == 142945
    trail = db.exec(select(AuditRecord).where(AuditRecord.action == "retirement_record",
                                              AuditRecord.case_id == case.id)).one()
    assert trail.details["topup_fen"] == 142945 and trail.details["pension_fen"] == 320055
    assert trail.role == "initial_review" and trail.office_code == "652301"
    with pytest.raises(DomainError) as e:
        entitlements.record_retirement(db, case, reviewer, data)
    assert "重复登记" in e.value.message


def test_pension_above_the_allowance_gives_no_topup(db, reviewer):
    case = approved_case(db)
    data, _ = entitlements.parse_retirement({"retired_on": "2024-06-15", "pension": "5000"}, case,
                                            today=D("2026-01-10"))
    event = entitlements.record_retirement(db, case, reviewer, data)
    assert event.topup_fen == 0 and event.allowance_fen == 450000


def test_refusals(db, reviewer):
    case = approved_case(db)
    data, errors = entitlements.parse_retirement({"retired_on": "2099-01-01", "pension": "abc"}, case,
                                                 today=D("2026-01-10"))
    assert data is None and "晚于今天" in errors["retired_on"] and "金额" in errors["pension"]
    data, _ = entitlements.parse_retirement({"retired_on": "2025-06-15", "pension": "3000"}, case,
                                            today=D("2026-01-10"))
    other = db.exec(select(Account).where(Account.username == "fuhe")).one()
    with pytest.raises(NotPermitted):
        entitlements.record_retirement(db, case, Actor(account=other, role=Role.RECHECK,
                                                       office=reviewer.office), data)
    htb = db.exec(select(Account).where(Account.username == "chushen_htb")).one()
    with pytest.raises(NotPermitted):
        entitlements.record_retirement(db, case, Actor(account=htb, role=Role.INITIAL_REVIEW,
                                                       office=db.get(Office, htb.office_id)), data)
    case.status = "recheck"
    with pytest.raises(DomainError) as e:
        entitlements.record_retirement(db, case, reviewer, data)
    assert "已核定" in e.value.message
