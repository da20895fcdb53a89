"""Promoting a topic: a new codebook version whose YAML adds a draft code."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any

import yaml

from spstories.core.codebook import Codebook, load_codebook_text
from spstories.core.codebook_edit import slug_key
from spstories.errors import CodebookError

DRAFT_SUFFIX = re.compile(r"-draft\.(\d+)$")


def next_draft_version(current: str, taken: Collection[str]) -> str:
    """``1.0.0`` → ``1.1.0-draft.1``; ``1.1.0-draft.1`` → ``1.1.0-draft.2``.

    A pre-release version can never collide with a version shipped later as a file.
    """
    match = DRAFT_SUFFIX.search(current)
    if match:
        base, n = current[: match.start()], int(match.group(1)) + 1
    else:
        parts = current.split(".")
        if len(parts) >= 2 and parts[1].isdigit():
            base = ".".join([parts[0], str(int(parts[1]) + 1), *(["0"] * (len(parts) - 2))])
        else:
            base = f"{current}.1"
        n = 1
    while f"{base}-draft.{n}" in taken:
        n += 1
    return f"{base}-draft.{n}"


def add_draft_code(source_yaml: str, *, version: str, label: str, definition: str,
                   examples: Sequence[str], source: str, polarity: str | None = None,
                   ) -> tuple[str, Codebook, str]:
    """The codebook YAML with one more top-level code; returns (yaml, spec, code key).

    Examples in a codebook with polarity need one; the researcher chooses it when promoting.
    The result is validated by the same loader as every codebook.
    """
    data: dict[str, Any] = yaml.safe_load(source_yaml)
    if not label.strip():
        raise CodebookError("a draft code needs a label", field="label")
    if not definition.strip():
        raise CodebookError("a draft code needs a definition", field="definition")
    taken = [c.get("id", "") for c in data.get("codes") or []]
    key = slug_key(label, taken)
    polar = bool(data.get("polarity", True))
    code: dict[str, Any] = {"id": key, "label": label.strip(), "definition": definition.strip(),
                            "source": source}
    if examples:
        code["examples"] = [
            {"text": text, **({"polarity": polarity} if polar and polarity else {}),
             "note": "from a topic run; draft"} for text in examples
        ]
    data["codes"] = [*(data.get("codes") or []), code]
    data["version"] = version
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    spec = load_codebook_text(text, f"{data.get('id')} {version}")
    return text, spec, key


def without_examples(source_yaml: str, texts: Collection[str]) -> str:
    """The codebook YAML without the examples whose text is one of ``texts`` (a client's
    sentences, when their data is erased); unchanged if it has none of them."""
    data: dict[str, Any] = yaml.safe_load(source_yaml)
    changed = False
    for code in data.get("codes") or []:
        examples = code.get("examples")
        if not examples:
            continue
        kept = [e for e in examples if not (isinstance(e, dict) and e.get("text") in texts)]
        if len(kept) != len(examples):
            changed = True
            if kept:
                code["examples"] = kept
            else:
                del code["examples"]
    if not changed:
        return source_yaml
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
