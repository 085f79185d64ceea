"""The 5-working-day deadline (RULES.md 6; cases/deadlines.json)."""

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.working_days import (
    CalendarOverlay, beijing_date, due_date, is_working_day, working_days_between,
)

CASES_DIR = Path(os.environ.get("CASES_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "cases"))
CASES = json.loads((CASES_DIR / "deadlines.json").read_text(encoding="utf-8"))["cases"]
D = dt.date.fromisoformat


@pytest.mark.parametrize("case", CASES, ids=[c["accepted"] for c in CASES])
def test_deadline_cases(case):
    due = due_date(D(case["accepted"]))
    assert due.date == D(case["due"])
    assert due.provisional == case.get("provisional", False)
    if due.provisional:
        assert due.reason == "2027 schedule not loaded"
        assert due.reason_zh == "2027年节假日安排尚未载入"
        assert str(due) == "2027-01-05 provisional (2027 schedule not loaded)"
        assert due.display_zh() == "2027-01-05（暂定）"
    else:
        assert due.reason is None


def test_2026_schedule_from_rules():
    for d in ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]:
        assert is_working_day(D(d)), d
    for d in ["2026-01-02", "2026-02-16", "2026-04-06", "2026-05-05", "2026-06-19", "2026-09-25", "2026-10-07"]:
        assert not is_working_day(D(d)), d


def test_provisional_year_uses_weekends_and_fixed_holidays():
    assert not is_working_day(D("2027-01-01"))
    assert is_working_day(D("2027-05-03"))   # Mon 3 May 2027: not a fixed-date holiday
    assert not is_working_day(D("2027-10-01"))
    assert is_working_day(D("2027-10-04"))


def test_xinjiang_overlay_days_off_and_moved_working_days():
    # A Xinjiang festival day off on Tue 2026-03-24 pushes the deadline one day.
    base = due_date(D("2026-03-20"))
    assert base.date == D("2026-03-27")
    off = CalendarOverlay(days_off=frozenset({D("2026-03-24")}))
    assert due_date(D("2026-03-20"), overlay=off).date == D("2026-03-30")
    # ... and a Saturday worked in exchange pulls it back.
    both = CalendarOverlay(days_off=frozenset({D("2026-03-24")}), working_days=frozenset({D("2026-03-28")}))
    assert due_date(D("2026-03-20"), overlay=both).date == D("2026-03-28")


def test_loaded_year_is_not_provisional():
    overlay = CalendarOverlay(days_off=frozenset({D("2027-01-01")}), loaded_years=frozenset({2027}))
    due = due_date(D("2026-12-28"), overlay=overlay)
    assert due.date == D("2027-01-05") and not due.provisional
    # In a loaded year only weekends + overlay entries count: 1 May is a working day unless staff entered it.
    assert is_working_day(D("2027-05-03"), overlay)
    assert is_working_day(D("2027-10-01"), overlay)


def test_overlay_conflict_is_refused():
    with pytest.raises(ValueError):
        CalendarOverlay(days_off=frozenset({D("2026-03-24")}), working_days=frozenset({D("2026-03-24")}))


def test_working_days_option_and_validation():
    assert due_date(D("2026-09-28"), 3).date == D("2026-10-08")
    with pytest.raises(ValueError):
        due_date(D("2026-09-28"), 0)


def test_beijing_date():
    late = dt.datetime(2026, 9, 27, 17, 30, tzinfo=dt.timezone.utc)   # 01:30 on the 28th in Beijing
    assert beijing_date(late) == D("2026-09-28")
    with pytest.raises(ValueError):
        beijing_date(dt.datetime(2026, 9, 27, 17, 30))


@given(st.dates(dt.date(2024, 1, 1), dt.date(2027, 12, 20)), st.integers(1, 15))
def test_between_counts_back_to_n(accepted, n):
    due = due_date(accepted, n)
    assert working_days_between(accepted, due.date) == n
    assert is_working_day(due.date)
    assert working_days_between(accepted, due.date - dt.timedelta(days=1)) == n - 1
