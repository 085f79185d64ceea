"""Monthly entitlements after approval: retirement (条例 art. 35(3), RULES.md 2 and 5).

The statutory retirement month (casework.retirement) is only *expected*; an alert is raised once it has passed
with no retirement recorded.  What stops 伤残津贴 is a recorded event — the date the worker completed the
retirement formalities and the basic pension — and, when the pension is lower than the allowance, the fund
pays the difference (养老金工伤补差, casework.benefits.pension_topup).  Recorded by the initial-review post of
the case's office, audited, money in integer fen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from casework.benefits import Benefit, Refused, allowance_paid_in, apply_increments, pension_topup
from casework.clock import beijing_today
from casework.models import Case, RetirementEvent
from casework.money import from_fen, money_context, parse_amount, to_fen
from casework.parameter_store import DbParameters
from casework.retirement import Retirement, retirement, retirement_alert
from casework.roles import Role
from casework.transitions import Actor, DomainError, NotPermitted, audit

__all__ = ["RetirementInput", "RetirementView", "parse_retirement", "record_retirement", "retirement_view",
           "overdue_retirements", "has_monthly_benefit"]

MONTHLY = {Benefit.ALLOWANCE.value, Benefit.CARE.value}


def has_monthly_benefit(case: Case) -> bool:
    return bool(MONTHLY & set(case.benefit_list()))


@dataclass(frozen=True)
class RetirementInput:
    retired_on: dt.date
    pension: Decimal


@dataclass(frozen=True)
class RetirementView:
    expected: Retirement | None
    alert: str | None
    event: RetirementEvent | None


def expected_retirement(case: Case) -> Retirement | None:
    if not has_monthly_benefit(case):
        return None
    return retirement(case.birth_date.year, case.birth_date.month, case.retirement_group)


def event_of(session: Session, case: Case) -> RetirementEvent | None:
    return session.exec(select(RetirementEvent).where(RetirementEvent.case_id == case.id)).first()


def retirement_view(session: Session, case: Case, today: dt.date | None = None) -> RetirementView:
    """The expected month, the alert (only for approved cases paying monthly benefits) and the event."""
    expected = expected_retirement(case)
    event = event_of(session, case) if expected else None
    alert = None
    if expected and case.status == "approved":
        alert = retirement_alert(expected, today or beijing_today(), event is not None)
    return RetirementView(expected, alert, event)


def overdue_retirements(session: Session, cases: Iterable[Case], today: dt.date | None = None) -> list[Case]:
    """Approved cases with monthly benefits whose expected retirement month has passed, nothing recorded."""
    today = today or beijing_today()
    candidates = [c for c in cases if c.status == "approved" and has_monthly_benefit(c)]
    if not candidates:
        return []
    recorded = set(session.exec(select(RetirementEvent.case_id).where(
        col(RetirementEvent.case_id).in_([c.id for c in candidates]))).all())
    return [c for c in candidates if c.id not in recorded
            and retirement_alert(expected_retirement(c), today, False) is not None]  # type: ignore[arg-type]


def parse_retirement(raw: Mapping[str, str], case: Case, today: dt.date | None = None
                     ) -> tuple[RetirementInput | None, dict[str, str]]:
    today = today or beijing_today()
    errors: dict[str, str] = {}
    text = str(raw.get("retired_on") or "").strip()
    retired_on = None
    if not text:
        errors["retired_on"] = "请填写办理退休手续的日期。"
    else:
        try:
            retired_on = dt.date.fromisoformat(text)
        except ValueError:
            errors["retired_on"] = "退休日期格式不正确，请按“年-月-日”填写，例如 2026-03-01。"
        else:
            if retired_on > today:
                errors["retired_on"] = "退休日期不能晚于今天（须已办理退休手续）。"
            elif retired_on <= case.birth_date:
                errors["retired_on"] = "退休日期应晚于出生日期。"
    pension_text = str(raw.get("pension") or "").strip()
    pension = None
    if not pension_text:
        errors["pension"] = "请填写按月领取的基本养老金数额（元）。"
    else:
        try:
            pension = parse_amount(pension_text)
        except ValueError:
            errors["pension"] = "基本养老金应为金额（元，最多两位小数），例如 3200.00。"
    if errors or retired_on is None or pension is None:
        return None, errors
    return RetirementInput(retired_on, pension), {}


def _allowance_at(session: Session, case: Case, month: dt.date) -> Decimal | None:
    """The fund-paid 伤残津贴 of `month`: the frozen allowance, its minimum-wage top-up against the minimum
    wage in force THAT month (RULES.md 4), then the yearly increments that took effect by then (RULES.md 2:
    increments after the top-up). None when the fund pays none."""
    snap = case.assessment or {}
    line = next((l for l in snap.get("lines", []) if l.get("kind") == "allowance" and l.get("payer") == "fund"), None)
    start = (snap.get("reference_dates") or {}).get("allowance_start")
    if line is None or not start:
        return None
    first = dt.date.fromisoformat(f"{start}-01")
    params = DbParameters(session)
    county = (snap.get("facts") or {}).get("county")
    try:
        paid = allowance_paid_in(Decimal(line["amount"]), max(month, first), county, params)
    except Refused as exc:
        raise DomainError(f"无法计算退休当月的伤残津贴：{exc.message}") from None
    with money_context():
        total, _ = apply_increments(paid, benefit_start=first, payment_month=month,
                                   increments=params.history("increments"), grade=case.grade)
    return total


def record_retirement(session: Session, case: Case, actor: Actor, data: RetirementInput) -> RetirementEvent:
    """Record the retirement event; computes and stores the 养老金工伤补差 for grades 1–4; audited."""
    if actor.role is not Role.INITIAL_REVIEW or Role.INITIAL_REVIEW.value not in actor.account.role_set():
        raise NotPermitted("只有初审岗可以登记退休。")
    if actor.office is None or actor.account.office_id != actor.office.id or case.office_id != actor.office.id:
        raise NotPermitted("该案件不属于您所在的经办机构。")
    if case.status != "approved" or not has_monthly_benefit(case):
        raise DomainError("只有已核定、按月领取伤残津贴或生活护理费的案件才能登记退休。")
    if event_of(session, case) is not None:
        raise DomainError("该案件已登记退休，不能重复登记。")
    allowance = _allowance_at(session, case, dt.date(data.retired_on.year, data.retired_on.month, 1))
    zero = Decimal("0.00")
    if allowance is not None:
        try:
            line = pension_topup(allowance, data.pension, retired_on=data.retired_on, grade=case.grade)
        except Refused as exc:
            raise DomainError(exc.message, field=exc.field) from None
        topup, start = line.amount, line.start_month
        formula = line.formula
    else:
        # grades 5–6 (employer-paid allowance) or 生活护理费 only: the fund pays no 补差
        topup, formula = zero, "基金未支付伤残津贴，不计养老金工伤补差"
        nxt = dt.date(data.retired_on.year + (data.retired_on.month == 12), data.retired_on.month % 12 + 1, 1)
        start = f"{nxt.year:04d}-{nxt.month:02d}"
    event = RetirementEvent(case_id=case.id, retired_on=data.retired_on, pension_fen=to_fen(data.pension),
                            allowance_fen=to_fen(allowance if allowance is not None else zero),
                            topup_fen=to_fen(topup), start_month=start or "", recorded_by_id=actor.id)
    session.add(event)
    session.flush()
    record = audit(session, "retirement_record", actor.account, role=actor.role.value,
                   office_code=actor.office.code, ip=actor.ip,
                   details={"clause": "条例第三十五条第一款第（三）项", "retired_on": data.retired_on.isoformat(),
                            "pension_fen": event.pension_fen, "allowance_fen": event.allowance_fen,
                            "topup_fen": event.topup_fen, "start_month": event.start_month, "formula": formula})
    record.case_id = case.id   # in the case's history
    session.add(record)
    session.flush()
    return event


def amounts(event: RetirementEvent) -> dict[str, Decimal]:
    return {"pension": from_fen(event.pension_fen), "allowance": from_fen(event.allowance_fen),
            "topup": from_fen(event.topup_fen)}
