"""Periodic upkeep (ARCHITECTURE.md, "Periodic jobs": CLI commands a scheduler runs): expired sessions are
deleted, and objects no row points to are swept from the store after a grace period — they are left when
a transaction that had already stored its file rolled back (files are stored before their rows commit)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, delete, select

from casework.accounts import SignInFailure, delete_expired_sessions
from casework.models import utcnow
from casework.materials import live_keys
from casework.models import Document


def run(engine, store, *, idle: timedelta, grace: timedelta = timedelta(days=1)) -> dict:
    with Session(engine) as s:
        sessions = delete_expired_sessions(s, idle=idle)
        s.exec(delete(SignInFailure).where(SignInFailure.at < utcnow() - timedelta(days=1)))
        s.commit()
        documents = set(s.exec(select(Document.object_key)).all())
        materials = live_keys(s)
    swept = {
        "documents": store.sweep_orphans("documents", documents, grace),
        "materials": store.sweep_orphans("materials", materials, grace),
    }
    return {"expired_sessions": sessions, "swept": {k: len(v) for k, v in swept.items()}}


def cmd_housekeeping(args) -> int:
    import json

    from casework.database import make_engine
    from portal.app import build_store
    from portal.settings import Settings

    settings = Settings.from_env()
    if not settings.s3_endpoint:
        print("请设置 S3_ENDPOINT、S3_ACCESS_KEY、S3_SECRET_KEY（对象存储地址与凭据）。")
        return 2
    engine = make_engine(settings.database_url)
    try:
        result = run(engine, build_store(settings), idle=timedelta(minutes=settings.session_idle_minutes),
                     grace=timedelta(hours=args.grace_hours))
    finally:
        engine.dispose()
    print(json.dumps(result, ensure_ascii=False))
    return 0


def register(sub) -> None:
    p = sub.add_parser("housekeeping", help="定期维护：删除过期会话，清理无记录指向的对象")
    p.add_argument("--grace-hours", type=float, default=24.0)
    p.set_defaults(func=cmd_housekeeping)
