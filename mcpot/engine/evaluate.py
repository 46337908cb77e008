"""Chunked, order-preserving parallel evaluation: the only module that knows joblib and dask.

The backend is a parameter: ``"loky"`` (default), ``"sequential"``, any other joblib backend name, or
``"dask"`` (a ``dask.distributed`` cluster: the caller's active client, one at a scheduler address, or a
:class:`~distributed.LocalCluster` started here). Tasks are small descriptions (seed + index range) so
they travel cheaply to workers; results come back in task order, one at a time, so the caller can fold
and checkpoint them with bounded memory.

dask is an optional dependency (``pip install "mcpot[dask]"``), imported only when ``backend="dask"``.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import time
import uuid
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import numpy as np
from joblib import Parallel, cpu_count, delayed, effective_n_jobs, parallel_config
from joblib.parallel import BACKENDS

from mcpot.errors import McpotError

_NO_DASK = 'the dask backend needs dask.distributed: pip install "mcpot[dask]"'
#: Seconds to wait for a dask scheduler to answer before giving up.
CONNECT_TIMEOUT = 10.0
#: Tasks kept submitted per worker thread on dask: results wait on the workers, not on the client.
TASKS_PER_THREAD = 2
#: Most workers accepted, per core: more is surely a typo (each loky worker holds ~100 MB and a chunk).
MAX_JOBS_PER_CORE = 4


def map_ordered(
    fn: Callable, tasks: Iterable, *, n_jobs: int = 1, backend: str = "loky", scheduler: str | None = None
) -> Iterator:
    """Yield ``fn(task)`` for each task, in task order, computed by ``n_jobs`` workers.

    Parameters
    ----------
    fn : callable
        A picklable function of one task (cloudpickle on dask, which sends it with every task: keep it
        small; a :class:`~mcpot.engine.chunks.ChunkTask` is about 0.5 MB).
    tasks : iterable
        Task descriptions; keep them small (they are sent to workers).
    n_jobs : int
        Number of workers (-1: all cores). One worker runs in this process. With ``backend="dask"`` the
        size of the LocalCluster started here; ignored when a client or scheduler is given (the cluster
        has the workers it has).
    backend : str
        "loky" (processes, default), "threading", "sequential", "dask", or another joblib backend.
    scheduler : str, optional
        Address of a dask scheduler, e.g. ``"tcp://10.0.0.5:8786"`` (backend "dask" only). Without it,
        the dask backend uses the caller's active ``distributed.Client`` if there is one, else starts a
        LocalCluster on the loopback interface and closes it when the iteration ends.

    Yields
    ------
    object
        ``fn(task)``, in the order of ``tasks``.

    Raises
    ------
    McpotError
        See :func:`check_backend`; also when the scheduler cannot be reached or a dask task killed too
        many workers in a row.
    """
    check_backend(backend, scheduler)
    if backend == "dask":
        yield from _map_dask(fn, tasks, n_jobs, scheduler)
        return
    if backend == "sequential" or (effective_n_jobs(n_jobs) == 1 and backend in ("loky", "threading")):
        yield from map(fn, tasks)
        return
    with parallel_config(backend=backend, n_jobs=n_jobs):
        yield from Parallel(return_as="generator")(delayed(fn)(t) for t in tasks)


def check_backend(backend: str, scheduler: str | None = None) -> None:
    """Check, without starting anything, that ``backend`` and ``scheduler`` can be used together.

    Raises
    ------
    McpotError
        A scheduler address with a backend other than "dask", or backend "dask" without dask installed.
    """
    if backend != "dask" and backend not in BACKENDS:
        raise McpotError(
            f"--backend: unknown backend {backend!r}; choose from {', '.join([*BACKENDS, 'dask'])}"
        )
    if scheduler is not None and backend != "dask":
        raise McpotError(f"a scheduler address ({scheduler}) needs the dask backend, not {backend!r}")
    if backend == "dask" and importlib.util.find_spec("distributed") is None:
        raise McpotError(_NO_DASK)


def check_jobs(jobs: int) -> None:
    """Check a worker count: -1 (all cores) or 1 .. :data:`MAX_JOBS_PER_CORE` x the cores.

    Raises
    ------
    McpotError
        Naming ``--jobs`` and the admissible range.
    """
    cores = cpu_count()
    if isinstance(jobs, bool) or not isinstance(jobs, int) or not (jobs == -1 or 1 <= jobs):
        raise McpotError(f"--jobs: must be -1 (all cores) or a positive number of workers, got {jobs!r}")
    if jobs > MAX_JOBS_PER_CORE * cores:
        raise McpotError(
            f"--jobs: {jobs} workers on {cores} cores is more than the limit of {MAX_JOBS_PER_CORE} per core"
        )


def _map_dask(fn: Callable, tasks: Iterable, n_jobs: int, scheduler: str | None) -> Iterator:
    """:func:`map_ordered` on dask: a sliding window of futures, collected in task order.

    At most ``TASKS_PER_THREAD`` tasks per worker thread are submitted and not yet yielded; a result is
    fetched from its worker only when it is its turn, so the client holds one result at a time. A task
    whose worker dies is rerun elsewhere by the scheduler (up to ``distributed.scheduler.allowed-failures``
    times); tasks are pure functions of their description, so the result is the same.

    joblib's own dask backend (``parallel_config("dask")``) is not used: it dispatches a new batch as
    soon as one finishes, whether or not the generator's consumer has taken the earlier results, so
    finished results pile up on the client behind a slow (e.g. rerun) head task; it also batches tasks.
    Like it, the dask backend here runs on the client ``distributed.get_client()`` returns, if any.
    """
    distributed = _import_distributed()
    with _dask_client(distributed, n_jobs, scheduler) as client:
        name = f"mcpot-{type(fn).__name__.lower()}-{uuid.uuid4().hex[:8]}"
        pending: deque = deque()
        call = _Reused(fn)
        window, checked = _window(client), time.monotonic()
        try:
            for i, task in enumerate(tasks):
                # Earlier tasks first, as they are consumed. fn travels with each task: a task that depends
                # on nothing goes to any free worker (a task holding fn would pin all tasks to its worker).
                pending.append(client.submit(call, task, key=f"{name}-{i}", pure=False, priority=-i))
                if len(pending) >= window:
                    yield _result(distributed, pending.popleft())
                    if time.monotonic() - checked > 2.0:  # the cluster may have grown or shrunk
                        window, checked = _window(client), time.monotonic()
            while pending:
                yield _result(distributed, pending.popleft())
        finally:  # early close, error or interrupt: drop what is still queued (best effort)
            with suppress(Exception):
                client.cancel(list(pending))


#: Per worker process: the function of the latest dask map, as first received (see :class:`_Reused`).
_REUSED: dict[str, Callable] = {}


class _Reused:
    """``fn`` for dask tasks: travels with every task, but runs as the first copy each process received.

    Each task carries ``fn`` so that it depends on nothing and can run on any worker; calling the first
    copy a worker unpickled for this map (as a sequential map calls one object) keeps whatever it built
    lazily warm: with a fresh copy per task a ChunkTask chunk took ~15-20% longer. A process keeps only
    the latest map's function.
    """

    def __init__(self, fn: Callable):
        self.fn, self.token = fn, uuid.uuid4().hex

    def __call__(self, task: Any) -> Any:
        fn = _REUSED.get(self.token)
        if fn is None:
            _REUSED.clear()
            fn = _REUSED[self.token] = self.fn
        return fn(task)


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise McpotError(f"{_NO_DASK} ({exc})") from None
    return distributed


@contextmanager
def _dask_client(distributed: Any, n_jobs: int, scheduler: str | None) -> Iterator:
    """The client to run on; closes the client (and cluster) it starts, never the caller's."""
    if scheduler is None:
        try:  # the caller's client (a notebook's Client(), a task's worker client): what joblib uses too
            client = distributed.get_client()
        except ValueError:
            client = None
        if client is not None:
            yield client
            return
        with parallel_config(backend="loky"):
            workers = effective_n_jobs(n_jobs)  # -1: all cores, as for loky
        with (
            _local_cluster(distributed, workers) as cluster,
            distributed.Client(cluster, set_as_default=False) as client,
        ):
            yield client
        return
    try:  # checked first: a Client built from a malformed address hangs the interpreter's exit
        distributed.comm.get_address_host_port(scheduler)
    except (ValueError, TypeError) as exc:
        raise McpotError(
            f"{scheduler!r} is not a dask scheduler address like tcp://host:8786: {exc}"
        ) from None
    try:
        client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, ValueError) as exc:  # unreachable: connection refused or timed out
        raise McpotError(
            f"cannot connect to the dask scheduler at {scheduler!r} (waited {CONNECT_TIMEOUT:g} s): {exc}"
        ) from None
    with client:
        if not client.nthreads():
            warnings.warn(
                f"the dask scheduler at {scheduler} has no workers yet; chunks wait until some connect",
                stacklevel=2,
            )
        yield client


@contextmanager
def _local_cluster(distributed: Any, n_workers: int) -> Iterator:
    """A LocalCluster of ``n_workers`` one-thread worker processes on 127.0.0.1, closed on exit.

    Two dask defaults that cost this workload time (nothing else changes) are turned off: the workers'
    statistical profiler (a stack sample every 10 ms, for the dashboard, ~15% of the CPU time here) and
    ``MALLOC_TRIM_THRESHOLD_=65536`` (it sends every large NumPy temporary through mmap/munmap: ~5x the
    page faults, ~0.15 s more system time per chunk). The nannies set the other
    ``distributed.nanny.pre-spawn-environ`` variables (OMP_NUM_THREADS=1, ...) in this process's
    environment before spawning workers; they are put back afterwards.
    """
    import dask

    keys = [*dask.config.get("distributed.nanny.pre-spawn-environ"), "PYTHONHASHSEED"]
    saved = {k: os.environ.get(k) for k in keys}
    try:
        with (
            dask.config.set(
                {
                    "distributed.worker.profile.enabled": False,
                    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                }
            ),
            distributed.LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,  # no dashboard; its HTTP server on a free loopback port:
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            ) as cluster,
        ):
            yield cluster
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _window(client: Any) -> int:
    """Tasks to keep submitted: ``TASKS_PER_THREAD`` per worker thread (at least 2)."""
    return max(2, TASKS_PER_THREAD * sum(client.nthreads().values()))


def _result(distributed: Any, future: Any) -> Any:
    """A future's result, with dask's failure modes as :class:`McpotError`."""
    try:
        return future.result()
    except distributed.KilledWorker as exc:
        raise McpotError(
            f"dask gave up on {future.key}: it was running on {exc.allowed_failures + 1} workers that died "
            "(distributed.scheduler.allowed-failures); out of memory? try a smaller --chunk-size"
        ) from None
    except distributed.CancelledError as exc:
        raise McpotError(f"dask cancelled {future.key}: {exc} (lost the scheduler?)") from None


def chunk_ranges(n: int, chunk: int) -> list[tuple[int, int]]:
    """Split ``range(n)`` into consecutive ``(start, stop)`` pieces of at most ``chunk`` rows."""
    return [(a, min(a + chunk, n)) for a in range(0, n, chunk)]


class _Rows:
    """Picklable ``(start, stop) -> f(X[start:stop])``."""

    def __init__(self, f: Callable, X: np.ndarray):
        self.f, self.X = f, X

    def __call__(self, rows: tuple[int, int]) -> np.ndarray:
        return np.asarray(self.f(self.X[rows[0] : rows[1]]))


class _AsArray:
    """Picklable ``x -> asarray(f(x))``."""

    def __init__(self, f: Callable):
        self.f = f

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.f(x))


def evaluate_rows(
    f: Callable,
    X: np.ndarray,
    *,
    chunk: int = 16384,
    n_jobs: int = 1,
    backend: str = "loky",
    scheduler: str | None = None,
) -> np.ndarray:
    """``f(X)`` evaluated in row chunks in parallel and reassembled in row order.

    For a vectorised model ``f(X[N, D]) -> Y[N, ...]`` whose rows are independent. ``backend`` and
    ``scheduler`` as for :func:`map_ordered`.
    """
    ranges = chunk_ranges(X.shape[0], chunk)
    if backend == "dask":  # dask sends the function with every task: send each task its rows, not X
        fn, tasks = _AsArray(f), (X[a:b] for a, b in ranges)
    else:  # loky memory-maps X once for all tasks
        fn, tasks = _Rows(f, X), ranges
    parts = list(map_ordered(fn, tasks, n_jobs=n_jobs, backend=backend, scheduler=scheduler))
    return np.concatenate(parts) if parts else np.asarray(f(X[:0]))


def rows_evaluator(cfg) -> Callable:
    """:func:`evaluate_rows` with a configuration's execution settings: ``evaluate(f, X)``.

    ``cfg`` is any configuration with ``chunk``, ``jobs``, ``backend`` and ``scheduler`` fields
    (the analyses' configs); the result is picklable, as the analyses pass it on.
    """
    return functools.partial(
        evaluate_rows, chunk=cfg.chunk, n_jobs=cfg.jobs, backend=cfg.backend, scheduler=cfg.scheduler
    )
