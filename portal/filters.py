"""Jinja filters and globals: how amounts, dates, statuses and masked values are shown."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from jinja2 import Environment

from casework.clock import fmt_date, fmt_instant
from casework.identity import mask_account, mask_id, mask_name, mask_phone
from casework.money import capitals, fmt_yuan, from_fen
from casework.roles import ROLE_LABELS, Role
from casework.transitions import ACTIONS, STATUS_LABELS

SEX = {"male": "男", "female": "女"}
GROUPS = {"man": "男职工", "woman-50": "女职工（原50周岁）", "woman-55": "女职工（原55周岁）"}


def yuan(value) -> str:
    if value is None or value == "":
        return ""
    return fmt_yuan(Decimal(str(value)))


def fen(value: int | None) -> str:
    return "" if value is None else fmt_yuan(from_fen(value))


def cn_date(value) -> str:
    if isinstance(value, datetime):
        return fmt_instant(value)
    if isinstance(value, date):
        return fmt_date(value)
    if isinstance(value, str) and value:
        try:
            return fmt_date(date.fromisoformat(value[:10]))
        except ValueError:
            return value
    return ""


def month(value: str | None) -> str:
    if not value:
        return ""
    y, m = value.split("-")[:2]
    return f"{y}年{m}月"


def role_label(value: str) -> str:
    try:
        return ROLE_LABELS[Role(value)]
    except ValueError:
        return value


# audit records that are not status changes, as the case history shows them
EVENT_LABELS = {
    "deadline.set": "设定承诺办结日期",
    "deadline.resumed": "稽核结束，恢复计时并顺延办结日期",
    "case.assign": "分派案件",
}


def action_label(action: str) -> str:
    if action in ACTIONS:
        return ACTIONS[action].label
    return EVENT_LABELS.get(action, action)


def install(env: Environment) -> None:
    env.filters.update(
        yuan=yuan, fen=fen, capitals=lambda v: capitals(Decimal(str(v))), cn_date=cn_date, month=month,
        mask_id=mask_id, mask_name=mask_name, mask_account=mask_account, mask_phone=mask_phone,
        status_label=lambda s: STATUS_LABELS.get(s, s), role_label=role_label,
        action_label=action_label,
        sex=lambda s: SEX.get(s, s), group=lambda g: GROUPS.get(g, g),
    )
    env.globals.update(htmx_js="vendor/htmx-2.0.11.min.js")
