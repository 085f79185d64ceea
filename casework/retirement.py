"""Statutory retirement month after the reform in force 1 January 2025 (RULES.md 5).

The month computed here is only *expected*: 伤残津贴 stops on a recorded retirement event (date and pension,
条例 art. 35(3)), and an alert is raised when the expected month has passed with no event recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["GROUPS", "Retirement", "retirement", "retirement_alert"]

# group → (original age, pace in months of birth per month of delay, maximum delay in months)
GROUPS: dict[str, tuple[int, int, int]] = {
    "man": (60, 4, 36),
    "woman-55": (55, 4, 36),
    "woman-50": (50, 2, 60),
}

GROUP_LABELS_ZH = {"man": "男职工", "woman-55": "原法定退休年龄55周岁的女职工", "woman-50": "原法定退休年龄50周岁的女职工"}


@dataclass(frozen=True)
class Retirement:
    age_years: int
    age_months: int
    year: int
    month: int

    @property
    def month_str(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def has_passed(self, on: dt.date) -> bool:
        """True once the whole retirement month is over (on or after the 1st of the next month)."""
        return (on.year, on.month) > (self.year, self.month)


def retirement(birth_year: int, birth_month: int, group: str) -> Retirement:
    """Statutory retirement age and month; `group` is "man", "woman-50" or "woman-55" (an input: the ID gives
    sex only, not the women's former group)."""
    if group not in GROUPS:
        raise ValueError(f"人员类别应为 man、woman-50 或 woman-55，收到：{group}")
    for v in (birth_year, birth_month):
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError("出生年月必须是整数")
    if not 1 <= birth_month <= 12:
        raise ValueError(f"出生月份不正确：{birth_month}")
    original_age, pace, max_delay = GROUPS[group]
    orig_year = birth_year + original_age
    n = (orig_year - 2025) * 12 + birth_month          # 1 = January 2025
    delay = 0 if n <= 0 else min(-(-n // pace), max_delay)   # ceil(n / pace) in integers
    idx = orig_year * 12 + (birth_month - 1) + delay
    year, month0 = divmod(idx, 12)
    return Retirement(original_age + delay // 12, delay % 12, year, month0 + 1)


def retirement_alert(expected: Retirement, on: dt.date, event_recorded: bool) -> str | None:
    """Chinese alert text when the expected month has passed and no retirement event is recorded, else None."""
    if event_recorded or not expected.has_passed(on):
        return None
    return (f"预计法定退休时间 {expected.month_str} 已过，尚未登记退休（办理退休手续日期及养老金数额）；"
            "请核实是否应停发伤残津贴或转为养老金工伤补差")
