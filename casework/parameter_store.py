"""Parameter versions kept in the database (RULES.md 4), behind the engine's `ParameterSource` protocol.

Amounts are stored as strings in JSON and read back as Decimal; `average_wage` and `minimum_wage` hold
`{"amount": "7856.75", ...descriptive fields}`, tables and the policy hold their dict (amounts as strings);
`increments` hold `{"grades": {"1": "159.00"}, "care": {"完全不能自理": "306.00"}}` and read back in the shape
`casework.benefits.apply_increments` takes (int grades, Decimal amounts).

This module is the one way versions reach or leave the database: `add_version`, `update_version`,
`delete_version`, `list_versions`, and `used_version_ids` (what the frozen assessments cite). Whether a change
is allowed, and its audit, is decided in `casework.parameter_admin`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, or_, select

from casework.models import AuditRecord, Case, ParameterRecord
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
    if key == "increments":
        return {"grades": {int(g): Decimal(a) for g, a in value.get("grades", {}).items()},
                "care": {str(c): Decimal(a) for c, a in value.get("care", {}).items()}}
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

    def history(self, key: str, area: str | None = None) -> tuple[ParameterVersion, ...]:
        """All versions of a key for an area (exact), oldest first — e.g. the yearly increments
        (same contract as InMemoryParameters.history)."""
        query = select(ParameterRecord).where(ParameterRecord.key == key)
        query = query.where(col(ParameterRecord.area).is_(None) if area is None else ParameterRecord.area == area)
        rows = self.session.exec(query.order_by(col(ParameterRecord.effective_from), col(ParameterRecord.id))).all()
        return tuple(to_version(r) for r in rows)


def list_versions(session: Session, key: str | None = None) -> list[ParameterRecord]:
    """Versions, by key, area, then newest effective date first (the administrator's list)."""
    query = select(ParameterRecord)
    if key is not None:
        query = query.where(ParameterRecord.key == key)
    rows = session.exec(query).all()
    return sorted(rows, key=lambda r: (r.key, r.area or "", -r.effective_from.toordinal(), -(r.id or 0)))


def used_version_ids(session: Session) -> dict[str, int]:
    """version_id → number of cases whose frozen assessment (Case.assessment, RULES.md 4) cites it, among
    the versions used and the lookups recorded.  A cited version may only be superseded."""
    cited: dict[str, set] = {}
    for case_id, snapshot in session.exec(select(Case.id, Case.assessment)
                                          .where(col(Case.assessment).is_not(None))).all():
        if not isinstance(snapshot, dict):
            continue
        ids = {str(p.get("version_id")) for p in snapshot.get("parameters", []) if p.get("version_id")}
        ids |= {str(lk.get("version_id")) for lk in snapshot.get("lookups", []) if lk.get("version_id")}
        for vid in ids:
            cited.setdefault(vid, set()).add(case_id)
    # every assessment ever frozen cites its versions in its audit record, including one later reopened for
    # correction (its 核定单 stays valid until superseded): those versions stay fixed too
    for case_id, details in session.exec(select(AuditRecord.case_id, AuditRecord.details)
                                         .where(AuditRecord.action == "initial_approve")).all():
        for vid in (details or {}).get("parameters", []) or []:
            cited.setdefault(str(vid), set()).add(case_id)
    return {vid: len(cases) for vid, cases in cited.items()}


def add_version(session: Session, *, key: str, effective_from: date, value: dict, source: str, label: str,
                area: str | None = None, demo: bool = False, created_by_id: int | None = None) -> ParameterRecord:
    row = ParameterRecord(key=key, area=area, effective_from=effective_from, value=value, source=source,
                          label=label, demo=demo, created_by_id=created_by_id)
    session.add(row)
    session.flush()
    return row


def update_version(session: Session, row: ParameterRecord, *, effective_from: date, value: dict, source: str,
                   label: str, area: str | None = None, demo: bool = False) -> ParameterRecord:
    row.area, row.effective_from, row.value = area, effective_from, value
    row.source, row.label, row.demo = source, label, demo
    session.add(row)
    session.flush()
    return row


def delete_version(session: Session, row: ParameterRecord) -> None:
    session.delete(row)
    session.flush()
