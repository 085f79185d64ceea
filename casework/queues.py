"""Who sees which cases, the queues per role and office ordered by due date, and search (standard 6.6).

Staff see their office's cases; the prefecture bureau sees all (RULES.md 11). A queue holds the cases a
role can act on now, the one closest to its deadline first; cases the chief assigned to someone else are
shown but marked."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from casework.models import Account, Case, Office
from casework.roles import PREFECTURE_CODE, Role

# role → the status of the cases it acts on
QUEUES = {
    Role.INITIAL_REVIEW: ("initial_review", "初审待办", "/staff/review"),
    Role.RECHECK: ("recheck", "复核待办", "/staff/recheck"),
    Role.AUDITOR: ("audit", "稽核待办", "/staff/audits"),
}


def sees_all(session: Session, account: Account) -> bool:
    office = session.get(Office, account.office_id) if account.office_id else None
    return office is not None and office.code == PREFECTURE_CODE


def visible(session: Session, account: Account):
    # an individual's unsubmitted draft (casework.online) is nobody's work yet
    query = select(Case).where(Case.status != "draft")
    if not sees_all(session, account):
        query = query.where(Case.office_id == account.office_id)
    return query


def queue(session: Session, account: Account, role: Role) -> list[Case]:
    status = QUEUES[role][0]
    return list(session.exec(visible(session, account).where(Case.status == status)
                             .order_by(col(Case.due_date).asc(), col(Case.accepted_at).asc())).all())


@dataclass(frozen=True)
class QueueCount:
    label: str
    url: str
    count: int


def queue_counts(session: Session, account: Account) -> list[QueueCount]:
    """The counts shown in the menu, one per queue the account's roles work."""
    held = account.role_set()
    out = []
    for role, (status, label, url) in QUEUES.items():
        if role.value in held:
            q = visible(session, account).where(Case.status == status).subquery()
            out.append(QueueCount(label, url, session.exec(select(func.count()).select_from(q)).one()))
    return out


def search(session: Session, account: Account, *, text: str = "", status: str = "", benefit: str = "",
           office_id: int | None = None, limit: int = 200) -> list[Case]:
    """By 受理编号, name or ID number (exact for numbers: an ID search is a lookup, not a scan)."""
    query = visible(session, account)
    text = text.strip()
    if text:
        upper = text.upper()
        query = query.where(or_(Case.number == upper, Case.id_number == upper,
                                col(Case.worker_name).contains(text)))
    if status:
        query = query.where(Case.status == status)
    if benefit:
        query = query.where(col(Case.benefits).contains(benefit))
    if office_id:
        query = query.where(Case.office_id == office_id)
    return list(session.exec(query.order_by(col(Case.due_date).asc().nulls_last(), col(Case.id).desc())
                             .limit(limit)).all())
