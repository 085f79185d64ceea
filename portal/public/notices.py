"""Public notices (业务通告单, standard 6.7) on the public side: the list of notices in force and each notice's
table and PDF. RULES.md 8: no search by name or ID, and no query parameter is read at all, so a person's
disability cannot be looked up; only published notices within their window are shown."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Response, Template

from casework.clock import beijing_today
from notices import batches
from portal.notice_documents import objection_text, period_label
from portal.web import Db, content_disposition, page, services


class PublicNotices(Controller):
    path = "/notices"

    @get("/", name="notices", sync_to_thread=True)
    def index(self, request: Request, db: Db) -> Template:
        # the handler takes no query parameters: /notices?q=… is the same page as /notices (RULES.md 8)
        found = batches.public_batches(db, beijing_today())
        return page(request, db, "public/notices.html", notices=[
            {"batch": b, "period": period_label(b.period)} for b in found])

    @get("/{number:str}", name="notice", sync_to_thread=True)
    def show(self, request: Request, db: Db, number: FromPath[str]) -> Template:
        batch = batches.public_batch(db, number, beijing_today())
        if batch is None:
            raise NotFoundException()
        return page(request, db, "public/notice.html", batch=batch, rows=batches.rows_of(db, batch),
                    period=period_label(batch.period), objection=objection_text(batch))

    @get("/{number:str}/pdf", name="notice_pdf", sync_to_thread=True)
    def pdf(self, request: Request, db: Db, number: FromPath[str]) -> Response:
        batch = batches.public_batch(db, number, beijing_today())
        if batch is None or not batch.pdf_bucket or not batch.pdf_key:
            raise NotFoundException()
        data = services(request).store.read(batch.pdf_bucket, batch.pdf_key)
        return Response(content=data, media_type="application/pdf", headers={
            "Content-Disposition": content_disposition(f"业务通告单-{batch.number}.pdf", "inline"),
            # a withdrawn or expired notice must stop being served: no shared caches
            "Cache-Control": "no-store",
        })
