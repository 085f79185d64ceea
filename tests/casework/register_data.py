"""Fresh, valid identifiers for register tests: the session database is shared, so every test makes its own."""

from __future__ import annotations

import secrets

from casework.identity import resident_id_check_char, uscc_check_char

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def new_uscc() -> str:
    body = "91652301MA" + "".join(secrets.choice(_USCC_ALPHABET) for _ in range(7))
    return body + uscc_check_char(body)


def new_id(birth: str = "19850612") -> str:
    body = f"652301{birth}{secrets.randbelow(1000):03d}"
    return body + resident_id_check_char(body)


def bad_check_id() -> str:
    good = new_id()
    wrong = next(c for c in "0123456789X" if c != good[-1])
    return good[:-1] + wrong


def new_number(prefix: str = "昌人社工认") -> str:
    return f"{prefix}〔2025〕{secrets.randbelow(10**8):08d}号"


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)
