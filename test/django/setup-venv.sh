#!/usr/bin/env bash
# Makes the Python virtual environment the Django interop tests run Django from:
# node_modules/.cache/django-venv, with test/django/app/requirements.txt (Django 5.2 LTS,
# psycopg, PyMySQL, redis) from the package index pip is configured with. Idempotent and safe
# to run from several test files at once (flock); called by .ci/run and, when the venv is
# missing, by the tests themselves (test/django/python.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=node_modules/.cache/django-venv
REQS=test/django/app/requirements.txt
ready() { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import django, psycopg, pymysql, redis' 2>/dev/null; }
FAILED=node_modules/.cache/django-venv.failed
mkdir -p node_modules/.cache
exec 9>node_modules/.cache/django-venv.lock
flock 9
if ! ready; then
  # Several test files ask at once: after a failure, the next quarter hour answers at once.
  if [ -n "$(find "$FAILED" -mmin -15 2>/dev/null)" ]; then
    echo "setup-venv.sh failed less than 15 minutes ago: $(cat "$FAILED")" >&2
    exit 1
  fi
  rm -rf "$VENV"
  # The machine's local wheel folders, when it has them (pip's own configuration may name them too).
  LOCAL=()
  [ -d /opt/wheels ] && LOCAL+=(--find-links /opt/wheels)
  for index in /opt/pypi/simple /opt/pypi-more/simple; do [ -d "$index" ] && LOCAL+=(--extra-index-url "file://$index"); done
  if ! { python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet --disable-pip-version-check --retries 1 "${LOCAL[@]}" -r "$REQS"; } 2>"$FAILED.log"; then
    tail -n 3 "$FAILED.log" >"$FAILED"
    cat "$FAILED" >&2
    exit 1
  fi
  rm -f "$FAILED" "$FAILED.log"
fi
"$VENV/bin/python" -c 'import django; print("Django", django.get_version())'
