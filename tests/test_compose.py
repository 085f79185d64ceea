"""docker-compose.yml (no Docker engine here, so it is read, not run): the production-like stack has the
services ARCHITECTURE.md names, secrets come from the environment, the portal waits for the migration, and
the image the portal runs starts the ASGI app that exists."""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_stack():
    stack = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = stack["services"]
    assert set(services) == {"postgres", "s3", "migrate", "portal"}
    assert services["migrate"]["command"] == ["portal", "migrate"]
    assert services["portal"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    env = services["portal"]["environment"]
    for key in ("DATABASE_URL", "S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "PORTAL_SECRET", "PORTAL_BASE_URL"):
        assert key in env
    # no secret is written into the file: every one is required from the environment
    for key in ("S3_ACCESS_KEY", "S3_SECRET_KEY", "PORTAL_SECRET"):
        assert env[key].startswith("${") and ":?" in env[key]
    assert env["PORTAL_SECURE_COOKIES"] == "1"


def test_the_image_starts_an_app_that_exists():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "fonts-noto-cjk" in dockerfile and "requirements.lock" in dockerfile
    assert '"portal.asgi:app"' in dockerfile
    spec = importlib.util.find_spec("portal.asgi")
    assert spec is not None
