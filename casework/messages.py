"""In-portal messages to applicants (issue 7): there is no SMS or e-mail, so the portal's message box is how an
employer agent or a worker learns that a case changed status.

ONE hook: `casework.transitions.transition()` calls `on_transition()` after writing its audit record, so every
status change of every path (online, counter, review, audit, withdrawal) tells the applicant, and no view has
to remember to. The message carries plain words, never a staff member's name; a reason is quoted only where it
is addressed to the applicant (the one-time notice, the decision not to pass)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, update
from sqlmodel import Field, Session, SQLModel, col, select

from casework.models import Account, AuditRecord, Case, utcnow


class Message(SQLModel, table=True):
    __tablename__ = "portal_message"
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    audit_id: int | None = Field(default=None, foreign_key="audit_record.id")
    at: datetime = Field(default_factory=utcnow, index=True)
    title: str = Field(max_length=120)
    body: str = Field(max_length=2400)
    read_at: datetime | None = None


# what the applicant reads after each status (plain words; what happens next)
NEXT_STEP = {
    "reception": "已在经办大厅登记申请，正在收取材料。",
    "reception_pending": "材料不齐，经办大厅已出具一次性告知书。请按告知书补齐全部材料后到大厅办理，无需重新登记。",
    "initial_review": "申报已受理，正在初审。承诺办结日期请在申报详情中查看。",
    "incomplete": "材料不完整，请查看一次性告知书，按要求补正全部内容后重新提交。",
    "audit": "经办机构正在进行社会保险稽核；稽核期间暂停计算办结时限，稽核结束后继续审核。",
    "recheck": "初审已通过，正在复核。",
    "approved": "复核通过，待遇已核定。请在申报详情中查看核定单和将支付的金额。",
    "rejected": "初审不通过。请查看不予通过决定书了解原因；您可补齐材料后重新申报，或依法申请行政复议、提起行政诉讼。",
    "withdrawn": "申报已撤回，办理终止。",
}
# actions whose reason is written to the applicant (6.2.2 b, 6.3.1 b, 6.3.2 c); other reasons are internal
REASON_FOR_APPLICANT = {"initial_incomplete", "notify_missing_onsite", "initial_reject"}


def recipients(session: Session, case: Case) -> list[Account]:
    """Who the case is about or who filed it: the worker's own account(s), the individual or agent who
    submitted it, and the other agents of an employer that filed it."""
    people: dict[int, Account] = {}
    conditions = [col(Account.id) == case.submitted_by_id] if case.submitted_by_id else []
    conditions.append((Account.kind == "worker") & (Account.id_number == case.id_number))
    for a in session.exec(select(Account).where(or_(*conditions), Account.active == True)).all():  # noqa: E712
        people[a.id] = a
    submitter = people.get(case.submitted_by_id) if case.submitted_by_id else None
    if submitter is not None and submitter.kind == "employer" and submitter.employer_id:
        for a in session.exec(select(Account).where(Account.employer_id == submitter.employer_id,
                                                    Account.active == True)).all():  # noqa: E712
            people[a.id] = a
    return [a for a in people.values() if a.kind in ("worker", "employer")]


def on_transition(session: Session, case: Case, record: AuditRecord) -> list[Message]:
    """Called by casework.transitions.transition() after the audit record, in the same transaction."""
    if record.to_status in (None, "draft"):
        return []
    from casework.transitions import ACTIONS, STATUS_LABELS

    label = STATUS_LABELS.get(record.to_status, record.to_status)
    action = ACTIONS.get(record.action)
    body = NEXT_STEP.get(record.to_status, "")
    if record.action in REASON_FOR_APPLICANT and record.reason:
        body += f"\n原因：{record.reason}"
    subject = f"申报{(' ' + case.number) if case.number else ''}：{label}"
    out = []
    for account in recipients(session, case):
        m = Message(account_id=account.id, case_id=case.id, audit_id=record.id, at=record.at,
                    title=subject[:120], body=(body or (action.label if action else record.action))[:2400])
        session.add(m)
        out.append(m)
    session.flush()
    return out


def unread_count(session: Session, account: Account) -> int:
    return session.exec(select(func.count()).select_from(Message).where(
        Message.account_id == account.id, col(Message.read_at).is_(None))).one()


def inbox(session: Session, account: Account, limit: int = 100) -> list[Message]:
    return list(session.exec(select(Message).where(Message.account_id == account.id)
                             .order_by(col(Message.at).desc(), col(Message.id).desc()).limit(limit)).all())


def mark_read(session: Session, account: Account, ids: list[int], now: datetime | None = None) -> int:
    """Only the account's own messages; returns how many were newly marked."""
    if not ids:
        return 0
    result = session.execute(update(Message).where(col(Message.id).in_(ids), Message.account_id == account.id,
                                                   col(Message.read_at).is_(None)).values(read_at=now or utcnow()))
    return result.rowcount or 0
