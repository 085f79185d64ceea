"""Issued numbers: readable (kind, year, office, sequence), unique and gap-free.

One counter row per (kind, year, office) is incremented inside the caller's transaction, so a number
is never issued by a transaction that rolls back, and two transactions never get the same one: on
PostgreSQL the UPDATE holds the row lock until commit; SQLite has one writer at a time."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from casework.models import Counter

# kind code → what it numbers
KINDS = {
    "SL": "受理编号",
    "HZ": "受理回执",
    "SD": "社会保险业务受理单",
    "HD": "核定编号",
    "GZ": "一次性告知书",
    "BY": "不予通过决定书",
    "ZF": "支付计划",
    "TG": "业务通告单",
    "YJ": "归档移交清单",
}


def next_number(session: Session, kind: str, year: int, office_code: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown number kind {kind}")
    value = _increment(session, kind, year, office_code)
    return f"{kind}{year}{office_code}{value:05d}"


def _increment(session: Session, kind: str, year: int, office_code: str) -> int:
    where = (Counter.kind == kind, Counter.year == year, Counter.office_code == office_code)
    result = session.execute(update(Counter).where(*where).values(value=Counter.value + 1))
    if result.rowcount == 0:
        try:
            with session.begin_nested():
                session.add(Counter(kind=kind, year=year, office_code=office_code, value=1))
            return 1
        except IntegrityError:
            # another transaction created the row first: increment it instead
            session.execute(update(Counter).where(*where).values(value=Counter.value + 1))
    return session.exec(select(Counter.value).where(*where)).one()
