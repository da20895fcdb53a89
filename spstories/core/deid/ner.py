"""Optional named-entity recognition with an installed, trained spaCy pipeline.

Never required and never downloaded: ``load_pipeline`` returns ``None`` when no trained
English pipeline is installed, and the rules run alone. Loaded lazily and once, because a
trained pipeline takes seconds to load.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from spstories.core.deid.rules import Found

# spaCy (OntoNotes) labels -> placeholder kinds. Dates are left to the rules: NER also
# labels "last week" or "two months", which identify nobody.
LABELS = {"PERSON": "NAME", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE",
          "ORG": "ORGANISATION"}


@lru_cache(maxsize=4)
def load_pipeline(name: str | None = None) -> Any | None:
    """An installed trained pipeline with an ``ner`` component, or None."""
    import spacy  # deferred: importing spaCy costs a second even when no pipeline exists

    candidates = [name] if name else sorted(
        m for m in spacy.util.get_installed_models() if m.startswith("en_")
    )
    for candidate in candidates:
        if not spacy.util.is_package(candidate):
            continue
        nlp = spacy.load(candidate)
        if "ner" in nlp.pipe_names:
            keep = {"ner", "tok2vec", "transformer"}
            return spacy.load(candidate, disable=[p for p in nlp.pipe_names if p not in keep])
    return None


def entities(nlp: Any, text: str) -> Iterator[Found]:
    """People, places and organisations the pipeline recognises in ``text``."""
    for ent in nlp(text).ents:
        kind = LABELS.get(ent.label_)
        if kind:
            yield Found(ent.start_char, ent.end_char, kind, ent.text.lower())
