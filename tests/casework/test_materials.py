"""The materials catalogue (one per 事项, versioned) and the counter's rules for the 一次性工伤医疗补助金
(standard 6.1.1.2, 6.1.2.2, 6.2.2; 条例 arts. 35–37), on the real database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from casework import materials
from casework.benefits import Benefit, Refused, compute
from casework.materials import MaterialCatalogue, checklist, current_catalogue, sniff
from casework.models import Case
from casework.parameter_store import DbParameters
from casework.reception import grade_refusal, parse_counter
from casework.review import facts_for
from casework.transitions import DomainError

COUNTER = {
    "applicant_kind": "worker", "id_type": "居民身份证", "id_number": "652301199003075216", "worker_name": "买买提·吐尔逊",
    "contact_phone": "13912345678", "employer_name": "昌吉市天山建材有限责任公司（演示）",
    "employer_uscc": "91652301MA7ABCDE9F", "employer_county": "652301", "injury_date": "2025-03-10",
    "recognition_number": "昌人社工认〔2025〕0123号", "recognition_date": "2025-05-20",
    "appraisal_number": "昌劳鉴〔2025〕0456号", "appraisal_date": "2025-09-15", "grade": "8",
    "termination_date": "2025-10-31", "termination_kind": "contract-expired",
    "bank_name": "中国工商银行昌吉分行", "bank_account": "6222020200112233445",
}


def test_checklist_for_each_applicant_kind(db, seeded):
    worker = [i.code for i in checklist(db, "medical", "worker")]
    employer = [i.code for i in checklist(db, "medical", "former_employer")]
    proxy = [i.code for i in checklist(db, "medical", "proxy")]
    # a) identity document, b) termination proof — for everyone; c) only when a proxy applies
    assert worker == ["identity", "termination"]
    assert employer == ["identity", "termination"]
    assert proxy == ["identity", "termination", "principal_id_copy", "proxy_id", "power_of_attorney"]
    items = {i.code: i for i in checklist(db, "medical", "proxy")}
    assert items["identity"].form == "original" and "社会保障卡" in items["identity"].name
    assert "港澳台居民居住证" in items["identity"].name and "外国人永久居留身份证" in items["identity"].name
    assert items["principal_id_copy"].form == "copy" and items["principal_id_copy"].condition == "proxy"
    assert items["power_of_attorney"].name == "授权委托书"
    assert "仲裁" in items["termination"].name and "调解" in items["termination"].name
    # the wanted text of the one-time notice comes from the same row
    assert items["power_of_attorney"].wanted().startswith("请提供授权委托书原件1份")
    with pytest.raises(DomainError):
        checklist(db, "medical", "stranger")


def test_one_catalogue_version_per_matter_written_once(db, seeded):
    first = current_catalogue(db, "medical")
    db.commit()
    again = current_catalogue(db, "medical")
    assert again.id == first.id and again.version == 1
    assert len(db.exec(select(MaterialCatalogue).where(MaterialCatalogue.matter == "medical")).all()) == 1


def test_file_types_are_recognised_by_content():
    assert sniff(b"%PDF-1.7\n...") == "application/pdf"
    assert sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "image/jpeg"
    assert sniff(b"\x89PNG\r\n\x1a\n\x00\x00") == "image/png"
    assert sniff(b"PK\x03\x04 a zip named .pdf") is None
    assert sniff(b"") is None
    assert materials.clean_name("C:\\扫描\\工伤认定决定书（扫描件）.pdf") == "工伤认定决定书（扫描件）.pdf"


def test_counter_form_accepts_a_valid_application():
    data, errors = parse_counter(COUNTER, today=date(2026, 1, 5))
    assert errors == {} and data is not None
    assert data.sex == "male" and data.birth_date == date(1990, 3, 7) and data.grade == 8
    assert data.termination_kind == "contract-expired" and data.proxy_name is None


@pytest.mark.parametrize("grade,kind,field,words", [
    ("3", "worker-initiated", "grade", "第三十五条"),
    ("1", "contract-expired", "grade", "保留劳动关系"),
    ("5", "contract-expired", "termination_kind", "第三十六条"),
    ("6", "other", "termination_kind", "本人提出与用人单位解除"),
    ("7", "other", "termination_kind", "第三十七条"),
    ("10", "other", "termination_kind", "期满终止"),
])
def test_grade_and_termination_refused_beside_the_field(grade, kind, field, words):
    data, errors = parse_counter({**COUNTER, "grade": grade, "termination_kind": kind}, today=date(2026, 1, 5))
    assert data is None and field in errors and words in errors[field]


@pytest.mark.parametrize("grade,kind", [("5", "worker-initiated"), ("6", "worker-initiated"),
                                        ("7", "contract-expired"), ("10", "worker-initiated")])
def test_eligible_grade_and_termination(grade, kind):
    assert grade_refusal(int(grade), kind) is None
    data, errors = parse_counter({**COUNTER, "grade": grade, "termination_kind": kind}, today=date(2026, 1, 5))
    assert errors == {}


def test_proxy_needs_the_proxy_identity_and_bad_input_is_named():
    data, errors = parse_counter({**COUNTER, "applicant_kind": "proxy", "contact_phone": "12",
                                  "employer_uscc": "91652301MA7ABCDE9A", "termination_date": "2025-01-01"},
                                 today=date(2026, 1, 5))
    assert data is None
    assert {"proxy_name", "proxy_id_number", "contact_phone", "employer_uscc", "termination_date"} <= set(errors)
    data, errors = parse_counter({**COUNTER, "applicant_kind": "proxy", "proxy_name": "李四",
                                  "proxy_id_type": "居民身份证", "proxy_id_number": "652301199003075216"},
                                 today=date(2026, 1, 5))
    assert "proxy_id_number" in errors  # the worker is not their own proxy


def test_medical_amount_is_months_times_w_on_the_termination_date(db, seeded):
    """RULES.md 2: months(grade) × W in force on the termination date; the demo table (8级 → 6 months)."""
    case = Case(matter="medical", benefits=Benefit.MEDICAL.value, channel="onsite", status="initial_review",
                office_id=1, id_type="居民身份证", id_number="652301199003075216", worker_name="测试", sex="male",
                birth_date=date(1990, 3, 7), retirement_group="man", injury_date=date(2025, 3, 10),
                recognition_number="R", recognition_date=date(2025, 5, 20), appraisal_number="A",
                appraisal_date=date(2025, 9, 15), grade=8, wages_fen=[], bank_name="B", bank_account="62220202",
                termination_date=date(2025, 10, 31), termination_kind="contract-expired",
                former_employer_county="652301")
    facts = facts_for(db, case)
    assert facts.benefits == frozenset({Benefit.MEDICAL}) and facts.termination_kind == "contract-expired"
    result = compute(facts, DbParameters(db))
    assert str(result.medical_lump_sum) == "47140.50"  # 7,856.75 × 6
    assert any(p.key == "medical_months" for p in result.parameters)
    # a termination before the table is in force: refused, naming the table
    case.termination_date = date(2020, 6, 30)
    with pytest.raises(Refused) as exc:
        compute(facts_for(db, case), DbParameters(db))
    assert exc.value.parameter in ("medical_months", "average_wage")
