"""Money helpers: Decimal only, 元 to 0.01, half-up by default (RULES.md section 3).

Why so strict: a wrong fen is a wrong payment to an injured worker.  Floats cannot represent 0.01 exactly,
so a float must never become money; SQLite's SUM() is floating point, so money is stored as integer fen.
"""

from __future__ import annotations

import contextlib
import decimal
import re
from collections.abc import Iterator
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

__all__ = [
    "CENT",
    "MONEY_CONTEXT",
    "ROUNDING_MODES",
    "money_context",
    "rounding_mode",
    "q2",
    "to_fen",
    "from_fen",
    "capitals",
    "fmt_yuan",
    "parse_amount",
]

CENT = Decimal("0.01")

# A context that traps FloatOperation: Decimal(0.1), or comparing a Decimal with a float, raises instead of
# silently producing a binary-fraction amount (RULES.md 3).  Precision 28 is ample for 元 amounts.
MONEY_CONTEXT = decimal.Context(prec=28, rounding=ROUND_HALF_UP, traps=[
    decimal.FloatOperation, decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow,
])

# The engine's own thread keeps the trap on too (the engine and its tests run here); other threads get it
# through money_context(), which every public function below enters.
decimal.getcontext().traps[decimal.FloatOperation] = True


@contextlib.contextmanager
def money_context() -> Iterator[decimal.Context]:
    """Run a block under MONEY_CONTEXT (FloatOperation trapped), whatever thread we are on."""
    with decimal.localcontext(MONEY_CONTEXT) as ctx:
        yield ctx


# Policy names (the "rounding" setting of a policy parameter version) → decimal rounding modes.
# RULES.md 3: half-up is the rule; the mode stays a policy setting, so the others are selectable.
ROUNDING_MODES: dict[str, str] = {
    "half-up": ROUND_HALF_UP,
    "half-even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
}


def rounding_mode(policy_name: str | None) -> str:
    """Map a policy rounding name ("half-up", ...) to a decimal rounding constant; None → half-up."""
    if policy_name is None:
        return ROUND_HALF_UP
    if policy_name in ROUNDING_MODES.values():
        return policy_name
    try:
        return ROUNDING_MODES[policy_name]
    except KeyError:
        raise ValueError(f"未知的舍入方式：{policy_name}") from None


def _as_decimal(x: Decimal | int | str) -> Decimal:
    # Floats are refused outright (not merely trapped) so the error is clear even outside MONEY_CONTEXT.
    if isinstance(x, bool) or isinstance(x, float):
        raise TypeError("金额不能使用浮点数（float），请使用 Decimal 或字符串")
    if isinstance(x, Decimal):
        return x
    if isinstance(x, (int, str)):
        return Decimal(x)
    raise TypeError(f"无法作为金额处理的类型：{type(x).__name__}")


def q2(x: Decimal | int | str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Quantize to 0.01 元; half-up unless another mode is passed (RULES.md 3: 4,242.645 → 4,242.65)."""
    with money_context():
        d = _as_decimal(x)
        if not d.is_finite():
            raise ValueError("金额必须是有限数值")
        return d.quantize(CENT, rounding=rounding_mode(rounding))


def to_fen(amount: Decimal) -> int:
    """元 → integer fen for storage.  The amount must already be exact to the fen: rounding belongs to the
    computation (each line is rounded there), never silently to the storage layer."""
    with money_context():
        d = _as_decimal(amount)
        if not d.is_finite():
            raise ValueError("金额必须是有限数值")
        if d != d.quantize(CENT):
            raise ValueError(f"金额 {d} 超过两位小数，存储前须先按规则舍入")
        return int(d.scaleb(2))


def from_fen(fen: int) -> Decimal:
    """Integer fen → Decimal 元 with two places."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("分必须是整数")
    with money_context():
        return Decimal(fen).scaleb(-2).quantize(CENT)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("仟", "佰", "拾", "")
_GROUP_UNITS = ("", "万", "亿", "万亿")


def _group_capitals(g: int) -> str:
    """One group of four digits (0 < g < 10000), without its 万/亿 unit; inner zeros collapse to one 零."""
    out: list[str] = []
    started = False
    pending_zero = False
    for digit_char, unit in zip(f"{g:04d}", _SMALL_UNITS):
        d = int(digit_char)
        if d == 0:
            if started:
                pending_zero = True
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_DIGITS[d] + unit)
        started = True
    return "".join(out)


def capitals(amount: Decimal | int | str) -> str:
    """Amount in Chinese capitals (金额大写), e.g. 12345.67 → 壹万贰仟叁佰肆拾伍元陆角柒分.

    Quantized half-up first (RULES.md 3: some converters truncate); whole yuan end in 元整; a zero between the
    yuan and a non-zero 分 is written 零 (4500.05 → 肆仟伍佰元零伍分); 角 without 分 takes no 整 (10.50 → 壹拾元伍角).
    """
    with money_context():
        d = q2(amount)
        negative = d < 0
        fen_total = int(abs(d).scaleb(2))
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)

    groups: list[int] = []
    n = yuan
    while n:
        n, g = divmod(n, 10000)
        groups.append(g)
    if len(groups) > len(_GROUP_UNITS):
        raise ValueError("金额过大，无法转换为大写")

    parts: list[str] = []
    zero_gap = False
    for idx in range(len(groups) - 1, -1, -1):
        g = groups[idx]
        if g == 0:
            zero_gap = bool(parts)
            continue
        # A skipped group, or a group below 1000 after a higher one, reads with 零 (100005 → 壹拾万零伍).
        if parts and (zero_gap or g < 1000):
            parts.append("零")
        parts.append(_group_capitals(g) + _GROUP_UNITS[idx])
        zero_gap = False
    text = "".join(parts)

    if yuan:
        text += "元"
    if jiao == 0 and fen == 0:
        text = (text or "零元") + "整"
    else:
        if jiao:
            text += _DIGITS[jiao] + "角"
        elif yuan:
            text += "零"
        if fen:
            text += _DIGITS[fen] + "分"
    return ("负" + text) if negative else text


def fmt_yuan(amount: Decimal | int | str) -> str:
    """Figures with thousands separators and two decimals: 12345.67 → "12,345.67" (quantized half-up first,
    because Decimal's own formatting would round half-even)."""
    with money_context():
        return format(q2(amount), ",.2f")


_AMOUNT_RE = re.compile(r"^(\d+)(?:\.(\d+))?$", re.ASCII)
_GROUPED_RE = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$", re.ASCII)


def parse_amount(text: str) -> Decimal:
    """Parse a user-entered amount in 元 ("12345.67", "12,345.67", "100") to a Decimal with two places.

    Raises ValueError (Chinese message) for non-numbers, negatives and more than two decimals: an amount is
    never silently rounded on input.
    """
    if not isinstance(text, str):
        raise ValueError("金额必须以文本形式输入")
    s = text.strip().replace("，", ",").replace("．", ".")
    if s.endswith("元"):
        s = s[:-1].strip()
    if not s:
        raise ValueError("金额不能为空")
    if s.startswith("-") or s.startswith("－"):
        raise ValueError(f"金额不能为负数：{text}")
    if "," in s:
        if not _GROUPED_RE.match(s):
            raise ValueError(f"金额格式不正确（千位分隔符位置有误）：{text}")
        s = s.replace(",", "")
    m = _AMOUNT_RE.match(s)
    if not m:
        raise ValueError(f"金额格式不正确，应为数字，最多两位小数：{text}")
    if m.group(2) is not None and len(m.group(2)) > 2:
        raise ValueError(f"金额最多保留两位小数：{text}")
    with money_context():
        return Decimal(s).quantize(CENT)
