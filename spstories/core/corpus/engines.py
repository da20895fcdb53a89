"""Where partitions are tagged: in this process, or on a Dask (dask.distributed) cluster.

Both engines run the same functions (``records.tag_partition``, ``records.tag_texts``)
over a sequence of items and hand the results back as they finish, with their index.
``DaskEngine`` connects to a scheduler when given its address, else starts a
``LocalCluster`` on the loopback address with its dashboard off; Dask is imported only
when one is made, so nothing else pays for it.

The engine of the web app's background jobs and of ``spstories retag`` comes from the
environment, like ``SPSTORIES_MODELS_DIR``: ``SPSTORIES_ENGINE`` (``single``, the default,
or ``dask``), ``SPSTORIES_SCHEDULER`` (a scheduler address such as
``tcp://10.0.0.5:8786``; none starts a local cluster) and ``SPSTORIES_DASK_WORKERS``
(workers of a local cluster, default 2).
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from spstories.errors import ModelUnavailable, SpstoriesError

T = TypeVar("T")
R = TypeVar("R")
ENGINES = ("single", "dask")
DEFAULT_WORKERS = 2


class Engine(Protocol):
    """Runs ``fn(item, *shared)`` for every item; results come back as they finish."""

    name: str

    def describe(self) -> str: ...

    def run(
        self, fn: Callable[..., R], items: Iterable[T], *shared: Any
    ) -> Iterator[tuple[int, R]]: ...

    def close(self) -> None: ...


class SingleEngine:
    """This process, one item after another."""

    name = "single"

    def describe(self) -> str:
        return "in this process"

    def run(
        self, fn: Callable[..., R], items: Iterable[T], *shared: Any
    ) -> Iterator[tuple[int, R]]:
        for index, item in enumerate(items):
            yield index, fn(item, *shared)

    def close(self) -> None:
        pass


class DaskEngine:
    """A dask.distributed cluster: the scheduler at ``scheduler``, or a LocalCluster of
    ``workers`` processes (``processes=False``: threads of this process, for tests)."""

    name = "dask"

    def __init__(
        self,
        scheduler: str | None = None,
        *,
        workers: int = DEFAULT_WORKERS,
        processes: bool = True,
    ) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ModelUnavailable(
                "the Dask engine needs dask.distributed: pip install 'spstories[corpus]'"
            ) from exc
        self.scheduler = scheduler
        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout="10s", set_as_default=False)
            else:
                # One thread per worker: tagging holds the GIL, so more threads per
                # process would only queue behind each other.
                self.cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=processes,
                    # TCP on the loopback address only, even for threads (tests), so
                    # the cluster is reached the way a remote one is, and from nowhere else.
                    protocol="tcp",
                    host="127.0.0.1",
                    dashboard_address=None,
                    # No dashboard; the scheduler's small HTTP server (health, metrics)
                    # takes any free loopback port, so two local clusters never collide.
                    scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.ERROR,
                )
                self.client = Client(self.cluster, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            if self.cluster is not None:
                self.cluster.close()
            where = f"the Dask scheduler at {scheduler}" if scheduler else "a local Dask cluster"
            raise SpstoriesError(f"cannot reach {where}: {exc}") from exc

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def describe(self) -> str:
        where = f"scheduler {self.scheduler}" if self.scheduler else "a local cluster"
        return f"Dask, {self.workers} workers ({where})"

    def run(
        self, fn: Callable[..., R], items: Iterable[T], *shared: Any
    ) -> Iterator[tuple[int, R]]:
        """Submit a few items per worker at a time (so results never pile up in memory)
        and yield each result as it arrives; a task's error is raised here."""
        from distributed import as_completed

        client = self.client
        # Sent to every worker once, not with each task.
        shared_futures = [client.scatter(value, broadcast=True, hash=False) for value in shared]
        window = max(2, 2 * self.workers)
        run_id = uuid.uuid4().hex[:12]
        pending = iter(enumerate(items))
        index_of: dict[Any, int] = {}
        done = as_completed(loop=client.loop)

        def submit_next() -> bool:
            for index, item in pending:
                future = client.submit(fn, item, *shared_futures, key=f"spstories-{run_id}-{index}")
                index_of[future] = index
                done.add(future)
                return True
            return False

        for _ in range(window):
            if not submit_next():
                break
        try:
            for future in done:
                result = future.result()
                index = index_of.pop(future)
                future.release()
                submit_next()
                yield index, result
        finally:
            for future in index_of:
                future.cancel()
            for future in shared_futures:
                future.release()

    def on_each_worker(self, fn: Callable[..., R], *args: Any) -> dict[str, R]:
        """``fn(*args)`` once on every worker, by worker address: as a task, in the
        worker's task thread (``client.run`` would block the worker's event loop, which
        on a busy machine stalls it for minutes when ``fn`` builds a tagger)."""
        client = self.client
        futures = {
            worker: client.submit(fn, *args, workers=[worker], allow_other_workers=False,
                                  pure=False)
            for worker in client.scheduler_info(n_workers=-1)["workers"]
        }
        return {worker: future.result() for worker, future in futures.items()}

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_engine(
    name: str = "single", scheduler: str | None = None, *, workers: int = DEFAULT_WORKERS,
    processes: bool = True,
) -> Engine:
    """An engine by name; a scheduler address implies Dask."""
    if name not in ENGINES:
        raise SpstoriesError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")
    if name == "single":
        if scheduler:
            raise SpstoriesError("a scheduler address needs the dask engine")
        return SingleEngine()
    return DaskEngine(scheduler, workers=workers, processes=processes)


def settings_from_environment() -> tuple[str, str | None, int]:
    """(engine, scheduler address, local workers) from ``SPSTORIES_ENGINE``,
    ``SPSTORIES_SCHEDULER`` and ``SPSTORIES_DASK_WORKERS``."""
    scheduler = os.environ.get("SPSTORIES_SCHEDULER") or None
    name = os.environ.get("SPSTORIES_ENGINE") or ("dask" if scheduler else "single")
    raw = os.environ.get("SPSTORIES_DASK_WORKERS") or str(DEFAULT_WORKERS)
    if not raw.isdigit() or int(raw) < 1:
        raise SpstoriesError(f"SPSTORIES_DASK_WORKERS must be a whole number, not {raw!r}")
    if name not in ENGINES:
        raise SpstoriesError(f"SPSTORIES_ENGINE must be one of {', '.join(ENGINES)}, not {name!r}")
    return name, scheduler, int(raw)


@contextmanager
def engine_from_environment() -> Iterator[Engine]:
    """The configured engine for the length of a block (a local cluster is shut down
    after it)."""
    name, scheduler, workers = settings_from_environment()
    engine = make_engine(name, scheduler, workers=workers)
    try:
        yield engine
    finally:
        engine.close()


def in_order(results: Iterable[tuple[int, R]]) -> Iterator[R]:
    """Results that arrive in any order, handed on in index order (buffering the early)."""
    waiting: dict[int, R] = {}
    wanted = 0
    for index, result in results:
        waiting[index] = result
        while wanted in waiting:
            yield waiting.pop(wanted)
            wanted += 1


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
