"""The record written for each tagged text, and the functions every engine runs.

``tag_record`` is the one definition of a record (``spstories tag`` writes it too).
``TaggerSpec`` is what travels to a worker instead of a tagger: the codebook's YAML, the
tagger kind and its options. A worker builds the tagger from it once and keeps it
(``tagger_of``), so no partition and no text pays for building spaCy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import Any

from spstories.core.codebook import Codebook, find_codebook, load_codebook_text
from spstories.core.corpus.output import OutputSpec, write_part
from spstories.core.corpus.reading import DEFAULT_COLUMNS, Columns, Partition, read_partition
from spstories.core.ranking import rank
from spstories.core.tagging import Tagger, build_tagger, tagger_kinds
from spstories.core.tags import Tag
from spstories.errors import CodebookError

# Kinds that load a trained model from the models directory.
LEARNED_KINDS = frozenset({"model", "hybrid"})


def tag_record(text_id: str, tagger: Tagger, tags: list[Tag], text: str) -> dict[str, Any]:
    """One output line: id, codebook and version, tags best first; single-label
    codebooks add the ranking of every code."""
    codebook: Codebook = tagger.codebook
    record: dict[str, Any] = {
        "id": text_id,
        "codebook": codebook.id,
        "codebook_version": codebook.version,
        "tags": [t.to_dict(with_codebook=False) for t in tags],
    }
    if codebook.assignment == "single":
        record["ranking"] = [{"code": c, "score": s} for c, s in rank(tagger, text)]
    return record


@dataclass(frozen=True)
class TaggerSpec:
    """Everything a worker needs to build the same tagger as this process.

    The codebook travels as its YAML text, so workers need no access to the file; a
    learned model is named by its directory (``options``), which workers must see.
    """

    codebook_yaml: str
    label: str
    kind: str = "rules"
    options: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def from_codebook_file(cls, reference: str | Path, kind: str = "rules",
                           **options: Any) -> TaggerSpec:
        """The spec for a codebook id or file, read here once."""
        path = find_codebook(reference)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CodebookError(f"cannot read: {exc}", path=str(path)) from exc
        spec = cls(text, str(path), kind, tuple(sorted(options.items())))
        if kind in LEARNED_KINDS:
            spec = spec.pinned()
        return spec

    def pinned(self) -> TaggerSpec:
        """The same spec naming the newest model by its absolute directory, so every
        worker loads the model this process would (and a newer one trained meanwhile
        cannot slip into half of a run)."""
        from spstories.core.learning.artifacts import models_dir, newest_model

        options = dict(self.options)
        root = Path(options.get("models_dir") or models_dir()).resolve()
        newest = newest_model(root, self.codebook().id) if "model" not in options else None
        if newest is None:
            return self  # the worker says there is no model, as this process would
        options |= {"models_dir": str(root), "model": str(newest.resolve())}
        return TaggerSpec(self.codebook_yaml, self.label, self.kind,
                          tuple(sorted(options.items())))

    def codebook(self) -> Codebook:
        return load_codebook_text(self.codebook_yaml, self.label)

    def build(self) -> Tagger:
        """Build the tagger (cached by ``build_tagger`` per codebook content)."""
        if self.kind not in tagger_kinds():
            # The learned kinds register themselves when their module is imported.
            from spstories.core.learning import tagger as _learned  # noqa: F401
        return build_tagger(self.codebook(), self.kind, **dict(self.options))


_TAGGERS: dict[TaggerSpec, Tagger] = {}
_LOCK = Lock()
# How many taggers this process has built, for tests that check a worker builds once.
builds = 0


def tagger_of(spec: TaggerSpec) -> Tagger:
    """This process's tagger for ``spec``, built on first use."""
    global builds
    with _LOCK:
        tagger = _TAGGERS.get(spec)
        if tagger is None:
            tagger = _TAGGERS[spec] = spec.build()
            builds += 1
        return tagger


def built_taggers() -> int:
    """How many taggers this process has built (read on workers by ``client.run``)."""
    return builds


def tag_texts(texts: list[str], spec: TaggerSpec) -> list[list[Tag]]:
    """The tags of each text, in order (a batch sent to a worker)."""
    return list(tagger_of(spec).tag_many(texts))


@dataclass(frozen=True)
class PartitionResult:
    """What tagging one partition gave: counts, and its records or the file they went to."""

    index: int
    texts: int
    tags: int
    first: int
    file: str | None = None
    records: list[dict[str, Any]] | None = None


def tag_partition(
    partition: Partition,
    spec: TaggerSpec,
    columns: Columns = DEFAULT_COLUMNS,
    output: OutputSpec | None = None,
) -> PartitionResult:
    """Read, tag and record one partition; write it to ``output`` when given (on the
    worker, so records need not travel back), else return the records."""
    tagger = tagger_of(spec)
    items = read_partition(partition, columns)
    records = [
        tag_record(item.id, tagger, tags, item.text)
        for item, tags in zip(items, tagger.tag_many(t.text for t in items), strict=True)
    ]
    tags = sum(len(r["tags"]) for r in records)
    if output is None:
        return PartitionResult(partition.index, len(records), tags, partition.first,
                               records=records)
    file = write_part(output, partition.name, records,
                      ranking=tagger.codebook.assignment == "single")
    return PartitionResult(partition.index, len(records), tags, partition.first, file=file)
