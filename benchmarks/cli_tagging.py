"""Whole-process cost of ``spstories tag`` against a process that only tokenizes.

    .venv/bin/python benchmarks/cli_tagging.py             # 12,311 comments, models/ as shipped
    .venv/bin/python benchmarks/cli_tagging.py --n 2000    # a quick run

The comments are real: every sentence of ``../shared/data`` (Care Opinion stories), cut
into short comments of one to three consecutive sentences, cycled to ``--n`` comments
(a fixed seed picks the lengths). Timed as wall-clock seconds of separate processes, each
started cold, so imports, loading the model and building the matcher all count:

- ``spstories --help`` (the CLI must answer without importing the heavy parts);
- ``spstories tag`` on one text (the first text a user tags);
- ``spstories tag`` on all comments, with the default tagger (the shipped model, else the
  rules) and with ``--tagger rules``;
- the baseline: a Python process that imports spaCy and runs its blank English tokenizer
  over the same comments.

Each process runs ``--repeat`` times and the fastest run counts (the machine may be busy).
The last line printed holds the ratios.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SPSTORIES = [str(Path(sys.executable).parent / "spstories")]
TOKENIZE = """
import json, sys
import spacy
nlp = spacy.blank("en")
with open(sys.argv[1], encoding="utf-8") as lines:
    texts = [json.loads(line)["text"] for line in lines]
for doc in nlp.tokenizer.pipe(texts):
    pass
"""


def real_sentences() -> list[str]:
    """Every sentence of the shared real texts, in file order."""
    sys.path.insert(0, str(ROOT))
    from spstories.core.learning.sentences import sentence_spans

    sentences = []
    for name in ("train-silver.jsonl", "dev-quotes.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"]
            sentences += [text[s:e] for s, e in sentence_spans(text)]
    return sentences


def comments(n: int, seed: int) -> list[str]:
    """``n`` short comments of one to three consecutive real sentences."""
    rng = random.Random(seed)
    sentences = real_sentences()
    out: list[str] = []
    i = 0
    while len(out) < n:
        size = rng.choice((1, 1, 2, 3))
        out.append(" ".join(sentences[(i + k) % len(sentences)] for k in range(size)))
        i += size
    return out


def best_of(command: list[str], repeat: int) -> float:
    """Fastest wall-clock seconds of ``repeat`` cold runs of ``command``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)  # noqa: S603 - our own commands
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=12311, help="comments to tag")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--codebook", default="sp-outcomes")
    args = parser.parse_args()

    texts = comments(args.n, args.seed)
    words = sum(len(t.split()) for t in texts)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "comments.jsonl"
        corpus.write_text(
            "".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts)),
            encoding="utf-8",
        )
        one = Path(tmp) / "one.jsonl"
        one.write_text(json.dumps({"id": "1", "text": texts[0]}) + "\n", encoding="utf-8")
        tag = [*SPSTORIES, "tag", "--codebook", args.codebook, "--no-progress"]
        figures = {
            "help": best_of([*SPSTORIES, "--help"], args.repeat),
            "one": best_of([*tag, str(one)], args.repeat),
            "tokenizer": best_of([sys.executable, "-c", TOKENIZE, str(corpus)], args.repeat),
            "default": best_of([*tag, str(corpus)], args.repeat),
            "rules": best_of([*tag, "--tagger", "rules", str(corpus)], args.repeat),
        }
        chosen = subprocess.run(  # noqa: S603 - our own command
            [*tag, str(one)], capture_output=True, text=True, cwd=ROOT, check=True
        )
    source = "rules" if "tagging with the rules" in chosen.stderr else "model"
    print(f"{len(texts)} real comments, {words / len(texts):.1f} words each on average")
    print(f"spstories --help: {figures['help']:.2f} s")
    print(f"spstories tag, one text, cold: {figures['one']:.2f} s (default tagger: {source})")
    for name in ("tokenizer", "default", "rules"):
        print(f"{name:>9}: {figures[name]:6.2f} s  {len(texts) / figures[name]:8,.0f} texts/s")
    print(
        f"ratio to the tokenizer-only process: default ({source}) "
        f"{figures['default'] / figures['tokenizer']:.2f}x, rules "
        f"{figures['rules'] / figures['tokenizer']:.2f}x"
    )


if __name__ == "__main__":
    main()
