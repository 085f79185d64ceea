"""Issued numbers are unique and gap-free under concurrency; sessions expire (idle and absolute)."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from casework.accounts import delete_expired_sessions, open_session, resume_session
from casework.models import Account, utcnow
from casework.numbering import next_number


def test_numbers_are_unique_and_gap_free_across_threads(engine):
    got: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def take(n: int) -> None:
        barrier.wait()
        for _ in range(n):
            for attempt in range(50):
                with Session(engine) as s:
                    try:
                        number = next_number(s, "TG", 2031, "652399")
                        s.commit()
                    except OperationalError:  # SQLite's one writer: try again, as a person would
                        s.rollback()
                        continue
                with lock:
                    got.append(number)
                break

    threads = [threading.Thread(target=take, args=(10,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(got) == 40 and len(set(got)) == 40
    assert sorted(int(n[-5:]) for n in got) == list(range(1, 41))
    assert all(n.startswith("TG2031652399") for n in got)


def test_a_rolled_back_transaction_leaves_no_gap(engine):
    with Session(engine) as s:
        first = next_number(s, "TG", 2032, "652399")
        s.rollback()
    with Session(engine) as s:
        second = next_number(s, "TG", 2032, "652399")
        s.commit()
    assert first == second == "TG203265239900001"


def test_sessions_expire_when_idle_and_at_their_maximum_age(engine, seeded):
    with Session(engine, expire_on_commit=False) as s:
        account = s.exec(select(Account).where(Account.username == "qiye")).one()
        now = utcnow()
        token = open_session(s, account, max_age=timedelta(hours=12), now=now)
        s.commit()
        idle = timedelta(minutes=30)
        assert resume_session(s, token, idle=idle, now=now + timedelta(minutes=29)) is not None
        s.commit()
        assert resume_session(s, token, idle=idle, now=now + timedelta(minutes=29 + 31)) is None
        assert resume_session(s, token, idle=timedelta(days=1), now=now + timedelta(hours=13)) is None
        assert delete_expired_sessions(s, idle=idle, now=now + timedelta(hours=13)) >= 1
        s.commit()
        assert resume_session(s, token, idle=timedelta(days=1), now=now + timedelta(minutes=1)) is None


def test_one_address_failing_many_times_is_slowed_down_whatever_the_accounts(engine, seeded, cheap_hasher):
    import pytest

    from casework.accounts import THROTTLED, SignInRefused, sign_in

    ip = "198.51.100.7"  # a documentation address, used only as a label here
    with Session(engine) as s:
        for name in ("nobody-1", "nobody-2", "qiye2"):  # unknown and real accounts count alike
            with pytest.raises(SignInRefused):
                sign_in(s, cheap_hasher, name, "wrong", max_failed=5, lockout=timedelta(minutes=15), ip=ip,
                        ip_limit=3)
        s.commit()
        with pytest.raises(SignInRefused) as refused:
            sign_in(s, cheap_hasher, "qiye", "Demo-2026", max_failed=5, lockout=timedelta(minutes=15), ip=ip,
                    ip_limit=3)
        assert refused.value.message == THROTTLED
        # another address is not affected
        assert sign_in(s, cheap_hasher, "qiye", "Demo-2026", max_failed=5, lockout=timedelta(minutes=15),
                       ip="198.51.100.8", ip_limit=3).username == "qiye"
        s.rollback()
