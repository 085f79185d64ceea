"""Dated parameter versions (RULES.md 4), pure: no database here.

Each parameter is a series of versions; the version in force on a date is the latest one that took effect on
or before it.  "Missing" means no version at all (or none for that area) and the engine then refuses to
compute, naming the parameter — it never borrows another region's value or a later one.

Keys and value shapes:
- "average_wage": W, monthly 元, Decimal (area: the 统筹地区, or None)
- "minimum_wage": monthly 元, Decimal (area: county code 6523xx, or None = every county)
- "medical_months": {grade (int 5..10): months (Decimal)}
- "increments": {"grades": {grade: Decimal 元/month}, "care": {care level (Chinese): Decimal 元/month}},
  effective_from = 1 January of the year it applies (新人社发〔2024〕41号)
- "policy": {"rounding": "half-up", "topup_rule": "gross" | "net-of-medical",
  "medical_contribution_rate": Decimal, "medical_base": "W"}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol, runtime_checkable

__all__ = ["PARAMETER_KEYS", "ParameterVersion", "ParameterSource", "InMemoryParameters", "jsonable"]

# Chinese names for messages (a refusal names the parameter in words staff recognise).
PARAMETER_KEYS: dict[str, str] = {
    "average_wage": "统筹地区职工月平均工资",
    "minimum_wage": "最低工资标准",
    "medical_months": "一次性工伤医疗补助金月数表",
    "increments": "伤残津贴、生活护理费年度调整额",
    "policy": "计算规则设置",
}


def jsonable(value: Any) -> Any:
    """A JSON-serialisable copy: Decimals (and dates) as strings, dict keys as strings, tuples/sets as lists."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(jsonable(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((jsonable(v) for v in value), key=str)
    if isinstance(value, float):
        raise TypeError("参数值不能是浮点数（float）")
    return value


@dataclass(frozen=True)
class ParameterVersion:
    key: str
    area: str | None
    effective_from: dt.date
    value: Any
    source: str          # the source document (e.g. 新人社发〔2024〕41号)
    label: str           # human label, Chinese
    demo: bool = False   # True → documents must say 演示参数，非正式标准
    version_id: str = ""

    def snapshot(self) -> dict[str, Any]:
        return {
            "version_id": self.version_id,
            "key": self.key,
            "area": self.area,
            "effective_from": self.effective_from.isoformat(),
            "value": jsonable(self.value),
            "source": self.source,
            "label": self.label,
            "demo": self.demo,
        }


@runtime_checkable
class ParameterSource(Protocol):
    def in_force(self, key: str, on: dt.date, area: str | None = None) -> ParameterVersion | None: ...


class InMemoryParameters:
    """A list of versions.  In force on `on` = the latest effective_from <= on, taken among the versions of the
    exact area first and, only when that area has none in force, among the versions for every area (area None).
    A request with area None never sees area-specific versions (no borrowing from another region)."""

    def __init__(self, versions: Iterable[ParameterVersion] = ()) -> None:
        self._versions: list[ParameterVersion] = []
        for v in versions:
            self.add(v)

    def add(self, version: ParameterVersion) -> ParameterVersion:
        if not version.version_id:
            version = replace(version, version_id=f"{version.key}:{version.area or '*'}:{version.effective_from}")
        for v in self._versions:
            if (v.key, v.area, v.effective_from) == (version.key, version.area, version.effective_from):
                # Two versions taking effect the same day would make "in force" ambiguous: supersede instead.
                raise ValueError(f"参数 {version.key}（{version.area or '全部地区'}）在 "
                                 f"{version.effective_from} 已有版本，请以新的生效日期另立版本")
        self._versions.append(version)
        return version

    @property
    def versions(self) -> tuple[ParameterVersion, ...]:
        return tuple(self._versions)

    def _latest(self, key: str, on: dt.date, area: str | None) -> ParameterVersion | None:
        candidates = [v for v in self._versions if v.key == key and v.area == area and v.effective_from <= on]
        return max(candidates, key=lambda v: v.effective_from, default=None)

    def in_force(self, key: str, on: dt.date, area: str | None = None) -> ParameterVersion | None:
        if area is not None:
            exact = self._latest(key, on, area)
            if exact is not None:
                return exact
        return self._latest(key, on, None)

    def history(self, key: str, area: str | None = None) -> tuple[ParameterVersion, ...]:
        """All versions of a key for an area (exact), oldest first — e.g. the yearly increments."""
        return tuple(sorted((v for v in self._versions if v.key == key and v.area == area),
                            key=lambda v: v.effective_from))
