"""Corpus tagging throughput: one process against Dask with two workers, same input.

    .venv/bin/python benchmarks/corpus.py                 # 1,000,000 short comments
    .venv/bin/python benchmarks/corpus.py --n 100000      # a quicker run

The comments are generated with the tagging benchmark's grammar (``benchmarks/tagging.py``:
frequency-weighted words from spaCy's English tables, names, numbers, typos, and a quarter
of social-prescribing sentences): a pool of distinct sentences is drawn once and each
comment is one or two of them, about 15 words on average, written as JSONL.

Both paths do the whole job of ``spstories tag``: read the file, tag, build the records
and write JSON lines. "1 process" is the single-process path (``read_texts``, then
``tag_many`` and ``tag_record`` in one stream); "Dask" plans partitions, starts a
LocalCluster of worker processes on this machine and has each worker read, tag and
write its own part files. Figures are wall-clock, since the point is elapsed time with
more processes; the machine's load average is printed beside them because it is shared.
The last lines printed hold the figures; the outputs are checked to be identical.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tagging import make_paragraphs

from spstories.core.corpus.engines import DaskEngine
from spstories.core.corpus.output import OutputSpec, prepare_directory, read_parts
from spstories.core.corpus.reading import Columns, plan
from spstories.core.corpus.records import (
    TaggerSpec,
    tag_partition,
    tag_record,
    tagger_of,
)
from spstories.core.io import read_texts


def write_comments(path: Path, n: int, seed: int) -> int:
    """``n`` comments of one or two sentences from a pool of distinct sentences; returns
    the number of words."""
    pool = make_paragraphs(min(100_000, max(1000, n // 10)), seed, words_per=1)
    rng = random.Random(seed)
    words = 0
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            text = rng.choice(pool)
            if rng.random() < 0.45:
                text += " " + rng.choice(pool)
            words += text.count(" ") + 1
            f.write(json.dumps({"id": f"c{i}", "text": text}) + "\n")
    return words


def single_process(source: Path, out: Path, spec: TaggerSpec) -> tuple[float, float]:
    """What ``spstories tag INPUT -o OUT`` does; returns (wall, CPU) seconds."""
    start, cpu = time.perf_counter(), time.process_time()
    tagger = tagger_of(spec)
    texts = read_texts(source)
    with out.open("w", encoding="utf-8") as f:
        for item, tags in zip(texts, tagger.tag_many(t.text for t in texts), strict=True):
            f.write(json.dumps(tag_record(item.id, tagger, tags, item.text),
                               ensure_ascii=False) + "\n")
    return time.perf_counter() - start, time.process_time() - cpu


def on_dask(source: Path, out: Path, spec: TaggerSpec, workers: int, size: int
            ) -> tuple[float, float, int, list[float]]:
    """What ``spstories tag --engine dask --output-dir OUT INPUT`` does; returns (seconds
    to start the cluster and build each worker's tagger, seconds from then to the last
    part written, partitions, CPU seconds of each worker)."""
    start = time.perf_counter()
    engine = DaskEngine(workers=workers)
    engine.on_each_worker(tagger_of, spec)  # each worker builds its tagger, as this one did
    started = time.perf_counter()
    cpu_before = engine.on_each_worker(time.process_time)
    try:
        target = OutputSpec(str(out))
        prepare_directory(target)
        partitions = plan(source, columns=Columns(), partition_bytes=size)
        for _ in engine.run(tag_partition, partitions, spec, Columns(), target):
            pass
        done = time.perf_counter()
        cpu = engine.on_each_worker(time.process_time)
    finally:
        engine.close()
    (out / "_manifest.json").write_text("{}\n")
    worker_cpu = [cpu[w] - cpu_before[w] for w in cpu]
    return started - start, done - started, len(partitions), worker_cpu


def digest_lines(lines: object) -> str:
    digest = hashlib.sha256()
    for line in lines:  # type: ignore[attr-defined]
        digest.update(line.encode())
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="comments to tag")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partition-size", type=int, default=8 * 1024 * 1024)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()

    spec = TaggerSpec.from_codebook_file("sp-outcomes")
    with tempfile.TemporaryDirectory(prefix="spstories-corpus-") as folder:
        work = Path(folder)
        source = work / "comments.jsonl"
        t = time.perf_counter()
        words = write_comments(source, args.n, args.seed)
        generated = time.perf_counter() - t
        print(f"{args.n:,} comments, {words / args.n:.1f} words each on average, "
              f"{source.stat().st_size / 1e6:.0f} MB (generated in {generated:.0f} s)")
        tagger_of(spec)  # built before the clock starts, as a worker's is before its first task
        load = os.getloadavg()[0]
        single_s, single_cpu = single_process(source, work / "single.jsonl", spec)
        cluster_s, dask_s, parts, worker_cpu = on_dask(source, work / "parts", spec,
                                                       args.workers, args.partition_size)
        load = (load + os.getloadavg()[0]) / 2
        with (work / "single.jsonl").open(encoding="utf-8") as f:
            same = digest_lines(f) == digest_lines(
                json.dumps(r, ensure_ascii=False) + "\n" for r in read_parts(work / "parts"))
    print(f"identical records: {'yes' if same else 'NO'}; {parts} partitions; "
          f"load average during the runs about {load:.1f} on {os.cpu_count()} cores")
    print(f"1 process: {args.n / single_s:,.0f} comments/s ({single_s:.1f} s; "
          f"{args.n / single_cpu:,.0f} per CPU second)")
    counting = args.n / (dask_s + cluster_s)
    print(f"Dask, {args.workers} workers: {args.n / dask_s:,.0f} comments/s ({dask_s:.1f} s, "
          f"after {cluster_s:.1f} s to start the cluster and its taggers; {counting:,.0f} "
          f"comments/s counting that); speed-up {single_s / dask_s:.2f}x; "
          f"{args.n / sum(worker_cpu):,.0f} comments per worker CPU second, CPU seconds per "
          f"worker {', '.join(f'{c:.1f}' for c in worker_cpu)}")
    if not same:
        raise SystemExit("the Dask records differ from the single-process records")


if __name__ == "__main__":
    main()
