"""Rules found by the security review, each pinned by a test (domain level, both engines)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from casework.deadlines import add_calendar_day
from casework.models import Account, AuditRecord, Case, Office
from casework.roles import Role
from casework.transitions import Actor, DomainError, NotPermitted, transition
from tests.casework.test_state_machine import make_case, people  # noqa: F401  (fixture)


def actor(s: Session, account_id: int, role: Role) -> Actor:
    account = s.get(Account, account_id)
    return Actor(account=account, role=role, office=s.get(Office, account.office_id) if account.office_id else None)


def test_employer_agent_cannot_act_on_a_workers_own_application(engine, people):  # noqa: F811
    with Session(engine, expire_on_commit=False) as s:
        case = make_case(s, people, "initial_review")
        case.applicant_kind = "worker"  # the worker's own online application naming the former employer
        s.add(case)
        s.commit()
        with pytest.raises(NotPermitted, match="职工本人"):
            transition(s, case, "withdraw", actor(s, people["accounts"][Role.EMPLOYER_AGENT].id,
                                                   Role.EMPLOYER_AGENT), expected_version=case.version, reason="x")
        s.rollback()


def test_an_earlier_initial_reviewer_never_rechecks_after_a_return(engine, people):  # noqa: F811
    with Session(engine, expire_on_commit=False) as s:
        office = s.get(Office, people["office"].id)
        both = Account(username="sm_both_history", display_name="兼任", password_hash="x", kind="staff",
                       roles="initial_review recheck", office_id=office.id)
        other = Account(username="sm_other_initial", display_name="另一初审", password_hash="x", kind="staff",
                        roles="initial_review", office_id=office.id)
        s.add_all([both, other])
        s.commit()
        case = make_case(s, people, "initial_review")
        transition(s, case, "initial_approve", actor(s, both.id, Role.INITIAL_REVIEW), expected_version=case.version,
                   apply=lambda c: setattr(c, "initial_reviewer_id", both.id))
        transition(s, case, "recheck_return", actor(s, people["accounts"][Role.RECHECK].id, Role.RECHECK),
                   expected_version=case.version, reason="退回")
        transition(s, case, "initial_approve", actor(s, other.id, Role.INITIAL_REVIEW), expected_version=case.version,
                   apply=lambda c: setattr(c, "initial_reviewer_id", other.id))
        s.commit()
        with pytest.raises(NotPermitted, match="曾对该案件进行初审"):
            transition(s, case, "recheck_approve", actor(s, both.id, Role.RECHECK), expected_version=case.version)
        s.rollback()


def test_only_keepers_change_the_calendar(engine, seeded):
    with Session(engine) as s:
        reviewer = s.exec(select(Account).where(Account.username == "chushen")).one()
        with pytest.raises(NotPermitted):
            add_calendar_day(s, reviewer, date(2031, 1, 6), "off", "测试", "测试")
        s.rollback()


def test_an_administrator_cannot_hold_case_roles_or_change_their_own(engine, seeded, cheap_hasher):
    from casework.people import create_staff, parse_staff, update_staff

    with Session(engine) as s:
        admin = s.exec(select(Account).where(Account.username == "guanli")).one()
        data, errors = parse_staff({"username": "sm_admin_rev", "display_name": "测试管理员", "office": "652300",
                                    "roles": ["admin", "initial_review"]}, new=True)
        if data is not None:
            with pytest.raises(DomainError, match="不能与办理案件的岗位"):
                create_staff(s, admin, data, cheap_hasher)
        else:
            assert "roles" in errors
        data, _ = parse_staff({"display_name": admin.display_name, "office": "652300",
                               "roles": ["admin", "parameter_admin"]}, new=False)
        with pytest.raises(DomainError, match="不能修改本人的岗位"):
            update_staff(s, admin, admin, data)
        s.rollback()
