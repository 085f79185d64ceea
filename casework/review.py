"""Initial review (standard 6.3) and second review (6.4).

The initial reviewer sees the benefit computed from the parameters in force and, on approval, the
assessment is frozen as a snapshot (RULES.md 4). The second reviewer sees that snapshot — never a silent
recomputation — and, on approval, the 工伤保险待遇核定单 is issued: numbered, rendered, stored with its
SHA-256 before the row that points to it is committed (ARCHITECTURE.md, "Storage and consistency").
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from casework.benefits import Assessment, Benefit, CareLevel, ClaimFacts, Refused, compute
from casework.clock import beijing_date
from casework.models import Case, Document, Employer, Office, utcnow
from casework.money import from_fen
from casework.numbering import next_number
from casework.parameter_store import DbParameters
from casework.retirement import retirement
from casework.transitions import Actor, Conflict, DomainError, check, transition


def facts_for(session: Session, case: Case) -> ClaimFacts:
    employer = session.get(Employer, case.employer_id) if case.employer_id else None
    return ClaimFacts(
        benefits=frozenset(Benefit(b) for b in case.benefit_list()),
        grade=case.grade,
        wages=tuple(from_fen(f) for f in case.wages_fen),
        injury_date=case.injury_date,
        appraisal_date=case.appraisal_date,
        care_levels=(CareLevel(case.care_level),) if case.care_level else (),
        care_date=case.care_date,
        county=employer.county if employer else None,
    )


@dataclass(frozen=True)
class Preview:
    """What the initial reviewer sees before deciding: an assessment or the refusal that names why."""

    assessment: Assessment | None
    refusal: Refused | None


def preview(session: Session, case: Case) -> Preview:
    try:
        return Preview(compute(facts_for(session, case), DbParameters(session)), None)
    except Refused as exc:
        return Preview(None, exc)


def retirement_month(case: Case) -> str | None:
    """The statutory retirement month (RULES.md 5), shown as expected where a monthly benefit is paid."""
    if not ({Benefit.ALLOWANCE.value, Benefit.CARE.value} & set(case.benefit_list())):
        return None
    r = retirement(case.birth_date.year, case.birth_date.month, case.retirement_group)
    return f"{r.year:04d}-{r.month:02d}"


def initial_approve(session: Session, case: Case, actor: Actor, *, expected_version: int,
                    note: str | None = None, now: datetime | None = None) -> Assessment:
    """6.3.2 a: approve and freeze the assessment with a snapshot of the parameter versions used."""
    check(case, "initial_approve", actor)
    result = preview(session, case)
    if result.refusal is not None:
        raise DomainError(f"无法核定待遇：{result.refusal.message}。请补充参数或以“不通过”办结并注明原因。")
    assessment = result.assessment
    assert assessment is not None
    now = now or utcnow()
    snapshot = assessment.snapshot()
    snapshot["retirement_month"] = retirement_month(case)
    snapshot["frozen_at"] = now.isoformat()

    def freeze(c: Case) -> None:
        c.assessment = snapshot
        c.assessed_at = now
        c.initial_reviewer_id = actor.id
        c.last_reason = None

    transition(session, case, "initial_approve", actor, expected_version=expected_version, reason=note,
               apply=freeze, now=now,
               details={"parameters": [p["version_id"] for p in snapshot.get("parameters", []) if "version_id" in p]})
    return assessment


def initial_reject(session: Session, case: Case, actor: Actor, *, expected_version: int, reason: str,
                   now: datetime | None = None) -> None:
    """6.3.2 c: not passed, with the reason."""
    now = now or utcnow()

    def close(c: Case) -> None:
        c.initial_reviewer_id = actor.id
        c.decided_at = now
        c.last_reason = reason.strip()

    transition(session, case, "initial_reject", actor, expected_version=expected_version, reason=reason,
               apply=close, now=now)


def recheck_return(session: Session, case: Case, actor: Actor, *, expected_version: int, reason: str,
                   now: datetime | None = None) -> None:
    """6.4 b: back to initial review with the reason; the frozen assessment is discarded."""

    def back(c: Case) -> None:
        c.assessment = None
        c.assessed_at = None
        c.last_reason = reason.strip()

    transition(session, case, "recheck_return", actor, expected_version=expected_version, reason=reason,
               apply=back, now=now)


@dataclass(frozen=True)
class StoredFile:
    """What the object store returned for an issued document."""

    bucket: str
    key: str
    sha256: str
    size: int


# (case, number, token, issued_at) → the stored PDF. Rendering and storage live outside the domain.
IssueFn = Callable[[Case, str, str, datetime], StoredFile]


def recheck_approve(session: Session, case: Case, actor: Actor, *, expected_version: int, issue: IssueFn,
                    now: datetime | None = None) -> Document:
    """6.4 a: approve and issue the 工伤保险待遇核定单 (numbered, stored, never regenerated)."""
    check(case, "recheck_approve", actor)
    if expected_version != case.version:
        raise Conflict("该案件已被他人更新（您看到的是旧版本）。请刷新页面后再操作，以免重复办理。")
    if not case.assessment:
        raise DomainError("该案件没有已冻结的核定结果，不能复核通过。")
    now = now or utcnow()
    office = session.get(Office, case.office_id)
    assert office is not None
    number = next_number(session, "HD", beijing_date(now).year, office.code)
    token = secrets.token_urlsafe(16)

    def decide(c: Case) -> None:
        c.second_reviewer_id = actor.id
        c.decided_at = now

    # the reviewer's id must be on the case before the form is rendered (it prints both names)
    decide(case)
    stored = issue(case, number, token, now)
    doc = Document(
        case_id=case.id, kind="approval_form", number=number, token=token, title="工伤保险待遇核定单",
        filename=f"工伤保险待遇核定单-{number}.pdf", bucket=stored.bucket, object_key=stored.key,
        sha256=stored.sha256, size=stored.size, issued_at=now, office_id=office.id,
    )
    session.add(doc)
    session.flush()
    transition(session, case, "recheck_approve", actor, expected_version=expected_version, apply=decide,
               now=now, details={"document": number, "sha256": stored.sha256})
    return doc


def documents_of(session: Session, case: Case) -> list[Document]:
    return list(session.exec(select(Document).where(Document.case_id == case.id).order_by(Document.issued_at)))
