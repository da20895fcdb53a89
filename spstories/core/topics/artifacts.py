"""A run saved for the record: ``models/topics-<date>-<id>/`` with parameters, table, card.

The fitted BERTopic model is saved in its safetensors form (``bertopic/``: topic
embeddings, c-TF-IDF, topics and configuration as JSON — never a pickle), and the default
TF-IDF embedder beside it as JSON and ``.npz`` (``embedder.json``, ``embedder.npz``), so
``load_topic_model`` can bring the model back without unpickling anything. Parameters,
seed, package versions and the corpus digest are saved too, so the run can be repeated.
Representative texts are saved by unit id only; the narratives stay in the database,
where access to them is scoped to their organisation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from spstories.core.topics.model import Fitted, TopicParams, backend_note
from spstories.core.topics.results import OUTLIER, TopicSummary


@dataclass(frozen=True)
class RunRecord:
    """What a saved run says about itself."""

    run_id: str
    params: TopicParams
    corpus_size: int
    corpus_hash: str
    codebook: str | None
    documents: str


def run_folder(models_dir: Path, run_id: str, on: date | None = None) -> Path:
    return Path(models_dir) / f"topics-{(on or date.today()).isoformat()}-{run_id}"


def save_run(folder: Path, record: RunRecord, fitted: Fitted,
             topics: Sequence[TopicSummary]) -> Path:
    """Write params.json, topics.json and MODEL_CARD.md; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    params: dict[str, Any] = {
        "run": record.run_id, **record.params.to_dict(), "corpus_size": record.corpus_size,
        "corpus_sha256": record.corpus_hash, "codebook": record.codebook,
        "documents": record.documents, "fit_seconds": fitted.seconds,
        "versions": fitted.versions,
    }
    (folder / "params.json").write_text(json.dumps(params, indent=2) + "\n", encoding="utf-8")
    table = [t.to_dict(with_text=False) for t in topics]
    (folder / "topics.json").write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    if fitted.model is not None:
        fitted.model.save(folder / "bertopic", serialization="safetensors", save_ctfidf=True,
                          save_embedding_model=False)
    if fitted.embedder is not None:
        save_embedder(folder, fitted.embedder)
    (folder / "MODEL_CARD.md").write_text(model_card(record, fitted, topics), encoding="utf-8")
    return folder


def save_embedder(folder: Path, embedder: Any) -> None:
    """The TF-IDF -> SVD -> normalise embedder as JSON and an ``.npz`` (no pickle)."""
    tfidf, svd = embedder[0], embedder[1]
    settings = {"vocabulary": {w: int(i) for w, i in tfidf.vocabulary_.items()},
                "stop_words": sorted(tfidf.stop_words or []), "sublinear_tf": tfidf.sublinear_tf}
    (folder / "embedder.json").write_text(json.dumps(settings), encoding="utf-8")
    np.savez(folder / "embedder.npz", idf=tfidf.idf_, components=svd.components_)


def load_topic_model(folder: Path) -> tuple[Any, Callable[[Sequence[str]], Any] | None]:
    """The saved BERTopic model and a function embedding new texts as the run did.

    The embedder is rebuilt from its arrays; nothing is unpickled.
    """
    from bertopic import BERTopic
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    model = BERTopic.load(str(folder / "bertopic"))
    if not (folder / "embedder.json").exists():
        return model, None
    settings = json.loads((folder / "embedder.json").read_text(encoding="utf-8"))
    arrays = np.load(folder / "embedder.npz", allow_pickle=False)
    tfidf = TfidfVectorizer(vocabulary=settings["vocabulary"],
                            stop_words=settings["stop_words"] or None,
                            sublinear_tf=settings["sublinear_tf"])
    tfidf.fit(["x"])  # sets up the analyser; the learned weights come from the file
    tfidf.idf_ = arrays["idf"]
    components = arrays["components"]

    def embed(texts: Sequence[str]) -> Any:
        return normalize(tfidf.transform(list(texts)) @ components.T)

    return model, embed


def model_card(record: RunRecord, fitted: Fitted, topics: Sequence[TopicSummary]) -> str:
    p = record.params
    found = [t for t in topics if t.number != OUTLIER]
    outliers = sum(t.size for t in topics if t.number == OUTLIER)
    clusterer = f"k-means, {p.n_topics} topics" if p.n_topics else (
        f"HDBSCAN, minimum topic size {p.min_topic_size}")
    lines = [
        f"# Topic run {record.run_id}", "",
        "Inductive topics found with BERTopic 0.17 (c-TF-IDF topic terms) for researchers to "
        "read, name and, where useful, promote into the codebook as draft codes.", "",
        "## How it was made", "",
        f"- Documents: {record.documents}",
        f"- Units: {record.corpus_size} {p.level}s"
        + (f", only those with no tag from {record.codebook}" if p.residual else ""),
        f"- Corpus SHA-256 (unit ids and text): `{record.corpus_hash}`",
        f"- Embeddings: {backend_note(p.backend)}",
        f"- Reduction: PCA to 5 dimensions; clustering: {clusterer}",
        f"- Seed: {p.seed}; fit time: {fitted.seconds} s",
        f"- Packages: {', '.join(f'{k} {v}' for k, v in sorted(fitted.versions.items()))}",
        "", "## Result", "",
        f"{len(found)} topics; {outliers} units fitted no topic (outliers, kept as such).", "",
        "| topic | size | top terms |", "|---|---|---|",
        *(f"| {t.number} | {t.size} | {', '.join(w for w, _ in t.terms[:8])} |" for t in found),
        "", "## Limits", "",
        "- Topics are clusters of wording, not findings: read the sentences before naming one.",
        "- Word-based embeddings group texts that share words; sentences that say the same "
        "thing in other words can land in different topics (sentence embeddings do better).",
        "- Small topics and topics over very few documents may reflect one person's phrasing.",
        "- The fitted model is in `bertopic/` (safetensors and JSON) with the TF-IDF embedder "
        "in `embedder.json`/`embedder.npz`; load both with "
        "`spstories.core.topics.artifacts.load_topic_model`. Nothing here is a pickle.",
    ]
    return "\n".join(lines) + "\n"
