"""The domain of public notices (standard 6.7, RULES.md 8): masking per cases/masking.json before anything is
stored, separation of compiler and approver, withdrawal that keeps the record, the public window. Real
database (both engines), real object store and real WeasyPrint for the PDF."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import col, select

from casework import deadlines, working_days
from casework.clock import BEIJING
from casework.identity import NOTICE_SEARCHABLE_FIELDS, mask
from casework.models import Account, AuditRecord, Case, Document, Employer, Office
from casework.roles import Role
from casework.transitions import Actor, DomainError, NotPermitted
from notices import batches
from notices.models import NoticeBatch, NoticeRow
from tests.conftest import SHARED

MASKING = json.loads((SHARED / "cases" / "masking.json").read_text(encoding="utf-8"))["cases"]
PEOPLE = [("张三", "652301199003075216"), ("李小明", "11010519491231002X"), ("欧阳娜娜", "652301199003075216"),
          ("买买提·吐尔逊", "11010519491231002X")]
BANK = "6222020200112233445"
PERIOD = "2026-10"
DECIDED = datetime(2026, 10, 15, 10, 0, tzinfo=BEIJING).astimezone(timezone.utc)
ASSESSMENT = {"lines": [
    {"item": "一次性伤残补助金", "amount": "162000.00", "payer": "fund"},
    {"item": "伤残津贴", "amount": "4500.00", "payer": "fund", "monthly": True},
    {"item": "伤残就业补助金", "amount": "1000.00", "payer": "employer"},
]}


def _shown(field: str, value: str) -> str:
    return next(c["shown"] for c in MASKING if c["field"] == field and c["value"] == value)


@pytest.fixture
def hall(db, seeded):
    """An office of its own, so other tests' approved cases never enter these batches."""
    code = f"69{uuid.uuid4().int % 10000:04d}"
    office = Office(code=code, name=f"测试通告大厅{code}", kind="county", address="昌吉市测试路1号", phone="0994-1234567")
    db.add(office)
    db.flush()
    employer = Employer(uscc=f"91652301{uuid.uuid4().hex[:10].upper()}", name="昌吉测试建材有限公司", county="652301")
    db.add(employer)
    db.flush()

    def account(name: str, *roles: Role, office_id=office.id) -> Account:
        a = Account(username=f"{name}-{uuid.uuid4().hex[:6]}", display_name=name, password_hash="x", kind="staff",
                    roles=" ".join(r.value for r in roles), office_id=office_id)
        db.add(a)
        db.flush()
        return a

    people = {
        "compiler": account("初审甲", Role.INITIAL_REVIEW),
        "both": account("兼任乙", Role.INITIAL_REVIEW, Role.CHIEF),
        "chief": account("科长丙", Role.CHIEF),
        "recheck": account("复核丁", Role.RECHECK),
    }
    return {"office": office, "employer": employer, **people}


def actor(hall, who: str, role: Role) -> Actor:
    return Actor(account=hall[who], role=role, office=hall["office"])


def approved(db, hall, name: str, id_number: str, decided: datetime = DECIDED, status: str = "approved") -> Case:
    case = Case(matter="disability", benefits="一次性伤残补助金 伤残津贴", channel="online", status=status,
                office_id=hall["office"].id, employer_id=hall["employer"].id, id_type="居民身份证",
                id_number=id_number, worker_name=name, sex="male", birth_date=date(1990, 3, 7),
                retirement_group="man", injury_date=date(2025, 3, 10), recognition_number=f"R{uuid.uuid4().hex[:8]}",
                recognition_date=date(2025, 4, 1), appraisal_number="A", appraisal_date=date(2025, 5, 1), grade=4,
                wages_fen=[600000] * 12, bank_name="中国工商银行", bank_account=BANK, decided_at=decided,
                assessment=ASSESSMENT)
    db.add(case)
    db.flush()
    return case


@pytest.fixture
def issue(settings, engine, object_store, renderer, cheap_hasher):
    from portal.notice_documents import notice_issuer
    from portal.web import Services

    return notice_issuer(Services(settings=settings, engine=engine, store=object_store, renderer=renderer,
                                  hasher=cheap_hasher))


def _stored_text(db, batch: NoticeBatch) -> str:
    rows = db.exec(select(NoticeRow).where(NoticeRow.batch_id == batch.id)).all()
    return json.dumps([batch.model_dump(mode="json")] + [r.model_dump(mode="json") for r in rows], ensure_ascii=False)


def _assert_masked(text: str, people=PEOPLE) -> None:
    squashed = re.sub(r"\s+", "", text)
    for name, id_number in people:
        assert name not in squashed and id_number not in squashed
        assert _shown("name", name) in squashed and _shown("id", id_number) in squashed
    assert BANK not in squashed and BANK[-8:] not in squashed


def pdf_text(data: bytes, tmp_path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is missing: install Debian poppler-utils")
    path = tmp_path / "notice.pdf"
    path.write_bytes(data)
    return subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True,
                          timeout=60).stdout


def test_compiled_rows_hold_only_masked_values(db, hall):
    cases = [approved(db, hall, n, i) for n, i in PEOPLE]
    approved(db, hall, "王五", "652301199003075216", decided=DECIDED + timedelta(days=40))  # another month
    approved(db, hall, "赵六", "652301199003075216", status="recheck")  # not approved yet
    batch = batches.compile_batch(db, actor(hall, "compiler", Role.INITIAL_REVIEW), PERIOD)
    assert batch.status == "draft" and batch.number.startswith("TG") and hall["office"].code in batch.number
    rows = batches.rows_of(db, batch)
    assert [r.case_id for r in rows] == [c.id for c in cases] and [r.seq for r in rows] == [1, 2, 3, 4]
    assert [(r.masked_name, r.masked_id) for r in rows] == [(_shown("name", n), _shown("id", i)) for n, i in PEOPLE]
    assert rows[0].employer_name == "昌吉测试建材有限公司" and rows[0].items == "一次性伤残补助金、伤残津贴"
    assert all(r.amounts == [] for r in rows)  # default: no amounts (DOCUMENTS.md)
    _assert_masked(_stored_text(db, batch))
    trail = db.exec(select(AuditRecord).where(AuditRecord.action == "notice_compile")
                    .order_by(col(AuditRecord.id).desc())).first()
    assert trail.details["batch"] == batch.number and trail.details["rows"] == 4 and trail.case_id is None
    for name, id_number in PEOPLE:  # case-independent details
        assert name not in json.dumps(trail.details, ensure_ascii=False) and id_number not in json.dumps(trail.details)
    # a case is noticed once: nothing left for the month
    with pytest.raises(DomainError) as exc:
        batches.compile_batch(db, actor(hall, "compiler", Role.INITIAL_REVIEW), PERIOD)
    assert exc.value.field == "period" and "没有" in exc.value.message


def test_only_the_initial_reviewer_compiles_and_the_period_is_checked(db, hall):
    approved(db, hall, "张三", "652301199003075216")
    with pytest.raises(NotPermitted):
        batches.compile_batch(db, actor(hall, "chief", Role.CHIEF), PERIOD)
    with pytest.raises(NotPermitted):
        batches.compile_batch(db, Actor(account=hall["chief"], role=Role.INITIAL_REVIEW, office=hall["office"]), PERIOD)
    for bad in ("", "2026-13", "十月", "2026/10"):
        with pytest.raises(DomainError) as exc:
            batches.compile_batch(db, actor(hall, "compiler", Role.INITIAL_REVIEW), bad)
        assert exc.value.field == "period"


def test_amounts_only_when_the_office_says_so(db, hall):
    approved(db, hall, "张三", "652301199003075216")
    with pytest.raises(NotPermitted):
        batches.save_setting(db, actor(hall, "compiler", Role.INITIAL_REVIEW),
                             {"show_amounts": True, "publication_days": 30, "objection_days": 5})
    data, errors = batches.parse_setting({"show_amounts": "1", "publication_days": "20", "objection_days": "7"})
    assert errors == {}
    batches.save_setting(db, actor(hall, "chief", Role.CHIEF), data)
    _, errors = batches.parse_setting({"publication_days": "0", "objection_days": "abc"})
    assert set(errors) == {"publication_days", "objection_days"}
    batch = batches.compile_batch(db, actor(hall, "compiler", Role.INITIAL_REVIEW), PERIOD)
    assert (batch.show_amounts, batch.publication_days, batch.objection_days) == (True, 20, 7)
    # the fund's items only; the employer's share is not the agency's to publish
    assert batches.rows_of(db, batch)[0].amounts == [{"item": "一次性伤残补助金", "amount": "162,000.00元"},
                                                    {"item": "伤残津贴", "amount": "4,500.00元/月"}]


def test_the_compiler_cannot_approve_and_the_chief_publishes_a_masked_pdf(db, hall, issue, object_store, tmp_path):
    for n, i in PEOPLE:
        approved(db, hall, n, i)
    batch = batches.compile_batch(db, actor(hall, "both", Role.INITIAL_REVIEW), PERIOD)
    with pytest.raises(NotPermitted) as exc:
        batches.approve(db, batch, actor(hall, "both", Role.CHIEF), expected_version=batch.version, issue=issue)
    assert "编制人" in exc.value.message and batch.status == "draft"
    with pytest.raises(NotPermitted):
        batches.approve(db, batch, actor(hall, "recheck", Role.RECHECK), expected_version=batch.version, issue=issue)
    now = datetime(2026, 11, 2, 3, 0, tzinfo=timezone.utc)  # Monday 2 November 2026, Beijing
    batches.approve(db, batch, actor(hall, "chief", Role.CHIEF), expected_version=1, issue=issue, now=now)
    assert batch.status == "published" and batch.published_from == date(2026, 11, 2)
    assert batch.published_until == date(2026, 12, 1)  # 30 days including the first
    assert batch.objection_until == working_days.due_date(date(2026, 11, 2), 5, deadlines.overlay(db)).date
    assert batch.objection_until == date(2026, 11, 9)
    doc = db.get(Document, batch.document_id)
    assert doc.case_id is None and doc.number == batch.number and doc.sha256 == batch.pdf_sha256
    data = object_store.read(batch.pdf_bucket, batch.pdf_key)
    import hashlib

    assert hashlib.sha256(data).hexdigest() == batch.pdf_sha256
    text = pdf_text(data, tmp_path)
    _assert_masked(text)
    squashed = re.sub(r"\s+", "", text)
    assert "业务通告单" in squashed and batch.number in squashed and "0994-1234567" in squashed
    assert "2026年11月09日" in squashed and "162,000" not in squashed  # no amounts by default
    trail = db.exec(select(AuditRecord).where(AuditRecord.action == "notice_publish")
                    .order_by(col(AuditRecord.id).desc())).first()
    assert trail.details["sha256"] == batch.pdf_sha256 and trail.actor_id == hall["chief"].id
    # a stale page cannot publish twice
    with pytest.raises(DomainError):
        batches.approve(db, batch, actor(hall, "chief", Role.CHIEF), expected_version=1, issue=issue)


def test_withdrawal_keeps_the_record_and_frees_the_cases(db, hall, issue):
    case = approved(db, hall, "张三", "652301199003075216")
    batch = batches.compile_batch(db, actor(hall, "compiler", Role.INITIAL_REVIEW), PERIOD)
    batches.approve(db, batch, actor(hall, "chief", Role.CHIEF), expected_version=batch.version, issue=issue)
    with pytest.raises(NotPermitted):
        batches.withdraw(db, batch, actor(hall, "compiler", Role.INITIAL_REVIEW), reason="错误", expected_version=None)
    with pytest.raises(DomainError) as exc:
        batches.withdraw(db, batch, actor(hall, "chief", Role.CHIEF), reason="  ", expected_version=batch.version)
    assert exc.value.field == "reason"
    batches.withdraw(db, batch, actor(hall, "chief", Role.CHIEF), reason="名单有误，更正后重新发布",
                     expected_version=batch.version)
    db.flush()
    kept = db.exec(select(NoticeBatch).where(NoticeBatch.number == batch.number)).one()
    assert kept.status == "withdrawn" and kept.withdraw_reason == "名单有误，更正后重新发布"
    assert kept.withdrawn_by_id == hall["chief"].id and len(batches.rows_of(db, kept)) == 1
    assert batches.public_batch(db, kept.number, kept.published_from) is None
    trail = db.exec(select(AuditRecord).where(AuditRecord.action == "notice_withdraw")
                    .order_by(col(AuditRecord.id).desc())).first()
    assert trail.reason == "名单有误，更正后重新发布" and trail.details["from"] == "published"
    with pytest.raises(DomainError):
        batches.withdraw(db, kept, actor(hall, "chief", Role.CHIEF), reason="再次", expected_version=None)
    # the corrected notice may list the case again
    assert [c.id for c in batches.eligible_cases(db, hall["office"].id, PERIOD)] == [case.id]


def test_the_public_sees_only_published_notices_within_their_window(db, hall, issue):
    approved(db, hall, "张三", "652301199003075216")
    draft = batches.compile_batch(db, actor(hall, "compiler", Role.INITIAL_REVIEW), PERIOD)
    start = date(2026, 11, 2)
    assert draft not in batches.public_batches(db, start)
    now = datetime(2026, 11, 2, 3, 0, tzinfo=timezone.utc)
    batches.approve(db, draft, actor(hall, "chief", Role.CHIEF), expected_version=draft.version, issue=issue, now=now)
    assert draft in batches.public_batches(db, start) and draft in batches.public_batches(db, date(2026, 12, 1))
    assert draft not in batches.public_batches(db, date(2026, 12, 2))  # the window has passed
    assert draft not in batches.public_batches(db, date(2026, 11, 1))
    assert batches.public_batch(db, draft.number, date(2026, 12, 2)) is None
    # another office's chief cannot act on it
    other = db.exec(select(Office).where(Office.code == "652301")).one()
    stranger = Account(username=f"kz-{uuid.uuid4().hex[:6]}", display_name="他处科长", password_hash="x", kind="staff",
                       roles="chief", office_id=other.id)
    db.add(stranger)
    db.flush()
    with pytest.raises(NotPermitted):
        batches.withdraw(db, draft, Actor(account=stranger, role=Role.CHIEF, office=other), reason="x",
                         expected_version=None)


def test_no_field_of_a_notice_is_searchable():
    # the domain and its tests share one answer (casework.identity): nothing identifies a person
    assert NOTICE_SEARCHABLE_FIELDS == frozenset()
    assert mask("notice_search", "张三") is None
