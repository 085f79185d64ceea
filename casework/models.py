"""The tables of the domain (SQLModel).

Money is integer fen everywhere (RULES.md 3): SQLite has no exact decimal type. Dates are `date`,
instants are timezone-aware UTC `datetime`; Beijing time is applied when a date is shown or a deadline is
counted.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timezone

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel


def utcnow() -> datetime:
    # aware UTC: SQLModel's datetime columns refuse naive values (and say so)
    return datetime.now(timezone.utc)


def new_public_id() -> str:
    """An unguessable identifier for URLs (a case id in a URL must not be enumerable)."""
    return secrets.token_urlsafe(12)


class Office(SQLModel, table=True):
    """The prefecture bureau and the county-level halls (RULES.md 11)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=6, unique=True, index=True)  # 6523xx; the bureau is 652300
    name: str = Field(max_length=60)
    kind: str = Field(max_length=12)  # "prefecture" | "county"
    address: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=40)
    hours: str = Field(default="", max_length=120)
    # RULES.md 11: a receiver may do the initial review of the same case in small halls
    # (allowed by default, reported as a risk point).
    receiver_may_review: bool = Field(default=True)


class Employer(SQLModel, table=True):
    """An insured employer (参保单位). Its county decides the hall and the minimum wage."""

    id: int | None = Field(default=None, primary_key=True)
    uscc: str = Field(max_length=18, unique=True, index=True)  # 统一社会信用代码
    name: str = Field(max_length=120)
    county: str = Field(max_length=6)  # 6523xx


class Account(SQLModel, table=True):
    """One account model for staff, employer agents (经办人) and, later, workers."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=60)
    password_hash: str = Field(max_length=255)
    kind: str = Field(max_length=12)  # "staff" | "employer" | "worker"
    roles: str = Field(default="", max_length=200)  # space-separated role codes (casework.roles)
    office_id: int | None = Field(default=None, foreign_key="office.id")
    employer_id: int | None = Field(default=None, foreign_key="employer.id")
    active: bool = Field(default=True)
    failed_attempts: int = Field(default=0)
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # a temporary password set by an administrator or at a hall must be replaced at the next sign-in
    # (casework.people); until then the account opens only the change-password page
    must_change_password: bool = Field(default=False)
    # workers (kind "worker"): the identity document the account was activated with (casework.people);
    # a worker sees every case whose Case.id_number is this number
    id_type: str | None = Field(default=None, max_length=20)
    id_number: str | None = Field(default=None, max_length=40, index=True)

    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles.split())


class WebSession(SQLModel, table=True):
    """A signed-in browser session. Only the SHA-256 of the cookie value is stored."""

    __tablename__ = "web_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    role: str = Field(default="", max_length=32)  # the role the person acts in now
    created_at: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class Case(SQLModel, table=True):
    """One application (申领) and its whole life (ARCHITECTURE.md, "A case, end to end")."""

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=24, unique=True, index=True)
    number: str | None = Field(default=None, max_length=40, unique=True)  # 受理编号
    matter: str = Field(max_length=20)  # "disability" (三项待遇) | "medical" (一次性工伤医疗补助金)
    benefits: str = Field(max_length=80)  # space-separated casework.benefits.Benefit values
    channel: str = Field(max_length=10)  # "online" | "onsite"
    status: str = Field(max_length=20, index=True)
    version: int = Field(default=1)  # optimistic locking (ARCHITECTURE.md)
    office_id: int = Field(foreign_key="office.id", index=True)
    employer_id: int | None = Field(default=None, foreign_key="employer.id", index=True)
    submitted_by_id: int | None = Field(default=None, foreign_key="account.id")
    received_by_id: int | None = Field(default=None, foreign_key="account.id")
    initial_reviewer_id: int | None = Field(default=None, foreign_key="account.id")
    second_reviewer_id: int | None = Field(default=None, foreign_key="account.id")
    # set by the section chief's (re)assignment; None = any reviewer of the office may take it
    assigned_to_id: int | None = Field(default=None, foreign_key="account.id")

    # the worker
    id_type: str = Field(max_length=20)
    id_number: str = Field(max_length=40, index=True)
    worker_name: str = Field(max_length=60)
    sex: str = Field(max_length=6)  # "male" | "female"
    birth_date: date
    retirement_group: str = Field(max_length=10)  # "man" | "woman-50" | "woman-55"

    # the injury and its decisions
    injury_date: date
    recognition_number: str = Field(max_length=60)  # 工伤认定决定书
    recognition_date: date
    appraisal_number: str = Field(max_length=60)  # 劳动能力鉴定结论
    appraisal_date: date
    grade: int
    care_level: str | None = Field(default=None, max_length=12)
    care_date: date | None = None
    # contribution wages before the injury, integer fen, oldest first (at most 12)
    wages_fen: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))

    # the payee
    bank_name: str = Field(max_length=60)
    bank_account: str = Field(max_length=40)

    # on-site applications (6.1.1.2, 6.2.2; casework.reception): who applies and, for the medical lump sum,
    # how the labour relation ended (条例 arts. 36–37) and with which former employer
    applicant_kind: str | None = Field(default=None, max_length=16)  # "worker" | "former_employer" | "proxy"
    proxy_name: str | None = Field(default=None, max_length=60)
    proxy_id_type: str | None = Field(default=None, max_length=20)
    proxy_id_number: str | None = Field(default=None, max_length=40)
    contact_phone: str | None = Field(default=None, max_length=20)
    termination_date: date | None = None
    termination_kind: str | None = Field(default=None, max_length=20)  # casework.benefits.TERMINATION_KINDS
    former_employer_name: str | None = Field(default=None, max_length=120)
    former_employer_uscc: str | None = Field(default=None, max_length=18)
    former_employer_county: str | None = Field(default=None, max_length=6)

    created_at: datetime = Field(default_factory=utcnow)
    accepted_at: datetime | None = None
    due_date: date | None = None
    due_provisional: bool = Field(default=False)
    decided_at: datetime | None = None

    # the frozen assessment (RULES.md 4: a snapshot; never silently recomputed)
    assessment: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    assessed_at: datetime | None = None
    last_reason: str | None = Field(default=None, max_length=2000)
    # what initial review found wanting in an online submission (6.3.1 b): [{field, label, wanted}]
    defects: list | None = Field(default=None, sa_column=Column(JSON, nullable=True))

    def benefit_list(self) -> list[str]:
        return self.benefits.split()


class AuditRecord(SQLModel, table=True):
    """Who did what, in which role and office, when, from which state to which, and why.

    Rows are only ever inserted (社会保险经办条例 arts. 37–38)."""

    __tablename__ = "audit_record"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    actor_name: str = Field(default="", max_length=60)
    role: str = Field(default="", max_length=32)
    office_code: str | None = Field(default=None, max_length=6)
    action: str = Field(max_length=60, index=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    reason: str | None = Field(default=None, max_length=2000)
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    ip: str | None = Field(default=None, max_length=45)


class Counter(SQLModel, table=True):
    """One row per (kind, year, office): issued numbers are unique and gap-free (ARCHITECTURE.md)."""

    kind: str = Field(primary_key=True, max_length=8)
    year: int = Field(primary_key=True)
    office_code: str = Field(primary_key=True, max_length=6)
    value: int = Field(default=0)


class Document(SQLModel, table=True):
    """An issued PDF. Stored once in the object store with its SHA-256, never regenerated."""

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=24, unique=True, index=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    kind: str = Field(max_length=24)  # "approval_form" | "online_receipt" | ...
    number: str = Field(max_length=40, unique=True, index=True)
    token: str = Field(default_factory=lambda: secrets.token_urlsafe(16), max_length=32)
    title: str = Field(max_length=120)
    filename: str = Field(max_length=160)
    bucket: str = Field(max_length=63)
    object_key: str = Field(max_length=200)
    sha256: str = Field(max_length=64)
    size: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    issued_at: datetime = Field(default_factory=utcnow)
    office_id: int = Field(foreign_key="office.id")
    superseded_by_id: int | None = Field(default=None, foreign_key="document.id")


class ParameterRecord(SQLModel, table=True):
    """A dated version of a benefit parameter (RULES.md 4), kept by the parameter administrator.

    `value` is JSON with Decimal amounts as strings. A version used by any assessment is never changed
    or deleted, only superseded by a newer version."""

    __tablename__ = "parameter_version"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=32, index=True)
    area: str | None = Field(default=None, max_length=6)
    effective_from: date
    value: dict = Field(sa_column=Column(JSON, nullable=False))
    source: str = Field(max_length=200)
    label: str = Field(max_length=120)
    demo: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="account.id")


class RetirementEvent(SQLModel, table=True):
    """A recorded retirement (条例 art. 35(3), RULES.md 2): the worker completed the retirement formalities on
    `retired_on` with a basic pension of `pension_fen`. 伤残津贴 stops; if the pension is lower, the fund pays
    the difference (养老金工伤补差). The computed statutory month is only *expected* — this event decides.
    Money in integer fen (RULES.md 3). Logic: casework.entitlements."""

    __tablename__ = "retirement_event"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", unique=True, index=True)
    retired_on: date
    pension_fen: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    allowance_fen: int = Field(sa_column=Column(sa.BigInteger, nullable=False))  # 伤残津贴 compared with
    topup_fen: int = Field(sa_column=Column(sa.BigInteger, nullable=False))      # 养老金工伤补差 per month
    start_month: str = Field(max_length=7)  # "YYYY-MM", first month of the top-up
    recorded_at: datetime = Field(default_factory=utcnow)
    recorded_by_id: int | None = Field(default=None, foreign_key="account.id")
