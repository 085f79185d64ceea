"""The employer's online application for 一次性伤残补助金 / 伤残津贴 / 生活护理费 (standard 6.1.1.1, 6.1.2.1,
6.1.3.1: the employer enters the data; no materials) and its acceptance by the system (6.2.1).

`parse_application()` turns what was typed (strings) into an `ApplicationData` or a dict of Chinese
messages keyed by field, so the same rules serve the web form and, later, the intake API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from casework import deadlines
from casework.benefits import Benefit, CareLevel
from casework.clock import beijing_date, beijing_today
from casework.identity import InvalidIdentity, clean_text, parse_resident_id, valid_person_name, validate_document
from casework.models import Case, Employer, Office, utcnow
from casework.money import parse_amount, to_fen
from casework.numbering import next_number
from casework.review import Issuer, issue_document
from casework.transitions import STATUS_LABELS, Actor, DomainError, audit, transition

ID_TYPES = ["居民身份证", "护照", "港澳台居民居住证", "外国人永久居留身份证"]
RETIREMENT_GROUPS = {"woman-50": "原法定退休年龄50周岁（女职工）", "woman-55": "原法定退休年龄55周岁（女干部）"}
MAX_WAGE_MONTHS = 12
WAGE_FIELDS = [f"wage_{i}" for i in range(1, MAX_WAGE_MONTHS + 1)]
# a plausibility bound, not a rule of law: contribution wages are capped at 300 % of W, far below this
MAX_MONTHLY_WAGE = Decimal("1000000")  # wage_1 = the month just before the injury
FIELDS = [
    "id_type", "id_number", "worker_name", "sex", "birth_date", "retirement_group",
    "injury_date", "recognition_number", "recognition_date", "appraisal_number", "appraisal_date",
    "grade", "care_level", "care_date", *WAGE_FIELDS, "bank_name", "bank_account",
]


# what initial review can mark as defective in an online submission (6.3.1 b), in the form's order
DEFECT_FIELDS = [
    ("worker", "工伤职工身份信息（证件类型、号码、姓名）"),
    ("injury_date", "受伤日期"),
    ("recognition", "工伤认定决定书编号及日期"),
    ("appraisal", "劳动能力鉴定结论编号、日期及伤残等级"),
    ("care", "生活护理等级及鉴定日期"),
    ("wages", "受伤前缴费工资"),
    ("bank", "待遇领取账户"),
]


@dataclass(frozen=True)
class ApplicationData:
    id_type: str
    id_number: str
    worker_name: str
    sex: str
    birth_date: date
    retirement_group: str
    injury_date: date
    recognition_number: str
    recognition_date: date
    appraisal_number: str
    appraisal_date: date
    grade: int
    care_level: str | None
    care_date: date | None
    wages_fen: tuple[int, ...]
    bank_name: str
    bank_account: str

    @property
    def benefits(self) -> list[str]:
        """一次性伤残补助金 always; 伤残津贴 where the grade gives one (grades 5–6: employer-paid,
        shown for information); 生活护理费 when the appraisal committee set a care level."""
        out = [Benefit.LUMP_SUM.value]
        if self.grade <= 6:
            out.append(Benefit.ALLOWANCE.value)
        if self.care_level:
            out.append(Benefit.CARE.value)
        return out


def _date(raw: dict, name: str, label: str, errors: dict, today: date, required: bool = True) -> date | None:
    text = (raw.get(name) or "").strip()
    if not text:
        if required:
            errors[name] = f"请填写{label}。"
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            errors[name] = f"{label} {text} 不是有效日期（该月没有这一天），请核对。"
        else:
            errors[name] = f"{label}格式不正确，请按“年-月-日”填写，例如 2025-03-07。"
        return None
    if value.year < 1950:
        errors[name] = f"{label}不能早于1950年，请核对。"
        return None
    if value > today:
        errors[name] = f"{label}不能晚于今天。"
        return None
    return value


def _text(raw: dict, name: str, label: str, errors: dict, max_len: int) -> str:
    text = clean_text(raw.get(name) or "")
    if text is None:
        errors[name] = f"{label}含有不可见字符或控制字符（可能来自复制粘贴），请重新输入。"
        return ""
    if not text:
        errors[name] = f"请填写{label}。"
    elif len(text) > max_len:
        errors[name] = f"{label}不能超过{max_len}个字。"
    return text


def parse_worker(raw: dict[str, str], errors: dict[str, str], today: date) -> dict:
    """The injured worker: identity document (sex and birth date derived from a resident ID and checked),
    name, and the women's retirement group (RULES.md 5, 7). Shared by every application form."""
    id_type = (raw.get("id_type") or "居民身份证").strip()
    id_number = (raw.get("id_number") or "").strip().upper()
    sex = (raw.get("sex") or "").strip()
    birth: date | None = None
    if id_type not in ID_TYPES:
        errors["id_type"] = "请选择有效身份证件类型。"
    elif not id_number:
        errors["id_number"] = "请填写证件号码。"
    elif id_type == "居民身份证":
        try:
            rid = parse_resident_id(id_number)
            id_number, birth = rid.number, rid.birth_date
            if sex and sex != rid.sex:
                errors["sex"] = "性别与身份证号码不符（身份证第17位奇数为男、偶数为女）。"
            sex = rid.sex
        except InvalidIdentity as exc:
            errors["id_number"] = str(exc.args[0] if exc.args else exc)
    else:
        try:
            id_number = validate_document(id_type, id_number)
        except InvalidIdentity as exc:
            errors["id_number"] = str(exc.args[0] if exc.args else exc)
        if sex not in ("male", "female"):
            errors["sex"] = "请选择性别。"
        birth = _date(raw, "birth_date", "出生日期", errors, today)
    worker_name = _text(raw, "worker_name", "职工姓名", errors, 40)
    if worker_name and "worker_name" not in errors and not valid_person_name(worker_name):
        errors["worker_name"] = "职工姓名只能包含文字，以及少数民族或外国人姓名中的间隔号“·”、空格和连字符，请与证件一致。"
    group = (raw.get("retirement_group") or "").strip()
    if sex == "male":
        group = "man"
    elif sex == "female" and group not in RETIREMENT_GROUPS:
        errors["retirement_group"] = "女职工请选择原法定退休年龄（50周岁或55周岁），用于计算法定退休时间。"
    return {"id_type": id_type, "id_number": id_number, "worker_name": worker_name, "sex": sex,
            "birth_date": birth, "retirement_group": group}


def parse_decisions(raw: dict[str, str], errors: dict[str, str], today: date) -> dict:
    """The injury date, the 工伤认定 decision, the 劳动能力鉴定 conclusion and its grade."""
    out = {
        "injury_date": _date(raw, "injury_date", "受伤日期", errors, today),
        "recognition_number": _text(raw, "recognition_number", "工伤认定决定书编号", errors, 60),
        "recognition_date": _date(raw, "recognition_date", "工伤认定决定日期", errors, today),
        "appraisal_number": _text(raw, "appraisal_number", "劳动能力鉴定结论编号", errors, 60),
        "appraisal_date": _date(raw, "appraisal_date", "劳动能力鉴定结论日期", errors, today),
        "grade": 0,
    }
    grade_text = (raw.get("grade") or "").strip()
    if not grade_text:
        errors["grade"] = "请选择伤残等级。"
    elif not grade_text.isdigit() or not 1 <= int(grade_text) <= 10:
        errors["grade"] = "伤残等级应为一级至十级（1–10）。"
    else:
        out["grade"] = int(grade_text)
    return out


def check_dates(worker: dict, decisions: dict, errors: dict[str, str],
                later: list[tuple[str, date | None, str]]) -> None:
    """Born before the injury and of working age then; every decision on or after the injury, and the
    appraisal after the recognition (the committee appraises a recognised injury)."""
    birth, injury = worker["birth_date"], decisions["injury_date"]
    if birth and injury and "injury_date" not in errors:
        if birth >= injury:
            errors["injury_date"] = f"受伤日期应晚于出生日期（{birth.isoformat()}），请核对。"
        elif (injury.year - birth.year - ((injury.month, injury.day) < (birth.month, birth.day))) < 16:
            errors["injury_date"] = "按出生日期计算，受伤时未满16周岁，请核对证件号码、出生日期或受伤日期。"
    recognised, appraised = decisions["recognition_date"], decisions["appraisal_date"]
    if recognised and appraised and appraised < recognised and "appraisal_date" not in errors:
        errors["appraisal_date"] = f"劳动能力鉴定结论日期不能早于工伤认定决定日期（{recognised.isoformat()}）。"
    if injury:
        for name, value, label in [("recognition_date", decisions["recognition_date"], "工伤认定决定日期"),
                                   ("appraisal_date", decisions["appraisal_date"], "劳动能力鉴定结论日期"), *later]:
            if value and value < injury and name not in errors:
                errors[name] = f"{label}不能早于受伤日期（{injury.isoformat()}）。"


def parse_bank(raw: dict[str, str], errors: dict[str, str]) -> dict:
    """The payee's account: the bank and the account number (digits)."""
    bank_name = _text(raw, "bank_name", "开户银行", errors, 60)
    bank_account = (raw.get("bank_account") or "").replace(" ", "")
    if not bank_account:
        errors["bank_account"] = "请填写银行账号。"
    elif not bank_account.isdigit() or not 8 <= len(bank_account) <= 32:
        errors["bank_account"] = "银行账号应为8至32位数字。"
    return {"bank_name": bank_name, "bank_account": bank_account}


def parse_application(raw: dict[str, str], today: date | None = None) -> tuple[ApplicationData | None, dict[str, str]]:
    today = today or beijing_today()
    errors: dict[str, str] = {}
    worker = parse_worker(raw, errors, today)
    decisions = parse_decisions(raw, errors, today)

    care_level = (raw.get("care_level") or "").strip() or None
    care_date = _date(raw, "care_date", "生活护理等级鉴定日期", errors, today, required=False)
    if care_level is not None and care_level not in [c.value for c in CareLevel]:
        errors["care_level"] = "请选择有效的生活护理等级。"
    if care_level and care_date is None and "care_date" not in errors:
        errors["care_date"] = "已选择生活护理等级，请填写护理等级鉴定日期。"
    if care_date and not care_level:
        errors["care_level"] = "已填写护理等级鉴定日期，请选择生活护理等级。"
    check_dates(worker, decisions, errors, [("care_date", care_date, "生活护理等级鉴定日期")])

    wages: list[int] = []
    for i, name in enumerate(WAGE_FIELDS, start=1):
        text = (raw.get(name) or "").strip().replace(",", "")
        if not text:
            continue
        try:
            amount = parse_amount(text)
        except ValueError:
            errors[name] = f"受伤前第{i}个月缴费工资应为金额（元，最多两位小数），例如 5000.00。"
            continue
        if amount <= 0:
            errors[name] = f"受伤前第{i}个月缴费工资应大于零；未缴费的月份请留空。"
            continue
        if amount > MAX_MONTHLY_WAGE:
            errors[name] = f"受伤前第{i}个月缴费工资超出合理范围（每月不超过 {MAX_MONTHLY_WAGE:,} 元），请核对。"
            continue
        wages.append(to_fen(amount))
    if not wages and not any(n in errors for n in WAGE_FIELDS):
        errors["wage_1"] = "请至少填写一个月的缴费工资（受伤前12个月内实际缴费的月份）。"

    bank = parse_bank(raw, errors)

    if errors:
        return None, errors
    return ApplicationData(**worker, **decisions, care_level=care_level, care_date=care_date,
                           wages_fen=tuple(wages), **bank), {}


def office_for_county(session: Session, county: str) -> Office:
    """The county hall handles its employers' cases (RULES.md 11)."""
    office = session.exec(select(Office).where(Office.code == county)).first()
    if office is None:
        raise DomainError(f"未找到区划代码 {county} 对应的经办机构，请联系经办机构核实单位参保地。")
    return office


def _fill(case: Case, data: ApplicationData) -> None:
    case.benefits = " ".join(data.benefits)
    for name in ("id_type", "id_number", "worker_name", "sex", "birth_date", "retirement_group", "injury_date",
                 "recognition_number", "recognition_date", "appraisal_number", "appraisal_date", "grade",
                 "care_level", "care_date", "bank_name", "bank_account"):
        setattr(case, name, getattr(data, name))
    case.wages_fen = list(data.wages_fen)


LIVE_STATUSES = ("draft", "reception", "reception_pending", "initial_review", "incomplete", "audit", "recheck",
                 "approved")


def refuse_duplicate(session: Session, matter: str, id_number: str, recognition_number: str,
                     exclude_id: int | None = None) -> None:
    """The same worker and the same 工伤认定 decision cannot be applied for twice while a case for it is
    open or approved: a double click, a resent form or a second agent would otherwise open a second case
    (and a second payment). A corrected approved case goes through 更正, not a new application."""
    query = select(Case).where(Case.matter == matter, Case.id_number == id_number,
                               Case.recognition_number == recognition_number,
                               col(Case.status).in_(LIVE_STATUSES))
    if exclude_id is not None:
        query = query.where(Case.id != exclude_id)
    existing = session.exec(query).first()
    if existing is not None:
        shown = existing.number or "（草稿）"
        raise DomainError(f"该职工的同一工伤认定已有申报（受理编号 {shown}，{STATUS_LABELS.get(existing.status, existing.status)}），"
                          "请勿重复申报；如需更正已核定的待遇，请联系经办机构。", field="recognition_number")


def submit_online(session: Session, actor: Actor, data: ApplicationData, *, issue: Issuer,
                  now: datetime | None = None) -> Case:
    """6.2.1: the system accepts an online submission at once: 受理编号, due date and the 受理回执."""
    now = now or utcnow()
    refuse_duplicate(session, "disability", data.id_number, data.recognition_number)
    employer = session.get(Employer, actor.account.employer_id) if actor.account.employer_id else None
    if employer is None:
        raise DomainError("您的账户未关联参保单位，请到经办大厅办理单位经办人授权。")
    office = office_for_county(session, employer.county)
    case = Case(matter="disability", channel="online", office_id=office.id, employer_id=employer.id,
                submitted_by_id=actor.id, created_at=now, status="new")
    _fill(case, data)
    accepted_on = beijing_date(now)

    def accept(c: Case) -> None:
        c.number = next_number(session, "SL", accepted_on.year, office.code)
        c.accepted_at = now

    # a new case has no id yet: transition() treats it as coming from "no state"
    transition(session, case, "accept_online", actor, expected_version=None, apply=accept, now=now)
    period = deadlines.open_period(session, case, now)
    issue_document(session, case, "online_receipt", issue, now)
    session.add(case)
    session.flush()
    _note_due(session, case, period)
    return case


def _note_due(session: Session, case: Case, period) -> None:
    # the audit trail keeps the deadline history: each period's due date as it was set
    audit(session, "deadline.set", None, case_id=case.id, details={"case": case.number, "period": period.seq,
                                                  "due_date": period.due_date.isoformat(),
                                                  "provisional": period.provisional})


def resubmit(session: Session, case: Case, actor: Actor, data: ApplicationData, *, expected_version: int,
             issue: Issuer, now: datetime | None = None) -> Case:
    """After a 一次性告知书 (6.3.1 b) the applicant corrects and resubmits into the same case; it is accepted
    afresh (6.2.1): a new period of 5 working days and a new receipt."""
    now = now or utcnow()
    refuse_duplicate(session, case.matter, data.id_number, data.recognition_number, exclude_id=case.id)

    def correct(c: Case) -> None:
        _fill(c, data)
        c.accepted_at = now
        c.defects = None

    transition(session, case, "resubmit", actor, expected_version=expected_version, apply=correct, now=now)
    period = deadlines.open_period(session, case, now)
    issue_document(session, case, "online_receipt", issue, now)
    _note_due(session, case, period)
    return case


def withdraw(session: Session, case: Case, actor: Actor, *, expected_version: int, reason: str,
             now: datetime | None = None) -> None:
    """The applicant withdraws before the second review decides; the clock stops."""
    now = now or utcnow()
    transition(session, case, "withdraw", actor, expected_version=expected_version, reason=reason, now=now)
    deadlines.end_period(session, case, now, "withdrawn")
