"""Parameter versions kept in the database (RULES.md 4), behind the engine's `ParameterSource` protocol.

Amounts are stored as strings in JSON and read back as Decimal; `average_wage` and `minimum_wage` hold
`{"amount": "7856.75"}`, tables and the policy hold their dict (amounts as strings)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, or_, select

from casework.models import ParameterRecord
from casework.parameters import ParameterVersion

SCALAR_KEYS = frozenset({"average_wage", "minimum_wage"})
DECIMAL_FIELDS = frozenset({"medical_contribution_rate"})


def _decode(key: str, value: dict) -> Any:
    if key in SCALAR_KEYS:
        return Decimal(value["amount"])
    if key == "medical_months":
        return {int(g): Decimal(m) for g, m in value.items()}
    if key == "policy":
        return {k: (Decimal(v) if k in DECIMAL_FIELDS else v) for k, v in value.items()}
    return value


def to_version(row: ParameterRecord) -> ParameterVersion:
    return ParameterVersion(
        key=row.key, area=row.area, effective_from=row.effective_from, value=_decode(row.key, row.value),
        source=row.source, label=row.label, demo=row.demo, version_id=str(row.id),
    )


class DbParameters:
    """The version in force on a date: the latest that took effect on or before it, for the exact
    area first, then for all areas (area NULL). Never another area's value, never a later one."""

    def __init__(self, session: Session):
        self.session = session

    def in_force(self, key: str, on: date, area: str | None = None) -> ParameterVersion | None:
        query = select(ParameterRecord).where(ParameterRecord.key == key, ParameterRecord.effective_from <= on)
        if area is None:
            query = query.where(col(ParameterRecord.area).is_(None))
        else:
            query = query.where(or_(ParameterRecord.area == area, col(ParameterRecord.area).is_(None)))
        rows = self.session.exec(query).all()
        if not rows:
            return None
        # exact area beats "all areas"; then the latest effective date; then the latest entered
        best = max(rows, key=lambda r: (r.area is not None, r.effective_from, r.id or 0))
        return to_version(best)


def add_version(session: Session, *, key: str, effective_from: date, value: dict, source: str, label: str,
                area: str | None = None, demo: bool = False, created_by_id: int | None = None) -> ParameterRecord:
    row = ParameterRecord(key=key, area=area, effective_from=effective_from, value=value, source=source,
                          label=label, demo=demo, created_by_id=created_by_id)
    session.add(row)
    session.flush()
    return row
