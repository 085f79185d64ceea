"""The PDF of a 业务通告单 (standard 6.7, DOCUMENTS.md): its context from the stored (already masked) rows,
rendered in the renderer's pool and stored with its SHA-256 before the batch row is committed. Only masked
values exist in a batch (notices.models), so the PDF's text layer cannot carry an unmasked one."""

from __future__ import annotations

from datetime import datetime

from casework.clock import beijing_date, fmt_date
from casework.review import StoredFile
from notices.batches import TITLE, Issue
from notices.models import NoticeBatch, NoticeRow
from portal.issuing import verify_url
from portal.web import Services

TEMPLATE = "documents/notice_batch.html"


def period_label(period: str) -> str:
    year, month = period.split("-")
    return f"{year}年{int(month)}月"


def objection_text(batch: NoticeBatch) -> str:
    until = fmt_date(batch.objection_until) + ("（暂定）" if batch.objection_provisional else "")
    contact = "，".join(x for x in (f"地址：{batch.office_address}" if batch.office_address else "",
                                    f"电话：{batch.office_phone}" if batch.office_phone else "") if x)
    return (f"公示期间对上述人员享受工伤保险待遇有异议的，请于{batch.objection_days}个工作日内（{until}前）"
            f"以书面形式或来电向{batch.office_name}反映" + (f"（{contact}）" if contact else "") + "。"
            "反映情况应实事求是，并提供联系方式。")


def notice_context(batch: NoticeBatch, rows: list[NoticeRow], token: str, issued_at: datetime,
                   services: Services) -> dict:
    return {
        "number": batch.number, "office": batch.office_name, "title": TITLE,
        "verify_url": verify_url(services, batch.number, token), "demo": False,
        "period": period_label(batch.period), "issued_on": fmt_date(beijing_date(issued_at)),
        "published_from": fmt_date(batch.published_from), "published_until": fmt_date(batch.published_until),
        "show_amounts": batch.show_amounts,
        "rows": [{"seq": r.seq, "name": r.masked_name, "id": r.masked_id, "employer": r.employer_name,
                  "items": r.items, "amounts": [dict(a) for a in r.amounts]} for r in rows],
        "objection": objection_text(batch),
        "office_address": batch.office_address, "office_phone": batch.office_phone,
    }


def notice_issuer(services: Services) -> Issue:
    def issue(batch: NoticeBatch, rows: list[NoticeRow], token: str, now: datetime) -> StoredFile:
        pdf = services.renderer.render(TEMPLATE, notice_context(batch, rows, token, now, services))
        stored = services.store.put_bytes("documents", pdf, "application/pdf")
        return StoredFile(bucket=stored.bucket, key=stored.key, sha256=stored.sha256, size=stored.size)

    return issue
