"""Money helpers (RULES.md 3; cases/capitals.json)."""

import decimal
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.money import capitals, fmt_yuan, from_fen, money_context, parse_amount, q2, to_fen

CASES_DIR = Path(os.environ.get("CASES_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "cases"))
CAPITALS = json.loads((CASES_DIR / "capitals.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CAPITALS, ids=[c["amount"] for c in CAPITALS])
def test_capitals_cases(case):
    got = capitals(Decimal(case["amount"]))
    assert got in {case["capitals"], case.get("also_accepted")}
    assert got == case["capitals"]


@pytest.mark.parametrize("amount, text", [
    ("0", "零元整"), ("0.05", "伍分"), ("0.50", "伍角"), ("1005", "壹仟零伍元整"), ("10005", "壹万零伍元整"),
    ("100010000", "壹亿零壹万元整"), ("1230.45", "壹仟贰佰叁拾元肆角伍分"), ("100.05", "壹佰元零伍分"),
    ("20000000", "贰仟万元整"), ("101", "壹佰零壹元整"), ("110", "壹佰壹拾元整"),
])
def test_capitals_more(amount, text):
    assert capitals(amount) == text


def test_q2_half_up_by_default_and_mode_selectable():
    assert q2(Decimal("4242.645")) == Decimal("4242.65")
    assert q2(Decimal("4500.045")) == Decimal("4500.05")
    assert q2(Decimal("4500.045"), decimal.ROUND_HALF_EVEN) == Decimal("4500.04")
    assert q2(Decimal("4500.045"), "half-even") == Decimal("4500.04")
    with pytest.raises(ValueError):
        q2(Decimal("1"), "sideways")


def test_fen_round_trip_and_refuses_unrounded():
    assert to_fen(Decimal("12345.67")) == 1234567
    assert from_fen(1234567) == Decimal("12345.67")
    assert str(from_fen(5)) == "0.05"
    with pytest.raises(ValueError):
        to_fen(Decimal("1.005"))
    with pytest.raises(TypeError):
        from_fen(1.5)


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_fen_round_trip_property(fen):
    assert to_fen(from_fen(fen)) == fen


def test_fmt_yuan():
    assert fmt_yuan(Decimal("12345.67")) == "12,345.67"
    assert fmt_yuan(Decimal("0")) == "0.00"
    assert fmt_yuan(Decimal("1234567.895")) == "1,234,567.90"   # half-up, not Decimal's half-even formatting


def test_parse_amount():
    assert parse_amount("12345.67") == Decimal("12345.67")
    assert parse_amount(" 12,345.6 ") == Decimal("12345.60")
    assert parse_amount("100") == Decimal("100.00")
    assert str(parse_amount("100")) == "100.00"
    for bad in ["", "abc", "-1", "1.234", "1e3", "NaN", "Infinity", "1,23.00", "١٢"]:
        with pytest.raises(ValueError) as e:
            parse_amount(bad)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(e.value)), "message must be Chinese"


def test_float_operation_is_trapped():
    assert decimal.getcontext().traps[decimal.FloatOperation]
    with pytest.raises(decimal.FloatOperation):
        Decimal(0.1)
    with pytest.raises(decimal.FloatOperation):
        Decimal("1.00") < 0.5
    with money_context():
        with pytest.raises(decimal.FloatOperation):
            Decimal(0.1)
    with pytest.raises(TypeError):
        q2(0.1)
    with pytest.raises(TypeError):
        capitals(12.5)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_no_float_ever_becomes_money(x):
    with pytest.raises(TypeError):
        q2(x)
    with pytest.raises(TypeError):
        to_fen(x)


@given(st.decimals(min_value=0, max_value=10**12, places=2))
def test_capitals_structure(amount):
    text = capitals(amount)
    assert text.endswith(("整", "角", "分"))
    assert "零零" not in text
    if amount == amount.to_integral_value():
        assert text.endswith("元整")
