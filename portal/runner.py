"""`portal serve` (what `make run` calls): migrate the database, start the local S3 server unless one is
configured, seed the demo data once, print the URL and the demo accounts, and serve. Ctrl-C stops the
portal and then the S3 server; a second run keeps the data (var/)."""

from __future__ import annotations

import argparse
import os
import sys

from portal.settings import VAR, Settings


def _banner(url: str) -> None:
    from portal.demo import DEMO_PASSWORD, describe_accounts

    print("\n" + "=" * 72)
    print(f"  因工伤残待遇申领平台已启动： {url}")
    print(f"  演示账户（密码均为 {DEMO_PASSWORD}，仅用于演示）：")
    for username, name in describe_accounts():
        print(f"    {username:<12} {name}")
    print("  按 Ctrl-C 停止（数据保存在 var/，再次运行时保留）。")
    print("=" * 72 + "\n", flush=True)


def _quiet_server_class():
    import contextlib
    import signal

    import uvicorn

    class QuietServer(uvicorn.Server):
        """Ctrl-C stops the server in order (lifespan shutdown: the PDF pool closes) and returns, so the S3
        server is stopped next. uvicorn's own handler re-raises the signal afterwards, which interrupts
        the rest of the shutdown with a traceback."""

        @contextlib.contextmanager
        def capture_signals(self):
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return QuietServer


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from casework.accounts import Hasher
    from casework.database import make_engine, session_scope
    from casework.migrate import upgrade
    from portal.demo import seed

    VAR.mkdir(parents=True, exist_ok=True)
    s3 = None
    if not os.environ.get("S3_ENDPOINT"):
        from storage.server import LocalS3Server

        print("启动本地 S3 对象存储（SeaweedFS）……", flush=True)
        s3 = LocalS3Server(VAR / "s3").start()
        os.environ.update(S3_ENDPOINT=s3.endpoint, S3_ACCESS_KEY=s3.access_key, S3_SECRET_KEY=s3.secret_key)
    try:
        settings = Settings.from_env()
        os.environ.setdefault("PORTAL_BASE_URL", f"http://{args.host}:{args.port}")
        settings.public_base_url = os.environ["PORTAL_BASE_URL"]
        print("迁移数据库……", flush=True)
        upgrade(settings.database_url)
        engine = make_engine(settings.database_url)
        with session_scope(engine) as session:
            if seed(session, Hasher(settings.argon2_time_cost, settings.argon2_memory_kib)):
                print("已写入演示数据。", flush=True)
        engine.dispose()
        from portal.app import create_app

        app = create_app(settings)
        _banner(settings.public_base_url)
        _quiet_server_class()(uvicorn.Config(app, host=args.host, port=args.port, log_level="warning",
                                    access_log=False)).run()
    finally:
        if s3 is not None:
            print("正在停止本地 S3 对象存储……", flush=True)
            s3.stop()
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from casework.migrate import upgrade

    upgrade(Settings.from_env().database_url)
    print("数据库已迁移到最新版本。")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from casework.accounts import Hasher
    from casework.database import make_engine, session_scope
    from portal.demo import seed

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        done = seed(session, Hasher(settings.argon2_time_cost, settings.argon2_memory_kib))
    print("已写入演示数据。" if done else "演示数据已存在，未改动。")
    return 0


def register(sub) -> None:
    from portal import housekeeping

    housekeeping.register(sub)
    p = sub.add_parser("serve", help="启动门户（本地 S3、SQLite、演示数据）")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("migrate", help="将数据库迁移到最新版本（DATABASE_URL）")
    p.set_defaults(func=cmd_migrate)
    p = sub.add_parser("seed", help="写入演示数据（仅首次）")
    p.set_defaults(func=cmd_seed)


