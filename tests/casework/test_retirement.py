"""Statutory retirement month (RULES.md 5; cases/retirement.json)."""

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from casework.retirement import retirement, retirement_alert

CASES_DIR = Path(os.environ.get("CASES_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "cases"))
CASES = json.loads((CASES_DIR / "retirement.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['group']}-{c['birth']}" for c in CASES])
def test_retirement_cases(case):
    year, month = map(int, case["birth"].split("-"))
    r = retirement(year, month, case["group"])
    assert f"{r.age_years}y{r.age_months}m" == case["age"]
    assert r.month_str == case["retires"]


def test_caps_and_limits():
    assert retirement(1990, 6, "man").age_years == 63          # 36 months at most
    assert retirement(1990, 6, "woman-50").age_years == 55     # 60 months at most
    assert retirement(1990, 6, "woman-55").age_years == 58
    with pytest.raises(ValueError):
        retirement(1970, 13, "man")
    with pytest.raises(ValueError):
        retirement(1970, 1, "woman")


def test_alert_when_month_passed_without_event():
    r = retirement(1965, 1, "man")      # 2025-02
    assert retirement_alert(r, dt.date(2025, 2, 28), event_recorded=False) is None
    assert "2025-02" in retirement_alert(r, dt.date(2025, 3, 1), event_recorded=False)
    assert retirement_alert(r, dt.date(2025, 3, 1), event_recorded=True) is None
