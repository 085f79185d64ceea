"""Beijing time: deadlines are counted on Beijing dates (RULES.md 6) whatever the server's zone."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def to_beijing(instant: datetime) -> datetime:
    """`instant` is naive UTC (as stored) or aware."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(BEIJING)


def beijing_date(instant: datetime) -> date:
    return to_beijing(instant).date()


def beijing_today() -> date:
    return datetime.now(BEIJING).date()


def fmt_date(d: date | None) -> str:
    return f"{d.year}年{d.month:02d}月{d.day:02d}日" if d else ""


def fmt_instant(instant: datetime | None) -> str:
    if instant is None:
        return ""
    b = to_beijing(instant)
    return f"{fmt_date(b.date())} {b.hour:02d}:{b.minute:02d}"
