"""The 5-working-day deadline of standard 6.6 (RULES.md 6).

A working day is Mon–Fri that is not a public holiday, plus the weekend days designated as make-up working days
(调休).  The national schedule is built in (chinese_calendar, which raises NotImplementedError for years it does
not know); Xinjiang's own festival days and any year staff load come from a CalendarOverlay.  For a year with no
loaded schedule the date is still computed — weekends and the fixed-date holidays only — and marked provisional.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

import chinese_calendar

__all__ = [
    "BEIJING",
    "FIXED_DATE_HOLIDAYS",
    "CalendarOverlay",
    "DueDate",
    "beijing_date",
    "builtin_years",
    "year_loaded",
    "is_working_day",
    "due_date",
    "working_days_between",
]

# China has had no daylight saving time since 1991, so a fixed UTC+8 offset is exact and needs no tz database.
BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

# Fixed-date public holidays used for a year whose schedule is not loaded (RULES.md 6): 元旦 1 Jan, 劳动节
# 1 May, 国庆 1–3 Oct.  The lunar holidays and the make-up days cannot be guessed, hence "provisional".
FIXED_DATE_HOLIDAYS: frozenset[tuple[int, int]] = frozenset({(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)})


@dataclass(frozen=True)
class CalendarOverlay:
    """Calendar entries kept by staff (the database overlay).

    - days_off: extra rest days (Xinjiang's 肉孜节 / 古尔邦节, or a loaded year's holidays);
    - working_days: days that are worked although the base calendar rests (Xinjiang or national 调休);
    - loaded_years: years whose official schedule staff have loaded in full: those years are not provisional and
      use only weekends + the overlay entries (the built-in calendar is ignored for them).
    Entries apply in every year, built-in ones included (Xinjiang days are added on top of the national schedule).
    """

    days_off: frozenset[dt.date] = field(default_factory=frozenset)
    working_days: frozenset[dt.date] = field(default_factory=frozenset)
    loaded_years: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "days_off", frozenset(self.days_off))
        object.__setattr__(self, "working_days", frozenset(self.working_days))
        object.__setattr__(self, "loaded_years", frozenset(self.loaded_years))
        both = self.days_off & self.working_days
        if both:
            # A day both off and worked is a data-entry error; refuse it rather than pick one silently.
            days = "、".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"日历条目冲突：{days} 同时被设为休息日和工作日")

    @property
    def extra_working_days(self) -> frozenset[dt.date]:
        """Alias: the make-up working days entered by staff."""
        return self.working_days


@dataclass(frozen=True)
class DueDate:
    date: dt.date
    provisional: bool
    reason: str | None = None        # e.g. "2027 schedule not loaded"
    reason_zh: str | None = None     # e.g. "2027年节假日安排尚未载入"

    def display_zh(self) -> str:
        """How a document prints it: the date, with （暂定） while the year's schedule is not loaded."""
        return self.date.isoformat() + ("（暂定）" if self.provisional else "")

    def __str__(self) -> str:
        return self.date.isoformat() + (f" provisional ({self.reason})" if self.provisional else "")


def beijing_date(moment: dt.datetime) -> dt.date:
    """The Beijing calendar date of an aware datetime (deadlines are counted in Beijing time)."""
    if moment.tzinfo is None:
        raise ValueError("时间必须带时区信息")
    return moment.astimezone(BEIJING).date()


@functools.cache
def builtin_years() -> range:
    """Years the built-in national calendar (chinese_calendar) knows."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def year_loaded(year: int, overlay: CalendarOverlay | None = None) -> bool:
    """True when the official schedule of `year` is known: built in, or loaded by staff."""
    return (overlay is not None and year in overlay.loaded_years) or year in builtin_years()


def _base_working_day(d: dt.date, overlay: CalendarOverlay | None) -> bool:
    if overlay is not None and d.year in overlay.loaded_years:
        return d.weekday() < 5
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        # Year unknown to the library: weekends and fixed-date holidays only (provisional, RULES.md 6).
        return d.weekday() < 5 and (d.month, d.day) not in FIXED_DATE_HOLIDAYS


def is_working_day(d: dt.date, overlay: CalendarOverlay | None = None) -> bool:
    """Whether `d` is a working day, overlay entries first, then the loaded or built-in schedule."""
    if overlay is not None:
        if d in overlay.working_days:
            return True
        if d in overlay.days_off:
            return False
    return _base_working_day(d, overlay)


def due_date(accepted: dt.date, working_days: int = 5, overlay: CalendarOverlay | None = None) -> DueDate:
    """The deadline: the `working_days`-th working day counted from the day after acceptance (standard 6.6).

    Provisional when any day counted lies in a year whose schedule is not loaded; the caller recomputes open
    deadlines when staff load that year.
    """
    if isinstance(accepted, dt.datetime):
        raise TypeError("受理日期应为日期（北京时间），请先用 beijing_date() 转换")
    if isinstance(working_days, bool) or not isinstance(working_days, int) or working_days < 1:
        raise ValueError("工作日天数必须是正整数")
    d = accepted
    counted = 0
    unloaded: set[int] = set()
    while counted < working_days:
        d += dt.timedelta(days=1)
        if not year_loaded(d.year, overlay):
            unloaded.add(d.year)
        if is_working_day(d, overlay):
            counted += 1
    if not unloaded:
        return DueDate(d, False)
    years = sorted(unloaded)
    reason = ", ".join(str(y) for y in years) + " schedule not loaded"
    reason_zh = "、".join(str(y) + "年" for y in years) + "节假日安排尚未载入"
    return DueDate(d, True, reason, reason_zh)


def working_days_between(start: dt.date, end: dt.date, overlay: CalendarOverlay | None = None) -> int:
    """Working days in (start, end]: the same counting as due_date, so
    working_days_between(accepted, due_date(accepted).date) == 5.  0 when end <= start."""
    n = 0
    d = start
    while d < end:
        d += dt.timedelta(days=1)
        if is_working_day(d, overlay):
            n += 1
    return n
