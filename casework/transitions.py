"""The case state machine: the one function that changes a case's status (ARCHITECTURE.md).

`transition()` checks, in this order: the action exists and the case is in a state it starts from; the
actor holds the role the action needs and belongs to the case's office (or employer); separation of
duties (RULES.md 11); a reason where the action needs one; the version the actor saw (optimistic
locking: a stale tab gets a conflict, never a double approval). It then bumps the version with a
conditional UPDATE, applies the change and writes the audit record — all in the caller's transaction.
Views never assign `Case.status` themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from casework.models import Account, AuditRecord, Case, Office, utcnow
from casework.roles import Role


class DomainError(Exception):
    """A refusal the user must read: `message` is Chinese and says what to do."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotPermitted(DomainError):
    pass


class Conflict(DomainError):
    pass


class InvalidTransition(DomainError):
    pass


MAX_REASON = 2000  # the forms say so too; the server is what enforces it


def summary_reason(text: str) -> str:
    """A reason generated from a list (every defect of a notice) fits the trail; the document keeps it all."""
    return text if len(text) <= MAX_REASON else text[:MAX_REASON - 10] + "……（详见告知书）"

BUSY = "另一项操作正在同时处理该案件，您的操作未生效。请刷新页面查看最新状态后再操作。"


def refusal_of(exc: Exception) -> DomainError | None:
    """A database refusal that a person can act on: SQLite's one-writer lock ("database is locked") or a
    PostgreSQL serialisation failure, when two people act at once. Anything else stays an error."""
    from sqlalchemy.exc import OperationalError

    if isinstance(exc, OperationalError) and ("locked" in str(exc) or "could not serialize" in str(exc)):
        return Conflict(BUSY)
    return None


# status → what the applicant and staff read
STATUS_LABELS = {
    "draft": "草稿，尚未提交",
    "reception": "现场受理，材料收取中",
    "reception_pending": "材料不齐，已一次性告知，待补齐",
    "initial_review": "已受理，待初审",
    "incomplete": "材料不完整，待补正后重新提交",
    "audit": "稽核中",
    "recheck": "初审通过，待复核",
    "approved": "复核通过，已核定",
    "rejected": "初审不通过",
    "withdrawn": "已撤回",
}
# the clock of standard 6.6 runs in these (paused while in "audit")
OPEN_STATUSES = frozenset({"initial_review", "audit", "recheck"})


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str | None]
    target: str
    roles: frozenset[Role]
    needs_reason: bool = False
    clause: str = ""


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        # 6.2.1: an online submission is accepted by the system at once
        Action("accept_online", "线上申报，系统自动受理", frozenset({None}), "initial_review",
               frozenset({Role.EMPLOYER_AGENT, Role.WORKER}), clause="6.2.1"),
        # 6.1.2.2: an individual keeps an online application of the medical lump sum as a draft (with its
        # uploads) and finishes it later; a draft is the applicant's alone (staff queues never show it)
        Action("save_draft", "保存申报草稿（个人）", frozenset({None}), "draft",
               frozenset({Role.WORKER}), clause="6.1.2.2"),
        # 6.2.1: the finished draft is submitted and accepted by the system at once
        Action("submit_draft", "线上申报（个人），系统自动受理", frozenset({"draft"}), "initial_review",
               frozenset({Role.WORKER}), clause="6.2.1"),
        # 6.2.2: a 受理 user opens the case at the counter and collects and scans the materials
        Action("open_onsite", "现场登记申请", frozenset({None}), "reception",
               frozenset({Role.RECEPTION}), clause="6.2.2"),
        # 6.2.2 a: materials complete → accepted, with the 社会保险业务受理单 (the same record after a notice)
        Action("accept_onsite", "现场受理", frozenset({"reception", "reception_pending"}), "initial_review",
               frozenset({Role.RECEPTION}), clause="6.2.2 a"),
        # 6.2.2 b: materials incomplete → the 一次性告知书 listing every missing item; not accepted
        Action("notify_missing_onsite", "材料不齐，一次性告知", frozenset({"reception", "reception_pending"}),
               "reception_pending", frozenset({Role.RECEPTION}), needs_reason=True, clause="6.2.2 b"),
        # 6.3.1 b: an online submission found incomplete → not passed, with the 一次性告知书 listing everything
        Action("initial_incomplete", "材料不完整，一次性告知", frozenset({"initial_review"}), "incomplete",
               frozenset({Role.INITIAL_REVIEW}), needs_reason=True, clause="6.3.1 b"),
        # the applicant corrects and resubmits into the same case: accepted afresh (6.2.1)
        Action("resubmit", "补正后重新提交", frozenset({"incomplete"}), "initial_review",
               frozenset({Role.EMPLOYER_AGENT, Role.WORKER}), clause="6.2.1"),
        # 6.3.2 b: compliance in doubt → after consulting the second reviewer, a 社会保险稽核 request
        Action("audit_request", "提出稽核申请", frozenset({"initial_review"}), "audit",
               frozenset({Role.INITIAL_REVIEW}), needs_reason=True, clause="6.3.2 b"),
        # the 稽核 outcome is recorded and the case returns to initial review
        Action("audit_outcome", "录入稽核结果", frozenset({"audit"}), "initial_review",
               frozenset({Role.AUDITOR}), needs_reason=True, clause="6.3.2 b"),
        # 6.3.2 a: complete and compliant → pass, benefit assessed and frozen
        Action("initial_approve", "初审通过", frozenset({"initial_review"}), "recheck",
               frozenset({Role.INITIAL_REVIEW}), clause="6.3.2 a"),
        # 6.3.1 b, 6.3.2 c: not passed, with the reason
        Action("initial_reject", "初审不通过", frozenset({"initial_review"}), "rejected",
               frozenset({Role.INITIAL_REVIEW}), needs_reason=True, clause="6.3.2 c"),
        # 6.4 a: second review passes → the approval form is issued
        Action("recheck_approve", "复核通过", frozenset({"recheck"}), "approved",
               frozenset({Role.RECHECK}), clause="6.4 a"),
        # 6.4 b: returned to initial review with the reason
        Action("recheck_return", "复核退回初审", frozenset({"recheck"}), "initial_review",
               frozenset({Role.RECHECK}), needs_reason=True, clause="6.4 b"),
        # the applicant may withdraw before the second review decides
        Action("withdraw", "申请人撤回", frozenset({"initial_review", "incomplete", "audit", "recheck"}), "withdrawn",
               frozenset({Role.EMPLOYER_AGENT, Role.WORKER}), needs_reason=True),
        # an approved case is corrected by a superseding approval form: it goes through both reviews again
        Action("reopen_correction", "更正已核定案件", frozenset({"approved"}), "initial_review",
               frozenset({Role.INITIAL_REVIEW}), needs_reason=True),
    ]
}


@dataclass(frozen=True)
class Actor:
    """Who acts, in which role, for which office (staff) or employer (agents)."""

    account: Account
    role: Role
    office: Office | None = None
    ip: str | None = None
    details: dict = field(default_factory=dict)

    @property
    def id(self) -> int:
        assert self.account.id is not None
        return self.account.id


def check(case: Case, action_name: str, actor: Actor, *, reason: str | None = None) -> Action:
    """Every rule of a transition except the version; raises a DomainError naming the rule broken."""
    action = ACTIONS.get(action_name)
    if action is None:
        raise InvalidTransition(f"未知的操作：{action_name}")
    current = case.status if case.id is not None else None
    if current not in action.sources:
        shown = STATUS_LABELS.get(current or "", current or "新申报")
        raise InvalidTransition(f"案件当前状态为“{shown}”，不能执行“{action.label}”。请刷新页面查看最新状态。")
    if actor.role not in action.roles or actor.role.value not in actor.account.role_set():
        raise NotPermitted(f"您当前的岗位（{actor.role.label}）无权执行“{action.label}”。")
    if not actor.account.active:
        raise NotPermitted("该账户已停用。")
    _check_scope(case, actor)
    _check_separation(case, action, actor)
    if action.needs_reason and not (reason and reason.strip()):
        raise DomainError(f"“{action.label}”必须注明原因。", field="reason")
    if reason and len(reason) > MAX_REASON:
        raise DomainError(f"原因不能超过{MAX_REASON}字（当前{len(reason)}字），请精简后提交。", field="reason")
    return action


def _check_scope(case: Case, actor: Actor) -> None:
    if actor.role in (Role.EMPLOYER_AGENT,):
        if actor.account.employer_id is None or actor.account.employer_id != case.employer_id:
            raise NotPermitted("只能办理本单位的申报。")
        # a worker's own application may name the former employer: it is still not the employer's to act on
        if case.applicant_kind not in (None, "former_employer"):
            raise NotPermitted("只能办理本单位提交的申报；职工本人或其代理人的申请由其本人办理。")
        return
    if actor.role is Role.WORKER:
        # an individual acts only on the applications they made themselves (6.1.2.2): as the worker, about
        # their own identity number; as a proxy (6.1.3.2 c), naming themselves as the proxy. They READ every
        # case about them (portal), but an application the employer or the hall filed is not theirs to act on.
        own_id = actor.account.id_number
        if actor.account.kind != "worker" or not own_id or case.matter != "medical" or case.channel != "online":
            raise NotPermitted("只能办理本人的线上申报。")
        if case.submitted_by_id is not None and case.submitted_by_id != actor.id:
            raise NotPermitted("只能办理本人的线上申报。")
        kind = case.applicant_kind or "worker"
        if not ((kind == "worker" and case.id_number == own_id) or (kind == "proxy" and case.proxy_id_number == own_id)):
            raise NotPermitted("只能办理本人的线上申报。")
        return
    if actor.office is None or actor.account.office_id != actor.office.id or case.office_id != actor.office.id:
        raise NotPermitted("该案件不属于您所在的经办机构。")


REVIEW_ACTIONS = ("initial_", "recheck_", "audit_request")


def _check_separation(case: Case, action: Action, actor: Actor) -> None:
    """RULES.md 11: the initial reviewer never does the second review; nobody reviews what they submitted;
    a receiver reviewing the same case is an office setting (allowed by default, recorded as a risk point)."""
    if action.name.startswith(REVIEW_ACTIONS) and case.submitted_by_id == actor.id:
        raise NotPermitted("您是该申报的提交人，不能审核本人提交的案件。")
    if action.name.startswith("recheck_") and case.initial_reviewer_id == actor.id:
        raise NotPermitted("您已对该案件进行初审，按岗位分离要求不能再进行复核，请由其他复核人员办理。")
    if action.name.startswith("initial_") and case.received_by_id == actor.id and actor.office is not None:
        if not actor.office.receiver_may_review:
            raise NotPermitted("本机构设置为受理与初审分离：您受理了该案件，不能再进行初审。")
        actor.details["risk_point"] = "受理人与初审人为同一人"
    if (action.name.startswith(("initial_", "recheck_", "audit_request")) and case.assigned_to_id
            and case.assigned_to_id != actor.id):
        raise NotPermitted("该案件已由科长分派给其他经办人员办理。如需接手，请联系科长重新分派。")


def transition(
    session: Session,
    case: Case,
    action_name: str,
    actor: Actor,
    *,
    expected_version: int | None,
    reason: str | None = None,
    details: dict | None = None,
    apply: Callable[[Case], None] | None = None,
    now: datetime | None = None,
) -> AuditRecord:
    """Perform one status change with its audit record, in the caller's transaction."""
    action = check(case, action_name, actor, reason=reason)
    if action.name.startswith("recheck_") and case.id is not None:
        # initial_reviewer_id holds only the latest initial reviewer; after a return another colleague may have
        # re-approved, and the first one must still never do the second review (RULES.md 11)
        earlier = session.exec(select(AuditRecord.id).where(AuditRecord.case_id == case.id,
                                                            AuditRecord.action == "initial_approve",
                                                            AuditRecord.actor_id == actor.id)).first()
        if earlier is not None:
            raise NotPermitted("您曾对该案件进行初审，按岗位分离要求不能再进行复核，请由其他复核人员办理。")
    now = now or utcnow()
    from_status = case.status if case.id is not None else None
    if case.id is not None:
        if expected_version is not None and expected_version != case.version:
            raise Conflict("该案件已被他人更新（您看到的是旧版本）。请刷新页面后再操作，以免重复办理。")
        # the conditional UPDATE is what stops two simultaneous approvals: only one matches the version
        result = session.execute(
            update(Case).where(Case.id == case.id, Case.version == case.version).values(version=case.version + 1)
        )
        if result.rowcount != 1:
            raise Conflict("该案件已被他人更新。请刷新页面后再操作，以免重复办理。")
        session.expire(case, ["version"])
    if apply is not None:
        apply(case)
    case.status = action.target
    session.add(case)
    session.flush()
    record = AuditRecord(
        at=now,
        actor_id=actor.id,
        actor_name=actor.account.display_name,
        role=actor.role.value,
        office_code=actor.office.code if actor.office else None,
        action=action.name,
        case_id=case.id,
        from_status=from_status,
        to_status=action.target,
        reason=reason.strip() if reason else None,
        details={"clause": action.clause, **(details or {}), **actor.details},
        ip=actor.ip,
    )
    session.add(record)
    session.flush()
    # in-portal messages to the applicant (casework.messages): the one place every status change passes
    from casework.messages import on_transition

    on_transition(session, case, record)
    return record


def audit(session: Session, action: str, actor: Account | None, *, role: str = "", office_code: str | None = None,
          reason: str | None = None, details: dict | None = None, ip: str | None = None,
          case_id: int | None = None) -> AuditRecord:
    """An audit record for something that is not a case transition (sign-in, parameter change...)."""
    record = AuditRecord(
        actor_id=actor.id if actor else None,
        actor_name=actor.display_name if actor else "",
        role=role,
        office_code=office_code,
        action=action,
        case_id=case_id,
        reason=reason,
        details=details or {},
        ip=ip,
    )
    session.add(record)
    session.flush()
    return record
