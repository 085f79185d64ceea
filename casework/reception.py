"""On-site reception of the 一次性工伤医疗补助金 (standard 6.1.1.2, 6.1.2.2, 6.2.2).

A 受理 user opens the case at the counter for the worker, for the former employer applying for the worker, or
for a proxy; records the data; ticks and scans each material of the catalogue (casework.materials). Then:
  complete   → accepted: 受理编号, the 5-working-day period (6.6), the 社会保险业务受理单 (6.2.2 a);
  incomplete → the 一次性告知书 listing EVERY missing or defective item with what is wanted (6.2.2 b); the
               visit is recorded and the case is not accepted; the return visit continues the same record.

`parse_counter()` turns what was typed into a CounterData or Chinese messages by field (the web form and,
later, an API use the same rules). Eligibility by grade and termination is refused here, beside the field,
with the article of the 条例 (RULES.md 2) — casework.benefits.compute() refuses the same again at review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Column, Field, JSON, Session, SQLModel, col, select

from casework import deadlines, materials
from casework.applications import (ID_TYPES, _date, _note_due, _text, check_dates, parse_bank, parse_decisions,
                                   parse_worker)
from casework.benefits import TERMINATION_KINDS, TERMINATION_LABELS, Benefit
from casework.clock import beijing_date, beijing_today
from casework.identity import InvalidIdentity, valid_person_name, validate_document, validate_uscc
from casework.models import Case, Employer, utcnow
from casework.numbering import next_number
from casework.review import Issuer, issue_document
from casework.roles import COUNTY_NAMES
from casework.transitions import Actor, Conflict, DomainError, audit, check, summary_reason, transition

MATTER = "medical"
FIELDS = [
    "applicant_kind", "id_type", "id_number", "worker_name", "sex", "birth_date", "retirement_group",
    "contact_phone", "employer_name", "employer_uscc", "employer_county", "injury_date", "recognition_number",
    "recognition_date", "appraisal_number", "appraisal_date", "grade", "termination_date", "termination_kind",
    "bank_name", "bank_account", "proxy_name", "proxy_id_type", "proxy_id_number",
]
_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


class ReceptionVisit(SQLModel, table=True):
    """One visit of the applicant at the counter that ended in a decision: accepted, or a one-time notice."""

    __tablename__ = "reception_visit"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    seq: int
    at: datetime = Field(default_factory=utcnow)
    receiver_id: int = Field(foreign_key="account.id")
    outcome: str = Field(max_length=12)  # "accepted" | "notice"
    document_number: str | None = Field(default=None, max_length=40)
    # [{code, name, status: received|missing|defective, wanted, files}]
    items: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


@dataclass(frozen=True)
class CounterData:
    applicant_kind: str
    id_type: str
    id_number: str
    worker_name: str
    sex: str
    birth_date: date
    retirement_group: str
    contact_phone: str
    employer_name: str
    employer_uscc: str
    employer_county: str
    injury_date: date
    recognition_number: str
    recognition_date: date
    appraisal_number: str
    appraisal_date: date
    grade: int
    termination_date: date
    termination_kind: str
    bank_name: str
    bank_account: str
    proxy_name: str | None
    proxy_id_type: str | None
    proxy_id_number: str | None


def grade_refusal(grade: int, kind: str | None) -> tuple[str, str] | None:
    """(field, message) when the grade and the way the relation ended give no 一次性工伤医疗补助金."""
    if 1 <= grade <= 4:
        return "grade", ("一至四级伤残职工保留劳动关系、退出工作岗位，不能申领一次性工伤医疗补助金"
                         "（《工伤保险条例》第三十五条）。")
    if kind not in TERMINATION_KINDS:
        return None
    if 5 <= grade <= 6 and kind != "worker-initiated":
        return "termination_kind", ("五至六级伤残职工仅在本人提出与用人单位解除劳动关系时，才能申领一次性工伤医疗"
                                    "补助金（《工伤保险条例》第三十六条）。")
    if 7 <= grade <= 10 and kind not in ("contract-expired", "worker-initiated"):
        return "termination_kind", ("七至十级伤残职工仅在劳动合同期满终止或本人提出解除劳动合同时，才能申领一次性"
                                    "工伤医疗补助金（《工伤保险条例》第三十七条）。")
    return None


def parse_counter(raw: dict[str, str], today: date | None = None) -> tuple[CounterData | None, dict[str, str]]:
    today = today or beijing_today()
    errors: dict[str, str] = {}
    kind = (raw.get("applicant_kind") or "").strip()
    if kind not in materials.APPLICANT_KINDS:
        errors["applicant_kind"] = "请选择申请人类型（职工本人、原用人单位或委托代理人）。"

    worker = parse_worker(raw, errors, today)
    id_type, id_number = worker["id_type"], worker["id_number"]

    phone = re.sub(r"\s", "", raw.get("contact_phone") or "")
    if not phone:
        errors["contact_phone"] = "请填写联系电话。"
    elif not _PHONE.match(phone):
        errors["contact_phone"] = "联系电话应为11位手机号码或带区号的固定电话，例如 13912345678 或 0994-2206673。"

    employer_name = _text(raw, "employer_name", "原用人单位名称", errors, 120)
    uscc = (raw.get("employer_uscc") or "").strip().upper()
    if not uscc:
        errors["employer_uscc"] = "请填写原用人单位统一社会信用代码。"
    else:
        try:
            uscc = validate_uscc(uscc)
        except InvalidIdentity as exc:
            errors["employer_uscc"] = str(exc.args[0] if exc.args else exc)
    county = (raw.get("employer_county") or "").strip()
    if county not in COUNTY_NAMES:
        errors["employer_county"] = "请选择原用人单位参保所在县市。"

    decisions = parse_decisions(raw, errors, today)
    grade = decisions["grade"]
    ended = _date(raw, "termination_date", "劳动关系解除或终止日期", errors, today)
    termination = (raw.get("termination_kind") or "").strip()
    if termination not in TERMINATION_KINDS:
        errors["termination_kind"] = "请选择劳动关系解除或终止的原因。"
    if grade and "grade" not in errors:
        refusal = grade_refusal(grade, termination)
        if refusal and refusal[0] not in errors:
            errors[refusal[0]] = refusal[1]
    check_dates(worker, decisions, errors, [("termination_date", ended, "劳动关系解除或终止日期")])

    bank = parse_bank(raw, errors)

    proxy_name = proxy_type = proxy_number = None
    if kind == "proxy":
        proxy_name = _text(raw, "proxy_name", "受委托人姓名", errors, 40)
        if proxy_name and "proxy_name" not in errors and not valid_person_name(proxy_name):
            errors["proxy_name"] = "受委托人姓名只能包含文字，以及间隔号“·”、空格和连字符，请与证件一致。"
        proxy_type = (raw.get("proxy_id_type") or "居民身份证").strip()
        proxy_number = (raw.get("proxy_id_number") or "").strip().upper()
        if proxy_type not in ID_TYPES:
            errors["proxy_id_type"] = "请选择受委托人的证件类型。"
        elif not proxy_number:
            errors["proxy_id_number"] = "请填写受委托人证件号码。"
        else:
            try:
                proxy_number = validate_document(proxy_type, proxy_number)
            except InvalidIdentity as exc:
                errors["proxy_id_number"] = str(exc.args[0] if exc.args else exc)
            if proxy_number == id_number and "proxy_id_number" not in errors:
                errors["proxy_id_number"] = "受委托人不能是工伤职工本人；职工本人办理请选择“工伤职工本人”。"

    if errors:
        return None, errors
    return CounterData(
        applicant_kind=kind, **worker, **decisions, **bank, contact_phone=phone, employer_name=employer_name,
        employer_uscc=uscc, employer_county=county, termination_date=ended, termination_kind=termination,
        proxy_name=proxy_name, proxy_id_type=proxy_type, proxy_id_number=proxy_number,
    ), {}


def values_of(case: Case) -> dict[str, str]:
    """What the form shows for an existing case (strings, as typed)."""
    def s(v) -> str:
        return "" if v is None else v.isoformat() if isinstance(v, date) else str(v)

    return {
        "applicant_kind": s(case.applicant_kind), "id_type": case.id_type, "id_number": case.id_number,
        "worker_name": case.worker_name, "sex": case.sex, "birth_date": s(case.birth_date),
        "retirement_group": case.retirement_group if case.retirement_group != "man" else "",
        "contact_phone": s(case.contact_phone), "employer_name": s(case.former_employer_name),
        "employer_uscc": s(case.former_employer_uscc), "employer_county": s(case.former_employer_county),
        "injury_date": s(case.injury_date), "recognition_number": case.recognition_number,
        "recognition_date": s(case.recognition_date), "appraisal_number": case.appraisal_number,
        "appraisal_date": s(case.appraisal_date), "grade": s(case.grade), "termination_date": s(case.termination_date),
        "termination_kind": s(case.termination_kind), "bank_name": case.bank_name, "bank_account": case.bank_account,
        "proxy_name": s(case.proxy_name), "proxy_id_type": s(case.proxy_id_type),
        "proxy_id_number": s(case.proxy_id_number),
    }


def _fill(session: Session, case: Case, data: CounterData) -> None:
    case.benefits = Benefit.MEDICAL.value
    for name in ("applicant_kind", "id_type", "id_number", "worker_name", "sex", "birth_date", "retirement_group",
                 "contact_phone", "injury_date", "recognition_number", "recognition_date", "appraisal_number",
                 "appraisal_date", "grade", "termination_date", "termination_kind", "bank_name", "bank_account",
                 "proxy_name", "proxy_id_type", "proxy_id_number"):
        setattr(case, name, getattr(data, name))
    case.former_employer_name = data.employer_name
    case.former_employer_uscc = data.employer_uscc
    case.former_employer_county = data.employer_county
    # the insured employer's row where the agency knows it (compliance checks read it); else only the fields
    employer = session.exec(select(Employer).where(Employer.uscc == data.employer_uscc)).first()
    case.employer_id = employer.id if employer else None
    case.wages_fen = []  # the medical lump sum is months × W: no wages (RULES.md 2)
    case.care_level = None
    case.care_date = None


def open_case(session: Session, actor: Actor, data: CounterData, *, now: datetime | None = None) -> Case:
    """6.2.2: the case is opened at the counter in "reception"; the materials are collected next."""
    now = now or utcnow()
    if actor.office is None:
        raise DomainError("您的账户未关联经办机构，不能现场受理。")
    case = Case(matter=MATTER, channel="onsite", office_id=actor.office.id, status="new", created_at=now,
                benefits=Benefit.MEDICAL.value)
    _fill(session, case, data)
    transition(session, case, "open_onsite", actor, expected_version=None, now=now,
               details={"applicant_kind": data.applicant_kind})
    materials.current_catalogue(session, MATTER)  # the catalogue exists before the checklist is shown
    return case


def update_case(session: Session, case: Case, actor: Actor, data: CounterData, *, expected_version: int,
                now: datetime | None = None) -> None:
    """Correct the data while the materials are being collected (before acceptance)."""
    if case.status not in materials.UPLOAD_STATUSES:
        raise DomainError("案件已受理，登记信息不能在受理岗修改。")
    check(case, "accept_onsite", actor)  # same role, office and state rules as acceptance
    stale = Conflict("该案件已被他人更新（您看到的是旧版本）。请刷新页面后再操作。")
    if expected_version != case.version:
        raise stale
    # the same conditional UPDATE as transition(): two receivers editing at once cannot both win
    result = session.execute(update(Case).where(Case.id == case.id, Case.version == case.version)
                             .values(version=case.version + 1))
    if result.rowcount != 1:
        raise stale
    session.expire(case, ["version"])
    before = values_of(case)
    _fill(session, case, data)
    session.add(case)
    session.flush()
    after = values_of(case)
    changed = sorted(k for k in after if after[k] != before.get(k))
    audit(session, "reception.update", actor.account, role=actor.role.value, office_code=actor.office.code
          if actor.office else None, case_id=case.id, ip=actor.ip, details={"fields": changed})


@dataclass(frozen=True)
class CheckedItem:
    """The receiver's finding on one material: ticked as received (correct), or with what is wanted."""

    item: materials.MaterialItem
    received: bool
    wanted: str
    files: int

    @property
    def status(self) -> str:
        if self.received and not self.wanted:
            return "received"
        return "defective" if self.received or self.files else "missing"

    def to_dict(self) -> dict:
        return {"code": self.item.code, "name": self.item.name, "status": self.status,
                "wanted": self.wanted or (self.item.wanted() if self.status == "missing" else ""),
                "files": self.files, "form": self.item.form_label, "count": self.item.count,
                "notes": self.item.notes}


def review_checklist(session: Session, case: Case, ticked: set[str], wanted: dict[str, str]) -> list[CheckedItem]:
    by_item = materials.files_by_item(session, case)
    return [CheckedItem(item=i, received=i.code in ticked, wanted=(wanted.get(i.code) or "").strip(),
                        files=len(by_item.get(i.id, [])))
            for i in materials.case_checklist(session, case)]


def _visit(session: Session, case: Case, actor: Actor, outcome: str, number: str, items: list[dict],
           now: datetime) -> ReceptionVisit:
    last = session.exec(select(ReceptionVisit).where(ReceptionVisit.case_id == case.id)
                        .order_by(col(ReceptionVisit.seq).desc())).first()
    visit = ReceptionVisit(case_id=case.id, seq=(last.seq + 1) if last else 1, at=now, receiver_id=actor.id,
                           outcome=outcome, document_number=number, items=items)
    session.add(visit)
    session.flush()
    return visit


def visits(session: Session, case: Case) -> list[ReceptionVisit]:
    return list(session.exec(select(ReceptionVisit).where(ReceptionVisit.case_id == case.id)
                             .order_by(col(ReceptionVisit.seq))).all())


def accept_onsite(session: Session, case: Case, actor: Actor, *, expected_version: int, checked: list[CheckedItem],
                  issue: Issuer, now: datetime | None = None):
    """6.2.2 a: every material of the checklist ticked and scanned → accepted with the 受理单."""
    check(case, "accept_onsite", actor)
    missing = [c for c in checked if c.status != "received"]
    unscanned = [c for c in checked if c.status == "received" and c.files == 0]
    if missing:
        names = "、".join(c.item.name[:20] for c in missing)
        raise DomainError(f"材料未齐全或有问题（{names}），不能受理。请补齐，或出具一次性告知书。", field="checklist")
    if unscanned:
        names = "、".join(c.item.name[:20] for c in unscanned)
        raise DomainError(f"以下材料已勾选但尚未扫描上传：{names}。请先上传扫描件。", field="checklist")
    now = now or utcnow()
    accepted_on = beijing_date(now)
    from casework.models import Office
    office = session.get(Office, case.office_id)
    assert office is not None

    def accept(c: Case) -> None:
        c.number = c.number or next_number(session, "SL", accepted_on.year, office.code)
        c.accepted_at = now
        c.received_by_id = actor.id
        c.defects = None

    accept(case)
    period = deadlines.open_period(session, case, now)
    doc = issue_document(session, case, "onsite_receipt", issue, now)
    items = [c.to_dict() for c in checked]
    transition(session, case, "accept_onsite", actor, expected_version=expected_version, apply=accept, now=now,
               details={"document": doc.number, "materials": [c.item.code for c in checked]})
    _visit(session, case, actor, "accepted", doc.number, items, now)
    _note_due(session, case, period)
    return doc


def notify_missing_onsite(session: Session, case: Case, actor: Actor, *, expected_version: int,
                          checked: list[CheckedItem], issue: Issuer, now: datetime | None = None):
    """6.2.2 b: the 一次性告知书 lists EVERY missing or defective item with what is wanted; not accepted."""
    wanting = [c for c in checked if c.status != "received"]
    if not wanting:
        raise DomainError("清单中的材料均已勾选齐全，无需一次性告知，请直接受理。", field="checklist")
    for c in wanting:
        if c.status == "defective" and not c.wanted:
            raise DomainError(f"请写明“{c.item.name}”存在什么问题、需要怎样补正。", field=f"wanted_{c.item.code}")
    now = now or utcnow()
    defects = [{"field": c.item.code, "label": f"{c.item.name}（{c.item.form_label}{c.item.count}份）"
                + ("：未提供" if c.status == "missing" else "：不符合要求"),
                "wanted": c.to_dict()["wanted"]} for c in wanting]
    # the notice lists every item in full (no length cap); the reason in the trail is its summary
    reason = summary_reason("；".join(f"{d['label']}：{d['wanted']}" for d in defects))
    check(case, "notify_missing_onsite", actor, reason=reason)

    def note(c: Case) -> None:
        c.defects = defects
        c.last_reason = reason

    note(case)
    doc = issue_document(session, case, "notice_missing", issue, now)
    transition(session, case, "notify_missing_onsite", actor, expected_version=expected_version,
               reason=reason, apply=note, now=now, details={"document": doc.number, "defects": defects})
    _visit(session, case, actor, "notice", doc.number, [c.to_dict() for c in checked], now)
    return doc


def termination_label(kind: str | None) -> str:
    return TERMINATION_LABELS.get(kind or "", "")
