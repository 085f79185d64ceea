#!/usr/bin/env bash
# `make test`: the whole suite on PostgreSQL (the server this machine runs; a fresh database per run), then
# on SQLite, then the browser tests (a separate pytest run: Playwright's sync API and other tests don't mix).
# PostgreSQL or the S3 server unreachable → the run fails; nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTEST=".venv/bin/python -m pytest"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "PostgreSQL 未运行，尝试启动……"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
echo "==> 测试（PostgreSQL）"
PORTAL_TEST_DB=postgresql $PYTEST -q -m "not browser" "$@"
echo "==> 测试（SQLite）"
PORTAL_TEST_DB=sqlite $PYTEST -q -m "not browser" tests/portal tests/casework "$@"
echo "==> 浏览器测试（Chromium）"
PORTAL_TEST_DB=sqlite $PYTEST -q -m browser tests/browser "$@"
