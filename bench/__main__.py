"""`make bench`: figures, not pass/fail (speed goals never go in timed tests). Prints one line per benchmark
and appends the run to bench/results.jsonl so trends can be compared between commits.

Runs on embedded parts: the benefit engine (pure), the PDF renderer (WeasyPrint process pool), and the
portal's pages over a fresh SQLite database with the real local S3 server."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(name: str, samples: list[float], unit: str = "ms") -> dict:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    row = {"name": name, "n": len(samples), "median": round(statistics.median(samples), 3), "p95": round(p95, 3),
           "unit": unit}
    print(f"{name:<44} n={row['n']:<5} median={row['median']:>9.3f} {unit}  p95={row['p95']:>9.3f} {unit}",
          flush=True)
    return row


def bench_engine() -> dict:
    from casework.benefits import Benefit, CareLevel, ClaimFacts, compute
    from casework.parameters import InMemoryParameters, ParameterVersion

    params = InMemoryParameters([
        ParameterVersion("average_wage", None, date(2020, 1, 1), Decimal("7856.75"), "bench", "W"),
        ParameterVersion("minimum_wage", None, date(2020, 1, 1), Decimal("1900.00"), "bench", "min"),
        ParameterVersion("policy", None, date(2020, 1, 1), {"rounding": "half-up", "topup_rule": "gross"}, "bench", "p"),
    ])
    facts = ClaimFacts(benefits=frozenset({Benefit.LUMP_SUM, Benefit.ALLOWANCE, Benefit.CARE}), grade=3,
                       wages=tuple(Decimal("6123.45") for _ in range(12)), injury_date=date(2025, 3, 10),
                       appraisal_date=date(2025, 9, 15), care_levels=(CareLevel.PART,), care_date=date(2025, 9, 15))
    return summary("engine: compute one assessment", timed(lambda: compute(facts, params), 2000))


def bench_pdf() -> dict:
    from portal.documents.render import DocumentRenderer
    from portal.documents.samples import SAMPLE_APPROVAL_CONTEXT

    renderer = DocumentRenderer(max_workers=1)
    renderer.start()
    try:
        return summary("pdf: 核定单 (warm pool, 1 worker)",
                       timed(lambda: renderer.render("documents/approval_form.html", SAMPLE_APPROVAL_CONTEXT), 15))
    finally:
        renderer.close()


def bench_pages() -> list[dict]:
    from litestar.testing import TestClient

    from casework.accounts import Hasher
    from casework.database import make_engine, session_scope
    from casework.migrate import upgrade
    from portal.app import create_app
    from portal.demo import DEMO_PASSWORD, seed
    from portal.settings import Settings
    from storage.server import LocalS3Server
    from storage.store import ObjectStore

    rows = []
    with tempfile.TemporaryDirectory() as tmp, LocalS3Server(Path(tmp) / "s3") as s3:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        with session_scope(engine) as s:
            seed(s, Hasher(1, 1024))
        engine.dispose()
        store = ObjectStore(s3.endpoint, s3.access_key, s3.secret_key, bucket_prefix="bench")
        store.ensure_buckets()
        settings = Settings(database_url=url, secret="bench", argon2_time_cost=1, argon2_memory_kib=1024)
        app = create_app(settings, store=store)
        with TestClient(app, base_url="http://bench.local") as c:
            c.get("/login")
            token = c.cookies.get("csrftoken")
            c.post("/login", data={"username": "chushen", "password": DEMO_PASSWORD, "_csrf_token": token})
            for path in ("/staff/review", "/staff/cases", "/staff/calendar"):
                rows.append(summary(f"page: GET {path} (TestClient, SQLite)", timed(lambda p=path: c.get(p), 50)))
    return rows


def main() -> int:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would drown the figures
    print(f"benchmarks on {platform.node()} ({os.cpu_count()} cores, Python {platform.python_version()})")
    rows = [bench_engine(), bench_pdf(), *bench_pages()]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=HERE.parent).stdout.strip()
    with open(HERE / "results.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps({"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": commit,
                            "rows": rows}, ensure_ascii=False) + "\n")
    print(f"appended to {HERE / 'results.jsonl'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
