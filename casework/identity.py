"""Identity numbers (RULES.md 7) and masking for anything that leaves the server (RULES.md 8).

This module is the only home of masking in the project: notices, exports and pages call these functions so
that one rule, tested once, governs what personal data can be seen.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import re
from dataclasses import dataclass
from enum import Enum

__all__ = [
    "InvalidIdentity",
    "ResidentId",
    "parse_resident_id",
    "resident_id_check_char",
    "validate_uscc",
    "uscc_check_char",
    "DocumentType",
    "DOCUMENT_TYPES",
    "has_check_char",
    "validate_document",
    "COMPOUND_SURNAMES",
    "mask_name",
    "mask_id",
    "mask_phone",
    "mask_account",
    "mask",
    "NOTICE_SEARCHABLE_FIELDS",
]


class InvalidIdentity(ValueError):
    """An identity number that fails its standard; the message is in Chinese, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ResidentId:
    number: str            # normalised: 18 characters, check character upper-case
    birth_date: dt.date
    sex: str               # "male" | "female"

    @property
    def region(self) -> str:
        """Address code (positions 1–6) — the place of first registration, not of residence."""
        return self.number[:6]


# GB 11643-1999: weights of the first 17 digits; S mod 11 → check character.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ASCII_DIGITS = re.compile(r"^[0-9]+$", re.ASCII)


def resident_id_check_char(first17: str) -> str:
    """Check character for the first 17 digits of a resident ID (GB 11643)."""
    if len(first17) != 17 or not _ASCII_DIGITS.match(first17):
        raise InvalidIdentity("身份证号码前17位必须是数字")
    s = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[s % 11]


# GB/T 2260 province-level codes (the first two digits of a resident ID; 71/81/82 for Taiwan, Hong Kong, Macao;
# 83 on 港澳台居民居住证-based numbers is not a resident ID and is handled by validate_document)
PROVINCE_CODES = frozenset("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
                           "61 62 63 64 65 71 81 82".split())


def clean_text(value: str) -> str | None:
    """Typed text without invisible characters: None if it holds control or format characters (NUL, new
    lines in a one-line field, right-to-left overrides, zero-width spaces), which can make one name print as
    another on an official document."""
    text = unicodedata.normalize("NFC", value)
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        return None
    return " ".join(text.split())


def valid_person_name(name: str) -> bool:
    """A person's name: letters (any script) with the separators names use — the middle dot of
    transliterated names (买买提·吐尔逊), spaces, hyphens and full stops — and no combining marks that can
    disguise one name as another."""
    if not name or len(name) > 40:
        return False
    for ch in name:
        cat = unicodedata.category(ch)
        if not (cat.startswith("L") or ch in "·• -.'"):
            return False
    return True


def parse_resident_id(s: str, today: dt.date | None = None) -> ResidentId:
    """Validate an 18-character resident ID and read its birth date and sex.

    Lower-case x is normalised to X.  15-digit first-generation numbers are refused: they may appear in old
    records but are no longer valid for new applications (RULES.md 7).  If `today` is given, a birth date after
    it is refused too (kept optional so the function stays pure).
    """
    if not isinstance(s, str):
        raise InvalidIdentity("身份证号码必须是文本")
    # full-width digits (１２３) and spaces typed by an input method are the same number
    number = "".join(unicodedata.normalize("NFKC", s).split()).upper()
    if len(number) == 15 and _ASCII_DIGITS.match(number):
        raise InvalidIdentity("15位第一代身份证号码已不能用于新的申请，请使用18位居民身份证号码")
    if len(number) != 18:
        raise InvalidIdentity(f"居民身份证号码应为18位，当前为{len(number)}位")
    body, check = number[:17], number[17]
    if not _ASCII_DIGITS.match(body):
        raise InvalidIdentity("居民身份证号码前17位必须是数字")
    if check not in "0123456789X":
        raise InvalidIdentity("居民身份证号码第18位只能是数字或X")
    try:
        birth = dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        raise InvalidIdentity(f"居民身份证号码中的出生日期 {body[6:14]} 不是有效日期") from None
    if birth.year < 1900 or (today is not None and birth > today):
        raise InvalidIdentity(f"居民身份证号码中的出生日期 {birth.isoformat()} 不合理")
    if body[:2] not in PROVINCE_CODES:
        raise InvalidIdentity(f"居民身份证号码前两位 {body[:2]} 不是有效的省级行政区划代码，请核对号码")
    if resident_id_check_char(body) != check:
        raise InvalidIdentity("居民身份证号码校验位不正确，请核对号码")
    sex = "male" if int(body[16]) % 2 == 1 else "female"
    return ResidentId(number=number, birth_date=birth, sex=sex)


# GB 32100-2015: 31-character alphabet (no I, O, S, V, Z) and weights of the first 17 characters.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """Check character of a 统一社会信用代码 from its first 17 characters (GB 32100)."""
    if len(first17) != 17 or any(c not in _USCC_ALPHABET for c in first17):
        raise InvalidIdentity("统一社会信用代码前17位含有不允许的字符")
    s = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - s % 31) % 31]


def validate_uscc(s: str) -> str:
    """Validate a 统一社会信用代码 and return it normalised (trimmed, upper-case)."""
    if not isinstance(s, str):
        raise InvalidIdentity("统一社会信用代码必须是文本")
    code = s.strip().upper()
    if len(code) != 18:
        raise InvalidIdentity(f"统一社会信用代码应为18位，当前为{len(code)}位")
    bad = [c for c in code if c not in _USCC_ALPHABET]
    if bad:
        raise InvalidIdentity(f"统一社会信用代码含有不允许的字符：{''.join(dict.fromkeys(bad))}（不使用I、O、S、V、Z）")
    if uscc_check_char(code[:17]) != code[17]:
        raise InvalidIdentity("统一社会信用代码校验位不正确，请核对")
    return code


class DocumentType(str, Enum):
    """Valid identity documents a worker's record may hold (RULES.md 7)."""

    RESIDENT_ID = "居民身份证"
    PASSPORT = "护照"
    HMT_RESIDENCE_PERMIT = "港澳台居民居住证"
    FOREIGN_PERMANENT_RESIDENCE = "外国人永久居留身份证"


DOCUMENT_TYPES: tuple[str, ...] = tuple(t.value for t in DocumentType)

_OTHER_DOC = re.compile(r"^[0-9A-Z]{5,30}$", re.ASCII)


def has_check_char(doc_type: DocumentType | str) -> bool:
    """Only the resident ID is checked by its check character here (RULES.md 7)."""
    return DocumentType(doc_type) is DocumentType.RESIDENT_ID


def validate_document(doc_type: DocumentType | str, number: str) -> str:
    """Validate a document number by its type and return it normalised.

    Resident IDs get the full GB 11643 check; the other documents only a shape check (letters and digits),
    because RULES.md 7 gives no check rule for them.
    """
    try:
        kind = DocumentType(doc_type)
    except ValueError:
        raise InvalidIdentity(f"不支持的证件类型：{doc_type}") from None
    if kind is DocumentType.RESIDENT_ID:
        return parse_resident_id(number).number
    if not isinstance(number, str):
        raise InvalidIdentity("证件号码必须是文本")
    n = re.sub(r"\s+", "", number).upper()
    if not _OTHER_DOC.match(n):
        raise InvalidIdentity(f"{kind.value}号码格式不正确（应为5至30位字母或数字）")
    return n


# --- masking (RULES.md 8, cases/masking.json) -------------------------------------------------------------

# Compound surnames keep both characters visible (欧阳娜娜 → 欧阳**).  Only applied to names longer than two
# characters: a two-character name such as 欧阳 is more likely surname 欧 + given name 阳.
COMPOUND_SURNAMES: frozenset[str] = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "令狐",
    "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "闻人", "澹台", "钟离", "呼延", "赫连", "申屠", "太史",
    "万俟", "司空", "百里", "东郭", "濮阳", "淳于", "单于", "公冶", "太叔", "仲孙", "宗政", "拓跋", "完颜",
})

# Separators of transliterated names (买买提·吐尔逊): the middle dot and its look-alikes are kept.
_NAME_DOTS = frozenset("·•・‧．.")


def mask_name(name: str) -> str:
    """First character (or a compound surname) visible, one * per other character, separators kept.

    张三 → 张*; 欧阳娜娜 → 欧阳**; 买买提·吐尔逊 → 买**·***.
    """
    n = (name or "").strip()
    if not n:
        return ""
    keep = 2 if len(n) > 2 and n[:2] in COMPOUND_SURNAMES and not any(c in _NAME_DOTS for c in n) else 1
    return n[:keep] + "".join(c if c in _NAME_DOTS else "*" for c in n[keep:])


def mask_id(number: str) -> str:
    """18-digit ID → first 6 + 8 * + last 4; 15-digit → first 6 + 6 * + last 3 (RULES.md 8).

    Other documents (passport etc.) keep only the last 4, behind four stars, so their length is not revealed.
    """
    n = re.sub(r"\s+", "", number or "").upper()
    if len(n) == 18:
        return n[:6] + "*" * 8 + n[-4:]
    if len(n) == 15:
        return n[:6] + "*" * 6 + n[-3:]
    if len(n) > 4:
        return "****" + n[-4:]
    return "****"


def mask_phone(phone: str) -> str:
    """First 3 + **** + last 4 (13812345678 → 138****5678)."""
    digits = re.sub(r"[\s\-]", "", phone or "")
    if len(digits) >= 8:
        return digits[:3] + "****" + digits[-4:]
    return "****"


def mask_account(account: str) -> str:
    """Bank account → **** + last 4 (RULES.md 8)."""
    n = re.sub(r"[\s\-]", "", account or "")
    return "****" + n[-4:] if len(n) > 4 else "****"


_MASKERS = {"name": mask_name, "id": mask_id, "phone": mask_phone, "bank_account": mask_account}

# Fields by which a public notice may be searched: none that identify a person (RULES.md 8: a search would
# reveal whether someone is disabled).  Kept as data so the notice code and its tests share one answer.
NOTICE_SEARCHABLE_FIELDS: frozenset[str] = frozenset()


def mask(field: str, value: str) -> str | None:
    """Mask by field name ("name", "id", "phone", "bank_account"), as in cases/masking.json.

    Returns None for a field that must never be shown or used at all on a public surface (e.g. "notice_search":
    searching a notice by name or ID).
    """
    fn = _MASKERS.get(field)
    if fn is None:
        return None
    return fn(value)
