"""The `portal` command line (issue 4): works with no server and no database.

    portal benefits compute FILE.json
    portal calendar due YYYY-MM-DD [--working-days N]
    portal retirement --birth YYYY-MM --group man|woman-50|woman-55

Adding a command: in build_parser(), add a parser to `parser.subparsers` (top level) or to one of
`parser.command_groups[...]` (e.g. "calendar", "benefits"), and `set_defaults(func=your_function)`, where
your_function(args) -> int is the exit code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from casework.benefits import Benefit, CareLevel, ClaimFacts, Refused, TERMINATION_KINDS, compute
from casework.money import money_context, parse_amount
from casework.parameters import InMemoryParameters, ParameterVersion
from casework.retirement import GROUPS, retirement
from casework.working_days import CalendarOverlay, due_date

# Parameter sets of a benefits file carry no dates: they are in force for all dates (effective 1900-01-01),
# and the cases are computed on these fixed default dates unless a case gives its own (keys injury_date,
# appraisal_date, care_date, termination_date, as YYYY-MM-DD; county as 6523xx).
ALL_DATES_FROM = dt.date(1900, 1, 1)
DEFAULT_INJURY_DATE = dt.date(2024, 3, 15)
DEFAULT_APPRAISAL_DATE = dt.date(2024, 9, 20)     # → 伤残津贴 from 2024-10
DEFAULT_CARE_DATE = DEFAULT_APPRAISAL_DATE        # → 生活护理费 from 2024-10
DEFAULT_TERMINATION_DATE = dt.date(2025, 6, 30)

def _database_overlay() -> CalendarOverlay | None:
    """The calendar staff keep (Xinjiang festival days, years loaded), used only when DATABASE_URL is set:
    without it the command needs no server and no database (issue 4)."""
    import os

    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    from sqlmodel import Session

    from casework.database import make_engine
    from casework.deadlines import overlay

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return overlay(session)
    finally:
        engine.dispose()


# Where the calendar overlay comes from; None = the national calendar only.
calendar_overlay_provider: Callable[[], CalendarOverlay | None] | None = _database_overlay

RESULT_KEYS = ("personal_wage", "lump_sum", "monthly_allowance", "allowance_payer", "minimum_wage_topup",
               "monthly_paid", "care_levels", "medical_lump_sum")


class MalformedInput(Exception):
    def __init__(self, where: str, field: str, message: str) -> None:
        super().__init__(f"{where} 字段 {field}：{message}")
        self.where = where
        self.field = field
        self.message = message


def _print(text: str) -> None:
    out = sys.stdout
    if hasattr(out, "reconfigure") and (out.encoding or "").lower().replace("-", "") != "utf8":
        out.reconfigure(encoding="utf-8")
    print(text, file=out)


def _err(text: str) -> None:
    err = sys.stderr
    if hasattr(err, "reconfigure") and (err.encoding or "").lower().replace("-", "") != "utf8":
        err.reconfigure(encoding="utf-8")
    print(text, file=err)


# --- benefits compute ------------------------------------------------------------------------------------------

# casework.benefits.ClaimFacts field → the key of the cases file (../shared/cases/README.md)
INPUT_KEYS = {"termination_kind": "termination", "benefits": "benefit"}


def _amount(value: Any, where: str, field: str) -> Decimal:
    if not isinstance(value, str):
        raise MalformedInput(where, field, "金额应为带两位小数的字符串，例如 \"5000.00\"")
    try:
        return parse_amount(value)
    except ValueError as e:
        raise MalformedInput(where, field, str(e)) from None


def _decimal(value: Any, where: str, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise MalformedInput(where, field, "应为数字字符串")
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise MalformedInput(where, field, f"不是数字：{value}") from None
    if not d.is_finite() or d < 0:
        raise MalformedInput(where, field, f"不是有效的非负数：{value}")
    return d


def _date(value: Any, where: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise MalformedInput(where, field, f"日期应为 YYYY-MM-DD：{value}") from None


def _parameter_set(name: str, pset: Any, source: str) -> InMemoryParameters:
    where = f"参数集 {name}"
    if not isinstance(pset, dict):
        raise MalformedInput(where, "parameter_sets", "应为对象")
    demo = not pset.get("official", False)   # sets in a file are test figures unless marked official
    label = f"参数集 {name}"
    src = f"{source} parameter_sets.{name}"

    def v(key: str, value: Any) -> ParameterVersion:
        return ParameterVersion(key=key, area=None, effective_from=ALL_DATES_FROM, value=value, source=src,
                                label=label, demo=demo, version_id=f"{name}:{key}")

    versions = []
    if "W" in pset:
        versions.append(v("average_wage", _amount(pset["W"], where, "W")))
    if "minimum_wage" in pset:
        versions.append(v("minimum_wage", _amount(pset["minimum_wage"], where, "minimum_wage")))
    policy: dict[str, Any] = {}
    for key in ("rounding", "topup_rule", "medical_base"):
        if key in pset:
            if not isinstance(pset[key], str):
                raise MalformedInput(where, key, "应为字符串")
            policy[key] = pset[key]
    if "medical_contribution_rate" in pset:
        policy["medical_contribution_rate"] = _decimal(pset["medical_contribution_rate"], where,
                                                       "medical_contribution_rate")
    if policy:
        versions.append(v("policy", policy))
    if "medical_months" in pset:
        table = pset["medical_months"]
        if not isinstance(table, dict):
            raise MalformedInput(where, "medical_months", "应为 {等级: 月数} 对象")
        months: dict[int, Decimal] = {}
        for g, m in table.items():
            if not str(g).isdigit() or not 1 <= int(g) <= 10:
                raise MalformedInput(where, "medical_months", f"等级不正确：{g}")
            months[int(g)] = _decimal(m, where, f"medical_months.{g}")
        versions.append(v("medical_months", months))
    return InMemoryParameters(versions)


def _wages(value: Any, where: str) -> tuple[Decimal, ...]:
    if not isinstance(value, dict):
        raise MalformedInput(where, "wages", "应为 {\"months\": n, \"each\": \"x\"} 或 {\"list\": [...]}")
    if "list" in value:
        lst = value["list"]
        if not isinstance(lst, list):
            raise MalformedInput(where, "wages.list", "应为金额列表")
        return tuple(_amount(x, where, f"wages.list[{i}]") for i, x in enumerate(lst))
    n = value.get("months")
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 12:
        raise MalformedInput(where, "wages.months", "应为0至12的整数")
    if n == 0:
        return ()
    if "each" not in value:
        raise MalformedInput(where, "wages.each", "缺少每月缴费工资")
    return (_amount(value["each"], where, "wages.each"),) * n


def _facts(case: dict[str, Any], where: str) -> ClaimFacts:
    benefit_raw = case.get("benefit")
    if benefit_raw is not None:
        try:
            benefits = frozenset({Benefit(benefit_raw)})
        except ValueError:
            raise MalformedInput(where, "benefit", f"未知的待遇项目：{benefit_raw}") from None
    else:
        benefits = None   # decided from the grade below

    grade = case.get("grade")
    needs_grade = benefits is None or benefits & {Benefit.LUMP_SUM, Benefit.ALLOWANCE, Benefit.MEDICAL}
    if needs_grade:
        if "grade" not in case:
            raise MalformedInput(where, "grade", "缺少伤残等级")
        if isinstance(grade, bool) or not isinstance(grade, int) or not 1 <= grade <= 10:
            raise MalformedInput(where, "grade", f"伤残等级应为1至10的整数：{grade}")
    if benefits is None:
        # Absent = 一次性伤残补助金 plus the 伤残津贴 where the grade gives one (cases README).
        benefits = frozenset({Benefit.LUMP_SUM} | ({Benefit.ALLOWANCE} if grade <= 6 else set()))

    wages: tuple[Decimal, ...] = ()
    if benefits & {Benefit.LUMP_SUM, Benefit.ALLOWANCE}:
        if "wages" not in case:
            raise MalformedInput(where, "wages", "缺少缴费工资")
        wages = _wages(case["wages"], where)

    care_levels: tuple[CareLevel, ...] = ()
    if Benefit.CARE in benefits:
        raw = case.get("care_levels")
        if not isinstance(raw, list) or not raw:
            raise MalformedInput(where, "care_levels", "应为护理等级列表（完全不能自理 / 大部分不能自理 / 部分不能自理）")
        try:
            care_levels = tuple(CareLevel(x) for x in raw)
        except ValueError:
            raise MalformedInput(where, "care_levels", f"未知的护理等级：{raw}") from None

    termination = None
    if Benefit.MEDICAL in benefits:
        termination = case.get("termination")
        if termination not in TERMINATION_KINDS:
            raise MalformedInput(where, "termination", f"应为 {' / '.join(TERMINATION_KINDS)}：{termination}")

    def date_of(key: str, default: dt.date) -> dt.date:
        return _date(case[key], where, key) if key in case else default

    county = case.get("county")
    if county is not None and not (isinstance(county, str) and county.isdigit() and len(county) == 6):
        raise MalformedInput(where, "county", f"应为6位县级行政区划代码：{county}")
    return ClaimFacts(
        benefits=benefits, grade=grade if isinstance(grade, int) and not isinstance(grade, bool) else None,
        wages=wages, injury_date=date_of("injury_date", DEFAULT_INJURY_DATE),
        appraisal_date=date_of("appraisal_date", DEFAULT_APPRAISAL_DATE), care_levels=care_levels,
        care_date=date_of("care_date", DEFAULT_CARE_DATE),
        termination_date=date_of("termination_date", DEFAULT_TERMINATION_DATE), termination_kind=termination,
        county=county)


def compute_file(data: Any, source: str = "input") -> dict[str, Any]:
    """The `{"results": [...]}` object for a benefits file (the shape of shared/cases/benefits.json)."""
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise MalformedInput("文件", "cases", "应为包含 cases 列表的 JSON 对象")
    sets_raw = data.get("parameter_sets", {})
    if not isinstance(sets_raw, dict):
        raise MalformedInput("文件", "parameter_sets", "应为对象")
    sets = {name: _parameter_set(name, pset, source) for name, pset in sets_raw.items()}
    results = []
    for i, case in enumerate(data["cases"]):
        if not isinstance(case, dict):
            raise MalformedInput(f"第{i + 1}个案例", "case", "应为对象")
        cid = case.get("id")
        if not isinstance(cid, str) or not cid:
            raise MalformedInput(f"第{i + 1}个案例", "id", "缺少案例编号")
        where = f"案例 {cid}"
        if "params" not in case:
            raise MalformedInput(where, "params", "缺少参数集（无参数时写 null）")
        pname = case["params"]
        if pname is None:
            params = InMemoryParameters()
        elif isinstance(pname, str) and pname in sets:
            params = sets[pname]
        else:
            raise MalformedInput(where, "params", f"未定义的参数集：{pname}")
        facts = _facts(case, where)
        entry: dict[str, Any] = {"id": cid}
        try:
            assessment = compute(facts, params)
        except Refused as r:
            error = r.to_dict()
            # name the field as the input file spells it (the engine's ClaimFacts names differ in places)
            error["field"] = INPUT_KEYS.get(error["field"], error["field"])
            entry.update({"status": "refused", **{k: None for k in RESULT_KEYS}, "lines": [], "error": error})
        else:
            entry.update({"status": "computed", **assessment.results(),
                          "lines": [ln.to_dict() for ln in assessment.lines], "error": None})
        results.append(entry)
    return {"results": results}


def cmd_benefits_compute(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        _err(f"portal: 无法读取文件 {path}：{e.strerror or e}")
        return 2
    except (ValueError, UnicodeDecodeError) as e:
        _err(f"portal: 文件 {path} 不是有效的 JSON：{e}")
        return 2
    try:
        with money_context():
            out = compute_file(data, source=path.name)
    except MalformedInput as e:
        _err(f"portal: 输入格式错误：{e}")
        return 2
    _print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


# --- calendar due ------------------------------------------------------------------------------------------------

def _iso_date(s: str) -> dt.date:
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD：{s}") from None


def _positive_int(s: str) -> int:
    try:
        n = int(s)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"应为正整数：{s}")
    return n


def cmd_calendar_due(args: argparse.Namespace) -> int:
    overlay = calendar_overlay_provider() if calendar_overlay_provider is not None else None
    due = due_date(args.accepted, args.working_days, overlay)
    _print(str(due))   # "YYYY-MM-DD" or "YYYY-MM-DD provisional (<reason>)"
    return 0


# --- retirement ----------------------------------------------------------------------------------------------

def _year_month(s: str) -> tuple[int, int]:
    try:
        d = dt.datetime.strptime(s, "%Y-%m")
    except ValueError:
        raise argparse.ArgumentTypeError(f"出生年月应为 YYYY-MM：{s}") from None
    return d.year, d.month


def cmd_retirement(args: argparse.Namespace) -> int:
    year, month = args.birth
    r = retirement(year, month, args.group)
    _print(json.dumps({"age": {"years": r.age_years, "months": r.age_months}, "retires": r.month_str}))
    return 0


# --- parser ----------------------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal", description="因工伤残待遇申领办理 — 命令行工具")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    benefits = sub.add_parser("benefits", help="待遇核定")
    benefits_sub = benefits.add_subparsers(dest="benefits_command", metavar="ACTION", required=True)
    p = benefits_sub.add_parser("compute", help="按 shared/cases/benefits.json 的格式计算待遇，输出 JSON")
    p.add_argument("file", metavar="FILE.json")
    p.set_defaults(func=cmd_benefits_compute)

    calendar = sub.add_parser("calendar", help="工作日日历")
    calendar_sub = calendar.add_subparsers(dest="calendar_command", metavar="ACTION", required=True)
    p = calendar_sub.add_parser("due", help="办结时限：受理次日起第 N 个工作日")
    p.add_argument("accepted", type=_iso_date, metavar="YYYY-MM-DD")
    p.add_argument("--working-days", type=_positive_int, default=5, metavar="N")
    p.set_defaults(func=cmd_calendar_due)

    p = sub.add_parser("retirement", help="法定退休年龄与退休年月（2025年改革后）")
    p.add_argument("--birth", type=_year_month, required=True, metavar="YYYY-MM")
    p.add_argument("--group", choices=sorted(GROUPS), required=True)
    p.set_defaults(func=cmd_retirement)

    from portal.runner import register

    register(sub)

    # For others adding commands (see the module docstring).
    parser.subparsers = sub  # type: ignore[attr-defined]
    parser.command_groups = {"benefits": benefits_sub, "calendar": calendar_sub}  # type: ignore[attr-defined]
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
