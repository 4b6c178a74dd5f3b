#!/usr/bin/env bash
# Install what Annuaire needs on Debian 12: system packages (once), then the virtualenv
# (again only when pyproject.toml changed). Fast when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_major() {
  if command -v pg_config >/dev/null 2>&1; then pg_config --version | sed -E 's/[^0-9]*([0-9]+).*/\1/'
  elif ls /usr/lib/postgresql >/dev/null 2>&1 && [ -n "$(ls /usr/lib/postgresql)" ]; then ls /usr/lib/postgresql | sort -n | tail -1
  else echo 15; fi
}

MAJOR=$(pg_major)
PACKAGES=(postgresql-"$MAJOR" postgresql-contrib postgresql-"$MAJOR"-postgis-3 gdal-bin libgdal-dev libgeos-dev
          libproj-dev binutils python3-venv chromium fonts-noto-core fonts-noto-ui-core wrk
          libpango-1.0-0 libpangoft2-1.0-0 poppler-utils)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's package may start a system cluster on 5432; Annuaire runs its own and leaves that one alone.
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo "==> virtualenv .venv"
  "$PY" -m venv .venv
fi
if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  echo "==> pip: installing the project and its dependencies"
  .venv/bin/pip install -q -U pip 2>&1 | grep -v "is ignored" || true
  .venv/bin/pip install -q -e '.[dev]' 2>&1 | grep -vE "is ignored|^\s*$" | grep -iE "error|fail" || true
  .venv/bin/python -c "import django, rest_framework_gis, psycopg" # fail loudly if pip did not finish
  touch .venv/.installed
fi
