"""Policy compliance (政策符合性, standard 6.3.2): an application checked against the registers of upstream
records (casework.registers) and against the other applications on record.

Each check is passed, failed or unknown (the register knows nothing to decide by), with the evidence a
reviewer reads. A failed check does not block by itself: the initial reviewer may still approve with a written
reason (casework.review.initial_approve), reject, or raise a 稽核 request (6.3.2 b); the checks as they were
are recorded with the decision.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from casework.benefits import Benefit
from casework.clock import beijing_today
from casework.money import fmt_yuan, from_fen
from casework.models import Case, Employer
from casework.registers import (
    RegisterAppraisal, RegisterContribution, RegisterEmployer, RegisterRecognition, finality, normalise_number,
)
from casework.transitions import STATUS_LABELS

PASSED, FAILED, UNKNOWN = "passed", "failed", "unknown"
OUTCOME_LABELS = {PASSED: "通过", FAILED: "不符", UNKNOWN: "无法核实"}
# an earlier claim counts unless it ended without a benefit (RULES.md 1: each lump sum is paid once)
ENDED_WITHOUT_BENEFIT = frozenset({"rejected", "withdrawn"})
WAGE_MONTHS = 12  # 条例 art. 64: the 12 months before the injury


@dataclass(frozen=True)
class Check:
    code: str
    title: str
    outcome: str
    evidence: tuple[str, ...] = field(default_factory=tuple)

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    def as_dict(self) -> dict:
        d = asdict(self)
        d["evidence"] = list(self.evidence)
        return d


def _date(d: date | None) -> str:
    return d.isoformat() if d else "—"


def employer_insured(session: Session, case: Case) -> Check:
    title = "受伤时参保单位已参加工伤保险"
    employer = session.get(Employer, case.employer_id) if case.employer_id else None
    if employer is None:
        return Check("employer_insured", title, UNKNOWN, ("申报未关联参保单位。",))
    periods = session.exec(select(RegisterEmployer).where(RegisterEmployer.uscc == employer.uscc)
                           .order_by(col(RegisterEmployer.start_date))).all()
    if not periods:
        return Check("employer_insured", title, UNKNOWN,
                     (f"参保单位登记中没有 {employer.name}（{employer.uscc}）的记录。",))
    listed = "；".join(f"{_date(p.start_date)} 至 {_date(p.end_date) if p.end_date else '今'}" for p in periods)
    covering = [p for p in periods
                if p.start_date <= case.injury_date and (p.end_date is None or case.injury_date <= p.end_date)]
    if covering:
        return Check("employer_insured", title, PASSED,
                     (f"{employer.name}（{employer.uscc}）参保期间：{listed}；受伤日期 {_date(case.injury_date)} 在参保期内。",))
    return Check("employer_insured", title, FAILED,
                 (f"{employer.name}（{employer.uscc}）参保期间：{listed}；受伤日期 {_date(case.injury_date)} 不在任何参保期内。",))


def _employer_uscc(session: Session, case: Case) -> str | None:
    employer = session.get(Employer, case.employer_id) if case.employer_id else None
    return employer.uscc if employer else None


def recognition(session: Session, case: Case) -> Check:
    title = "工伤认定决定在册，且与职工、单位、受伤日期一致"
    number = normalise_number(case.recognition_number)
    found = session.exec(select(RegisterRecognition).where(RegisterRecognition.number == number)).first()
    if found is None:
        others = session.exec(select(RegisterRecognition).where(RegisterRecognition.id_number == case.id_number)).all()
        if others:
            return Check("recognition", title, FAILED, (
                f"登记簿中没有编号为 {number} 的认定决定；该职工在册的认定决定为：{'、'.join(o.number for o in others)}。",))
        return Check("recognition", title, UNKNOWN, (f"登记簿中没有编号为 {number} 的认定决定，也没有该职工的其他认定记录。",))
    problems = []
    if found.id_number != case.id_number:
        problems.append(f"证件号码不符：认定决定为 {found.id_number}，申报为 {case.id_number}。")
    uscc = _employer_uscc(session, case)
    if found.uscc != uscc:
        problems.append(f"用人单位不符：认定决定为 {found.uscc}，申报单位为 {uscc or '—'}。")
    if found.injury_date != case.injury_date:
        problems.append(f"受伤日期不符：认定决定为 {_date(found.injury_date)}，申报为 {_date(case.injury_date)}。")
    if found.decision_date != case.recognition_date:
        problems.append(f"认定决定日期不符：登记为 {_date(found.decision_date)}，申报为 {_date(case.recognition_date)}。")
    if found.outcome not in ("工伤", "视同工伤"):
        problems.append(f"认定结论为“{found.outcome}”。")
    base = f"{found.number}：{found.worker_name}，{found.uscc}，受伤日期 {_date(found.injury_date)}，认定结论“{found.outcome}”。"
    return Check("recognition", title, FAILED if problems else PASSED, (base, *problems))


def _appraisal(session: Session, case: Case) -> RegisterAppraisal | None:
    number = normalise_number(case.appraisal_number)
    return session.exec(select(RegisterAppraisal).where(RegisterAppraisal.number == number)).first()


def appraisal(session: Session, case: Case) -> Check:
    title = "劳动能力鉴定结论在册，且与职工一致"
    number = normalise_number(case.appraisal_number)
    found = _appraisal(session, case)
    if found is None:
        others = session.exec(select(RegisterAppraisal).where(RegisterAppraisal.id_number == case.id_number)).all()
        if others:
            return Check("appraisal", title, FAILED, (
                f"登记簿中没有编号为 {number} 的鉴定结论；该职工在册的鉴定结论为：{'、'.join(o.number for o in others)}。",))
        return Check("appraisal", title, UNKNOWN, (f"登记簿中没有编号为 {number} 的鉴定结论，也没有该职工的其他鉴定记录。",))
    problems = []
    if found.id_number != case.id_number:
        problems.append(f"证件号码不符：鉴定结论为 {found.id_number}，申报为 {case.id_number}。")
    if found.conclusion_date != case.appraisal_date:
        problems.append(f"鉴定结论日期不符：登记为 {_date(found.conclusion_date)}，申报为 {_date(case.appraisal_date)}。")
    base = f"{found.number}：{found.worker_name}，{_date(found.conclusion_date)} 作出。"
    return Check("appraisal", title, FAILED if problems else PASSED, (base, *problems))


def appraisal_final(session: Session, case: Case, today: date) -> Check:
    title = "劳动能力鉴定结论已为最终结论（《工伤保险条例》第二十六条）"
    found = _appraisal(session, case)
    if found is None:
        return Check("appraisal_final", title, UNKNOWN, ("鉴定结论不在登记簿中。",))
    f = finality(found, today)
    outcome = {"final": PASSED, "pending": FAILED, "unknown": UNKNOWN}[f.state]
    return Check("appraisal_final", title, outcome, (f.explanation + "。",))


def grade_and_care(session: Session, case: Case) -> Check:
    title = "申报的伤残等级、生活护理等级与鉴定结论一致"
    found = _appraisal(session, case)
    if found is None:
        return Check("grade_care", title, UNKNOWN, ("鉴定结论不在登记簿中。",))
    problems = []
    if found.grade != case.grade:
        shown = f"{found.grade}级" if found.grade else "未达到伤残等级"
        problems.append(f"伤残等级不符：鉴定结论为{shown}，申报为{case.grade}级。")
    if (found.care_level or None) != (case.care_level or None):
        problems.append(f"生活护理等级不符：鉴定结论为“{found.care_level or '无'}”，申报为“{case.care_level or '无'}”。")
    elif found.care_level and found.care_date != case.care_date:
        problems.append(f"护理等级鉴定日期不符：鉴定结论为 {_date(found.care_date)}，申报为 {_date(case.care_date)}。")
    base = (f"鉴定结论：伤残{found.grade}级" if found.grade else "鉴定结论：未达到伤残等级") + \
        (f"，生活护理等级“{found.care_level}”（{_date(found.care_date)}）。" if found.care_level else "，无生活护理等级。")
    return Check("grade_care", title, FAILED if problems else PASSED, (base, *problems))


def _earlier(session: Session, case: Case, *conditions) -> list[Case]:
    query = select(Case).where(col(Case.status).not_in(ENDED_WITHOUT_BENEFIT), *conditions)
    if case.id is not None:
        query = query.where(Case.id != case.id)
    return list(session.exec(query.order_by(col(Case.created_at))).all())


def _listed(cases: list[Case]) -> str:
    return "；".join(f"{c.number or '未编号'}（{STATUS_LABELS.get(c.status, c.status)}）" for c in cases)


def no_earlier_claim(session: Session, case: Case) -> Check:
    """RULES.md 1: each lump sum is paid once. An earlier claim for the same 认定 (the same injury) that was
    approved, is in second review or is still open blocks a second 一次性伤残补助金; for the medical lump sum,
    the same worker (and termination) does."""
    benefits = set(case.benefit_list())
    if Benefit.MEDICAL.value in benefits:
        title = "未重复申领一次性工伤医疗补助金（同一职工、同一次解除或终止劳动关系）"
        same = [c for c in _earlier(session, case, Case.id_number == case.id_number)
                if Benefit.MEDICAL.value in c.benefit_list()]
        # the case does not record the termination yet: any other live claim of the same worker counts
        if same:
            return Check("earlier_claim", title, FAILED, (f"同一职工已有一次性工伤医疗补助金申领：{_listed(same)}。",))
        return Check("earlier_claim", title, PASSED, ("本系统内未发现该职工的其他一次性工伤医疗补助金申领。",))
    title = "未就同一工伤认定重复申领一次性伤残补助金"
    number = normalise_number(case.recognition_number)
    candidates = _earlier(session, case, Case.id_number == case.id_number) + \
        _earlier(session, case, Case.recognition_number == case.recognition_number)
    same = {c.id: c for c in candidates
            if Benefit.LUMP_SUM.value in c.benefit_list()
            and (normalise_number(c.recognition_number) == number
                 or (c.id_number == case.id_number and c.injury_date == case.injury_date))}
    if same:
        return Check("earlier_claim", title, FAILED,
                     (f"同一工伤（认定决定 {number}）已有一次性伤残补助金申领：{_listed(list(same.values()))}。",))
    return Check("earlier_claim", title, PASSED, (f"本系统内未发现认定决定 {number} 的其他申领。",))


def wage_months(injury: date, n: int = WAGE_MONTHS) -> list[str]:
    """wage_1 … wage_n: the months just before the injury month, most recent first (casework.applications)."""
    out, y, m = [], injury.year, injury.month
    for _ in range(n):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        out.append(f"{y:04d}-{m:02d}")
    return out


def wages(session: Session, case: Case) -> Check:
    """条例 art. 64: 本人工资 is the average *contribution* wage: the declared wages are compared month by month
    with the contribution records (summed over employers). The case keeps the declared wages in the order
    wage_1 … wage_n — the month before the injury first."""
    title = "申报的缴费工资与缴费记录一致"
    months = wage_months(case.injury_date)
    records = session.exec(select(RegisterContribution).where(
        RegisterContribution.id_number == case.id_number, col(RegisterContribution.month).in_(months))).all()
    if not records:
        return Check("wages", title, UNKNOWN, (f"缴费记录中没有该职工 {months[-1]} 至 {months[0]} 的缴费记录。",))
    on_record: dict[str, int] = {}
    for r in records:
        on_record[r.month] = on_record.get(r.month, 0) + r.wage_fen
    declared = {months[i]: fen for i, fen in enumerate(case.wages_fen[:WAGE_MONTHS])}
    differences = []
    for month in months:
        d, r = declared.get(month), on_record.get(month)
        if d == r:
            continue
        shown_d = fmt_yuan(from_fen(d)) if d is not None else "未申报"
        shown_r = fmt_yuan(from_fen(r)) if r is not None else "无缴费记录"
        differences.append(f"{month}：申报 {shown_d}，缴费记录 {shown_r}。")
    if differences:
        return Check("wages", title, FAILED, (f"{len(differences)} 个月不一致：", *differences))
    return Check("wages", title, PASSED, (f"{len(declared)} 个月的申报工资与缴费记录一致（{months[len(declared) - 1]} 至 {months[0]}）。",))


def run_checks(session: Session, case: Case, today: date | None = None) -> list[Check]:
    """Every check for one application, in the order the reviewer reads them."""
    today = today or beijing_today()
    return [
        employer_insured(session, case),
        recognition(session, case),
        appraisal(session, case),
        appraisal_final(session, case, today),
        grade_and_care(session, case),
        no_earlier_claim(session, case),
        wages(session, case),
    ]


def failed(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.outcome == FAILED]


def snapshot(checks: list[Check], at: date) -> dict:
    """The checks as they were, for the decision's audit record and the case's assessment snapshot."""
    return {"checked_on": at.isoformat(), "checks": [c.as_dict() for c in checks],
            "failed": [c.code for c in failed(checks)]}
