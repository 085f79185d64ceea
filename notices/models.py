"""Tables of the public notices (业务通告单, standard 6.7; RULES.md 8).

A notice row stores ONLY what is published: the masked name and ID (casework.identity), the employer and the
benefit items (amounts only when the office's setting says so). The unmasked name, ID or bank account never
enters these tables, so no later page, export or backup of them can leak it. `case_id` is an internal link
(never shown) that keeps a case from being compiled into two notices.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import JSON, Column, Field, SQLModel

from casework.models import utcnow

# RULES.md 8: a set publication window; the objection period is counted in working days (RULES.md 6)
DEFAULT_PUBLICATION_DAYS = 30
DEFAULT_OBJECTION_DAYS = 5


class NoticeSetting(SQLModel, table=True):
    """Per office: whether amounts are published, how long a notice stays up, the objection period."""

    __tablename__ = "notice_setting"
    office_id: int = Field(foreign_key="office.id", primary_key=True)
    show_amounts: bool = Field(default=False)  # DOCUMENTS.md: amounts only if the agency configures it
    publication_days: int = Field(default=DEFAULT_PUBLICATION_DAYS)
    objection_days: int = Field(default=DEFAULT_OBJECTION_DAYS)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="account.id")


class NoticeBatch(SQLModel, table=True):
    """One 业务通告单: compiled (draft) by the initial reviewer, published by the chief, perhaps withdrawn
    (kept, never deleted)."""

    __tablename__ = "notice_batch"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=40, unique=True, index=True)  # TG…, casework.numbering
    office_id: int = Field(foreign_key="office.id", index=True)
    period: str = Field(max_length=7, index=True)  # "YYYY-MM": the month whose approvals it lists
    status: str = Field(max_length=12, index=True)  # "draft" | "published" | "withdrawn"
    version: int = Field(default=1)  # a stale page cannot publish or withdraw twice
    show_amounts: bool = Field(default=False)
    publication_days: int = Field(default=DEFAULT_PUBLICATION_DAYS)
    objection_days: int = Field(default=DEFAULT_OBJECTION_DAYS)
    # the office's contact as printed (snapshot: a later change of address does not rewrite a notice)
    office_name: str = Field(default="", max_length=60)
    office_address: str = Field(default="", max_length=200)
    office_phone: str = Field(default="", max_length=40)
    compiled_by_id: int = Field(foreign_key="account.id")
    compiled_at: datetime = Field(default_factory=utcnow)
    approved_by_id: int | None = Field(default=None, foreign_key="account.id")
    approved_at: datetime | None = None
    published_from: date | None = None
    published_until: date | None = None  # last day shown on the public side
    objection_until: date | None = None
    objection_provisional: bool = Field(default=False)
    withdrawn_by_id: int | None = Field(default=None, foreign_key="account.id")
    withdrawn_at: datetime | None = None
    withdraw_reason: str | None = Field(default=None, max_length=2000)
    # the issued PDF (stored once with its SHA-256; its Document row serves /verify)
    document_id: int | None = Field(default=None, foreign_key="document.id")
    pdf_bucket: str | None = Field(default=None, max_length=63)
    pdf_key: str | None = Field(default=None, max_length=200)
    pdf_sha256: str | None = Field(default=None, max_length=64)


class NoticeRow(SQLModel, table=True):
    """One published line: masked values only (RULES.md 8)."""

    __tablename__ = "notice_row"
    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="notice_batch.id", index=True)
    seq: int
    case_id: int = Field(foreign_key="case.id", index=True)  # internal; never published
    masked_name: str = Field(max_length=60)
    masked_id: str = Field(max_length=40)
    employer_name: str = Field(max_length=120)
    items: str = Field(max_length=200)  # benefit items, "、"-separated
    # [{"item", "amount"}] as strings, only when the batch shows amounts; otherwise empty
    amounts: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
