"""Settings from the environment, with the embedded defaults `make run` uses (SQLite under var/, the
local S3 server's generated credentials)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("PORTAL_VAR_DIR", ROOT / "var"))


def _secret(path: Path) -> str:
    """A secret generated once and kept in var/ (mode 0600), so every worker process and every restart
    signs CSRF tokens the same way (STACK.md: per-process defaults sign people out)."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value)
    return value


@dataclass
class Settings:
    database_url: str = ""
    s3_endpoint: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_secure: bool = False
    bucket_prefix: str = "portal"
    secret: str = ""
    # where people reach the portal: printed in QR codes on documents
    public_base_url: str = "http://127.0.0.1:8000"
    secure_cookies: bool = False
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    # failed sign-ins and activations from one address in 10 minutes before it is slowed down (a hall's
    # counters may share one address: generous, yet far below what guessing needs)
    ip_failure_limit: int = 30
    # argon2 cost: the defaults (~135 ms a hash here) in production, cheap parameters in tests only
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    pdf_workers: int = 1
    # a worker's one-time activation code (casework.people) expires after this many days
    activation_code_days: int = 7
    # scanned materials (portal.uploads): per file and per catalogue item
    upload_max_file_bytes: int = 50 * 1024 * 1024
    upload_max_files_per_item: int = 20
    debug: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ
        return cls(
            database_url=env.get("DATABASE_URL", f"sqlite:///{VAR / 'portal.db'}"),
            s3_endpoint=env.get("S3_ENDPOINT", ""),
            s3_access_key=env.get("S3_ACCESS_KEY", ""),
            s3_secret_key=env.get("S3_SECRET_KEY", ""),
            s3_secure=env.get("S3_SECURE", "0") == "1",
            bucket_prefix=env.get("S3_BUCKET_PREFIX", "portal"),
            secret=env.get("PORTAL_SECRET") or _secret(VAR / "secret.key"),
            public_base_url=env.get("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            secure_cookies=env.get("PORTAL_SECURE_COOKIES", "0") == "1",
            pdf_workers=int(env.get("PORTAL_PDF_WORKERS", "1")),
            activation_code_days=int(env.get("PORTAL_ACTIVATION_CODE_DAYS", "7")),
            upload_max_file_bytes=int(env.get("PORTAL_UPLOAD_MAX_FILE_BYTES", str(50 * 1024 * 1024))),
            upload_max_files_per_item=int(env.get("PORTAL_UPLOAD_MAX_FILES_PER_ITEM", "20")),
            debug=env.get("PORTAL_DEBUG", "0") == "1",
        )
