"""The 5-working-day clock (standard 6.6, RULES.md 6) on the database calendar: periods, the audit pause,
Xinjiang's festival overlay, and loading a new year's schedule recomputing open deadlines."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from sqlmodel import Session, delete, select

from casework import deadlines
from casework.models import Account, Case
from tests.casework.test_state_machine import make_case, people  # noqa: F401  (fixture)
from tests.conftest import SHARED


def at(day: str) -> datetime:
    """10:00 Beijing time on `day`, as stored (UTC)."""
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, 2, tzinfo=timezone.utc)


@pytest.fixture
def clean_calendar(engine):
    yield
    with Session(engine) as s:
        s.exec(delete(deadlines.CalendarDay))
        s.exec(delete(deadlines.CalendarYear))
        s.commit()


CASES = json.loads((SHARED / "cases" / "deadlines.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["accepted"] for c in CASES])
def test_shared_deadline_cases_through_a_period(engine, people, case):  # noqa: F811
    with Session(engine, expire_on_commit=False) as s:
        c = make_case(s, people, "initial_review")
        period = deadlines.open_period(s, c, at(case["accepted"]))
        s.commit()
        assert period.due_date.isoformat() == case["due"]
        assert period.provisional == case.get("provisional", False)
        assert (c.due_date, c.due_provisional) == (period.due_date, period.provisional)


def test_an_audit_pause_adds_its_working_days(engine, people):  # noqa: F811
    with Session(engine, expire_on_commit=False) as s:
        c = make_case(s, people, "initial_review")
        deadlines.open_period(s, c, at("2026-09-14"))  # Monday → Sunday 09-20, a make-up working day
        assert c.due_date == date(2026, 9, 20)
        deadlines.pause(s, c, at("2026-09-15"))
        lasted = deadlines.resume(s, c, at("2026-09-18"))  # Wed, Thu, Fri
        s.commit()
        assert lasted == 3
        assert c.due_date == date(2026, 9, 23)  # three more working days: 09-21, 22, 23
        period = deadlines.current_period(s, c)
        assert period.paused_working_days == 3 and period.paused_since is None


def test_resubmission_opens_a_new_period_and_keeps_the_first(engine, people):  # noqa: F811
    with Session(engine, expire_on_commit=False) as s:
        c = make_case(s, people, "initial_review")
        deadlines.open_period(s, c, at("2026-06-01"))
        deadlines.end_period(s, c, at("2026-06-03"), "incomplete")
        deadlines.open_period(s, c, at("2026-06-10"))
        s.commit()
        ps = deadlines.periods(s, c)
        assert [(p.seq, p.end_reason) for p in ps] == [(1, "incomplete"), (2, None)]
        assert ps[1].due_date == date(2026, 6, 17) and c.due_date == date(2026, 6, 17)


def test_a_xinjiang_festival_day_moves_open_deadlines(engine, people, clean_calendar):  # noqa: F811
    with Session(engine, expire_on_commit=False) as s:
        admin = s.exec(select(Account).where(Account.username == "canshu")).one()
        c = make_case(s, people, "initial_review")
        deadlines.open_period(s, c, at("2026-03-16"))
        s.commit()
        assert c.due_date == date(2026, 3, 23)
        moved = deadlines.add_calendar_day(s, admin, date(2026, 3, 20), "off", "2026年肉孜节（测试数据）", "测试")
        s.commit()
        assert moved >= 1
        s.refresh(c)
        assert c.due_date == date(2026, 3, 24)
        # a moved working day (a Saturday worked) brings it back
        deadlines.add_calendar_day(s, admin, date(2026, 3, 21), "work", "调休上班（测试数据）", "测试")
        s.commit()
        s.refresh(c)
        assert c.due_date == date(2026, 3, 23)


def test_loading_a_new_year_recomputes_provisional_deadlines(engine, people, clean_calendar):  # noqa: F811
    with Session(engine, expire_on_commit=False) as s:
        admin = s.exec(select(Account).where(Account.username == "canshu")).one()
        c = make_case(s, people, "initial_review")
        deadlines.open_period(s, c, at("2026-12-28"))
        s.commit()
        assert (c.due_date, c.due_provisional) == (date(2027, 1, 5), True)
        # a schedule made up for the test (the official 2027 one is not known here)
        deadlines.load_year(s, admin, 2027, [date(2027, 1, 1), date(2027, 1, 4)], [], "测试用安排")
        s.commit()
        s.refresh(c)
        assert (c.due_date, c.due_provisional) == (date(2027, 1, 6), False)
        with pytest.raises(Exception):
            deadlines.load_year(s, admin, 2027, [], [], "again")
        s.rollback()


def test_calendar_page(client, clean_calendar):
    from tests.portal.helpers import login, post

    login(client, "chushen")
    page = client.get("/staff/calendar").text
    assert "工作日日历" in page and "无" in page and 'action="/staff/calendar/days"' not in page
    login(client, "canshu")
    r = post(client, "/staff/calendar/days", {"day": "2026-05-27", "kind": "off", "note": "", "source": ""})
    assert "请注明节日或调休名称" in r.text
    r = post(client, "/staff/calendar/days", {"day": "2026-05-27", "kind": "off", "note": "2026年古尔邦节（测试数据）",
                                              "source": "测试"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/staff/calendar").text
    assert "2026年古尔邦节" in page and "2026" in page


def test_the_command_line_uses_the_database_calendar_only_when_configured(db_url, engine, seeded, clean_calendar):
    import os
    import subprocess
    import sys

    with Session(engine) as s:
        admin = s.exec(select(Account).where(Account.username == "canshu")).one()
        deadlines.add_calendar_day(s, admin, date(2026, 3, 20), "off", "2026年肉孜节（测试数据）", "测试")
        s.commit()
    cmd = [sys.executable, "-m", "portal.cli", "calendar", "due", "2026-03-16"]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    plain = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout.strip()
    overlaid = subprocess.run(cmd, capture_output=True, text=True, env={**env, "DATABASE_URL": db_url},
                              check=True).stdout.strip()
    assert (plain, overlaid) == ("2026-03-23", "2026-03-24")
