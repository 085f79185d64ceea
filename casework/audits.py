"""社会保险稽核 (audit) requests raised at initial review when policy compliance is in doubt (6.3.2 b).

The initial reviewer first confirms with a second reviewer (the consultation is recorded), then raises the
request; the case waits and its clock pauses (RULES.md 6). A 稽核 user records the outcome and the reference
of its document; the case returns to initial review and the audit's working days are reported apart."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from casework import deadlines
from casework.models import Account, Case, utcnow
from casework.roles import Role
from casework.transitions import Actor, DomainError, audit, transition


def request_audit(session: Session, case: Case, actor: Actor, *, expected_version: int, reason: str,
                  consulted_id: int | None, now: datetime | None = None) -> None:
    consulted = session.get(Account, consulted_id) if consulted_id else None
    if (consulted is None or Role.RECHECK.value not in consulted.role_set() or consulted.office_id != case.office_id
            or consulted.id == actor.id):
        raise DomainError("提出稽核申请前须与本机构复核岗确认，请选择已确认的复核人员。", field="consulted_id")
    now = now or utcnow()
    transition(session, case, "audit_request", actor, expected_version=expected_version, reason=reason, now=now,
               details={"consulted_id": consulted.id, "consulted_name": consulted.display_name})
    deadlines.pause(session, case, now)


def record_outcome(session: Session, case: Case, actor: Actor, *, expected_version: int, outcome: str,
                   document_ref: str, now: datetime | None = None) -> int:
    """Returns the working days the audit lasted (added to the deadline)."""
    if not document_ref.strip():
        raise DomainError("请填写稽核结论文书编号。", field="document_ref")
    now = now or utcnow()
    transition(session, case, "audit_outcome", actor, expected_version=expected_version, reason=outcome, now=now,
               details={"document_ref": document_ref.strip()})
    lasted = deadlines.resume(session, case, now)
    audit(session, "deadline.resumed", actor.account, role=actor.role.value,
          office_code=actor.office.code if actor.office else None,
          case_id=case.id, details={"case": case.number, "audit_working_days": lasted, "due_date": str(case.due_date)})
    return lasted
