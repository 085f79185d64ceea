"""Issued documents are downloaded through the portal, after the permission check (ARCHITECTURE.md:
nothing in the store is public)."""

from __future__ import annotations

from litestar.params import FromPath, FromQuery
from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Response
from sqlmodel import Session, select

from casework.models import Case, Document, Office
from casework.people import employer_sees, worker_sees
from casework.roles import CASE_ROLES, PREFECTURE_CODE, Role
from portal.web import Db, content_disposition, require, services


def may_read(db: Db, account, case: Case | None) -> bool:
    if case is None:
        return False
    roles = account.role_set()
    if employer_sees(account, case) or worker_sees(account, case):
        return True
    if roles & {r.value for r in CASE_ROLES}:
        office = db.get(Office, account.office_id) if account.office_id else None
        return office is not None and (office.code == PREFECTURE_CODE or office.id == case.office_id)
    return False


class Downloads(Controller):
    path = "/documents"

    @get("/{public_id:str}", name="document", sync_to_thread=True)
    def download(self, request: Request, db: Db, public_id: FromPath[str]) -> Response:
        account = require(request, db)
        doc = db.exec(select(Document).where(Document.public_id == public_id)).first()
        case = db.get(Case, doc.case_id) if doc and doc.case_id else None
        # a document the person may not read answers like a missing one
        if doc is None or not may_read(db, account, case):
            raise NotFoundException()
        data = services(request).store.read(doc.bucket, doc.object_key)
        return Response(content=data, media_type="application/pdf", headers={
            "Content-Disposition": content_disposition(doc.filename),
            "Cache-Control": "private, no-store",
        })
