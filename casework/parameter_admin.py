"""Parameter administration (RULES.md 4): the parameter administrator keeps the dated versions.

What is typed (strings) becomes a `VersionInput` or a dict of Chinese messages keyed by field
(`parse_version`), so the same rules serve the staff form and any later import.  `create`, `correct` and
`delete` are the only ways a version changes; each is audited.  A version cited by any frozen assessment
(Case.assessment snapshot, `version_id` = str(ParameterRecord.id)) is never corrected or deleted: it can only
be superseded by a newer version (RULES.md 4: review shows the snapshot, a later change is flagged).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session, select

from casework.benefits import CareLevel, stale_parameters
from casework.models import ParameterRecord
from casework.money import fmt_yuan, money_context, parse_amount, q2
from casework.parameter_store import (
    DbParameters, add_version, delete_version, list_versions, update_version, used_version_ids,
)
from casework.parameters import PARAMETER_KEYS
from casework.roles import COUNTY_NAMES, Role
from casework.transitions import Actor, DomainError, NotPermitted, audit

__all__ = [
    "KEYS", "W_SERIES", "W_REGIONS", "ROUNDING_LABELS", "TOPUP_RULES", "MEDICAL_GRADES", "INCREMENT_GRADES",
    "VersionInput", "parse_version", "form_values", "describe_value", "create", "correct", "delete",
    "versions_by_key", "used_counts", "stale_differences",
]

KEYS = tuple(PARAMETER_KEYS)
W_SERIES = {"非私营": "城镇非私营单位就业人员平均工资", "全口径": "全口径城镇单位就业人员平均工资"}
W_REGIONS = {"自治区": "新疆维吾尔自治区", "昌吉州": "昌吉回族自治州"}
ROUNDING_LABELS = {"half-up": "四舍五入到分（RULES.md 3 规定）", "half-even": "银行家舍入到分", "down": "截尾到分"}
TOPUP_RULES = {"gross": "按伤残津贴总额与最低工资标准比较",
               "net-of-medical": "扣除个人缴纳的医疗保险费后与最低工资标准比较"}
# Reference-date settings the engine supports today (RULES.md 4); offered as settings, not hard-coded guesses.
CARE_START = {"month-after-conclusion": "生活护理费自护理等级鉴定结论作出的次月起发放"}
MEDICAL_BASE = {"W": "一次性工伤医疗补助金以劳动关系终止时生效的统筹地区职工月平均工资为基数"}
MEDICAL_GRADES = tuple(range(5, 11))
INCREMENT_GRADES = tuple(range(1, 7))   # 2024 notice: grades 1–6 (5–6 employer-paid, information only)
CARE_FIELDS = {"care_full": CareLevel.FULL, "care_most": CareLevel.MOST, "care_part": CareLevel.PART}
COUNTY_AREA_PREFIX = "6523"


@dataclass(frozen=True)
class VersionInput:
    """A validated version, in the stored shape (JSON value, amounts as strings)."""

    key: str
    area: str | None
    effective_from: dt.date
    value: dict[str, Any]
    source: str
    label: str
    demo: bool


# ---------------------------------------------------------------------------------------------- parsing


def _text(raw: Mapping[str, str], name: str) -> str:
    return " ".join(str(raw.get(name) or "").split())


def _date(raw: Mapping[str, str], name: str, label: str, errors: dict[str, str]) -> dt.date | None:
    text = _text(raw, name)
    if not text:
        errors[name] = f"请填写{label}。"
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = f"{label}格式不正确，请按“年-月-日”填写，例如 2025-07-01。"
        return None


# plausibility bounds (not rules of law): a typing slip of a few extra digits must not become a parameter
MAX_AMOUNT = Decimal("10000000")  # an annual average wage in 元 is far below this; monthly figures far more so


def _choice(raw: Mapping[str, str], name: str, allowed, message: str, errors: dict[str, str]) -> str:
    """One of a fixed set of options (a select); anything else is the message beside the field."""
    value = _text(raw, name)
    if value not in allowed:
        errors[name] = message
    return value


def _amount(raw: Mapping[str, str], name: str, label: str, errors: dict[str, str], *,
            required: bool = True, maximum: Decimal = MAX_AMOUNT) -> Decimal | None:
    text = _text(raw, name)
    if not text:
        if required:
            errors[name] = f"请填写{label}。"
        return None
    try:
        value = parse_amount(text)
    except ValueError:
        errors[name] = f"{label}应为金额（元，最多两位小数），例如 7856.75。"
        return None
    if value <= 0:
        errors[name] = f"{label}应大于零。"
        return None
    if value > maximum:
        errors[name] = f"{label}超出合理范围（不超过 {maximum:,} 元），请核对。"
        return None
    return value


def _decimal(raw: Mapping[str, str], name: str, label: str, errors: dict[str, str], *, places: int,
             required: bool = True) -> Decimal | None:
    text = _text(raw, name)
    if not text:
        if required:
            errors[name] = f"请填写{label}。"
        return None
    try:
        with money_context():
            value = Decimal(text)
    except (InvalidOperation, ValueError):
        errors[name] = f"{label}应为数字，例如 10 或 2.5。"
        return None
    if not value.is_finite() or value <= 0:
        errors[name] = f"{label}应为大于零的数字。"
        return None
    if value.as_tuple().exponent < -places:  # type: ignore[operator]
        errors[name] = f"{label}最多保留{places}位小数。"
        return None
    return value


def _common(raw: Mapping[str, str], errors: dict[str, str]) -> tuple[dt.date | None, str, bool]:
    effective = _date(raw, "effective_from", "生效日期", errors)
    source = _text(raw, "source")
    if not source:
        errors["source"] = "请填写来源文件（文号或发布机关与日期），便于核对。"
    elif len(source) > 200:
        errors["source"] = "来源文件不能超过200个字。"
    demo = str(raw.get("demo") or "") in ("1", "on", "true", "yes")
    return effective, source, demo


def _parse_average_wage(raw, errors):
    region = _choice(raw, "region", W_REGIONS, "请选择统计范围（自治区或昌吉州）。", errors)
    series = _choice(raw, "series", W_SERIES, "请选择统计口径（全口径或非私营）。", errors)
    year_text = _text(raw, "year")
    year = None
    if not year_text:
        errors["year"] = "请填写该平均工资所属的统计年度。"
    elif not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
        errors["year"] = "统计年度应为四位年份，例如 2024。"
    else:
        year = int(year_text)
    period = _text(raw, "period")
    if period not in ("annual", "monthly"):
        errors["period"] = "请选择录入的是年平均工资还是月平均工资。"
    amount = _amount(raw, "amount", "平均工资", errors,
                     maximum=Decimal("10000000") if period == "annual" else Decimal("1000000"))
    if errors or amount is None:
        return None, None, ""
    if period == "annual":
        # RULES.md 4: a published annual figure is divided by 12 and rounded half-up to 0.01 first
        with money_context():
            monthly = q2(amount / Decimal(12))
        annual: str | None = str(amount)
    else:
        monthly, annual = amount, None
    value = {"amount": str(monthly), "annual_amount": annual, "series": series, "region": region, "year": year}
    how = f"（年平均 {fmt_yuan(amount)} 元 ÷ 12）" if annual else ""
    label = f"统筹地区职工月平均工资 {fmt_yuan(monthly)} 元{how}（{region}{year}年度{series}）"
    return None, value, label


def _parse_minimum_wage(raw, errors):
    county = _choice(raw, "area", COUNTY_NAMES, "请选择县市（区划代码 6523xx）。", errors)
    amount = _amount(raw, "amount", "最低工资标准（月）", errors, maximum=Decimal("100000"))
    if errors or amount is None:
        return None, None, ""
    return county, {"amount": str(amount)}, f"最低工资标准 {fmt_yuan(amount)} 元/月（{COUNTY_NAMES[county]} {county}）"


def _parse_medical_months(raw, errors):
    table: dict[str, str] = {}
    for g in MEDICAL_GRADES:
        months = _decimal(raw, f"grade_{g}", f"{g}级伤残的月数", errors, places=1)
        if months is not None:
            table[str(g)] = str(months)
    if errors:
        return None, None, ""
    shown = "、".join(f"{g}级{table[str(g)]}个月" for g in MEDICAL_GRADES)
    return None, table, f"一次性工伤医疗补助金月数表（{shown}）"[:120]


def _parse_increments(raw, errors):
    grades: dict[str, str] = {}
    care: dict[str, str] = {}
    for g in INCREMENT_GRADES:
        inc = _amount(raw, f"grade_{g}", f"{g}级伤残津贴每月增加额", errors, required=False, maximum=Decimal("100000"))
        if inc is not None:
            grades[str(g)] = str(inc)
    for name, level in CARE_FIELDS.items():
        inc = _amount(raw, name, f"生活护理费（{level.value}）每月增加额", errors, required=False, maximum=Decimal("100000"))
        if inc is not None:
            care[level.value] = str(inc)
    if not errors and not grades and not care:
        errors["grade_1"] = "请至少填写一项调整额（未调整的等级留空）。"
    if errors:
        return None, None, ""
    return None, {"grades": grades, "care": care}, ""


def _parse_policy(raw, errors):
    rounding = _choice(raw, "rounding", ROUNDING_LABELS, "请选择舍入方式。", errors)
    rule = _choice(raw, "topup_rule", TOPUP_RULES, "请选择伤残津贴与最低工资的比较规则。", errors)
    percent = _decimal(raw, "medical_contribution_percent", "个人医疗保险缴费比例", errors, places=2,
                       required=(rule == "net-of-medical"))
    if percent is not None and percent >= 100:
        errors["medical_contribution_percent"] = "个人医疗保险缴费比例应小于100%。"
    care_start = _text(raw, "care_start") or "month-after-conclusion"
    if care_start not in CARE_START:
        errors["care_start"] = "请选择生活护理费起始月份规则。"
    base = _text(raw, "medical_base") or "W"
    if base not in MEDICAL_BASE:
        errors["medical_base"] = "请选择一次性工伤医疗补助金计发基数。"
    if errors:
        return None, None, ""
    value: dict[str, Any] = {"rounding": rounding, "topup_rule": rule, "medical_base": base, "care_start": care_start}
    if percent is not None:
        with money_context():
            value["medical_contribution_rate"] = str((percent / Decimal(100)).normalize())
    label = f"计算规则：{ROUNDING_LABELS[rounding].split('（')[0]}；{TOPUP_RULES[rule]}"
    if percent is not None:
        label += f"（个人医保费率 {percent}%）"
    return None, value, label[:120]


_PARSERS = {
    "average_wage": _parse_average_wage,
    "minimum_wage": _parse_minimum_wage,
    "medical_months": _parse_medical_months,
    "increments": _parse_increments,
    "policy": _parse_policy,
}


def parse_version(key: str, raw: Mapping[str, str]) -> tuple[VersionInput | None, dict[str, str]]:
    """A version of `key` from what was typed, or (None, Chinese messages by field)."""
    if key not in _PARSERS:
        return None, {"key": f"未知的参数：{key}"}
    errors: dict[str, str] = {}
    effective, source, demo = _common(raw, errors)
    area, value, label = _PARSERS[key](raw, errors)
    if key == "increments" and effective is not None and (effective.month, effective.day) != (1, 1):
        # 新人社发〔2024〕41号: the yearly increments take effect on 1 January
        errors["effective_from"] = f"年度调整额自每年1月1日起执行，请填写 {effective.year}-01-01。"
    if errors or effective is None or value is None:
        return None, errors
    if key == "increments":
        label = f"{effective.year}年度伤残津贴、生活护理费调整额"
    if demo:
        label = (label + "（演示）")[:120]
    return VersionInput(key=key, area=area, effective_from=effective, value=value, source=source,
                        label=label, demo=demo), {}


def form_values(row: ParameterRecord) -> dict[str, str]:
    """What the correction form shows for a stored version (the inverse of parse_version)."""
    v: dict[str, Any] = row.value or {}
    out: dict[str, str] = {"effective_from": row.effective_from.isoformat(), "source": row.source,
                           "demo": "1" if row.demo else ""}
    if row.key == "average_wage":
        annual = v.get("annual_amount")
        out.update(region=v.get("region", ""), series=v.get("series", ""), year=str(v.get("year") or ""),
                   period="annual" if annual else "monthly", amount=annual or v.get("amount", ""))
    elif row.key == "minimum_wage":
        out.update(area=row.area or "", amount=v.get("amount", ""))
    elif row.key == "medical_months":
        out.update({f"grade_{g}": str(v.get(str(g), "")) for g in MEDICAL_GRADES})
    elif row.key == "increments":
        out.update({f"grade_{g}": str(v.get("grades", {}).get(str(g), "")) for g in INCREMENT_GRADES})
        out.update({n: str(v.get("care", {}).get(level.value, "")) for n, level in CARE_FIELDS.items()})
    elif row.key == "policy":
        rate = v.get("medical_contribution_rate")
        with money_context():
            pct = str((Decimal(rate) * 100).normalize()) if rate else ""
        out.update(rounding=v.get("rounding", ""), topup_rule=v.get("topup_rule", ""),
                   medical_contribution_percent=pct, care_start=v.get("care_start", "month-after-conclusion"),
                   medical_base=v.get("medical_base", "W"))
    return out


def describe_value(key: str, value: Any) -> str:
    """A stored value (JSON, as kept in the DB or in a snapshot) in words, for lists and differences."""
    if not isinstance(value, Mapping):
        value = {"amount": value}
    if key in ("average_wage", "minimum_wage"):
        text = f"{fmt_yuan(str(value.get('amount')))} 元/月"
        if value.get("annual_amount"):
            text += f"（年 {fmt_yuan(str(value['annual_amount']))} 元 ÷ 12）"
        if value.get("series"):
            text += f"，{value.get('region', '')}{value.get('year', '')}年度{value['series']}"
        return text
    if key == "medical_months":
        return "、".join(f"{g}级 {m} 个月" for g, m in sorted(value.items(), key=lambda kv: int(kv[0])))
    if key == "increments":
        parts = [f"{g}级 +{fmt_yuan(str(a))}" for g, a in sorted(value.get("grades", {}).items(),
                                                                key=lambda kv: int(kv[0]))]
        parts += [f"{c} +{fmt_yuan(str(a))}" for c, a in value.get("care", {}).items()]
        return "每月 " + "、".join(parts) + " 元" if parts else "无调整"
    if key == "policy":
        text = f"{ROUNDING_LABELS.get(value.get('rounding', ''), value.get('rounding'))}；" \
               f"{TOPUP_RULES.get(value.get('topup_rule', ''), value.get('topup_rule'))}"
        if value.get("medical_contribution_rate"):
            with money_context():
                text += f"；个人医保费率 {(Decimal(str(value['medical_contribution_rate'])) * 100).normalize()}%"
        return text
    return str(value)


# ---------------------------------------------------------------------------------------------- changes


def _check_actor(actor: Actor) -> None:
    if actor.role is not Role.PARAMETER_ADMIN or Role.PARAMETER_ADMIN.value not in actor.account.role_set():
        raise NotPermitted("只有参数管理员可以维护待遇计算参数。")
    if not actor.account.active:
        raise NotPermitted("该账户已停用。")


def _check_unique(session: Session, data: VersionInput, exclude_id: int | None = None) -> None:
    rows = session.exec(select(ParameterRecord).where(ParameterRecord.key == data.key,
                                                      ParameterRecord.effective_from == data.effective_from)).all()
    if any(r.area == data.area and r.id != exclude_id for r in rows):
        # two versions taking effect the same day would make "in force" ambiguous (RULES.md 4)
        raise DomainError(f"{PARAMETER_KEYS[data.key]}在 {data.effective_from.isoformat()} 已有生效的版本；"
                          "如需更正请修改该版本（未被使用时），否则请以新的生效日期录入新版本。",
                          field="effective_from")


def _snapshot(row: ParameterRecord) -> dict[str, Any]:
    return {"version_id": str(row.id), "key": row.key, "area": row.area,
            "effective_from": row.effective_from.isoformat(), "value": row.value, "source": row.source,
            "label": row.label, "demo": row.demo}


def _audit(session: Session, actor: Actor, action: str, details: dict[str, Any], reason: str | None = None) -> None:
    audit(session, action, actor.account, role=actor.role.value,
          office_code=actor.office.code if actor.office else None, reason=reason, details=details, ip=actor.ip)


def _used_refusal(session: Session, row: ParameterRecord, what: str) -> None:
    n = used_version_ids(session).get(str(row.id), 0)
    if n:
        raise DomainError(f"该版本已被 {n} 个案件的待遇核定使用（已冻结在核定快照中），不能{what}；"
                          "只能以新的生效日期录入新版本来取代它。")


def create(session: Session, actor: Actor, data: VersionInput) -> ParameterRecord:
    """A new version (supersedes the previous one from its effective date on)."""
    _check_actor(actor)
    _check_unique(session, data)
    row = add_version(session, key=data.key, area=data.area, effective_from=data.effective_from, value=data.value,
                      source=data.source, label=data.label, demo=data.demo, created_by_id=actor.id)
    _audit(session, actor, "parameter_add", {"version": _snapshot(row)})
    return row


def correct(session: Session, actor: Actor, version_id: int, data: VersionInput, *, reason: str) -> ParameterRecord:
    """Correct a version no assessment has used (a typing error), with the reason."""
    _check_actor(actor)
    row = _get(session, version_id)
    if data.key != row.key:
        raise DomainError("不能更改参数种类。")
    _used_refusal(session, row, "修改")
    if not reason.strip():
        raise DomainError("更正参数版本须注明原因。", field="reason")
    _check_unique(session, data, exclude_id=row.id)
    before = _snapshot(row)
    update_version(session, row, area=data.area, effective_from=data.effective_from, value=data.value,
                   source=data.source, label=data.label, demo=data.demo)
    _audit(session, actor, "parameter_correct", {"before": before, "after": _snapshot(row)}, reason.strip())
    return row


def delete(session: Session, actor: Actor, version_id: int, *, reason: str) -> None:
    """Delete a version no assessment has used, with the reason."""
    _check_actor(actor)
    row = _get(session, version_id)
    _used_refusal(session, row, "删除")
    if not reason.strip():
        raise DomainError("删除参数版本须注明原因。", field="reason")
    before = _snapshot(row)
    delete_version(session, row)
    _audit(session, actor, "parameter_delete", {"deleted": before}, reason.strip())


def _get(session: Session, version_id: int) -> ParameterRecord:
    row = session.get(ParameterRecord, version_id)
    if row is None:
        raise DomainError("找不到该参数版本（可能已被删除），请刷新页面。")
    return row


# ---------------------------------------------------------------------------------------------- reading


def versions_by_key(session: Session) -> dict[str, list[ParameterRecord]]:
    grouped: dict[str, list[ParameterRecord]] = {k: [] for k in KEYS}
    for row in list_versions(session):
        grouped.setdefault(row.key, []).append(row)
    return grouped


def used_counts(session: Session) -> dict[str, int]:
    return used_version_ids(session)


def stale_differences(session: Session, snapshot: Mapping[str, Any]) -> list[dict[str, Any]]:
    """For 复核: each lookup of the frozen snapshot whose version in force on the same reference date is now
    another one, with both versions' labels and values in words (nothing is recomputed, RULES.md 4)."""
    used = {str(p.get("version_id")): p for p in snapshot.get("parameters", [])}
    out = []
    for change in stale_parameters(snapshot, DbParameters(session)):
        old = used.get(str(change["used"])) if change["used"] else None
        new_row = session.get(ParameterRecord, int(change["now"])) if change["now"] and \
            str(change["now"]).isdigit() else None
        out.append({
            **change,
            "name": PARAMETER_KEYS.get(change["key"], change["key"]),
            "old_label": old["label"] if old else "（当时没有生效的版本）",
            "old_effective": old["effective_from"] if old else None,
            "old_value": describe_value(change["key"], old["value"]) if old else "—",
            "new_label": new_row.label if new_row else "（现在没有生效的版本）",
            "new_effective": new_row.effective_from.isoformat() if new_row else None,
            "new_value": describe_value(change["key"], new_row.value) if new_row else "—",
        })
    # one row per (key, area, version pair): several purposes may share a lookup
    seen, unique = set(), []
    for d in out:
        k = (d["key"], d["area"], d["used"], d["now"])
        if k not in seen:
            seen.add(k)
            unique.append(d)
    return unique
