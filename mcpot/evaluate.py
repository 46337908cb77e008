"""Chunked, order-preserving parallel evaluation: the only module that knows joblib.

The backend is a parameter (``"loky"`` by default, any joblib backend name, or ``"sequential"``); tasks
are small descriptions (seed + index range) so they travel cheaply to workers; results come back in task
order, one at a time, so the caller can fold and checkpoint them with bounded memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs, parallel_config


def map_ordered(
    fn: Callable, tasks: Iterable, *, n_jobs: int = 1, backend: str = "loky", scheduler: str | None = None
) -> Iterator:
    """Yield ``fn(task)`` for each task, in task order, computed by ``n_jobs`` workers.

    Parameters
    ----------
    fn : callable
        A picklable function of one task.
    tasks : iterable
        Task descriptions; keep them small (they are sent to workers).
    n_jobs : int
        Number of workers (-1: all cores). One worker runs in this process.
    backend : str
        joblib backend: "loky" (processes, default), "threading", "sequential", or one registered by a
        plugin (e.g. "dask").
    scheduler : str, optional
        Address of a dask scheduler (backend "dask" only).
    """
    if backend == "sequential" or (effective_n_jobs(n_jobs) == 1 and backend == "loky"):
        yield from map(fn, tasks)
        return
    with parallel_config(backend=backend, n_jobs=n_jobs):
        yield from Parallel(return_as="generator")(delayed(fn)(t) for t in tasks)


def chunk_ranges(n: int, chunk: int) -> list[tuple[int, int]]:
    """Split ``range(n)`` into consecutive ``(start, stop)`` pieces of at most ``chunk`` rows."""
    return [(a, min(a + chunk, n)) for a in range(0, n, chunk)]


class _Rows:
    """Picklable ``(start, stop) -> f(X[start:stop])``."""

    def __init__(self, f: Callable, X: np.ndarray):
        self.f, self.X = f, X

    def __call__(self, rows: tuple[int, int]) -> np.ndarray:
        return np.asarray(self.f(self.X[rows[0] : rows[1]]))


def evaluate_rows(
    f: Callable, X: np.ndarray, *, chunk: int = 16384, n_jobs: int = 1, backend: str = "loky"
) -> np.ndarray:
    """``f(X)`` evaluated in row chunks in parallel and reassembled in row order.

    For a vectorised model ``f(X[N, D]) -> Y[N, ...]`` whose rows are independent.
    """
    parts = list(map_ordered(_Rows(f, X), chunk_ranges(X.shape[0], chunk), n_jobs=n_jobs, backend=backend))
    return np.concatenate(parts) if parts else np.asarray(f(X[:0]))
