"""Every (state, action, role) of the case state machine, written out here — not generated from the code.

Allowed ones succeed; every other one is refused with a message and changes nothing (status, version, audit)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlmodel import Session, select

from casework.models import Account, AuditRecord, Case, Document, Employer, Office
from casework.review import StoredFile, recheck_approve
from casework.roles import Role
from casework.transitions import ACTIONS, Actor, Conflict, DomainError, refusal_of, transition
from sqlalchemy.exc import OperationalError

STATES = ["draft", "reception", "reception_pending", "initial_review", "incomplete", "audit", "recheck", "approved", "rejected",
          "withdrawn"]
ROLES = [Role.EMPLOYER_AGENT, Role.RECEPTION, Role.INITIAL_REVIEW, Role.RECHECK, Role.AUDITOR, Role.CHIEF,
         Role.FINANCE, Role.ADMIN, Role.WORKER]

# (from state, action, role): the only combinations the standard allows
ALLOWED = {
    ("initial_review", "initial_approve", Role.INITIAL_REVIEW),  # 6.3.2 a
    ("initial_review", "initial_reject", Role.INITIAL_REVIEW),  # 6.3.2 c
    ("initial_review", "initial_incomplete", Role.INITIAL_REVIEW),  # 6.3.1 b
    ("initial_review", "audit_request", Role.INITIAL_REVIEW),  # 6.3.2 b
    ("audit", "audit_outcome", Role.AUDITOR),
    ("incomplete", "resubmit", Role.EMPLOYER_AGENT),
    ("recheck", "recheck_approve", Role.RECHECK),  # 6.4 a
    ("recheck", "recheck_return", Role.RECHECK),  # 6.4 b
    ("initial_review", "withdraw", Role.EMPLOYER_AGENT),
    ("incomplete", "withdraw", Role.EMPLOYER_AGENT),
    ("audit", "withdraw", Role.EMPLOYER_AGENT),
    ("recheck", "withdraw", Role.EMPLOYER_AGENT),
    ("approved", "reopen_correction", Role.INITIAL_REVIEW),
    ("reception", "accept_onsite", Role.RECEPTION),  # 6.2.2 a
    ("reception_pending", "accept_onsite", Role.RECEPTION),  # the return visit continues the same record
    ("reception", "notify_missing_onsite", Role.RECEPTION),  # 6.2.2 b
    ("reception_pending", "notify_missing_onsite", Role.RECEPTION),
    # an individual's own online draft of the medical lump sum (casework.online; make_case builds it so); the
    # worker acts on no employer-filed case (resubmit/withdraw by Role.WORKER are refused on them above)
    ("draft", "submit_draft", Role.WORKER),  # 6.2.1
}
TARGETS = {"initial_approve": "recheck", "initial_reject": "rejected", "initial_incomplete": "incomplete",
           "audit_request": "audit", "audit_outcome": "initial_review", "resubmit": "initial_review",
           "recheck_approve": "approved", "recheck_return": "initial_review", "withdraw": "withdrawn",
           "reopen_correction": "initial_review", "accept_onsite": "initial_review",
           "notify_missing_onsite": "reception_pending", "submit_draft": "initial_review"}


def test_the_table_names_every_action_of_the_code():
    # the two actions that start a case (from no state) are tested where cases are opened
    assert set(ACTIONS) - {"accept_online", "open_onsite", "save_draft"} == set(TARGETS)
    for name, target in TARGETS.items():
        assert ACTIONS[name].target == target


@pytest.fixture(scope="module")
def people(engine, seeded):
    """One account per role at the 昌吉市 hall (created here, one role each), and the demo employer agent."""
    from casework.accounts import Hasher

    with Session(engine, expire_on_commit=False) as s:
        office = s.exec(select(Office).where(Office.code == "652301")).one()
        employer = s.exec(select(Employer).where(Employer.county == "652301")).first()
        out = {}
        for role in ROLES:
            name = f"sm_{role.value}"
            acc = s.exec(select(Account).where(Account.username == name)).first()
            if acc is None:
                acc = Account(username=name, display_name=f"状态机测试 {role.label}", password_hash="x",
                              kind={Role.EMPLOYER_AGENT: "employer", Role.WORKER: "worker"}.get(role, "staff"),
                              roles=role.value, id_number="652301199003075216" if role is Role.WORKER else None,
                              office_id=None if role in (Role.EMPLOYER_AGENT, Role.WORKER) else office.id,
                              employer_id=employer.id if role is Role.EMPLOYER_AGENT else None)
                s.add(acc)
                s.commit()
            out[role] = acc
        return {"office": office, "employer": employer, "accounts": out}


def make_case(s: Session, people, status: str) -> Case:
    case = Case(matter="disability", benefits="一次性伤残补助金", channel="online", status=status,
                office_id=people["office"].id, employer_id=people["employer"].id,
                id_type="居民身份证", id_number="652301199003075216", worker_name="测试", sex="male",
                birth_date=date(1990, 3, 7), retirement_group="man", injury_date=date(2025, 3, 10),
                recognition_number="R", recognition_date=date(2025, 4, 1), appraisal_number="A",
                appraisal_date=date(2025, 5, 1), grade=9, wages_fen=[500000], bank_name="B",
                bank_account="6222020200112233445")
    if status == "draft":
        case.matter, case.applicant_kind = "medical", "worker"
        case.submitted_by_id = people["accounts"][Role.WORKER].id
    s.add(case)
    s.commit()
    return case


@pytest.mark.parametrize("state", STATES)
def test_every_state_action_role(engine, people, state):
    for action in TARGETS:
        for role in ROLES:
            with Session(engine, expire_on_commit=False) as s:
                case = make_case(s, people, state)
                account = s.get(Account, people["accounts"][role].id)
                office = s.get(Office, people["office"].id) if account.office_id else None
                actor = Actor(account=account, role=role, office=office)
                before = (case.status, case.version)
                audits = len(s.exec(select(AuditRecord).where(AuditRecord.case_id == case.id)).all())
                try:
                    transition(s, case, action, actor, expected_version=case.version, reason="测试原因")
                    s.commit()
                    ok = True
                except DomainError as exc:
                    s.rollback()
                    ok = False
                    assert exc.message and any("\u4e00" <= ch <= "\u9fff" for ch in exc.message)
                s.expire_all()
                case = s.get(Case, case.id)
                after_audits = len(s.exec(select(AuditRecord).where(AuditRecord.case_id == case.id)).all())
                if (state, action, role) in ALLOWED:
                    assert ok, (state, action, role)
                    assert case.status == TARGETS[action] and case.version == before[1] + 1
                    assert after_audits == audits + 1
                else:
                    assert not ok, (state, action, role)
                    assert (case.status, case.version) == before and after_audits == audits


def test_two_reviewers_approving_at_once_issue_one_form(engine, people, object_store):
    """Threads released together by a barrier, 20 times: exactly one approval form per case, every time."""
    from casework.accounts import Hasher  # noqa: F401  (accounts module imported for its tables)

    with Session(engine, expire_on_commit=False) as s:
        office = s.get(Office, people["office"].id)
        reviewers = []
        for i in range(2):
            name = f"sm_race_{i}"
            acc = s.exec(select(Account).where(Account.username == name)).first()
            if acc is None:
                acc = Account(username=name, display_name=f"并发复核{i}", password_hash="x", kind="staff",
                              roles="recheck", office_id=office.id)
                s.add(acc)
                s.commit()
            reviewers.append(acc)

    def issue(kind, case, number, token, now):
        stored = object_store.put_bytes("documents", f"%PDF-1.7 {number}".encode(), "application/pdf")
        return StoredFile(bucket=stored.bucket, key=stored.key, sha256=stored.sha256, size=stored.size)

    for _ in range(20):
        with Session(engine, expire_on_commit=False) as s:
            case = make_case(s, people, "recheck")
            case.assessment = {"lines": [], "parameters": []}
            s.add(case)
            s.commit()
            case_id, version = case.id, case.version
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def approve(account_id: int) -> None:
            with Session(engine, expire_on_commit=False) as s:
                case = s.get(Case, case_id)
                account = s.get(Account, account_id)
                actor = Actor(account=account, role=Role.RECHECK, office=s.get(Office, account.office_id))
                barrier.wait()
                try:
                    recheck_approve(s, case, actor, expected_version=version, issue=issue)
                    s.commit()
                    outcomes.append("approved")
                except Conflict:
                    s.rollback()
                    outcomes.append("conflict")
                except OperationalError as exc:
                    # SQLite: the loser finds the one writer's lock; the portal shows it as a conflict
                    s.rollback()
                    assert refusal_of(exc) is not None, exc
                    outcomes.append("conflict")

        threads = [threading.Thread(target=approve, args=(r.id,)) for r in reviewers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(outcomes) == ["approved", "conflict"], outcomes
        with Session(engine) as s:
            forms = s.exec(select(Document).where(Document.case_id == case_id,
                                                  Document.kind == "approval_form")).all()
            assert len(forms) == 1
            assert s.get(Case, case_id).status == "approved"


def test_receiver_reviewing_the_same_case_is_an_office_setting_and_a_risk_point(engine, people):
    """RULES.md 11: allowed by default in small halls, recorded as a risk point; refused where the office
    separates the two posts."""
    reviewer_id = people["accounts"][Role.INITIAL_REVIEW].id
    for allowed in (True, False):
        with Session(engine, expire_on_commit=False) as s:
            office = s.get(Office, people["office"].id)
            office.receiver_may_review = allowed
            s.add(office)
            case = make_case(s, people, "initial_review")
            case.received_by_id = reviewer_id
            s.add(case)
            s.commit()
            actor = Actor(account=s.get(Account, reviewer_id), role=Role.INITIAL_REVIEW, office=office)
            if allowed:
                record = transition(s, case, "initial_reject", actor, expected_version=case.version, reason="测试")
                assert record.details["risk_point"] == "受理人与初审人为同一人"
                s.commit()
            else:
                with pytest.raises(DomainError, match="受理与初审分离"):
                    transition(s, case, "initial_reject", actor, expected_version=case.version, reason="测试")
                s.rollback()
            office = s.get(Office, people["office"].id)
            office.receiver_may_review = True
            s.add(office)
            s.commit()
