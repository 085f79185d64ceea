"""Initial review (standard 6.3) and second review (6.4).

The initial reviewer sees the benefit computed from the parameters in force and, on approval, the
assessment is frozen as a snapshot (RULES.md 4). The second reviewer sees that snapshot — never a silent
recomputation — and, on approval, the 工伤保险待遇核定单 is issued: numbered, rendered, stored with its
SHA-256 before the row that points to it is committed (ARCHITECTURE.md, "Storage and consistency").
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from casework import compliance
from casework.benefits import Assessment, Benefit, CareLevel, ClaimFacts, Refused, compute
from casework import deadlines
from casework.clock import beijing_date
from casework.models import Case, Document, Employer, Office, utcnow
from casework.money import from_fen
from casework.numbering import next_number
from casework.parameter_store import DbParameters
from casework.retirement import retirement
from casework.transitions import Actor, Conflict, DomainError, check, summary_reason, transition


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
        # the medical lump sum (matter "medical"): months and W in force when the relation ended (RULES.md 2, 4)
        termination_date=case.termination_date,
        termination_kind=case.termination_kind,
        county=employer.county if employer else case.former_employer_county,
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


def fingerprint(assessment: Assessment) -> str:
    """What the reviewer saw: every line's amount and every parameter version used. Approving freezes the
    assessment computed again at that moment; if it differs from the page the reviewer read, refuse."""
    snap = assessment.snapshot()
    seen = {"lines": [[l["kind"], l["amount"]] for l in snap["lines"]],
            "versions": sorted(str(p.get("version_id")) for p in snap["parameters"])}
    return hashlib.sha256(json.dumps(seen, sort_keys=True).encode()).hexdigest()[:16]


def initial_approve(session: Session, case: Case, actor: Actor, *, expected_version: int,
                    note: str | None = None, seen: str | None = None, now: datetime | None = None) -> Assessment:
    """6.3.2 a: approve and freeze the assessment with a snapshot of the parameter versions used."""
    check(case, "initial_approve", actor)
    result = preview(session, case)
    if result.refusal is not None:
        raise DomainError(f"无法核定待遇：{result.refusal.message}。请补充参数或以“不通过”办结并注明原因。")
    assessment = result.assessment
    assert assessment is not None
    if seen is not None and seen != fingerprint(assessment):
        raise Conflict("打开页面后计算参数已更新，测算结果与您看到的不同。请核对页面上新的测算结果后再审核。")
    now = now or utcnow()
    # 6.3.2: policy compliance against the registers; a failed check needs the reviewer's written reason
    checks = compliance.run_checks(session, case, beijing_date(now))
    if compliance.failed(checks) and not (note and note.strip()):
        names = "、".join(c.title for c in compliance.failed(checks))
        raise DomainError(f"有核查项不符（{names}）。如仍审核通过，须在“原因或说明”中写明理由；"
                          "否则请选择“审核不通过”或提出稽核申请。", field="reason")
    checked = compliance.snapshot(checks, beijing_date(now))
    snapshot = assessment.snapshot()
    snapshot["retirement_month"] = retirement_month(case)
    snapshot["frozen_at"] = now.isoformat()
    snapshot["compliance"] = checked

    def freeze(c: Case) -> None:
        c.assessment = snapshot
        c.assessed_at = now
        c.initial_reviewer_id = actor.id
        c.last_reason = None

    transition(session, case, "initial_approve", actor, expected_version=expected_version, reason=note,
               apply=freeze, now=now,
               details={"parameters": [p["version_id"] for p in snapshot.get("parameters", []) if "version_id" in p],
                        "compliance": checked})
    return assessment


def initial_reject(session: Session, case: Case, actor: Actor, *, expected_version: int, reason: str,
                   issue: Issuer, now: datetime | None = None) -> Document:
    """6.3.2 c: not passed, with the reasons; the 不予通过决定书 states them and the applicant's remedies."""
    now = now or utcnow()
    check(case, "initial_reject", actor, reason=reason)

    def close(c: Case) -> None:
        c.initial_reviewer_id = actor.id
        c.decided_at = now
        c.last_reason = reason.strip()

    close(case)
    doc = issue_document(session, case, "decision_not_passed", issue, now)
    checked = compliance.snapshot(compliance.run_checks(session, case, beijing_date(now)), beijing_date(now))
    transition(session, case, "initial_reject", actor, expected_version=expected_version, reason=reason,
               apply=close, now=now, details={"document": doc.number, "compliance": checked})
    deadlines.end_period(session, case, now, "rejected")
    return doc


@dataclass(frozen=True)
class Defect:
    """One thing an online submission lacks (6.3.1 b): which field or material, and what exactly is wanted."""

    field: str
    label: str
    wanted: str

    def to_dict(self) -> dict:
        return {"field": self.field, "label": self.label, "wanted": self.wanted}


def mark_incomplete(session: Session, case: Case, actor: Actor, *, expected_version: int, defects: list[Defect],
                    issue: Issuer, now: datetime | None = None) -> Document:
    """6.3.1 b: an online submission is incomplete → not passed, and the 一次性告知书 lists EVERY defect.
    The period of the clock ends; the corrected resubmission is accepted afresh."""
    if case.channel != "online":
        raise DomainError("现场受理的材料完整性已由受理岗审核；不完整的应在受理时一次性告知。")
    if not defects:
        raise DomainError("请至少标注一项需要补正的内容，并写明具体要求。", field="defects")
    for d in defects:
        if not d.wanted.strip():
            raise DomainError(f"请写明“{d.label}”需要怎样补正。", field=f"wanted_{d.field}")
        if len(d.wanted) > 500:
            raise DomainError(f"“{d.label}”的补正要求不能超过500字。", field=f"wanted_{d.field}")
    now = now or utcnow()
    # the notice lists every defect in full (no length cap); the reason in the trail is its summary
    reason = summary_reason("；".join(f"{d.label}：{d.wanted}" for d in defects))
    check(case, "initial_incomplete", actor, reason=reason)

    def note(c: Case) -> None:
        c.defects = [d.to_dict() for d in defects]
        c.last_reason = reason

    note(case)
    doc = issue_document(session, case, "notice_missing", issue, now)
    transition(session, case, "initial_incomplete", actor, expected_version=expected_version, reason=reason,
               apply=note, now=now, details={"document": doc.number, "defects": [d.to_dict() for d in defects]})
    deadlines.end_period(session, case, now, "incomplete")
    return doc


def recheck_return(session: Session, case: Case, actor: Actor, *, expected_version: int, reason: str,
                   consulted: bool, now: datetime | None = None) -> None:
    """6.4 b: after confirming with the initial reviewer, back to initial review with the reason; the frozen
    assessment is discarded (a new one is frozen at the next approval)."""
    if not consulted:
        raise DomainError("退回前须与初审岗确认（DB 6523/T 375—2023 第 6.4 b 条），请确认后勾选。", field="consulted")

    def back(c: Case) -> None:
        c.assessment = None
        c.assessed_at = None
        c.last_reason = reason.strip()

    transition(session, case, "recheck_return", actor, expected_version=expected_version, reason=reason,
               apply=back, now=now, details={"consulted_initial_reviewer_id": case.initial_reviewer_id})


def reopen_correction(session: Session, case: Case, actor: Actor, *, expected_version: int, reason: str,
                      now: datetime | None = None) -> None:
    """An approved case found wrong: it goes through both reviews again; the new approval form supersedes
    the old one, which is kept and marked superseded."""

    def reopen(c: Case) -> None:
        c.assessment = None
        c.assessed_at = None
        c.initial_reviewer_id = None
        c.second_reviewer_id = None
        c.last_reason = reason.strip()

    # the snapshot behind the issued form stays on record (the form remains valid until superseded)
    previous = case.assessment
    transition(session, case, "reopen_correction", actor, expected_version=expected_version, reason=reason,
               apply=reopen, now=now, details={"previous_assessment": previous})
    deadlines.open_period(session, case, now or utcnow())


@dataclass(frozen=True)
class StoredFile:
    """What the object store returned for an issued document."""

    bucket: str
    key: str
    sha256: str
    size: int


# kind → (number kind, title). Every document the case issues goes through issue_document().
DOCUMENT_KINDS = {
    "online_receipt": ("HZ", "受理回执"),
    "onsite_receipt": ("SD", "社会保险业务受理单"),
    "notice_missing": ("GZ", "一次性告知书"),
    "decision_not_passed": ("BY", "不予通过决定书"),
    "approval_form": ("HD", "工伤保险待遇核定单"),
}

# (kind, case, number, token, issued_at) → the stored PDF. Rendering and storage live outside the domain
# (portal.issuing); the domain numbers the document and keeps its row.
Issuer = Callable[[str, Case, str, str, datetime], StoredFile]


def issue_document(session: Session, case: Case, kind: str, issuer: Issuer, now: datetime) -> Document:
    """Number, render, store (before the row is committed), and record one document of the case."""
    number_kind, title = DOCUMENT_KINDS[kind]
    office = session.get(Office, case.office_id)
    assert office is not None
    number = next_number(session, number_kind, beijing_date(now).year, office.code)
    token = secrets.token_urlsafe(16)
    stored = issuer(kind, case, number, token, now)
    doc = Document(
        case_id=case.id, kind=kind, number=number, token=token, title=title, filename=f"{title}-{number}.pdf",
        bucket=stored.bucket, object_key=stored.key, sha256=stored.sha256, size=stored.size, issued_at=now,
        office_id=office.id,
    )
    session.add(doc)
    session.flush()
    return doc


def recheck_approve(session: Session, case: Case, actor: Actor, *, expected_version: int, issue: Issuer,
                    now: datetime | None = None) -> Document:
    """6.4 a: approve and issue the 工伤保险待遇核定单 (numbered, stored, never regenerated). A correction's
    new form supersedes the earlier one, which stays (marked superseded, never deleted)."""
    check(case, "recheck_approve", actor)
    if expected_version != case.version:
        raise Conflict("该案件已被他人更新（您看到的是旧版本）。请刷新页面后再操作，以免重复办理。")
    if not case.assessment:
        raise DomainError("该案件没有已冻结的核定结果，不能复核通过。")
    now = now or utcnow()
    earlier = [d for d in documents_of(session, case) if d.kind == "approval_form" and d.superseded_by_id is None]

    def decide(c: Case) -> None:
        c.second_reviewer_id = actor.id
        c.decided_at = now

    # the reviewer's id must be on the case before the form is rendered (it prints both names)
    decide(case)
    doc = issue_document(session, case, "approval_form", issue, now)
    for old in earlier:
        old.superseded_by_id = doc.id
        session.add(old)
    transition(session, case, "recheck_approve", actor, expected_version=expected_version, apply=decide,
               now=now, details={"document": doc.number, "sha256": doc.sha256,
                                 "supersedes": [d.number for d in earlier]})
    deadlines.end_period(session, case, now, "approved")
    return doc


def documents_of(session: Session, case: Case) -> list[Document]:
    return list(session.exec(select(Document).where(Document.case_id == case.id).order_by(Document.issued_at)))
