"""Orphaned objects are swept, objects a row points to are kept; expired sessions go."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from casework.models import Document
from portal import housekeeping
from tests.portal.helpers import apply, login


def test_sweep_keeps_what_rows_point_to(client, engine, object_store, db):
    login(client, "qiye")
    apply(client, recognition_number="昌人社工认〔2025〕HOUSEKEEP号")  # issues a receipt: a stored, referenced PDF
    orphan = object_store.put_bytes("documents", b"%PDF-1.7 left by a rolled-back transaction", "application/pdf")
    result = housekeeping.run(engine, object_store, idle=timedelta(minutes=30), grace=timedelta(0))
    assert result["swept"]["documents"] >= 1
    keys = set(object_store.list_keys("documents"))
    assert orphan.key not in keys
    db.rollback()
    for doc in db.exec(select(Document)).all():
        assert doc.object_key in keys
