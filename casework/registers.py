"""Registers of upstream records, kept by staff, against which the initial reviewer checks policy compliance
(standard 6.3.2; ARCHITECTURE.md, "A case, end to end", step 3).

Four registers, each one SQLModel table:

* ``employers`` — employers insured for work injury, one row per coverage period (参保期间);
* ``contributions`` — a worker's contribution wage for one month at one employer (缴费记录);
* ``recognitions`` — 工伤认定决定 (number, date, worker, employer, injury date, outcome);
* ``appraisals`` — 劳动能力鉴定结论 (number, date, delivery date, worker, grade, care level and its date, whether
  it is a re-appraisal, whether a re-appraisal was requested). Finality per 《工伤保险条例》 art. 26: see
  ``finality()``.

Loading a file (CSV or XLSX) is two steps. ``stage_import()`` reads the file, keeps its rows in a
``register_upload`` row (so the preview survives between two requests and any portal process can confirm it)
and returns the *plan* — each row to be added, changed, left as it is, or rejected with the reason — without
touching the register. ``confirm_import()`` recomputes the plan, refuses if the register changed since the
preview, then writes it with one audit record naming every row added or changed (before and after). Loading the
same file twice adds and changes nothing: rows are matched on each register's key.

Column layout (first row = headers, matched by name, in any order; extra columns are ignored):

============= =====================================================================================
register      columns (* = required)
============= =====================================================================================
employers     统一社会信用代码*, 单位名称*, 参保地区划代码*, 参保起始日期*, 参保终止日期
contributions 证件类型, 证件号码*, 姓名*, 统一社会信用代码*, 缴费月份*, 缴费工资*
recognitions  认定决定书编号*, 认定决定日期*, 证件类型, 证件号码*, 姓名*, 统一社会信用代码*, 受伤日期*, 认定结论*
appraisals    鉴定结论编号*, 鉴定结论日期*, 送达日期, 证件类型, 证件号码*, 姓名*, 伤残等级, 生活护理等级,
              护理等级鉴定日期, 鉴定类别, 已申请再次鉴定
============= =====================================================================================

Dates: 2025-03-10, 2025/3/10, 2025年3月10日, 20250310 or a date cell. Months: 2025-03, 2025/3, 2025年3月, 202503.
Amounts in 元 with at most two decimals. 证件类型 defaults to 居民身份证 (checked by GB 11643). 认定结论: 工伤,
视同工伤 or 不予认定. 伤残等级 1–10 (blank = 未达到伤残等级). 鉴定类别: 初次鉴定 (default) or 再次鉴定.
已申请再次鉴定: 是/否 (blank = 否). CSV files may be UTF-8 (with or without BOM) or GB18030 (Excel's 中文 CSV).
An employer named in a contribution or a recognition must already be in the employer register.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, Session, SQLModel, col, select

from casework.benefits import CareLevel
from casework.identity import DOCUMENT_TYPES, InvalidIdentity, validate_document, validate_uscc
from casework.models import utcnow
from casework.money import fmt_yuan, from_fen, parse_amount, to_fen
from casework.roles import COUNTY_NAMES, Role
from casework.transitions import Actor, Conflict, DomainError, NotPermitted, audit

# Register upkeep is its own post (登记簿维护岗): the initial reviewer checks applications against these
# records, so the same person should not also be able to change them (RULES.md 11, separation of duties).
# Reviewers, supervisors and 稽核 may read them.
KEEPER_ROLES = frozenset({Role.REGISTER_KEEPER})
READER_ROLES = frozenset({Role.REGISTER_KEEPER, Role.INITIAL_REVIEW, Role.RECHECK, Role.AUDITOR,
                          Role.SUPERVISOR, Role.CHIEF})

RECOGNITION_OUTCOMES = ("工伤", "视同工伤", "不予认定")
# 条例 art. 26: a re-appraisal may be requested within 15 days of receiving the conclusion
REAPPRAISAL_DAYS = 15
MAX_ROWS = 50_000
UPLOAD_TTL = timedelta(hours=24)


# --- tables -----------------------------------------------------------------------------------------------

class RegisterEmployer(SQLModel, table=True):
    """One coverage period of an employer insured for work injury."""

    __tablename__ = "register_employer"
    __table_args__ = (sa.UniqueConstraint("uscc", "start_date", name="uq_register_employer_period"),)
    id: int | None = Field(default=None, primary_key=True)
    uscc: str = Field(max_length=18, index=True)
    name: str = Field(max_length=120)
    county: str = Field(max_length=6)
    start_date: date
    end_date: date | None = None  # None: still insured
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="account.id")


class RegisterContribution(SQLModel, table=True):
    """A worker's contribution wage (缴费工资) for one month at one employer, integer fen."""

    __tablename__ = "register_contribution"
    __table_args__ = (sa.UniqueConstraint("id_number", "uscc", "month", name="uq_register_contribution"),)
    id: int | None = Field(default=None, primary_key=True)
    id_type: str = Field(default="居民身份证", max_length=20)
    id_number: str = Field(max_length=40, index=True)
    worker_name: str = Field(max_length=60)
    uscc: str = Field(max_length=18, index=True)
    month: str = Field(max_length=7)  # "YYYY-MM"
    wage_fen: int
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="account.id")


class RegisterRecognition(SQLModel, table=True):
    """A 工伤认定决定 as issued by the human resources and social security department."""

    __tablename__ = "register_recognition"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=60, unique=True, index=True)  # normalised by normalise_number()
    decision_date: date
    id_type: str = Field(default="居民身份证", max_length=20)
    id_number: str = Field(max_length=40, index=True)
    worker_name: str = Field(max_length=60)
    uscc: str = Field(max_length=18, index=True)
    injury_date: date
    outcome: str = Field(max_length=8)
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="account.id")


class RegisterAppraisal(SQLModel, table=True):
    """A 劳动能力鉴定结论 of the prefecture committee, or of the region's committee on re-appraisal."""

    __tablename__ = "register_appraisal"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=60, unique=True, index=True)
    conclusion_date: date
    delivery_date: date | None = None  # 送达日期: starts the 15 days of art. 26
    id_type: str = Field(default="居民身份证", max_length=20)
    id_number: str = Field(max_length=40, index=True)
    worker_name: str = Field(max_length=60)
    grade: int | None = None  # None: 未达到伤残等级
    care_level: str | None = Field(default=None, max_length=12)
    care_date: date | None = None
    is_reappraisal: bool = Field(default=False)  # a conclusion of the re-appraisal is final (art. 26)
    reappraisal_requested: bool = Field(default=False)
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="account.id")


class RegisterUpload(SQLModel, table=True):
    """A file read but not yet loaded: its rows wait here between the preview and the confirmation."""

    __tablename__ = "register_upload"
    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(default_factory=lambda: secrets.token_urlsafe(18), max_length=32, unique=True, index=True)
    kind: str = Field(max_length=16)
    filename: str = Field(max_length=200)
    sha256: str = Field(max_length=64)
    rows: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # [[line, {attr: text}]]
    fingerprint: str = Field(max_length=64)  # of the plan previewed; confirming a different plan is refused
    created_by_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    confirmed_at: datetime | None = None


# --- column specifications --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Col:
    attr: str
    header: str
    kind: str  # how the text is read: see _read_value
    required: bool = True
    key: bool = False  # part of the register's key (matching on re-import; not editable)


@dataclass(frozen=True)
class Register:
    kind: str
    title: str
    model: type
    cols: tuple[Col, ...]
    search: tuple[str, ...]  # attributes searched by the list page
    order: tuple[str, ...]

    def key_of(self, values: dict) -> tuple:
        return tuple(values[c.attr] for c in self.cols if c.key)

    @property
    def key_cols(self) -> list[Col]:
        return [c for c in self.cols if c.key]

    def col(self, attr: str) -> Col:
        return next(c for c in self.cols if c.attr == attr)


ID_TYPE = Col("id_type", "证件类型", "id_type", required=False)
REGISTERS: dict[str, Register] = {r.kind: r for r in [
    Register("employers", "参保单位登记", RegisterEmployer, (
        Col("uscc", "统一社会信用代码", "uscc", key=True),
        Col("name", "单位名称", "text"),
        Col("county", "参保地区划代码", "county"),
        Col("start_date", "参保起始日期", "date", key=True),
        Col("end_date", "参保终止日期", "date", required=False),
    ), search=("uscc", "name"), order=("uscc", "start_date")),
    Register("contributions", "缴费记录", RegisterContribution, (
        ID_TYPE,
        Col("id_number", "证件号码", "id", key=True),
        Col("worker_name", "姓名", "text"),
        Col("uscc", "统一社会信用代码", "uscc", key=True),
        Col("month", "缴费月份", "month", key=True),
        Col("wage_fen", "缴费工资", "money"),
    ), search=("id_number", "worker_name", "uscc"), order=("id_number", "month", "uscc")),
    Register("recognitions", "工伤认定决定", RegisterRecognition, (
        Col("number", "认定决定书编号", "number", key=True),
        Col("decision_date", "认定决定日期", "date"),
        ID_TYPE,
        Col("id_number", "证件号码", "id"),
        Col("worker_name", "姓名", "text"),
        Col("uscc", "统一社会信用代码", "uscc"),
        Col("injury_date", "受伤日期", "date"),
        Col("outcome", "认定结论", "outcome"),
    ), search=("number", "id_number", "worker_name", "uscc"), order=("number",)),
    Register("appraisals", "劳动能力鉴定结论", RegisterAppraisal, (
        Col("number", "鉴定结论编号", "number", key=True),
        Col("conclusion_date", "鉴定结论日期", "date"),
        Col("delivery_date", "送达日期", "date", required=False),
        ID_TYPE,
        Col("id_number", "证件号码", "id"),
        Col("worker_name", "姓名", "text"),
        Col("grade", "伤残等级", "grade", required=False),
        Col("care_level", "生活护理等级", "care", required=False),
        Col("care_date", "护理等级鉴定日期", "date", required=False),
        Col("is_reappraisal", "鉴定类别", "level", required=False),
        Col("reappraisal_requested", "已申请再次鉴定", "bool", required=False),
    ), search=("number", "id_number", "worker_name"), order=("number",)),
]}


def register(kind: str) -> Register:
    spec = REGISTERS.get(kind)
    if spec is None:
        raise DomainError(f"没有名为“{kind}”的登记簿。")
    return spec


# --- reading values ---------------------------------------------------------------------------------------

_BRACKET_YEAR = re.compile(r"[\[【(（〔]\s*(\d{4})\s*[\]】)）〕]")


def normalise_number(text: str) -> str:
    """Document numbers are typed with 〔〕, [], （） or 【】 around the year and stray spaces: one form to
    compare them (昌人社工认[2025]0123号 = 昌人社工认〔2025〕0123号)."""
    s = "".join((text or "").split())
    return _BRACKET_YEAR.sub(r"〔\1〕", s)


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE8 = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_MONTH6 = re.compile(r"^(\d{4})(\d{2})$")


def parse_date(text: str) -> date:
    s = text.strip()
    m = _DATE.match(s) or _DATE8.match(s)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise ValueError(f"日期“{text}”无效，请按 2025-03-10 的格式填写。")


def parse_month(text: str) -> str:
    s = text.strip()
    m = _MONTH.match(s) or _MONTH6.match(s)
    if not m:
        try:
            d = parse_date(s)  # a date cell stands for its month
            return f"{d.year:04d}-{d.month:02d}"
        except ValueError:
            raise ValueError(f"月份“{text}”无效，请按 2025-03 的格式填写。") from None
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"月份“{text}”无效，请按 2025-03 的格式填写。")
    return f"{year:04d}-{month:02d}"


_GRADES = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_YES = {"是", "y", "yes", "true", "1", "已申请"}
_NO = {"否", "n", "no", "false", "0", "未申请", ""}


def _read_value(c: Col, text: str, today: date):
    """Text → the stored value, or ValueError with a Chinese message naming the column."""
    s = " ".join((text or "").split())
    if not s:
        if c.kind == "bool" or c.kind == "level":
            return False
        if c.required:
            raise ValueError(f"请填写{c.header}。")
        return None
    if c.kind == "text":
        if len(s) > 120:
            raise ValueError(f"{c.header}不能超过120个字。")
        return s
    if c.kind == "number":
        n = normalise_number(s)
        if len(n) > 60:
            raise ValueError(f"{c.header}不能超过60个字。")
        return n
    if c.kind == "uscc":
        return validate_uscc(s)
    if c.kind == "id_type":
        if s not in DOCUMENT_TYPES:
            raise ValueError(f"证件类型应为：{'、'.join(DOCUMENT_TYPES)}。")
        return s
    if c.kind == "id":
        return s  # checked with its type in parse_row
    if c.kind == "date":
        d = parse_date(s)
        if d > today:
            raise ValueError(f"{c.header}不能晚于今天。")
        return d
    if c.kind == "month":
        return parse_month(s)
    if c.kind == "money":
        amount = parse_amount(s.replace(" ", ""))
        if amount <= 0:
            raise ValueError(f"{c.header}应大于零。")
        return to_fen(amount)
    if c.kind == "county":
        code = next((k for k, v in COUNTY_NAMES.items() if s in (k, v)), None)
        if code is None:
            raise ValueError(f"参保地应为昌吉州所辖县市的区划代码（如 652301）。")
        return code
    if c.kind == "outcome":
        if s not in RECOGNITION_OUTCOMES:
            raise ValueError(f"认定结论应为：{'、'.join(RECOGNITION_OUTCOMES)}。")
        return s
    if c.kind == "grade":
        t = s.removeprefix("伤残").removesuffix("级")
        if t in ("未达", "未达到伤残等级", "无", "未达到"):
            return None
        value = int(t) if t.isdigit() else _GRADES.get(t)
        if value is None or not 1 <= value <= 10:
            raise ValueError("伤残等级应为1至10级（未达到伤残等级的留空）。")
        return value
    if c.kind == "care":
        if s not in [x.value for x in CareLevel]:
            raise ValueError(f"生活护理等级应为：{'、'.join(x.value for x in CareLevel)}（无护理等级的留空）。")
        return s
    if c.kind == "bool":
        if s.lower() in _YES:
            return True
        if s.lower() in _NO:
            return False
        raise ValueError(f"{c.header}请填写“是”或“否”。")
    if c.kind == "level":
        if s in ("初次鉴定", "初次"):
            return False
        if s in ("再次鉴定", "再次"):
            return True
        raise ValueError("鉴定类别应为“初次鉴定”或“再次鉴定”。")
    raise AssertionError(c.kind)


def plain(value):
    """A stored value as JSON (dates as ISO text) for previews, comparison and the audit record."""
    if isinstance(value, date):
        return value.isoformat()
    return value


def shown(c: Col, value) -> str:
    """A plain value as staff read it."""
    if value is None or value == "":
        return "—"
    if c.kind == "money":
        return fmt_yuan(from_fen(value))
    if c.kind == "bool":
        return "是" if value else "否"
    if c.kind == "level":
        return "再次鉴定" if value else "初次鉴定"
    if c.kind == "grade":
        return f"{value}级"
    if c.kind == "county":
        return f"{value}（{COUNTY_NAMES.get(value, '')}）"
    return str(value)


@dataclass
class Context:
    """What a row is checked against besides itself: the employers on record."""

    known_employers: set[str]
    today: date


def context_for(session: Session, today: date | None = None) -> Context:
    from casework.clock import beijing_today

    known = set(session.exec(select(RegisterEmployer.uscc).distinct()).all())
    return Context(known_employers=known, today=today or beijing_today())


def parse_row(spec: Register, raw: dict[str, str], ctx: Context) -> tuple[dict | None, dict[str, str]]:
    """One row's text → (values by attribute, {}) or (None, messages by attribute)."""
    values: dict = {}
    errors: dict[str, str] = {}
    for c in spec.cols:
        try:
            values[c.attr] = _read_value(c, str(raw.get(c.attr) or ""), ctx.today)
        except (ValueError, InvalidIdentity) as exc:
            errors[c.attr] = str(getattr(exc, "message", None) or exc.args[0])
    if "id_number" in values and "id_number" not in errors:
        try:
            values["id_number"] = validate_document(values.get("id_type") or "居民身份证", values["id_number"])
        except InvalidIdentity as exc:
            errors["id_number"] = exc.message
    if "id_type" in values and values["id_type"] is None:
        values["id_type"] = "居民身份证"
    uscc = values.get("uscc")
    if spec.kind in ("contributions", "recognitions") and uscc and "uscc" not in errors \
            and uscc not in ctx.known_employers:
        errors["uscc"] = f"参保单位登记中没有统一社会信用代码为 {uscc} 的单位，请先登记该单位。"
    _cross_checks(spec.kind, values, errors)
    return (None, errors) if errors else (values, {})


def _cross_checks(kind: str, v: dict, errors: dict[str, str]) -> None:
    def before(a: str, b: str, message: str) -> None:
        if v.get(a) and v.get(b) and a not in errors and b not in errors and v[b] < v[a]:
            errors[b] = message

    if kind == "employers":
        before("start_date", "end_date", "参保终止日期不能早于参保起始日期。")
    elif kind == "recognitions":
        before("injury_date", "decision_date", "认定决定日期不能早于受伤日期。")
    elif kind == "appraisals":
        before("conclusion_date", "delivery_date", "送达日期不能早于鉴定结论日期。")
        if v.get("care_level") and not v.get("care_date") and "care_date" not in errors:
            errors["care_date"] = "有生活护理等级时请填写护理等级鉴定日期。"
        if v.get("care_date") and not v.get("care_level") and "care_level" not in errors:
            errors["care_level"] = "填写了护理等级鉴定日期，请填写生活护理等级。"


# --- finality of an appraisal (条例 art. 26) ---------------------------------------------------------------

@dataclass(frozen=True)
class Finality:
    state: str  # "final" | "pending" | "unknown"
    since: date | None
    explanation: str


def finality(a: RegisterAppraisal, today: date) -> Finality:
    """条例 art. 26: a party may ask the region's committee for a re-appraisal within 15 days of receiving the
    conclusion; the region's conclusion is final. So: a re-appraisal conclusion is final; one whose
    re-appraisal was requested is not (the re-appraisal's conclusion decides); otherwise it becomes final
    when the 15 days after delivery have passed with no request — the day of delivery is not counted (民法典
    art. 201) — and without a delivery date nobody can tell."""
    if a.is_reappraisal:
        return Finality("final", a.conclusion_date, "再次鉴定结论为最终结论（《工伤保险条例》第二十六条）")
    if a.reappraisal_requested:
        return Finality("pending", None, "已申请再次鉴定，应以自治区劳动能力鉴定委员会的再次鉴定结论为准")
    if a.delivery_date is None:
        return Finality("unknown", None, "登记簿未记录送达日期，无法判断申请再次鉴定的15日期限是否届满")
    since = a.delivery_date + timedelta(days=REAPPRAISAL_DAYS + 1)
    if today >= since:
        return Finality("final", since, f"{a.delivery_date.isoformat()} 送达，15日内未申请再次鉴定，"
                                        f"自 {since.isoformat()} 起为最终结论")
    return Finality("pending", since, f"{a.delivery_date.isoformat()} 送达，申请再次鉴定的期限尚未届满，"
                                      f"{since.isoformat()} 起方为最终结论")


# --- reading a file ---------------------------------------------------------------------------------------

def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # a spreadsheet keeps numbers as binary floats: the shortest repr is what the person typed
        # ("6000.5"); an integral float is shown without ".0" (a month 202503, a grade 4)
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def read_table(spec: Register, filename: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """A CSV or XLSX file → [(line number, {attribute: text})]. Refuses, in Chinese, what it cannot read."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        table = _xlsx_rows(content)
    elif name.endswith(".csv") or name.endswith(".txt"):
        table = _csv_rows(content)
    elif name.endswith(".xls"):
        raise DomainError("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV 后上传。", field="file")
    else:
        raise DomainError("请上传 .csv 或 .xlsx 文件。", field="file")
    header_line, headers = 0, None
    rows: list[tuple[int, dict[str, str]]] = []
    by_header = {c.header: c.attr for c in spec.cols} | {c.attr: c.attr for c in spec.cols}
    for line, cells in enumerate(table, start=1):
        texts = [_cell_text(v).strip() for v in cells]
        if not any(texts):
            continue
        if headers is None:
            header_line = line
            headers = [by_header.get(t.lstrip("\ufeff").replace("*", "").strip()) for t in texts]
            missing = [c.header for c in spec.cols if c.required and c.attr not in headers]
            if missing:
                raise DomainError(f"文件第{line}行应为表头，缺少列：{'、'.join(missing)}。请按页面所列的列名准备文件。",
                                  field="file")
            continue
        row = {attr: text for attr, text in zip(headers, texts) if attr}
        rows.append((line, row))
        if len(rows) > MAX_ROWS:
            raise DomainError(f"一个文件最多 {MAX_ROWS} 行，请分成几个文件导入。", field="file")
    if headers is None:
        raise DomainError("文件是空的。", field="file")
    if not rows:
        raise DomainError(f"文件只有表头（第{header_line}行），没有数据行。", field="file")
    return rows


def _csv_rows(content: bytes) -> Iterable[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise DomainError("无法识别文件编码，请保存为 UTF-8 编码的 CSV。", field="file")
    return list(csv.reader(io.StringIO(text, newline="")))


def _xlsx_rows(content: bytes) -> Iterable[tuple]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise DomainError("无法读取该 .xlsx 文件，请确认文件未损坏、未加密。", field="file") from None
    try:
        sheet = workbook.worksheets[0]
        return [tuple(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


# --- planning and applying an import ----------------------------------------------------------------------

@dataclass
class PlanRow:
    line: int
    action: str  # "add" | "change" | "same" | "reject"
    key: str
    values: dict = field(default_factory=dict)  # plain values (added / changed rows)
    changes: dict = field(default_factory=dict)  # attr → [old, new] (changed rows)
    errors: dict = field(default_factory=dict)  # attr → message (rejected rows)
    raw: dict = field(default_factory=dict)


ACTION_LABELS = {"add": "新增", "change": "修改", "same": "无变化", "reject": "拒绝"}


@dataclass
class Plan:
    kind: str
    rows: list[PlanRow]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in ACTION_LABELS}

    @property
    def fingerprint(self) -> str:
        body = [[r.line, r.action, r.key, r.values, r.changes] for r in self.rows]
        return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _key_text(spec: Register, values: dict) -> str:
    return " / ".join(str(plain(values.get(c.attr)) or "") for c in spec.key_cols)


def _existing(session: Session, spec: Register, keys: set[tuple]) -> dict[tuple, SQLModel]:
    """Stored rows whose key is in `keys`, looked up by the key's first column in chunks (IN lists stay short)."""
    first = spec.key_cols[0].attr
    firsts = sorted({k[0] for k in keys}, key=str)
    found: dict[tuple, SQLModel] = {}
    for i in range(0, len(firsts), 500):
        column = getattr(spec.model, first)
        for rec in session.exec(select(spec.model).where(col(column).in_(firsts[i:i + 500]))).all():
            found[tuple(getattr(rec, c.attr) for c in spec.key_cols)] = rec
    return {k: v for k, v in found.items() if k in keys}


def _differences(spec: Register, record, values: dict) -> dict:
    return {c.attr: [plain(getattr(record, c.attr)), plain(values[c.attr])]
            for c in spec.cols if plain(getattr(record, c.attr)) != plain(values[c.attr])}


def plan_import(session: Session, kind: str, rows: list[tuple[int, dict[str, str]]],
                today: date | None = None) -> Plan:
    """Which rows would be added, changed, left alone or rejected (and why). Writes nothing."""
    spec = register(kind)
    ctx = context_for(session, today)
    parsed: list[tuple[int, dict, dict | None, dict]] = []
    for line, raw in rows:
        values, errors = parse_row(spec, raw, ctx)
        parsed.append((line, raw, values, errors))
    stored = _existing(session, spec, {spec.key_of(v) for _, _, v, _ in parsed if v})
    seen: dict[tuple, int] = {}
    out: list[PlanRow] = []
    for line, raw, values, errors in parsed:
        if values is None:
            out.append(PlanRow(line, "reject", "", errors=errors, raw=raw))
            continue
        key = spec.key_of(values)
        key_text = _key_text(spec, values)
        if key in seen:
            out.append(PlanRow(line, "reject", key_text, raw=raw, errors={
                spec.key_cols[0].attr: f"与第{seen[key]}行重复（{'、'.join(c.header for c in spec.key_cols)}相同）"}))
            continue
        seen[key] = line
        record = stored.get(key)
        as_plain = {k: plain(v) for k, v in values.items()}
        if record is None:
            out.append(PlanRow(line, "add", key_text, values=as_plain, raw=raw))
        else:
            diff = _differences(spec, record, values)
            out.append(PlanRow(line, "change" if diff else "same", key_text, values=as_plain if diff else {},
                               changes=diff, raw=raw))
    return Plan(kind, out)


def _require(actor: Actor, roles: frozenset[Role], what: str) -> None:
    if actor.role not in roles or actor.role.value not in actor.account.role_set() or not actor.account.active:
        raise NotPermitted(f"您当前的岗位（{actor.role.label}）无权{what}。")


def _audit(session: Session, action: str, actor: Actor, details: dict, reason: str | None = None) -> None:
    audit(session, action, actor.account, role=actor.role.value,
          office_code=actor.office.code if actor.office else None, reason=reason,
          details={**details, **actor.details}, ip=actor.ip)


def stage_import(session: Session, kind: str, filename: str, content: bytes, actor: Actor,
                 today: date | None = None) -> tuple[RegisterUpload, Plan]:
    """Read the file and keep its rows for the confirmation; return the plan to preview. The register itself
    is not touched."""
    _require(actor, KEEPER_ROLES, "维护登记簿")
    spec = register(kind)
    rows = read_table(spec, filename, content)
    plan = plan_import(session, kind, rows, today)
    upload = RegisterUpload(kind=kind, filename=(filename or "")[-200:], sha256=hashlib.sha256(content).hexdigest(),
                            rows=[[line, raw] for line, raw in rows], fingerprint=plan.fingerprint,
                            created_by_id=actor.id)
    session.add(upload)
    session.flush()
    return upload, plan


def load_upload(session: Session, token: str, actor: Actor, now: datetime | None = None) -> RegisterUpload:
    """A staged upload of this person, still waiting and not too old."""
    upload = session.exec(select(RegisterUpload).where(RegisterUpload.token == token)).first()
    if upload is None or upload.created_by_id != actor.id:
        raise DomainError("找不到该导入预览，请重新上传文件。")
    if upload.confirmed_at is not None:
        raise Conflict("该文件已经导入，无需再次确认。")
    created = upload.created_at if upload.created_at.tzinfo else upload.created_at.replace(tzinfo=utcnow().tzinfo)
    if (now or utcnow()) - created > UPLOAD_TTL:
        raise DomainError("导入预览已超过24小时，请重新上传文件。")
    return upload


def preview_upload(session: Session, upload: RegisterUpload, today: date | None = None) -> Plan:
    return plan_import(session, upload.kind, [(line, raw) for line, raw in upload.rows], today)


def confirm_import(session: Session, token: str, actor: Actor, *, now: datetime | None = None,
                   today: date | None = None) -> Plan:
    """Write the previewed plan — unless the register changed meanwhile — with one audit record."""
    _require(actor, KEEPER_ROLES, "维护登记簿")
    now = now or utcnow()
    upload = load_upload(session, token, actor, now)
    plan = preview_upload(session, upload, today)
    if plan.fingerprint != upload.fingerprint:
        raise Conflict("预览之后登记簿已被修改，导入结果会与预览不同。请重新上传文件并核对预览。")
    # the conditional UPDATE stops a double submission from loading the file twice
    done = session.execute(sa.update(RegisterUpload)
                           .where(RegisterUpload.id == upload.id, RegisterUpload.confirmed_at.is_(None))  # type: ignore[union-attr]
                           .values(confirmed_at=now))
    if done.rowcount != 1:
        raise Conflict("该文件已经导入，无需再次确认。")
    spec = register(upload.kind)
    stored = _existing(session, spec, {spec.key_of(_typed(spec, r.values)) for r in plan.rows
                                       if r.action == "change"})
    for r in plan.rows:
        if r.action == "add":
            session.add(spec.model(**_typed(spec, r.values), updated_at=now, updated_by_id=actor.id))
        elif r.action == "change":
            record = stored[spec.key_of(_typed(spec, r.values))]
            for attr, value in _typed(spec, r.values).items():
                setattr(record, attr, value)
            record.version += 1
            record.updated_at, record.updated_by_id = now, actor.id
            session.add(record)
    session.flush()
    _audit(session, "register_import", actor, {
        "register": upload.kind, "filename": upload.filename, "sha256": upload.sha256, "counts": plan.counts,
        "added": [r.key for r in plan.rows if r.action == "add"],
        "changed": [{"key": r.key, "changes": r.changes} for r in plan.rows if r.action == "change"],
        "rejected": [{"line": r.line, "errors": r.errors} for r in plan.rows if r.action == "reject"],
    })
    return plan


def _typed(spec: Register, values: dict) -> dict:
    """Plain values back to the column types (dates)."""
    out = {}
    for c in spec.cols:
        v = values.get(c.attr)
        out[c.attr] = date.fromisoformat(v) if c.kind == "date" and v else v
    return out


# --- one record at a time ---------------------------------------------------------------------------------

def get_record(session: Session, kind: str, record_id: int):
    spec = register(kind)
    record = session.get(spec.model, record_id)
    if record is None:
        raise DomainError("找不到该记录。")
    return record


def record_form(kind: str, record) -> dict[str, str]:
    """A stored record as the text an edit form shows."""
    spec = register(kind)
    out = {}
    for c in spec.cols:
        v = getattr(record, c.attr)
        if c.kind == "money":
            out[c.attr] = str(from_fen(v))
        elif c.kind == "bool":
            out[c.attr] = "是" if v else "否"
        elif c.kind == "level":
            out[c.attr] = "再次鉴定" if v else "初次鉴定"
        else:
            out[c.attr] = "" if v is None else str(plain(v))
    return out


def update_record(session: Session, kind: str, record_id: int, raw: dict[str, str], actor: Actor, *,
                  expected_version: int, reason: str | None = None, now: datetime | None = None,
                  today: date | None = None) -> tuple[object | None, dict[str, str]]:
    """Correct one record (its key stays: a different key is a different record). Returns (record, {}) or
    (None, messages by field); nothing is written when there is a message."""
    _require(actor, KEEPER_ROLES, "维护登记簿")
    spec = register(kind)
    record = get_record(session, kind, record_id)
    if record.version != expected_version:
        raise Conflict("该记录已被他人修改（您看到的是旧版本）。请刷新页面后再修改。")
    raw = {**raw, **{c.attr: str(plain(getattr(record, c.attr))) for c in spec.key_cols}}
    values, errors = parse_row(spec, raw, context_for(session, today))
    if not (reason and reason.strip()):
        errors["reason"] = "请填写修改原因（例如：依据某文件更正）。"
    if errors:
        return None, errors
    assert values is not None
    diff = _differences(spec, record, values)
    if not diff:
        return record, {}
    now = now or utcnow()
    done = session.execute(sa.update(spec.model).where(spec.model.id == record.id,
                                                       spec.model.version == record.version)
                           .values(version=record.version + 1))
    if done.rowcount != 1:
        raise Conflict("该记录已被他人修改。请刷新页面后再修改。")
    session.expire(record, ["version"])
    for attr in diff:
        setattr(record, attr, values[attr])
    record.updated_at, record.updated_by_id = now, actor.id
    session.add(record)
    session.flush()
    _audit(session, "register_edit", actor, {"register": kind, "record_id": record.id,
                                              "key": _key_text(spec, values), "changes": diff},
           reason=reason.strip() if reason else None)
    return record, {}


def add_record(session: Session, kind: str, raw: dict[str, str], actor: Actor, *, now: datetime | None = None,
               today: date | None = None) -> tuple[object | None, dict[str, str]]:
    """Enter one new record by hand (the same checks as a file row). Returns (record, {}) or (None, messages
    by field); nothing is written when there is a message. An existing key is corrected, not added again."""
    _require(actor, KEEPER_ROLES, "维护登记簿")
    spec = register(kind)
    values, errors = parse_row(spec, raw, context_for(session, today))
    if errors:
        return None, errors
    assert values is not None
    typed = _typed(spec, {k: plain(v) for k, v in values.items()})
    if _existing(session, spec, {spec.key_of(typed)}):
        return None, {spec.key_cols[0].attr: f"登记簿中已有该记录（{_key_text(spec, values)}），请在列表中找到它并更正。"}
    now = now or utcnow()
    record = spec.model(**typed, updated_at=now, updated_by_id=actor.id)
    session.add(record)
    session.flush()
    _audit(session, "register_add", actor, {"register": kind, "record_id": record.id,
                                             "key": _key_text(spec, values)})
    return record, {}


def search(session: Session, kind: str, q: str | None = None, limit: int = 200) -> list:
    spec = register(kind)
    query = select(spec.model)
    text = (q or "").strip()
    if text:
        needles = {text, text.upper(), normalise_number(text)}
        query = query.where(sa.or_(*[col(getattr(spec.model, a)).contains(n) for a in spec.search for n in needles]))
    query = query.order_by(*[col(getattr(spec.model, a)) for a in spec.order]).limit(limit)
    return list(session.exec(query).all())


def count(session: Session, kind: str) -> int:
    spec = register(kind)
    return session.exec(select(sa.func.count()).select_from(spec.model)).one()
