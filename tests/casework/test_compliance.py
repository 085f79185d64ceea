"""Policy compliance checks (casework.compliance, standard 6.3.2) on the real database: each check with a register
that passes, fails and knows nothing; the duplicate-claim guard across two applications for the same injury; the
initial approval that needs a written reason when a check failed and records the checks with the decision.

Everything only flushes: the `db` fixture rolls the test's transaction back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlmodel import select

from casework import compliance, review
from casework.models import Account, AuditRecord, Case, Employer, Office
from casework.registers import (
    RegisterAppraisal, RegisterContribution, RegisterEmployer, RegisterRecognition,
)
from casework.roles import Role
from casework.transitions import Actor, DomainError
from tests.casework.register_data import new_id, new_number, new_uscc

TODAY = date(2026, 1, 15)
INJURY = date(2025, 3, 10)


@dataclass
class World:
    employer: Employer
    worker: str
    recognition: str
    appraisal: str


@pytest.fixture
def world(db, seeded) -> World:
    employer = Employer(uscc=new_uscc(), name="核查测试单位", county="652301")
    db.add(employer)
    db.flush()
    return World(employer, new_id("19900307"), new_number(), new_number("昌劳鉴"))


def make_case(db, w: World, **kw) -> Case:
    office = db.exec(select(Office).where(Office.code == "652301")).one()
    fields = dict(matter="disability", benefits="一次性伤残补助金 伤残津贴 生活护理费", channel="online",
                  status="initial_review", office_id=office.id, employer_id=w.employer.id, id_type="居民身份证",
                  id_number=w.worker, worker_name="测试职工", sex="male", birth_date=date(1990, 3, 7),
                  retirement_group="man", injury_date=INJURY, recognition_number=w.recognition,
                  recognition_date=date(2025, 5, 20), appraisal_number=w.appraisal, appraisal_date=date(2025, 9, 15),
                  grade=4, care_level="部分不能自理", care_date=date(2025, 9, 15), wages_fen=[600000] * 12,
                  bank_name="银行", bank_account="62220202001122")
    fields.update(kw)
    case = Case(**fields)
    db.add(case)
    db.flush()
    return case


def register_everything(db, w: World, **appraisal_kw) -> None:
    db.add(RegisterEmployer(uscc=w.employer.uscc, name=w.employer.name, county="652301", start_date=date(2020, 1, 1)))
    db.add(RegisterRecognition(number=w.recognition, decision_date=date(2025, 5, 20), id_number=w.worker,
                               worker_name="测试职工", uscc=w.employer.uscc, injury_date=INJURY, outcome="工伤"))
    db.add(RegisterAppraisal(**{**dict(
        number=w.appraisal, conclusion_date=date(2025, 9, 15), delivery_date=date(2025, 9, 18), id_number=w.worker,
        worker_name="测试职工", grade=4, care_level="部分不能自理", care_date=date(2025, 9, 15)), **appraisal_kw}))
    for month in compliance.wage_months(INJURY):
        db.add(RegisterContribution(id_number=w.worker, worker_name="测试职工", uscc=w.employer.uscc, month=month,
                                    wage_fen=600000))
    db.flush()


def outcomes(db, case) -> dict[str, str]:
    return {c.code: c.outcome for c in compliance.run_checks(db, case, TODAY)}


def test_everything_on_record_passes(db, world):
    register_everything(db, world)
    case = make_case(db, world)
    assert set(outcomes(db, case).values()) == {"passed"}


def test_a_register_that_knows_nothing_gives_unknown_not_failed(db, world):
    case = make_case(db, world)
    assert outcomes(db, case) == {"employer_insured": "unknown", "recognition": "unknown", "appraisal": "unknown",
                                  "appraisal_final": "unknown", "grade_care": "unknown", "earlier_claim": "passed",
                                  "wages": "unknown"}


def test_employer_not_insured_on_the_injury_date(db, world):
    db.add(RegisterEmployer(uscc=world.employer.uscc, name="x", county="652301", start_date=date(2018, 1, 1),
                            end_date=date(2024, 12, 31)))
    db.add(RegisterEmployer(uscc=world.employer.uscc, name="x", county="652301", start_date=date(2025, 4, 1)))
    check = compliance.employer_insured(db, make_case(db, world))
    assert check.outcome == "failed"
    assert "2018-01-01 至 2024-12-31" in check.evidence[0] and "2025-04-01 至 今" in check.evidence[0]
    assert "不在任何参保期内" in check.evidence[0]


def test_recognition_that_does_not_match_lists_every_difference(db, world):
    register_everything(db, world)
    other_employer = new_uscc()
    record = db.exec(select(RegisterRecognition).where(RegisterRecognition.number == world.recognition)).one()
    record.uscc, record.injury_date = other_employer, date(2025, 3, 9)
    db.add(record)
    db.flush()
    check = compliance.recognition(db, make_case(db, world))
    assert check.outcome == "failed"
    text = " ".join(check.evidence)
    assert "用人单位不符" in text and other_employer in text and "受伤日期不符" in text and "2025-03-09" in text
    # the number typed with other brackets is the same decision
    case = make_case(db, world, recognition_number=world.recognition.replace("〔", "[").replace("〕", "]"))
    assert compliance.recognition(db, case).outcome == "failed"  # still the same mismatches, found by number


def test_recognition_of_another_number_for_the_same_worker_fails(db, world):
    register_everything(db, world)
    check = compliance.recognition(db, make_case(db, world, recognition_number=new_number()))
    assert check.outcome == "failed" and world.recognition in check.evidence[0]


def test_recognition_not_a_work_injury_fails(db, world):
    register_everything(db, world)
    record = db.exec(select(RegisterRecognition).where(RegisterRecognition.number == world.recognition)).one()
    record.outcome = "不予认定"
    db.add(record)
    db.flush()
    assert compliance.recognition(db, make_case(db, world)).outcome == "failed"


@pytest.mark.parametrize("kw,outcome,words", [
    ({}, "passed", "最终结论"),
    ({"delivery_date": None}, "unknown", "未记录送达日期"),
    ({"delivery_date": date(2026, 1, 5)}, "failed", "尚未届满"),
    ({"reappraisal_requested": True}, "failed", "已申请再次鉴定"),
])
def test_appraisal_finality(db, world, kw, outcome, words):
    register_everything(db, world, **kw)
    check = compliance.appraisal_final(db, make_case(db, world), TODAY)
    assert check.outcome == outcome and words in check.evidence[0]


def test_appraisal_of_another_worker_fails(db, world):
    register_everything(db, world)
    record = db.exec(select(RegisterAppraisal).where(RegisterAppraisal.number == world.appraisal)).one()
    record.id_number = new_id()
    db.add(record)
    db.flush()
    check = compliance.appraisal(db, make_case(db, world))
    assert check.outcome == "failed" and "证件号码不符" in check.evidence[1]


@pytest.mark.parametrize("case_kw,words", [
    ({"grade": 3}, "伤残等级不符"),
    ({"care_level": "大部分不能自理"}, "生活护理等级不符"),
    ({"care_level": None, "care_date": None}, "生活护理等级不符"),
    ({"care_date": date(2025, 9, 16)}, "护理等级鉴定日期不符"),
])
def test_grade_and_care_level_must_match_the_conclusion(db, world, case_kw, words):
    register_everything(db, world)
    check = compliance.grade_and_care(db, make_case(db, world, **case_kw))
    assert check.outcome == "failed" and words in " ".join(check.evidence)


def test_wages_differences_are_listed_by_month(db, world):
    register_everything(db, world)
    record = db.exec(select(RegisterContribution).where(RegisterContribution.id_number == world.worker,
                                                        RegisterContribution.month == "2025-02")).one()
    record.wage_fen = 580000
    db.add(record)
    db.flush()
    # wage_1 is the month just before the injury (2025-02); only 11 months declared
    case = make_case(db, world, wages_fen=[600000] * 11)
    check = compliance.wages(db, case)
    assert check.outcome == "failed"
    assert "2025-02：申报 6,000.00，缴费记录 5,800.00。" in check.evidence
    assert "2024-03：申报 未申报，缴费记录 6,000.00。" in check.evidence
    assert check.evidence[0] == "2 个月不一致："


def test_wages_are_summed_over_employers(db, world):
    register_everything(db, world)
    second = new_uscc()
    db.add(RegisterContribution(id_number=world.worker, worker_name="测试职工", uscc=second, month="2025-01",
                                wage_fen=100000))
    db.flush()
    wages = [600000, 700000] + [600000] * 10
    assert compliance.wages(db, make_case(db, world, wages_fen=wages)).outcome == "passed"


def test_the_duplicate_claim_guard_across_two_applications_for_the_same_injury(db, world):
    register_everything(db, world)
    first = make_case(db, world, status="recheck", number="SL2025652301" + world.worker[-5:])
    second = make_case(db, world)
    check = compliance.no_earlier_claim(db, second)
    assert check.outcome == "failed" and first.number in check.evidence[0] and "初审通过，待复核" in check.evidence[0]
    # and the other way round: the open second application is a live claim for the first too
    assert compliance.no_earlier_claim(db, first).outcome == "failed"
    for status, outcome in [("approved", "failed"), ("initial_review", "failed"), ("rejected", "passed"),
                            ("withdrawn", "passed")]:
        first.status = status
        db.add(first)
        db.flush()
        assert compliance.no_earlier_claim(db, second).outcome == outcome, status
    # a different number typed for the same worker and injury date is still the same injury
    first.status = "approved"
    db.add(first)
    third = make_case(db, world, recognition_number=new_number())
    assert compliance.no_earlier_claim(db, third).outcome == "failed"
    # another worker's claim is not a duplicate
    other = make_case(db, world, id_number=new_id(), recognition_number=new_number(), injury_date=date(2025, 4, 1))
    assert compliance.no_earlier_claim(db, other).outcome == "passed"


def test_the_medical_lump_sum_is_guarded_by_worker(db, world):
    first = make_case(db, world, matter="medical", benefits="一次性工伤医疗补助金", grade=7, status="approved")
    second = make_case(db, world, matter="medical", benefits="一次性工伤医疗补助金", grade=7)
    check = compliance.no_earlier_claim(db, second)
    assert check.outcome == "failed" and "一次性工伤医疗补助金" in check.title
    first.status = "withdrawn"
    db.add(first)
    db.flush()
    assert compliance.no_earlier_claim(db, second).outcome == "passed"


# --- the decision -----------------------------------------------------------------------------------------

@pytest.fixture
def reviewer(db, seeded) -> Actor:
    account = db.exec(select(Account).where(Account.username == "chushen")).one()
    return Actor(account=account, role=Role.INITIAL_REVIEW, office=db.get(Office, account.office_id))


def test_approval_with_a_failed_check_needs_a_written_reason_and_records_the_checks(db, world, reviewer):
    register_everything(db, world, grade=5)
    case = make_case(db, world)
    with pytest.raises(DomainError, match="须在“原因或说明”中写明理由") as info:
        review.initial_approve(db, case, reviewer, expected_version=case.version)
    assert info.value.field == "reason"
    db.refresh(case)
    assert case.status == "initial_review"
    review.initial_approve(db, case, reviewer, expected_version=case.version,
                           note="鉴定结论已于复查中改为四级，附复查文书")
    assert case.status == "recheck"
    recorded = case.assessment["compliance"]
    assert recorded["failed"] == ["grade_care"]
    assert {c["code"]: c["outcome"] for c in recorded["checks"]}["grade_care"] == "failed"
    trail = db.exec(select(AuditRecord).where(AuditRecord.case_id == case.id,
                                              AuditRecord.action == "initial_approve")).one()
    assert trail.reason == "鉴定结论已于复查中改为四级，附复查文书"
    assert trail.details["compliance"] == recorded


def test_approval_with_every_check_passed_or_unknown_needs_no_reason(db, world, reviewer):
    case = make_case(db, world)  # the registers know nothing: unknown is not a failure
    review.initial_approve(db, case, reviewer, expected_version=case.version)
    assert case.status == "recheck" and case.assessment["compliance"]["failed"] == []
