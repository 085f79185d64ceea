"""The section chief (科长) assigns or reassigns cases to reviewers of the office. Not a status change:
an audit record, and the transition function refuses other reviewers while a case is assigned."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session

from casework.models import Account, Case
from casework.roles import Role
from casework.transitions import OPEN_STATUSES, Actor, Conflict, DomainError, NotPermitted, audit


def assign(session: Session, cases: list[Case], actor: Actor, reviewer_id: int | None, reason: str) -> int:
    if actor.role is not Role.CHIEF or Role.CHIEF.value not in actor.account.role_set():
        raise NotPermitted("只有科长可以分派案件。")
    if not reason.strip():
        raise DomainError("请注明分派原因（如人员休假、离岗）。", field="reason")
    reviewer = session.get(Account, reviewer_id) if reviewer_id else None
    if reviewer_id and (reviewer is None or not reviewer.active or reviewer.office_id != actor.account.office_id
                        or not ({Role.INITIAL_REVIEW.value, Role.RECHECK.value} & reviewer.role_set())):
        raise DomainError("请选择本机构在岗的初审或复核人员。", field="reviewer_id")
    done = 0
    for case in cases:
        if case.office_id != actor.account.office_id:
            raise NotPermitted("只能分派本机构的案件。")
        if case.status not in OPEN_STATUSES:
            raise DomainError(f"案件 {case.number} 已办结，不能分派。")
        if reviewer is not None and case.status == "recheck" and case.initial_reviewer_id == reviewer.id:
            raise DomainError(f"{reviewer.display_name} 已对案件 {case.number} 进行初审，不能分派其复核。")
        if reviewer is not None and reviewer.id == case.submitted_by_id:
            raise DomainError(f"{reviewer.display_name} 是案件 {case.number} 的提交人，不能分派其审核。")
        before = case.assigned_to_id
        # a page open on the old assignment is stale now; the conditional UPDATE keeps a concurrent
        # transition and this assignment from both landing on the same version
        result = session.execute(update(Case).where(Case.id == case.id, Case.version == case.version)
                                 .values(version=case.version + 1, assigned_to_id=reviewer.id if reviewer else None))
        if result.rowcount != 1:
            raise Conflict(f"案件 {case.number} 已被他人更新，请刷新后再分派。")
        session.expire(case, ["version", "assigned_to_id"])
        audit(session, "case.assign", actor.account, role=actor.role.value,
              office_code=actor.office.code if actor.office else None, reason=reason.strip(),
              case_id=case.id, details={"case": case.number, "from": before, "to": case.assigned_to_id})
        done += 1
    session.flush()
    return done
