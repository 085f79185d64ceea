"""The 5-working-day clock of standard 6.6 on the calendar staff keep (RULES.md 6).

A case has one or more deadline periods: acceptance opens one; an online submission found incomplete at
initial review ends it (6.3.1 b); the complete resubmission is accepted afresh and opens the next. An open
稽核 (audit) pauses the clock: the working days it lasted are added to the period and reported apart. The
period ends at the second-review decision or a final "not passed".

The calendar: the national schedule is built into casework.working_days for past years; staff add the
Xinjiang festival days (days off and moved working days) and load new years' official schedules here. A
year not loaded gives a provisional date; loading it recomputes every open deadline.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, Session, SQLModel, col, select

from casework import working_days
from casework.clock import beijing_date
from casework.models import Case, utcnow
from casework.transitions import DomainError, NotPermitted, audit

DAYS = 5  # standard 6.6


class CalendarDay(SQLModel, table=True):
    """A day off or a moved working day entered by staff (Xinjiang notices, or a loaded year's schedule)."""

    __tablename__ = "calendar_day"
    day: date = Field(primary_key=True)
    kind: str = Field(max_length=4)  # "off" | "work"
    note: str = Field(default="", max_length=120)
    source: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class CalendarYear(SQLModel, table=True):
    """A year whose official national schedule staff have loaded in full (then not provisional)."""

    __tablename__ = "calendar_year"
    year: int = Field(primary_key=True)
    source: str = Field(max_length=200)
    loaded_at: datetime = Field(default_factory=utcnow)


class DeadlinePeriod(SQLModel, table=True):
    """One run of the clock for a case."""

    __tablename__ = "deadline_period"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    seq: int
    accepted_on: date  # Beijing date of acceptance; counting starts the next day
    due_date: date
    provisional: bool = False
    paused_working_days: int = 0  # audits that ended
    paused_since: date | None = None  # an audit open now
    ended_at: datetime | None = None
    end_reason: str | None = Field(default=None, max_length=40)


def overlay(session: Session) -> working_days.CalendarOverlay:
    days = session.exec(select(CalendarDay)).all()
    years = session.exec(select(CalendarYear.year)).all()
    return working_days.CalendarOverlay(
        days_off=frozenset(d.day for d in days if d.kind == "off"),
        working_days=frozenset(d.day for d in days if d.kind == "work"),
        loaded_years=frozenset(years),
    )


def current_period(session: Session, case: Case) -> DeadlinePeriod | None:
    return session.exec(select(DeadlinePeriod).where(DeadlinePeriod.case_id == case.id)
                        .order_by(col(DeadlinePeriod.seq).desc())).first()


def periods(session: Session, case: Case) -> list[DeadlinePeriod]:
    return list(session.exec(select(DeadlinePeriod).where(DeadlinePeriod.case_id == case.id)
                             .order_by(col(DeadlinePeriod.seq))).all())


def _recompute(period: DeadlinePeriod, cal: working_days.CalendarOverlay) -> None:
    due = working_days.due_date(period.accepted_on, DAYS + period.paused_working_days, cal)
    period.due_date, period.provisional = due.date, due.provisional


def _mirror(case: Case, period: DeadlinePeriod) -> None:
    # the case carries the current due date for queues and lists
    case.due_date, case.due_provisional = period.due_date, period.provisional


def open_period(session: Session, case: Case, accepted_at: datetime) -> DeadlinePeriod:
    """Acceptance (6.2) or a complete resubmission: a new 5-working-day period from the next working day."""
    last = current_period(session, case) if case.id is not None else None
    if case.id is None:
        session.add(case)
        session.flush()
    period = DeadlinePeriod(case_id=case.id, seq=(last.seq + 1) if last else 1,
                            accepted_on=beijing_date(accepted_at), due_date=date.min)
    _recompute(period, overlay(session))
    session.add(period)
    _mirror(case, period)
    return period


def end_period(session: Session, case: Case, at: datetime, reason: str) -> None:
    period = current_period(session, case)
    if period is not None and period.ended_at is None:
        if period.paused_since is not None:
            resume(session, case, at)
        period.ended_at = at
        period.end_reason = reason
        session.add(period)


def pause(session: Session, case: Case, at: datetime) -> None:
    """An audit opens: the clock stops."""
    period = current_period(session, case)
    if period is not None and period.ended_at is None and period.paused_since is None:
        period.paused_since = beijing_date(at)
        session.add(period)


def resume(session: Session, case: Case, at: datetime) -> int:
    """The audit's outcome is recorded: the working days it lasted are added. Returns them."""
    period = current_period(session, case)
    if period is None or period.paused_since is None:
        return 0
    cal = overlay(session)
    lasted = working_days.working_days_between(period.paused_since, beijing_date(at), cal)
    period.paused_working_days += lasted
    period.paused_since = None
    _recompute(period, cal)
    session.add(period)
    _mirror(case, period)
    return lasted


def recompute_open(session: Session) -> int:
    """After the calendar changed: every open period gets its due date again. Returns how many moved."""
    cal = overlay(session)
    moved = 0
    for period in session.exec(select(DeadlinePeriod).where(col(DeadlinePeriod.ended_at).is_(None))).all():
        before = (period.due_date, period.provisional)
        _recompute(period, cal)
        if (period.due_date, period.provisional) != before:
            moved += 1
            session.add(period)
            case = session.get(Case, period.case_id)
            if case is not None:
                _mirror(case, period)
                session.add(case)
    return moved


CALENDAR_KEEPERS = frozenset({"parameter_admin", "admin"})


def _require_keeper(actor) -> None:
    if not (CALENDAR_KEEPERS & actor.role_set()):
        raise NotPermitted("只有参数管理员或系统管理员可以维护工作日日历。")


def add_calendar_day(session: Session, actor, day: date, kind: str, note: str, source: str) -> int:
    """A Xinjiang festival day off, or a moved working day. Open deadlines are recomputed."""
    _require_keeper(actor)
    if kind not in ("off", "work"):
        raise DomainError("请选择“休息日”或“调休上班日”。", field="kind")
    if not note.strip():
        raise DomainError("请注明节日或调休名称。", field="note")
    existing = session.get(CalendarDay, day)
    if existing is not None:
        raise DomainError(f"{day.isoformat()} 已有日历记录，请先删除再录入。", field="day")
    session.add(CalendarDay(day=day, kind=kind, note=note.strip(), source=source.strip()))
    session.flush()
    moved = recompute_open(session)
    audit(session, "calendar.add_day", actor, details={"day": day.isoformat(), "kind": kind, "note": note,
                                                       "source": source, "deadlines_moved": moved})
    return moved


def load_year(session: Session, actor, year: int, days_off: list[date], work_days: list[date], source: str) -> int:
    """Load a year's official national schedule (published each November): it stops being provisional."""
    _require_keeper(actor)
    if session.get(CalendarYear, year) is not None:
        raise DomainError(f"{year}年节假日安排已载入。", field="year")
    if not source.strip():
        raise DomainError("请注明国务院办公厅通知的文号。", field="source")
    for d in [*days_off, *work_days]:
        if d.year != year:
            raise DomainError(f"{d.isoformat()} 不属于 {year} 年。", field="days")
    for d in days_off:
        session.merge(CalendarDay(day=d, kind="off", note=f"{year}年法定节假日", source=source))
    for d in work_days:
        session.merge(CalendarDay(day=d, kind="work", note=f"{year}年调休上班", source=source))
    session.add(CalendarYear(year=year, source=source))
    session.flush()
    moved = recompute_open(session)
    audit(session, "calendar.load_year", actor, details={"year": year, "source": source,
                                                         "days_off": len(days_off), "work_days": len(work_days),
                                                         "deadlines_moved": moved})
    return moved

