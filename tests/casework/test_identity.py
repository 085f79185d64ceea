"""Identity numbers and masking (RULES.md 7–8; cases/identity.json, cases/masking.json)."""

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.identity import (
    PROVINCE_CODES,
    DOCUMENT_TYPES, NOTICE_SEARCHABLE_FIELDS, DocumentType, InvalidIdentity, has_check_char, mask, mask_account,
    mask_id, mask_name, mask_phone, parse_resident_id, resident_id_check_char, uscc_check_char, validate_document,
    validate_uscc,
)

CASES_DIR = Path(os.environ.get("CASES_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "cases"))
IDENTITY = json.loads((CASES_DIR / "identity.json").read_text(encoding="utf-8"))
MASKING = json.loads((CASES_DIR / "masking.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", IDENTITY["resident_id"], ids=[c["value"] for c in IDENTITY["resident_id"]])
def test_resident_id_cases(case):
    if case["valid"]:
        rid = parse_resident_id(case["value"])
        assert rid.number == case["value"].upper()
        if "sex" in case:
            assert rid.sex == case["sex"]
        if "birth" in case:
            assert rid.birth_date == dt.date.fromisoformat(case["birth"])
    else:
        with pytest.raises(InvalidIdentity) as e:
            parse_resident_id(case["value"])
        assert any("\u4e00" <= ch <= "\u9fff" for ch in e.value.message)


@pytest.mark.parametrize("case", IDENTITY["uscc"], ids=[c["value"] for c in IDENTITY["uscc"]])
def test_uscc_cases(case):
    if case["valid"]:
        assert validate_uscc(case["value"].lower()) == case["value"]
    else:
        with pytest.raises(InvalidIdentity):
            validate_uscc(case["value"])


def test_resident_id_messages():
    with pytest.raises(InvalidIdentity, match="15位"):
        parse_resident_id("652301900307521")
    with pytest.raises(InvalidIdentity, match="出生日期"):
        parse_resident_id("652323199002301232")
    with pytest.raises(InvalidIdentity, match="校验位"):
        parse_resident_id("652301199003075214")
    with pytest.raises(InvalidIdentity, match="出生日期"):
        parse_resident_id("652301209003075216", today=dt.date(2025, 1, 1))


@given(st.sampled_from(sorted(PROVINCE_CODES)), st.text(alphabet="0123456789", min_size=4, max_size=4),
       st.dates(dt.date(1900, 1, 1), dt.date(2024, 12, 31)), st.text(alphabet="0123456789", min_size=3, max_size=3))
def test_any_well_formed_id_round_trips(province, region, birth, seq):
    body = province + region + birth.strftime("%Y%m%d") + seq
    rid = parse_resident_id(body + resident_id_check_char(body))
    assert rid.birth_date == birth
    assert rid.sex == ("male" if int(seq[-1]) % 2 else "female")


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_any_uscc_with_its_check_char_is_valid(body):
    assert validate_uscc(body + uscc_check_char(body)) == body + uscc_check_char(body)


def test_region_full_width_digits_and_spaces():
    body = "99" + "0101" + "19900307" + "521"
    with pytest.raises(InvalidIdentity, match="行政区划"):
        parse_resident_id(body + resident_id_check_char(body))
    assert parse_resident_id("６５２３０１ 1990 0307 5216").number == "652301199003075216"


def test_invisible_characters_and_names():
    from casework.identity import clean_text, valid_person_name

    assert clean_text("\u202e逊尔吐\u200b·提买买") is None and clean_text("测\x00试") is None
    assert clean_text("  张  三 ") == "张 三"
    assert valid_person_name("买买提·吐尔逊") and valid_person_name("欧阳娜娜") and valid_person_name("Anna-Maria Li")
    assert not valid_person_name('"><svg onload=alert(1)>') and not valid_person_name("买\u0301")


def test_document_types():
    assert DOCUMENT_TYPES == ("居民身份证", "护照", "港澳台居民居住证", "外国人永久居留身份证")
    assert [has_check_char(t) for t in DOCUMENT_TYPES] == [True, False, False, False]
    assert validate_document("居民身份证", "11010519491231002x") == "11010519491231002X"
    assert validate_document(DocumentType.PASSPORT, " e1234 5678 ") == "E12345678"
    with pytest.raises(InvalidIdentity):
        validate_document("护照", "E-1")
    with pytest.raises(InvalidIdentity):
        validate_document("驾驶证", "123456")


@pytest.mark.parametrize("case", MASKING, ids=[f"{c['field']}:{c['value']}" for c in MASKING])
def test_masking_cases(case):
    assert mask(case["field"], case["value"]) == case["shown"]
    if case["field"] == "notice_search":
        assert not {"name", "id", "phone", "bank_account"} & NOTICE_SEARCHABLE_FIELDS


def test_masking_more():
    assert mask_id("652301900307521") == "652301******521"
    assert mask_id("E12345678") == "****5678"
    assert mask_phone("138 1234 5678") == "138****5678"
    assert mask_account("6222 0202 0011 2233 445") == "****3445"
    assert mask_name("欧阳") == "欧*"
    assert mask_name("王") == "王"
    assert mask_name("") == ""


@given(st.text(alphabet="张王李赵欧阳买提吐尔逊·", min_size=1, max_size=10))
def test_mask_name_hides_all_but_the_surname(name):
    shown = mask_name(name)
    assert len(shown) == len(name.strip())
    assert sum(ch != "*" and ch != "·" for ch in shown) <= 2
