"""Accounts: argon2 password hashes, limited sign-in attempts, sessions that expire and rotate."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlmodel import Field, Session, SQLModel, select

from casework.models import Account, WebSession, utcnow
from casework.transitions import audit


@dataclass
class Hasher:
    time_cost: int = 3
    memory_kib: int = 65536

    def __post_init__(self) -> None:
        self._ph = PasswordHasher(time_cost=self.time_cost, memory_cost=self.memory_kib, parallelism=1)

    def hash(self, password: str) -> str:
        return self._ph.hash(password)

    def verify(self, hashed: str, password: str) -> bool:
        try:
            return self._ph.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False


class SignInRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# one message for unknown user and wrong password: the page must not reveal which accounts exist
WRONG = "用户名或密码不正确。连续多次失败后账户将暂时锁定，请稍后再试；忘记密码请携带有效证件到经办大厅重置。"


class SignInFailure(SQLModel, table=True):
    """A failed sign-in or activation, by client address: one address trying many accounts (guessing, or
    locking other people out) is slowed down whoever the accounts are."""

    __tablename__ = "sign_in_failure"
    id: int | None = Field(default=None, primary_key=True)
    ip: str = Field(max_length=45, index=True)
    at: datetime = Field(default_factory=utcnow, index=True)


THROTTLED = "来自您所在网络的登录尝试过于频繁，请10分钟后再试。"
THROTTLE_WINDOW = timedelta(minutes=10)


def throttle(session: Session, ip: str | None, limit: int, now: datetime) -> None:
    """Refuse before looking at any account when this address failed `limit` times in the window."""
    if not ip or limit <= 0:
        return
    recent = session.exec(select(func.count()).select_from(SignInFailure).where(
        SignInFailure.ip == ip, SignInFailure.at > now - THROTTLE_WINDOW)).one()
    if recent >= limit:
        raise SignInRefused(THROTTLED)


def note_failure(session: Session, ip: str | None, now: datetime) -> None:
    if ip:
        session.add(SignInFailure(ip=ip, at=now))
        session.flush()


def sign_in(session: Session, hasher: Hasher, username: str, password: str, *, max_failed: int,
            lockout: timedelta, ip: str | None = None, now: datetime | None = None,
            ip_limit: int = 30) -> Account:
    now = now or utcnow()
    throttle(session, ip, ip_limit, now)
    account = session.exec(select(Account).where(Account.username == username.strip())).first()
    if account is None:
        hasher.hash(password)  # spend the same time as a real check
        note_failure(session, ip, now)
        raise SignInRefused(WRONG)
    if account.locked_until and account.locked_until > now:
        # the same words as an unknown user: whether an account exists (for workers the user name is the ID
        # number) must not be learnt by locking it
        hasher.hash(password)
        note_failure(session, ip, now)
        raise SignInRefused(WRONG)
    if not hasher.verify(account.password_hash, password):
        note_failure(session, ip, now)
        account.failed_attempts += 1
        if account.failed_attempts >= max_failed:
            account.locked_until = now + lockout
            account.failed_attempts = 0
            audit(session, "account.locked", account, reason="连续登录失败", ip=ip)
        session.add(account)
        session.flush()
        raise SignInRefused(WRONG)
    if not account.active:
        raise SignInRefused("该账户已停用，请联系经办机构。")
    account.failed_attempts = 0
    account.locked_until = None
    session.add(account)
    audit(session, "account.sign_in", account, ip=ip)
    return account


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, account: Account, *, max_age: timedelta, now: datetime | None = None) -> str:
    """A new session id at every sign-in (no session fixation); only its hash is stored."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=_hash_token(token), account_id=account.id, created_at=now, last_seen=now,
                           expires_at=now + max_age))
    session.flush()
    return token


def resume_session(session: Session, token: str, *, idle: timedelta, now: datetime | None = None
                   ) -> Account | None:
    now = now or utcnow()
    row = session.exec(select(WebSession).where(WebSession.token_hash == _hash_token(token))).first()
    if row is None or row.expires_at <= now or row.last_seen + idle <= now:
        return None
    account = session.get(Account, row.account_id)
    if account is None or not account.active:
        return None
    if (now - row.last_seen).total_seconds() > 60:  # avoid a write on every request
        row.last_seen = now
        session.add(row)
    return account


def close_session(session: Session, token: str) -> None:
    row = session.exec(select(WebSession).where(WebSession.token_hash == _hash_token(token))).first()
    if row is not None:
        session.delete(row)


def delete_expired_sessions(session: Session, *, idle: timedelta, now: datetime | None = None) -> int:
    now = now or utcnow()
    rows = session.exec(select(WebSession)).all()
    gone = [r for r in rows if r.expires_at <= now or r.last_seen + idle <= now]
    for r in gone:
        session.delete(r)
    return len(gone)
