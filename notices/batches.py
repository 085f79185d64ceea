"""Compiling, publishing and withdrawing notice batches (业务通告单, standard 6.7; RULES.md 8).

The initial reviewer (初审岗) compiles a month's approved cases of the office into a draft; the chief (科长),
never the compiler, approves publication; the chief may withdraw a notice with a reason (kept, marked withdrawn,
never deleted). Masking happens here, before anything is stored (casework.identity is its only home), so every
output built from these rows (pages, PDF) is masked by construction. Every state change is audited with
case-independent details (no names, no IDs). No HTTP, no HTML, no PDF: the PDF is made by the `issue` callable
the portal passes in.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import update
from sqlmodel import Session, col, select

from casework import deadlines, working_days
from casework.clock import BEIJING, beijing_date
from casework.identity import mask_id, mask_name
from casework.models import Account, Case, Document, Employer, Office, utcnow
from casework.money import fmt_yuan
from casework.numbering import next_number
from casework.review import StoredFile
from casework.roles import Role
from casework.transitions import MAX_REASON, Actor, Conflict, DomainError, NotPermitted, audit
from notices.models import (DEFAULT_OBJECTION_DAYS, DEFAULT_PUBLICATION_DAYS, NoticeBatch, NoticeRow,
                            NoticeSetting)

TITLE = "工伤保险因工伤残待遇业务通告单"
STATUS_LABELS = {"draft": "待科长审批", "published": "已发布", "withdrawn": "已撤回"}

# (batch, rows, verification token, moment) → the stored PDF; the portal renders and stores it
Issue = Callable[[NoticeBatch, list[NoticeRow], str, datetime], StoredFile]


def _require(actor: Actor, role: Role, what: str) -> Office:
    if actor.role is not role or role.value not in actor.account.role_set() or not actor.account.active:
        raise NotPermitted(f"只有{role.label}可以{what}。")
    if actor.office is None or actor.account.office_id != actor.office.id:
        raise NotPermitted("您的账户未归属经办机构，不能办理通告。")
    return actor.office


def _in_office(batch: NoticeBatch, office: Office) -> None:
    if batch.office_id != office.id:
        raise NotPermitted("该通告不属于您所在的经办机构。")


def _bump(db: Session, batch: NoticeBatch, expected_version: int | None) -> None:
    """Optimistic locking as for cases: only one of two simultaneous decisions matches the version."""
    if expected_version is not None and expected_version != batch.version:
        raise Conflict("该通告已被他人更新（您看到的是旧版本）。请刷新页面后再操作。")
    result = db.execute(update(NoticeBatch).where(NoticeBatch.id == batch.id, NoticeBatch.version == batch.version)
                        .values(version=batch.version + 1))
    if result.rowcount != 1:
        raise Conflict("该通告已被他人更新。请刷新页面后再操作。")
    db.expire(batch, ["version"])


# --- the office's setting ----------------------------------------------------------------------------------

def setting_for(db: Session, office_id: int) -> NoticeSetting:
    return db.get(NoticeSetting, office_id) or NoticeSetting(office_id=office_id)


def parse_setting(form: dict) -> tuple[dict, dict[str, str]]:
    data: dict = {"show_amounts": str(form.get("show_amounts", "")) in ("1", "on", "yes", "true")}
    errors: dict[str, str] = {}
    for name, label, low, high in (("publication_days", "公示天数", 7, 365), ("objection_days", "异议期（工作日）", 1, 30)):
        raw = str(form.get(name, "")).strip()
        if not re.fullmatch(r"\d{1,3}", raw) or not low <= int(raw) <= high:
            errors[name] = f"{label}请填写 {low} 至 {high} 之间的整数。"
        else:
            data[name] = int(raw)
    return data, errors


def save_setting(db: Session, actor: Actor, data: dict) -> NoticeSetting:
    office = _require(actor, Role.CHIEF, "修改通告设置")
    setting = setting_for(db, office.id)  # type: ignore[arg-type]
    before = {"show_amounts": setting.show_amounts, "publication_days": setting.publication_days,
              "objection_days": setting.objection_days}
    setting.show_amounts = data["show_amounts"]
    setting.publication_days = data["publication_days"]
    setting.objection_days = data["objection_days"]
    setting.updated_at, setting.updated_by_id = utcnow(), actor.id
    db.add(setting)
    db.flush()
    audit(db, "notice_setting", actor.account, role=actor.role.value, office_code=office.code, ip=actor.ip,
          details={"before": before, "after": {k: data[k] for k in before}})
    return setting


# --- compiling -----------------------------------------------------------------------------------------------

def parse_period(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        raise DomainError("请按“年-月”选择通告期间，例如 2026-11。", field="period")
    return int(m.group(1)), int(m.group(2))


def _month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    # approvals are counted on Beijing dates (RULES.md 6), stored as UTC instants
    start = datetime(year, month, 1, tzinfo=BEIJING)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=BEIJING)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def eligible_cases(db: Session, office_id: int, period: str) -> list[Case]:
    """Approved cases of the office decided in the period and not in a notice that still stands."""
    year, month = parse_period(period)
    start, end = _month_bounds(year, month)
    noticed = (select(NoticeRow.case_id).join(NoticeBatch, col(NoticeBatch.id) == col(NoticeRow.batch_id))
               .where(NoticeBatch.status != "withdrawn"))
    return list(db.exec(
        select(Case).where(Case.office_id == office_id, Case.status == "approved", col(Case.decided_at) >= start,
                           col(Case.decided_at) < end, col(Case.id).not_in(noticed))
        .order_by(col(Case.decided_at), col(Case.id))).all())


def row_for(db: Session, case: Case, seq: int, show_amounts: bool) -> NoticeRow:
    """The published line of one case: masked here, before it is stored (RULES.md 8)."""
    employer = db.get(Employer, case.employer_id) if case.employer_id else None
    amounts: list[dict] = []
    if show_amounts:
        for line in (case.assessment or {}).get("lines", []):
            if line.get("payer", "fund") != "fund":
                continue
            amount = fmt_yuan(Decimal(str(line["amount"]))) + ("元/月" if line.get("monthly") else "元")
            amounts.append({"item": str(line["item"]), "amount": amount})
    return NoticeRow(seq=seq, case_id=case.id, masked_name=mask_name(case.worker_name), masked_id=mask_id(case.id_number),
                     employer_name=employer.name if employer else (case.former_employer_name or ""),
                     items="、".join(case.benefit_list()), amounts=amounts)


def compile_batch(db: Session, actor: Actor, period: str, now: datetime | None = None) -> NoticeBatch:
    office = _require(actor, Role.INITIAL_REVIEW, "编制业务通告单")
    year, month = parse_period(period)
    period = f"{year:04d}-{month:02d}"
    cases = eligible_cases(db, office.id, period)  # type: ignore[arg-type]
    if not cases:
        raise DomainError(f"{year}年{month}月没有尚未通告的已核定案件。", field="period")
    now = now or utcnow()
    setting = setting_for(db, office.id)  # type: ignore[arg-type]
    batch = NoticeBatch(
        number=next_number(db, "TG", beijing_date(now).year, office.code), office_id=office.id, period=period,
        status="draft", show_amounts=setting.show_amounts, publication_days=setting.publication_days,
        objection_days=setting.objection_days, office_name=office.name, office_address=office.address,
        office_phone=office.phone, compiled_by_id=actor.id, compiled_at=now)
    db.add(batch)
    db.flush()
    for seq, case in enumerate(cases, start=1):
        row = row_for(db, case, seq, setting.show_amounts)
        row.batch_id = batch.id  # type: ignore[assignment]
        db.add(row)
    db.flush()
    audit(db, "notice_compile", actor.account, role=actor.role.value, office_code=office.code, ip=actor.ip,
          details={"clause": "6.7", "batch": batch.number, "period": period, "rows": len(cases),
                   "show_amounts": setting.show_amounts})
    return batch


# --- publishing and withdrawing ------------------------------------------------------------------------------

def rows_of(db: Session, batch: NoticeBatch) -> list[NoticeRow]:
    return list(db.exec(select(NoticeRow).where(NoticeRow.batch_id == batch.id).order_by(col(NoticeRow.seq))).all())


def approve(db: Session, batch: NoticeBatch, actor: Actor, *, expected_version: int | None, issue: Issue,
            now: datetime | None = None) -> NoticeBatch:
    """The chief approves publication: the window and the objection period start on the Beijing date of
    approval; the PDF is issued, stored with its SHA-256 and recorded (and a Document row serves /verify)."""
    office = _require(actor, Role.CHIEF, "审批发布业务通告单")
    _in_office(batch, office)
    if batch.status != "draft":
        raise DomainError(f"该通告当前状态为“{STATUS_LABELS.get(batch.status, batch.status)}”，不能审批发布。")
    if batch.compiled_by_id == actor.id:
        # RULES.md 11: separation of duties — nobody approves what they compiled
        raise NotPermitted("您是该通告的编制人，不能审批本人编制的通告，请由其他科长审批。")
    _bump(db, batch, expected_version)
    now = now or utcnow()
    today = beijing_date(now)
    due = working_days.due_date(today, batch.objection_days, deadlines.overlay(db))
    batch.status = "published"
    batch.approved_by_id, batch.approved_at = actor.id, now
    batch.published_from = today
    batch.published_until = today + timedelta(days=batch.publication_days - 1)
    batch.objection_until, batch.objection_provisional = due.date, due.provisional
    rows = rows_of(db, batch)
    token = secrets.token_urlsafe(16)
    stored = issue(batch, rows, token, now)
    doc = Document(case_id=None, kind="notice_batch", number=batch.number, token=token, title="业务通告单",
                   filename=f"业务通告单-{batch.number}.pdf", bucket=stored.bucket, object_key=stored.key,
                   sha256=stored.sha256, size=stored.size, issued_at=now, office_id=office.id)
    db.add(doc)
    db.flush()
    batch.document_id = doc.id
    batch.pdf_bucket, batch.pdf_key, batch.pdf_sha256 = stored.bucket, stored.key, stored.sha256
    db.add(batch)
    db.flush()
    audit(db, "notice_publish", actor.account, role=actor.role.value, office_code=office.code, ip=actor.ip,
          details={"clause": "6.7", "batch": batch.number, "rows": len(rows), "sha256": stored.sha256,
                   "published_from": today.isoformat(), "published_until": batch.published_until.isoformat(),
                   "objection_until": due.date.isoformat()})
    return batch


def withdraw(db: Session, batch: NoticeBatch, actor: Actor, *, reason: str, expected_version: int | None,
             now: datetime | None = None) -> NoticeBatch:
    """The chief withdraws a draft or a published notice with a reason: kept, marked withdrawn, never deleted;
    its cases may be compiled again."""
    office = _require(actor, Role.CHIEF, "撤回业务通告单")
    _in_office(batch, office)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("撤回通告必须注明原因。", field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(f"原因不能超过{MAX_REASON}字（当前{len(reason)}字），请精简后提交。", field="reason")
    if batch.status == "withdrawn":
        raise DomainError("该通告已撤回。")
    _bump(db, batch, expected_version)
    before = batch.status
    batch.status = "withdrawn"
    batch.withdrawn_by_id, batch.withdrawn_at, batch.withdraw_reason = actor.id, now or utcnow(), reason
    db.add(batch)
    db.flush()
    audit(db, "notice_withdraw", actor.account, role=actor.role.value, office_code=office.code, ip=actor.ip,
          reason=reason, details={"clause": "6.7", "batch": batch.number, "from": before})
    return batch


# --- what the public sees ------------------------------------------------------------------------------------

def in_force(batch: NoticeBatch, today: date) -> bool:
    return (batch.status == "published" and batch.published_from is not None and batch.published_until is not None
            and batch.published_from <= today <= batch.published_until)


def public_batches(db: Session, today: date) -> list[NoticeBatch]:
    """Published notices within their window, by office and period. Deliberately no filter by a person's
    name or ID: a search would reveal whether someone is disabled (RULES.md 8, identity.NOTICE_SEARCHABLE_FIELDS)."""
    found = db.exec(select(NoticeBatch).where(NoticeBatch.status == "published",
                                              col(NoticeBatch.published_from) <= today,
                                              col(NoticeBatch.published_until) >= today)).all()
    return sorted(found, key=lambda b: (b.office_name, b.period, b.number), reverse=False)


def public_batch(db: Session, number: str, today: date) -> NoticeBatch | None:
    batch = db.exec(select(NoticeBatch).where(NoticeBatch.number == number)).first()
    return batch if batch is not None and in_force(batch, today) else None


def office_batches(db: Session, office_id: int) -> list[NoticeBatch]:
    return list(db.exec(select(NoticeBatch).where(NoticeBatch.office_id == office_id)
                        .order_by(col(NoticeBatch.compiled_at).desc(), col(NoticeBatch.id).desc())).all())


def batch_by_number(db: Session, number: str) -> NoticeBatch | None:
    return db.exec(select(NoticeBatch).where(NoticeBatch.number == number)).first()


@dataclass(frozen=True)
class People:
    compiled_by: str
    approved_by: str
    withdrawn_by: str


def people_of(db: Session, batch: NoticeBatch) -> People:
    def name(account_id: int | None) -> str:
        a = db.get(Account, account_id) if account_id else None
        return a.display_name if a else ""

    return People(name(batch.compiled_by_id), name(batch.approved_by_id), name(batch.withdrawn_by_id))


__all__ = ["DEFAULT_OBJECTION_DAYS", "DEFAULT_PUBLICATION_DAYS", "TITLE", "STATUS_LABELS", "approve",
           "compile_batch", "eligible_cases", "withdraw", "public_batches", "public_batch", "in_force"]
