"""Compiled codebook patterns, kept as JSON between runs.

Compiling a codebook's phrases into every inflected phrasing (about 43,000 for
sp-outcomes, from spaCy's lookup tables) took over half a second at every start of
``spstories tag``. The compiled dicts are JSON-ready, so they are written once per
version of what the compilation reads (the phrases, the compiler's own source and the
lookup tables' version) and read back after. The cache is plain JSON, never a pickle: a
file that is missing, unreadable or not what its name promises is compiled again, and a
cache that cannot be written is simply not used.

Where: ``SPSTORIES_CACHE_DIR``, else ``$XDG_CACHE_HOME/spstories``, else
``~/.cache/spstories``; each file is named by its key, so stale files are never read.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from spstories.core.nlp.matcher import PATTERN_KEYS

FORMAT = "spstories-patterns/1"


def cache_dir() -> Path:
    """Where compiled patterns are kept."""
    configured = os.environ.get("SPSTORIES_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spstories"


def _compiler_version() -> str:
    # The compiler's source and the tables it reads: a change to either compiles afresh.
    import spacy_lookups_data

    from spstories.core.nlp import inflect, patterns

    digest = hashlib.sha256(spacy_lookups_data.__version__.encode())
    for module in (patterns, inflect):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()


def cache_key(phrases: Sequence[Sequence[Any]]) -> str:
    """The key of a compilation of ``phrases`` (rows of what the compiler is given)."""
    digest = hashlib.sha256(f"{FORMAT}\n{_compiler_version()}\n".encode())
    digest.update(json.dumps(list(phrases), ensure_ascii=False).encode())
    return digest.hexdigest()


def _valid(data: Any, key: str) -> bool:
    return (
        isinstance(data, dict)
        and data.get("key") == key
        and isinstance(data.get("patterns"), list)
        and all(isinstance(p, dict) and set(p) >= PATTERN_KEYS for p in data["patterns"])
    )


def cached_patterns(
    phrases: Sequence[Sequence[Any]], compile_all: Callable[[], list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The compiled patterns of ``phrases``: from the cache, else ``compile_all()`` (and
    then kept for next time)."""
    key = cache_key(phrases)
    path = cache_dir() / f"patterns-{key[:32]}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if _valid(data, key):
        return data["patterns"]
    compiled = compile_all()
    _write(path, {"format": FORMAT, "key": key, "patterns": compiled})
    return compiled


def _write(path: Path, data: dict[str, Any]) -> None:
    # Written beside and renamed into place: a reader never sees half a file, and two
    # processes writing at once each leave a whole one.
    written = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as out:
            written = Path(out.name)
            json.dump(data, out, ensure_ascii=False)
        os.replace(written, path)
    except OSError:
        if written is not None:
            written.unlink(missing_ok=True)
