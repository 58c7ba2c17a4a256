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
mkdir -p node_modules/.cache
exec 9>node_modules/.cache/django-venv.lock
flock 9
if ! ready; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQS"
fi
"$VENV/bin/python" -c 'import django; print("Django", django.get_version())'
