"""An individual's online application for the 一次性工伤医疗补助金 (standard 6.1.2.2, 6.1.3.2, 6.2.1).

The worker — or a proxy with the documents of 6.1.3.2 c (the principal's ID copy, the proxy's own ID and the
power of attorney), signing in with the proxy's OWN individual account — fills the same data as the counter
(casework.reception.parse_counter: one set of rules) and uploads the materials of the one catalogue
(casework.materials) through the upload component. The application is a case in status "draft" from its first
save: the files hang on it while the form is corrected, and it can be finished later. Submitting accepts it at
once (6.2.1: 受理编号, 5-working-day period, electronic 受理回执). After a 一次性告知书 (6.3.1 b) the applicant
corrects the data and files of the SAME case and resubmits (the "resubmit" action, accepted afresh).

What was typed is kept in `ApplicationDraft.values` (strings, as typed) until submission writes it into the
case's columns; until then the draft's case columns hold the applicant's identity and neutral placeholders
(an unfinished draft has no injury date yet). Drafts are the applicant's alone: staff queues and search never
show status "draft" (casework.queues.visible)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import JSON, Column, Field, Session, SQLModel, select

from casework import deadlines, materials, reception
from casework.applications import _note_due, office_for_county
from casework.benefits import Benefit
from casework.clock import beijing_date, beijing_today
from casework.identity import InvalidIdentity, parse_resident_id
from casework.models import Account, Case, Office, utcnow
from casework.numbering import next_number
from casework.review import Issuer, issue_document
from casework.roles import PREFECTURE_CODE
from casework.transitions import Actor, DomainError, check, transition

FIELDS = reception.FIELDS
ONLINE_KINDS = {"worker": "工伤职工本人", "proxy": "受工伤职工委托的代理人（须上传授权委托书等材料）"}
EDITABLE = ("draft", "incomplete")


class ApplicationDraft(SQLModel, table=True):
    """What the individual typed, kept between visits (the form's strings, as typed)."""

    __tablename__ = "application_draft"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", unique=True, index=True)
    values: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class IncompleteApplication(DomainError):
    """Submission refused: the data has errors (by field) or materials are missing."""

    def __init__(self, message: str, errors: dict[str, str], *, field: str | None = None):
        super().__init__(message, field=field)
        self.errors = errors


def with_identity(values: dict[str, str], account: Account) -> dict[str, str]:
    """The identity the account was activated with is not typed: as the worker it is the worker's, as a proxy
    it is the proxy's (the hall checked that document when the code was issued)."""
    out = {k: str(values.get(k, "") or "") for k in FIELDS}
    kind = out.get("applicant_kind") or "worker"
    out["applicant_kind"] = kind
    if kind == "worker":
        out["id_type"] = account.id_type or "居民身份证"
        out["id_number"] = account.id_number or ""
        out["proxy_name"] = out["proxy_id_type"] = out["proxy_id_number"] = ""
    elif kind == "proxy":
        out["proxy_name"] = account.display_name
        out["proxy_id_type"] = account.id_type or "居民身份证"
        out["proxy_id_number"] = account.id_number or ""
    return out


def parse_online(values: dict[str, str], account: Account, today: date | None = None):
    values = with_identity(values, account)
    if values["applicant_kind"] not in ONLINE_KINDS:
        return None, {"applicant_kind": "请选择申请人（职工本人或受委托的代理人）。"}
    return reception.parse_counter(values, today)


def draft_of(session: Session, case: Case) -> ApplicationDraft | None:
    return session.exec(select(ApplicationDraft).where(ApplicationDraft.case_id == case.id)).first()


def values_for(session: Session, case: Case, account: Account) -> dict[str, str]:
    draft = draft_of(session, case)
    if draft is not None:
        return with_identity(draft.values, account)
    return with_identity(reception.values_of(case), account)


def _placeholders(case: Case, values: dict[str, str], account: Account, today: date) -> None:
    """Identity of the applicant on the draft (it decides who may act on it, casework.transitions) and neutral
    placeholders for columns the finished application fills at submission."""
    kind = values["applicant_kind"] if values.get("applicant_kind") in ONLINE_KINDS else "worker"
    case.applicant_kind = kind
    if kind == "worker":
        case.id_type, case.id_number = account.id_type or "居民身份证", account.id_number or ""
        case.worker_name = account.display_name
        case.proxy_name = case.proxy_id_type = case.proxy_id_number = None
    else:
        case.id_type, case.id_number, case.worker_name = "居民身份证", "", ""
        case.proxy_name, case.proxy_id_type, case.proxy_id_number = (account.display_name, account.id_type,
                                                                     account.id_number)
    sex, birth = "", today
    if case.id_type == "居民身份证" and case.id_number:
        try:
            rid = parse_resident_id(case.id_number)
            sex, birth = rid.sex, rid.birth_date
        except InvalidIdentity:
            pass
    if case.id is None:
        case.sex, case.birth_date, case.retirement_group = sex, birth, "man" if sex == "male" else ""
        case.injury_date = case.recognition_date = case.appraisal_date = today
        case.recognition_number = case.appraisal_number = case.bank_name = case.bank_account = ""
        case.grade = 0
        case.wages_fen = []


def save(session: Session, actor: Actor, raw: dict[str, str], case: Case | None = None,
         now: datetime | None = None) -> Case:
    """Keep what was typed (errors or not): a new draft case on the first save, else the same case."""
    now = now or utcnow()
    values = with_identity(raw, actor.account)
    if case is None:
        prefecture = session.exec(select(Office).where(Office.code == PREFECTURE_CODE)).one()
        # the hall is known only from the former employer's county at submission; a draft is nobody's work
        case = Case(matter=reception.MATTER, channel="online", status="new", benefits=Benefit.MEDICAL.value,
                    office_id=prefecture.id, submitted_by_id=actor.id, created_at=now)
        _placeholders(case, values, actor.account, beijing_date(now))
        transition(session, case, "save_draft", actor, expected_version=None, now=now,
                   details={"applicant_kind": case.applicant_kind})
        materials.current_catalogue(session, reception.MATTER)
    else:
        if case.status not in EDITABLE:
            raise DomainError("申报已提交，不能再修改。")
        check(case, "submit_draft" if case.status == "draft" else "resubmit", actor)
        if case.status == "draft":
            _placeholders(case, values, actor.account, beijing_date(now))
            session.add(case)
    draft = draft_of(session, case) or ApplicationDraft(case_id=case.id)
    draft.values = values
    draft.updated_at = now
    session.add(draft)
    session.flush()
    return case


def missing_materials(session: Session, case: Case, kind: str) -> list[materials.MaterialItem]:
    by_item = materials.files_by_item(session, case)
    return [i for i in materials.checklist(session, case.matter, kind) if not by_item.get(i.id)]


def submit(session: Session, case: Case, actor: Actor, *, expected_version: int, issue: Issuer,
           now: datetime | None = None) -> Case:
    """6.2.1: complete data and a file for every material of the checklist → accepted at once with the
    electronic 受理回执; after a one-time notice, the same case is accepted afresh ("resubmit")."""
    now = now or utcnow()
    if case.status not in EDITABLE:
        raise DomainError("申报已提交。")
    action = "submit_draft" if case.status == "draft" else "resubmit"
    check(case, action, actor)
    values = values_for(session, case, actor.account)
    data, errors = parse_online(values, actor.account, beijing_today())
    if data is None:
        raise IncompleteApplication(f"申报信息有 {len(errors)} 处需要修改，请修改后再提交。", errors, field="data")
    missing = missing_materials(session, case, data.applicant_kind)
    if missing:
        names = "；".join(f"“{i.name}”" for i in missing)
        raise IncompleteApplication(f"以下材料尚未上传：{names}。请上传后再提交。",
                                    {f"item_{i.id}": f"请上传“{i.name}”。" for i in missing}, field="materials")
    office = office_for_county(session, data.employer_county) if case.status == "draft" else session.get(
        Office, case.office_id)
    assert office is not None
    accepted_on = beijing_date(now)

    def accept(c: Case) -> None:
        reception._fill(session, c, data)
        c.office_id = office.id
        c.number = c.number or next_number(session, "SL", accepted_on.year, office.code)
        c.accepted_at = now
        c.defects = None

    transition(session, case, action, actor, expected_version=expected_version, apply=accept, now=now,
               details={"applicant_kind": data.applicant_kind,
                        "materials": {i.code: len(f) for i, f in _files_by_code(session, case)}})
    period = deadlines.open_period(session, case, now)
    issue_document(session, case, "online_receipt", issue, now)
    _note_due(session, case, period)
    draft = draft_of(session, case)
    if draft is not None:
        session.delete(draft)
    session.flush()
    return case


def _files_by_code(session: Session, case: Case):
    by_item = materials.files_by_item(session, case)
    return [(i, by_item.get(i.id, [])) for i in materials.case_checklist(session, case)]

