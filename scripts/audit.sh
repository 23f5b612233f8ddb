#!/bin/sh
# Audit every package installed in the virtual environment against PyPI's advisory data
# (pip-audit's default "pypi" service); --strict fails when a package could not be checked,
# so an unreachable service never reads as "no known vulnerabilities". dutybook (editable) is skipped.
set -eu
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
exec "$VENV/bin/pip-audit" --skip-editable --progress-spinner off --desc off --strict "$@"
