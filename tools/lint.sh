#!/usr/bin/env bash
# Static checks of the Python code: ruff lint, ruff format (check only) and mypy with the django-stubs plugin.
# Runs every check even when an earlier one fails, and exits non-zero if any failed.
# Usage: tools/lint.sh            (from anywhere; uses the project's .venv, or $VENV)
set -u
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
BIN="$VENV/bin"
for tool in ruff mypy; do
    if [ ! -x "$BIN/$tool" ]; then
        echo "tools/lint.sh: $BIN/$tool is missing; install the dev tools: $BIN/pip install -r requirements-dev.txt" >&2
        exit 2
    fi
done
PATHS=(backend ml reports tests bench manage.py)
status=0
run() {
    echo "+ $*"
    "$@" || status=1
}
run "$BIN/ruff" check "${PATHS[@]}"
run "$BIN/ruff" format --check "${PATHS[@]}"
run "$BIN/mypy" backend ml reports
if [ "$status" -ne 0 ]; then
    echo "tools/lint.sh: some checks failed (see above)" >&2
fi
exit "$status"
