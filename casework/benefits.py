"""The pure engine for the four benefits of the agency (RULES.md 2–4; 《工伤保险条例》 2010 revision).

compute() takes the facts of a claim and a ParameterSource, looks up every parameter in force on the reference
date of each computation (RULES.md 4), and returns an Assessment: lines (item, formula in words, inputs, amount,
payer, start month, legal basis), the versions used, and a JSON snapshot to show later without recomputing.
When an input or a parameter is missing it raises Refused naming the field or the parameter — nothing is ever
guessed or borrowed from another year or region.

Money is Decimal under MONEY_CONTEXT (FloatOperation trapped), rounded per line with the policy's mode.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from casework.money import fmt_yuan, money_context, q2, rounding_mode
from casework.parameters import PARAMETER_KEYS, ParameterSource, ParameterVersion, jsonable

__all__ = [
    "Benefit",
    "CareLevel",
    "ClaimFacts",
    "Refused",
    "Line",
    "PersonalWage",
    "Assessment",
    "LUMP_SUM_MONTHS",
    "ALLOWANCE_PERCENT",
    "CARE_PERCENT",
    "TERMINATION_KINDS",
    "compute",
    "apply_increments",
    "stale_parameters",
    "pension_topup",
    "month_after",
]


class Benefit(str, Enum):
    LUMP_SUM = "一次性伤残补助金"
    ALLOWANCE = "伤残津贴"
    CARE = "生活护理费"
    MEDICAL = "一次性工伤医疗补助金"


class CareLevel(str, Enum):
    FULL = "完全不能自理"
    MOST = "大部分不能自理"
    PART = "部分不能自理"


# 条例 arts. 35–37: months of 本人工资 for 一次性伤残补助金, by grade.
LUMP_SUM_MONTHS: dict[int, int] = {1: 27, 2: 25, 3: 23, 4: 21, 5: 18, 6: 16, 7: 13, 8: 11, 9: 9, 10: 7}
# 条例 art. 35 (grades 1–4, fund) and art. 36 (grades 5–6, employer): 伤残津贴 as % of 本人工资.
ALLOWANCE_PERCENT: dict[int, int] = {1: 90, 2: 85, 3: 80, 4: 75, 5: 70, 6: 60}
# 条例 art. 34: 生活护理费 as % of W (the area average, not 本人工资).
CARE_PERCENT: dict[CareLevel, int] = {CareLevel.FULL: 50, CareLevel.MOST: 40, CareLevel.PART: 30}
# 条例 art. 64: 本人工资 is clamped to [60 %, 300 %] of W.
FLOOR_PERCENT = 60
CAP_PERCENT = 300

TERMINATION_KINDS = ("worker-initiated", "contract-expired", "other")
TERMINATION_LABELS = {"worker-initiated": "职工本人提出解除劳动关系", "contract-expired": "劳动合同期满终止",
                      "other": "其他原因"}

_LUMP_SUM_BASIS = {1: "《工伤保险条例》第三十五条", 5: "《工伤保险条例》第三十六条", 7: "《工伤保险条例》第三十七条"}


def _grade_basis(grade: int) -> str:
    return _LUMP_SUM_BASIS[1 if grade <= 4 else 5 if grade <= 6 else 7]


def _pct(p: int) -> Decimal:
    return Decimal(p) / Decimal(100)


def month_after(d: dt.date) -> dt.date:
    """The first day of the month after `d` (monthly benefits start the month after the conclusion)."""
    return dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _ym(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _dec(value: Any, what: str) -> Decimal:
    """A parameter or input value as Decimal; floats are refused (RULES.md 3)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"{what} 不能是浮点数或布尔值")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, str)):
        return Decimal(value)
    raise TypeError(f"{what} 的类型不正确：{type(value).__name__}")


class Refused(Exception):
    """The engine will not compute: an input (`field`) or a parameter (`parameter`) is missing or rules it out.

    `message` is in Chinese, for staff and users.
    """

    def __init__(self, code: str, message: str, *, parameter: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.parameter = parameter
        self.field = field

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "parameter": self.parameter, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class ClaimFacts:
    benefits: frozenset[Benefit]
    grade: int | None = None
    wages: tuple[Decimal, ...] = ()          # contribution wages of up to 12 months before the injury
    injury_date: dt.date | None = None
    appraisal_date: dt.date | None = None    # 劳动能力鉴定结论 date
    care_levels: tuple[CareLevel, ...] = ()  # normally one; the CLI case P-07 asks three
    care_date: dt.date | None = None
    termination_date: dt.date | None = None
    termination_kind: str | None = None      # "worker-initiated" | "contract-expired" | "other"
    county: str | None = None                # 6523xx, for the minimum wage
    wage_area: str | None = None             # area of W (统筹地区); None = the versions for every area

    def __post_init__(self) -> None:
        # Normalise containers and refuse floats at the door: a float must never become money.
        object.__setattr__(self, "benefits", frozenset(Benefit(b) for b in self.benefits))
        for w in self.wages:
            if not isinstance(w, Decimal):
                raise TypeError("缴费工资必须是 Decimal（不能是浮点数）")
        object.__setattr__(self, "wages", tuple(self.wages))
        object.__setattr__(self, "care_levels", tuple(CareLevel(c) for c in self.care_levels))

    def snapshot(self) -> dict[str, Any]:
        return {
            "benefits": sorted(b.value for b in self.benefits),
            "grade": self.grade,
            "wages": [str(w) for w in self.wages],
            "injury_date": jsonable(self.injury_date),
            "appraisal_date": jsonable(self.appraisal_date),
            "care_levels": [c.value for c in self.care_levels],
            "care_date": jsonable(self.care_date),
            "termination_date": jsonable(self.termination_date),
            "termination_kind": self.termination_kind,
            "county": self.county,
            "wage_area": self.wage_area,
        }


@dataclass(frozen=True)
class Line:
    item: str                   # Chinese name of the item
    formula: str                # the formula in words, with the numbers
    inputs: dict[str, str]
    amount: Decimal
    payer: str                  # "fund" | "employer" (employer lines are information only, RULES.md 1)
    start_month: str | None     # "YYYY-MM" for monthly items
    basis: str                  # legal basis
    monthly: bool
    kind: str = ""              # lump_sum | allowance | minimum_wage_topup | care | medical_lump_sum | increment

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "formula": self.formula, "inputs": dict(self.inputs), "amount": str(self.amount),
                "payer": self.payer, "start_month": self.start_month, "basis": self.basis,
                "monthly": self.monthly, "kind": self.kind}


@dataclass(frozen=True)
class PersonalWage:
    months: int
    raw_average: Decimal        # the unrounded average of the months given
    average_wage: Decimal       # W in force on the injury date
    floor: Decimal              # 60 % of W, rounded
    cap: Decimal                # 300 % of W, rounded
    result: Decimal             # 本人工资 used
    clamped: str | None         # "floor" | "cap" | None

    def snapshot(self) -> dict[str, Any]:
        return {"months": self.months, "raw_average": str(self.raw_average), "average_wage": str(self.average_wage),
                "floor": str(self.floor), "cap": str(self.cap), "result": str(self.result), "clamped": self.clamped}


@dataclass(frozen=True)
class Assessment:
    facts: ClaimFacts
    personal_wage: PersonalWage | None
    lines: tuple[Line, ...]
    parameters: tuple[ParameterVersion, ...]      # every version used
    reference_dates: dict[str, str]
    lookups: tuple[dict[str, str | None], ...] = ()  # (key, area, on, version_id) of each lookup, for review

    def _lines(self, kind: str) -> list[Line]:
        return [ln for ln in self.lines if ln.kind == kind]

    def _one(self, kind: str) -> Decimal | None:
        found = self._lines(kind)
        return found[0].amount if found else None

    @property
    def lump_sum(self) -> Decimal | None:
        return self._one("lump_sum")

    @property
    def monthly_allowance(self) -> Decimal | None:
        return self._one("allowance")

    @property
    def allowance_payer(self) -> str | None:
        found = self._lines("allowance")
        return found[0].payer if found else None

    @property
    def minimum_wage_topup(self) -> Decimal | None:
        """The top-up line; 0.00 for a fund-paid allowance with no top-up due; None when there is none."""
        if self.allowance_payer != "fund":
            return None
        topup = self._one("minimum_wage_topup")
        return topup if topup is not None else Decimal("0.00")

    @property
    def monthly_paid(self) -> Decimal | None:
        """Fund-paid 伤残津贴 of the first month plus its top-up (生活护理费 not included)."""
        if self.allowance_payer != "fund":
            return None
        with money_context():
            return self.monthly_allowance + self.minimum_wage_topup  # type: ignore[operator]

    @property
    def care_amounts(self) -> dict[str, Decimal]:
        return {ln.inputs["care_level"]: ln.amount for ln in self._lines("care")}

    @property
    def medical_lump_sum(self) -> Decimal | None:
        return self._one("medical_lump_sum")

    @property
    def total_lump_sums(self) -> Decimal:
        """One-off amounts the fund pays (一次性伤残补助金 + 一次性工伤医疗补助金)."""
        with money_context():
            return sum((ln.amount for ln in self.lines if not ln.monthly and ln.payer == "fund"), Decimal("0.00"))

    @property
    def demo(self) -> bool:
        """True when any version used is demo data: documents must then say 演示参数，非正式标准."""
        return any(p.demo for p in self.parameters)

    def results(self) -> dict[str, Any]:
        """The headline amounts as strings (None where the item does not apply)."""
        def s(x: Decimal | None) -> str | None:
            return None if x is None else str(x)
        care = self.care_amounts
        return {
            "personal_wage": s(self.personal_wage.result) if self.personal_wage else None,
            "lump_sum": s(self.lump_sum),
            "monthly_allowance": s(self.monthly_allowance),
            "allowance_payer": self.allowance_payer,
            "minimum_wage_topup": s(self.minimum_wage_topup),
            "monthly_paid": s(self.monthly_paid),
            "care_levels": {k: str(v) for k, v in care.items()} if care else None,
            "medical_lump_sum": s(self.medical_lump_sum),
        }

    def snapshot(self) -> dict[str, Any]:
        """Everything needed to show this assessment later (复核) without recomputing; JSON-serialisable."""
        return {
            "schema": "casework.assessment/1",
            "facts": self.facts.snapshot(),
            "personal_wage": self.personal_wage.snapshot() if self.personal_wage else None,
            "lines": [ln.to_dict() for ln in self.lines],
            "parameters": [p.snapshot() for p in self.parameters],
            "reference_dates": dict(self.reference_dates),
            "lookups": [dict(lk) for lk in self.lookups],
            "results": self.results(),
            "total_lump_sums": str(self.total_lump_sums),
            "demo": self.demo,
            "demo_notice": "演示参数，非正式标准" if self.demo else None,
        }


class _Lookups:
    """Looks parameters up and records each version used and each lookup made (for the snapshot)."""

    def __init__(self, params: ParameterSource) -> None:
        self.params = params
        self.used: dict[str, ParameterVersion] = {}
        self.lookups: list[dict[str, str | None]] = []

    def get(self, key: str, on: dt.date, area: str | None, purpose: str) -> ParameterVersion | None:
        v = self.params.in_force(key, on, area)
        entry = {"purpose": purpose, "key": key, "area": area, "on": on.isoformat(),
                 "version_id": v.version_id if v else None}
        if entry not in self.lookups:
            self.lookups.append(entry)
        if v is not None:
            self.used.setdefault(v.version_id or f"{v.key}:{v.area}:{v.effective_from}", v)
        return v

    def need(self, key: str, on: dt.date, area: str | None, purpose: str, when: str) -> ParameterVersion:
        v = self.get(key, on, area, purpose)
        if v is None:
            where = f"（地区 {area}）" if area else ""
            raise Refused("missing-parameter",
                          f"{when}（{on.isoformat()}）没有生效的{PARAMETER_KEYS.get(key, key)}{where}，无法计算；"
                          "不借用其他年度或地区的数值，请参数管理员录入",
                          parameter=key)
        return v

    def policy(self, on: dt.date, purpose: str) -> dict[str, Any]:
        v = self.get("policy", on, None, purpose)
        return dict(v.value) if v is not None else {}

    def rounding(self, on: dt.date, purpose: str) -> str:
        # RULES.md 3: half-up is the rule; the policy version may set another mode.
        try:
            return rounding_mode(self.policy(on, purpose).get("rounding"))
        except ValueError as e:
            raise Refused("unsupported-policy", str(e), parameter="policy") from None


def _require(value: Any, field_name: str, label: str) -> Any:
    if value is None:
        raise Refused("missing-input", f"缺少{label}，无法计算", field=field_name)
    return value


def _grade(facts: ClaimFacts) -> int:
    g = _require(facts.grade, "grade", "伤残等级")
    if isinstance(g, bool) or not isinstance(g, int) or not 1 <= g <= 10:
        raise Refused("invalid-input", f"伤残等级应为1至10级，收到：{g}", field="grade")
    return g


def _personal_wage(facts: ClaimFacts, look: _Lookups) -> PersonalWage:
    """本人工资 (条例 art. 64): average of the contribution wages given (12 months, or those actually
    contributed), rounded, clamped to the rounded 60 % / 300 % of W in force on the injury date (RULES.md 4)."""
    if not facts.wages:
        raise Refused("missing-input", "没有缴费工资记录，无法计算本人工资；请核实职工参保缴费情况", field="wages")
    if len(facts.wages) > 12:
        raise Refused("invalid-input", f"缴费工资最多为受伤前12个月，收到{len(facts.wages)}个月", field="wages")
    if any(w <= 0 for w in facts.wages):
        raise Refused("invalid-input", "缴费工资必须大于零（未缴费的月份不应列入）", field="wages")
    injury = _require(facts.injury_date, "injury_date", "受伤日期")
    wv = look.need("average_wage", injury, facts.wage_area, "personal_wage_clamp", "受伤日期")
    w = _dec(wv.value, "统筹地区职工月平均工资")
    mode = look.rounding(injury, "personal_wage_clamp")
    raw = sum(facts.wages, Decimal(0)) / Decimal(len(facts.wages))
    avg = q2(raw, mode)
    floor = q2(w * _pct(FLOOR_PERCENT), mode)   # the floor and cap are rounded before use (RULES.md 3)
    cap = q2(w * _pct(CAP_PERCENT), mode)
    if avg < floor:
        return PersonalWage(len(facts.wages), raw, w, floor, cap, floor, "floor")
    if avg > cap:
        return PersonalWage(len(facts.wages), raw, w, floor, cap, cap, "cap")
    return PersonalWage(len(facts.wages), raw, w, floor, cap, avg, None)


def _lump_sum(grade: int, pw: PersonalWage) -> Line:
    months = LUMP_SUM_MONTHS[grade]
    amount = q2(pw.result * months)   # exact: 0.01 × integer months needs no rounding
    return Line(
        item=Benefit.LUMP_SUM.value,
        formula=f"本人工资 {fmt_yuan(pw.result)} 元 × {months} 个月（{grade}级）= {fmt_yuan(amount)} 元",
        inputs={"grade": str(grade), "personal_wage": str(pw.result), "months": str(months)},
        amount=amount, payer="fund", start_month=None, basis=_grade_basis(grade), monthly=False, kind="lump_sum")


def _allowance(facts: ClaimFacts, grade: int, pw: PersonalWage, look: _Lookups, refs: dict[str, str]) -> list[Line]:
    if grade > 6:
        raise Refused("not-eligible", f"{grade}级伤残不享受伤残津贴（仅一至六级）", field="grade")
    appraisal = _require(facts.appraisal_date, "appraisal_date", "劳动能力鉴定结论日期")
    first = month_after(appraisal)   # RULES.md 4: from the month after the 鉴定 conclusion
    refs["allowance_start"] = _ym(first)
    mode = look.rounding(first, "allowance")
    percent = ALLOWANCE_PERCENT[grade]
    amount = q2(pw.result * _pct(percent), mode)
    fund = grade <= 4
    lines = [Line(
        item=Benefit.ALLOWANCE.value if fund else "伤残津贴（用人单位支付）",
        formula=f"本人工资 {fmt_yuan(pw.result)} 元 × {percent}%（{grade}级）= {fmt_yuan(amount)} 元/月",
        inputs={"grade": str(grade), "personal_wage": str(pw.result), "percent": str(percent)},
        amount=amount, payer="fund" if fund else "employer", start_month=_ym(first),
        basis="《工伤保险条例》第三十五条" if fund else "《工伤保险条例》第三十六条", monthly=True, kind="allowance")]
    if not fund:
        # Grades 5–6: paid by the employer, shown for information only, never in a fund payment plan.
        return lines

    # Minimum-wage top-up (条例 art. 35): minimum wage of the employer's county in force in the first payment
    # month (RULES.md 4), compared by the rule of the policy version in force then (gross or net of medical).
    refs["minimum_wage"] = first.isoformat()
    topup = _topup_line(amount, first, facts.county, look, mode, "首个发放月")
    if topup is not None:
        lines.append(topup)
    return lines


def _topup_line(amount: Decimal, month: dt.date, county: str | None, look: "_Lookups", mode: str,
                when: str) -> Line | None:
    """The minimum-wage top-up of one payment month: the county's minimum wage in force that month compared
    with the allowance by the rule of the policy in force then. None when no top-up is due."""
    mw_v = look.need("minimum_wage", month, county, "minimum_wage_topup", when)
    mw = _dec(mw_v.value, "最低工资标准")
    policy = look.policy(month, "minimum_wage_topup")
    rule = policy.get("topup_rule")
    if rule == "gross":
        compared = amount
        how = f"伤残津贴 {fmt_yuan(amount)} 元"
        extra: dict[str, str] = {}
    elif rule == "net-of-medical":
        rate_raw = policy.get("medical_contribution_rate")
        if rate_raw is None:
            raise Refused("missing-parameter", "比较规则为扣除个人医疗保险费后比较，但未设置个人医疗保险缴费比例",
                          parameter="policy")
        rate = _dec(rate_raw, "个人医疗保险缴费比例")
        contribution = q2(amount * rate, mode)
        compared = amount - contribution
        how = (f"（伤残津贴 {fmt_yuan(amount)} 元 − 个人医疗保险费 {fmt_yuan(contribution)} 元"
               f" [{fmt_yuan(amount)} × {rate}]）")
        extra = {"medical_contribution_rate": str(rate), "medical_contribution": str(contribution)}
    elif rule is None:
        raise Refused("missing-parameter", f"{when}没有生效的伤残津贴与最低工资比较规则（计算规则设置），无法计算",
                      parameter="policy")
    else:
        raise Refused("unsupported-policy", f"未知的最低工资比较规则：{rule}", parameter="policy")
    topup = q2(mw - compared, mode) if compared < mw else Decimal("0.00")
    if topup <= 0:
        return None
    return Line(
        item="伤残津贴最低工资补差",
        formula=f"最低工资标准 {fmt_yuan(mw)} 元 − {how} = {fmt_yuan(topup)} 元/月",
        inputs={"minimum_wage": str(mw), "allowance": str(amount), "topup_rule": rule, "county": county or "", **extra},
        amount=topup, payer="fund", start_month=_ym(month),
        basis="《工伤保险条例》第三十五条第一款第（二）项", monthly=True, kind="minimum_wage_topup")


def allowance_paid_in(allowance: Decimal, month: dt.date, county: str | None, params: ParameterSource) -> Decimal:
    """The fund-paid 伤残津贴 of a later payment month before the yearly increments: the allowance plus the
    minimum-wage top-up against the minimum wage and rule in force THAT month (RULES.md 4: the top-up follows
    each payment month), not the first month's top-up."""
    with money_context():
        look = _Lookups(params)
        mode = look.rounding(month, "allowance")
        a = q2(_dec(allowance, "伤残津贴"))
        line = _topup_line(a, month, county, look, mode, f"{_ym(month)}")
        return a + (line.amount if line is not None else Decimal("0.00"))


def _care(facts: ClaimFacts, look: _Lookups, refs: dict[str, str]) -> list[Line]:
    if not facts.care_levels:
        raise Refused("missing-input", "没有生活自理障碍等级，不计发生活护理费", field="care_levels")
    care_date = _require(facts.care_date, "care_date", "生活自理障碍等级鉴定结论日期")
    refs["care"] = care_date.isoformat()   # RULES.md 4: W in force on the care-level conclusion date
    first = month_after(care_date)
    refs["care_start"] = _ym(first)
    wv = look.need("average_wage", care_date, facts.wage_area, "care", "护理等级结论日期")
    w = _dec(wv.value, "统筹地区职工月平均工资")
    mode = look.rounding(care_date, "care")
    lines = []
    for level in dict.fromkeys(facts.care_levels):
        percent = CARE_PERCENT[level]
        amount = q2(w * _pct(percent), mode)
        lines.append(Line(
            item=f"{Benefit.CARE.value}（{level.value}）",
            formula=f"统筹地区职工月平均工资 {fmt_yuan(w)} 元 × {percent}% = {fmt_yuan(amount)} 元/月",
            inputs={"care_level": level.value, "average_wage": str(w), "percent": str(percent)},
            amount=amount, payer="fund", start_month=_ym(first), basis="《工伤保险条例》第三十四条",
            monthly=True, kind="care"))
    return lines


def _medical(facts: ClaimFacts, look: _Lookups, refs: dict[str, str]) -> Line:
    grade = _grade(facts)
    if grade <= 4:
        raise Refused("not-eligible", "一至四级伤残保留劳动关系，不享受一次性工伤医疗补助金（条例第三十五条）",
                      field="grade")
    kind = _require(facts.termination_kind, "termination_kind", "劳动关系终止原因")
    if kind not in TERMINATION_KINDS:
        raise Refused("invalid-input", f"劳动关系终止原因不正确：{kind}", field="termination_kind")
    if grade <= 6 and kind != "worker-initiated":
        raise Refused("not-eligible", "五至六级伤残仅在职工本人提出与用人单位解除劳动关系时享受一次性工伤医疗补助金"
                      "（条例第三十六条）", field="termination_kind")
    if grade >= 7 and kind not in ("contract-expired", "worker-initiated"):
        raise Refused("not-eligible", "七至十级伤残仅在劳动合同期满终止或职工本人提出解除劳动合同时享受一次性工伤医疗"
                      "补助金（条例第三十七条）", field="termination_kind")
    ended = _require(facts.termination_date, "termination_date", "劳动关系终止日期")
    refs["medical"] = ended.isoformat()   # RULES.md 4: table and base in force when the labour relation ended
    table_v = look.need("medical_months", ended, facts.wage_area, "medical_lump_sum", "劳动关系终止日期")
    table = table_v.value if isinstance(table_v.value, Mapping) else {}
    months_raw = table.get(grade, table.get(str(grade)))
    if months_raw is None:
        raise Refused("missing-parameter", f"劳动关系终止日期生效的一次性工伤医疗补助金月数表中没有{grade}级",
                      parameter="medical_months")
    months = _dec(months_raw, "一次性工伤医疗补助金月数")
    policy = look.policy(ended, "medical_lump_sum")
    base_kind = policy.get("medical_base", "W")
    if base_kind != "W":
        raise Refused("unsupported-policy", f"不支持的一次性工伤医疗补助金计发基数：{base_kind}", parameter="policy")
    wv = look.need("average_wage", ended, facts.wage_area, "medical_lump_sum", "劳动关系终止日期")
    w = _dec(wv.value, "统筹地区职工月平均工资")
    mode = look.rounding(ended, "medical_lump_sum")
    amount = q2(w * months, mode)
    return Line(
        item=Benefit.MEDICAL.value,
        formula=(f"统筹地区职工月平均工资 {fmt_yuan(w)} 元 × {months} 个月（{grade}级，"
                 f"{TERMINATION_LABELS[kind]}）= {fmt_yuan(amount)} 元"),
        inputs={"grade": str(grade), "average_wage": str(w), "months": str(months), "termination_kind": kind,
                "termination_date": ended.isoformat()},
        amount=amount, payer="fund", start_month=None,
        basis="《工伤保险条例》第三十六条" if grade <= 6 else "《工伤保险条例》第三十七条",
        monthly=False, kind="medical_lump_sum")


def compute(facts: ClaimFacts, params: ParameterSource) -> Assessment:
    """Compute the benefits asked in `facts` with the parameter versions in force on each reference date.

    Raises Refused (naming `field` or `parameter`) instead of guessing.
    """
    with money_context():
        if not facts.benefits:
            raise Refused("missing-input", "没有指定要核定的待遇", field="benefits")
        look = _Lookups(params)
        refs: dict[str, str] = {}
        lines: list[Line] = []
        pw: PersonalWage | None = None
        if Benefit.LUMP_SUM in facts.benefits or Benefit.ALLOWANCE in facts.benefits:
            grade = _grade(facts)
            if Benefit.ALLOWANCE in facts.benefits and grade > 6:
                raise Refused("not-eligible", f"{grade}级伤残不享受伤残津贴（仅一至六级）", field="grade")
            pw = _personal_wage(facts, look)
            refs["personal_wage_clamp"] = facts.injury_date.isoformat()  # type: ignore[union-attr]
            if Benefit.LUMP_SUM in facts.benefits:
                lines.append(_lump_sum(grade, pw))
            if Benefit.ALLOWANCE in facts.benefits:
                lines.extend(_allowance(facts, grade, pw, look, refs))
        if Benefit.CARE in facts.benefits:
            lines.extend(_care(facts, look, refs))
        if Benefit.MEDICAL in facts.benefits:
            lines.append(_medical(facts, look, refs))
        return Assessment(facts=facts, personal_wage=pw, lines=tuple(lines), parameters=tuple(look.used.values()),
                          reference_dates=refs, lookups=tuple(look.lookups))


def apply_increments(
    amount_after_topup: Decimal,
    *,
    benefit_start: dt.date,
    payment_month: dt.date,
    increments: Iterable[ParameterVersion],
    grade: int | None = None,
    care_level: CareLevel | str | None = None,
) -> tuple[Decimal, tuple[Line, ...]]:
    """The monthly amount of `payment_month` after Xinjiang's yearly increments (RULES.md 2, 新人社发〔2024〕41号).

    `amount_after_topup` is that month's 伤残津贴 plus its minimum-wage top-up (or the 生活护理费): increments are
    added *after* the top-up.  A yearly version (key "increments", effective 1 January) applies when it has taken
    effect by the payment month and the benefit started in or before December of the year before it took effect.
    Increments accumulate year on year.  Give exactly one of `grade` (伤残津贴) or `care_level` (生活护理费).
    Returns (total, increment lines).
    """
    if (grade is None) == (care_level is None):
        raise ValueError("grade 与 care_level 必须且只能提供一个")
    level = CareLevel(care_level) if care_level is not None else None
    with money_context():
        total = _dec(amount_after_topup, "月发放金额")
        month = dt.date(payment_month.year, payment_month.month, 1)
        start = dt.date(benefit_start.year, benefit_start.month, 1)
        lines: list[Line] = []
        for v in sorted(increments, key=lambda x: x.effective_from):
            if v.key != "increments" or v.effective_from > month:
                continue
            if start > dt.date(v.effective_from.year - 1, 12, 1):
                continue   # started after December of the previous year: not yet "already receiving"
            table = v.value.get("grades" if grade is not None else "care", {}) if isinstance(v.value, Mapping) else {}
            key: Any = grade if grade is not None else level.value  # type: ignore[union-attr]
            raw = table.get(key, table.get(str(key)))
            if raw is None:
                continue   # that year's notice gives this grade / level nothing
            inc = q2(_dec(raw, "年度调整额"))
            total += inc
            who = f"{grade}级伤残津贴" if grade is not None else f"生活护理费（{key}）"
            lines.append(Line(
                item=f"{v.effective_from.year}年度{who}调整",
                formula=f"每月增加 {fmt_yuan(inc)} 元（自{v.effective_from.isoformat()}起）",
                inputs={"version_id": v.version_id, "increment": str(inc), "benefit_start": _ym(start)},
                amount=inc, payer="employer" if grade is not None and grade > 4 else "fund",
                start_month=_ym(max(v.effective_from, start)), basis=v.source, monthly=True, kind="increment"))
        return q2(total), tuple(lines)


def stale_parameters(snapshot: Mapping[str, Any], params: ParameterSource) -> list[dict[str, str | None]]:
    """For review (复核): lookups of a stored snapshot whose version in force on the same reference date is now
    a different one (a newer version took effect, or one was added).  Nothing is recomputed; the caller shows the
    difference and may return the case."""
    changed = []
    for lk in snapshot.get("lookups", []):
        on = dt.date.fromisoformat(lk["on"])
        now = params.in_force(lk["key"], on, lk.get("area"))
        now_id = now.version_id if now else None
        if now_id != lk.get("version_id"):
            changed.append({"purpose": lk.get("purpose"), "key": lk["key"], "area": lk.get("area"), "on": lk["on"],
                            "used": lk.get("version_id"), "now": now_id})
    return changed


def pension_topup(allowance: Decimal, pension: Decimal, *, retired_on: dt.date, grade: int) -> Line:
    """养老金工伤补差 (条例 art. 35(3), RULES.md 2): once a grade 1–4 worker has retired (a recorded event, not
    the computed month), 伤残津贴 stops and, when the basic pension is lower than the allowance, the fund pays
    the difference each month.  `allowance` is the monthly 伤残津贴 the worker was receiving (with its
    minimum-wage top-up and yearly increments); the top-up starts the month after retirement [practice].
    Returns the line; its amount is 0.00 when the pension is not lower (nothing is paid)."""
    if isinstance(grade, bool) or not isinstance(grade, int) or not 1 <= grade <= 4:
        raise Refused("not-eligible", "养老金工伤补差仅适用于由工伤保险基金支付伤残津贴的一至四级伤残职工",
                      field="grade")
    with money_context():
        a = q2(_dec(allowance, "伤残津贴"))
        p = q2(_dec(pension, "基本养老金"))
        if a < 0 or p < 0:
            raise Refused("invalid-input", "伤残津贴和基本养老金不能为负数", field="pension")
        diff = a - p if p < a else Decimal("0.00")
        start = month_after(retired_on)
        if diff > 0:
            formula = f"伤残津贴 {fmt_yuan(a)} 元 − 基本养老金 {fmt_yuan(p)} 元 = {fmt_yuan(diff)} 元/月"
        else:
            formula = f"基本养老金 {fmt_yuan(p)} 元不低于伤残津贴 {fmt_yuan(a)} 元，不需补差"
        return Line(
            item="养老金工伤补差", formula=formula,
            inputs={"allowance": str(a), "pension": str(p), "retired_on": retired_on.isoformat(), "grade": str(grade)},
            amount=q2(diff), payer="fund", start_month=_ym(start), basis="《工伤保险条例》第三十五条第一款第（三）项",
            monthly=True, kind="pension_topup")
