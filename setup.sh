#!/usr/bin/env bash
# VetMap set-up on Debian 12: installs what is missing, then serves the app or runs the tests.
#   ./setup.sh          install, start the embedded PostGIS, migrate, load the demo atlas, serve on 127.0.0.1:8000
#   ./setup.sh test     install (with Chromium for browser tests), start the database, run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-serve}"
[ $# -gt 0 ] && shift

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

wanted=(postgresql-15 postgresql-15-postgis-3 ca-certificates)
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || wanted+=(python3-venv)
{ command -v node && command -v npm; } >/dev/null 2>&1 || wanted+=(nodejs npm)
[ "$mode" = test ] && wanted+=(chromium fonts-wqy-microhei gdal-bin)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  python3 -m venv .venv
fi
stamp=".venv/.vetmap-deps-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "==> installing Python dependencies"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  rm -f .venv/.vetmap-deps-*; touch "$stamp"
fi

npm_stamp="node_modules/.vetmap-$(sha1sum package-lock.json | cut -c1-12)"
if [ ! -f "$npm_stamp" ]; then
  echo "==> installing front-end assets (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$npm_stamp"
fi

case "$mode" in
  serve)
    .venv/bin/python main.py db up
    .venv/bin/python main.py demo load --if-empty
    exec .venv/bin/python main.py serve "$@"
    ;;
  test)
    .venv/bin/python main.py db up
    exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    echo "usage: ./setup.sh [serve|test] [extra args]" >&2
    exit 2
    ;;
esac
