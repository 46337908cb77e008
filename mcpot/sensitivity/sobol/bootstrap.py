"""Bootstrap confidence intervals of the Sobol' indices: multinomial resample counts, batched and parallel."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from scipy.stats import norm

from mcpot.sensitivity.sobol.estimators import _Blocks, _pairs, _ratio

_MAX_BATCH = 64
"""Largest number of bootstrap resamples per batch (one RNG child stream per batch)."""
_BATCH_BYTES = 64 * 2**20
"""Budget for a batch's resample indices and counts (16 bytes per resample and base point)."""
_BLOCK_BYTES = 32 * 2**20
"""Budget for one block of per-point quantities contracted against the counts."""


# ------------------------------------------------------------------------------------ bootstrap
def _batch_size(n: int) -> int:
    """Return the number of resamples per batch: depends on ``N`` only (never on ``n_jobs``)."""
    return max(1, min(_MAX_BATCH, _BATCH_BYTES // (16 * n)))


def _batches(num_resamples: int, n: int) -> list[tuple[int, int]]:
    """Return ``(first resample, size)`` of every batch, in order."""
    size = _batch_size(n)
    return [(s, min(size, num_resamples - s)) for s in range(0, num_resamples, size)]


def _resample_counts(seq: np.random.SeedSequence, size: int, n: int) -> np.ndarray:
    """Draw ``size`` bootstrap resamples of ``n`` base points; return their counts ``[size, n]``.

    ``counts[b, i]`` is how often base point ``i`` appears in resample ``b`` (indices drawn
    uniformly with replacement, as SALib does).
    """
    idx = np.random.default_rng(seq).integers(0, n, size=(size, n), dtype=np.int64)
    flat = (idx + n * np.arange(size, dtype=np.int64)[:, None]).ravel()
    return np.bincount(flat, minlength=size * n).reshape(size, n).astype(float)


def _weighted_sums(counts: np.ndarray, F: np.ndarray) -> np.ndarray:
    """Return ``sum_i counts[b, i] * F[..., i]`` for every resample: ``[R_b, *F.shape[:-1]]``.

    Uses :func:`numpy.einsum` without ``optimize`` (no BLAS), so the result does not depend on
    thread counts or memory alignment.
    """
    lead = F.shape[:-1]
    F2 = np.ascontiguousarray(F.reshape(-1, F.shape[-1]))
    out = np.einsum("rn,kn->rk", counts, F2, optimize=False)
    return out.reshape(counts.shape[0], *lead)


def _chunks(n_items: int, item_bytes: int) -> Iterator[slice]:
    """Yield slices over ``n_items`` items so that a chunk stays under ``_BLOCK_BYTES``."""
    step = max(1, _BLOCK_BYTES // max(1, item_bytes))
    for start in range(0, n_items, step):
        yield slice(start, min(start + step, n_items))


def _contract(counts: np.ndarray, n_items: int, m: int, block: Callable[[slice], np.ndarray]) -> np.ndarray:
    """Contract ``block(items)[M, k, N]`` with the counts chunk by chunk; return ``[R_b, M, n_items]``."""
    n = counts.shape[1]
    out = np.empty((counts.shape[0], m, n_items))
    for sl in _chunks(n_items, 8 * m * n):
        out[:, :, sl] = _weighted_sums(counts, block(sl))
    return out


def _bootstrap_batch(
    seq: np.random.SeedSequence, size: int, blk: _Blocks
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Return resampled S1, ST ``[size, M, G]`` and S2 ``[size, M, P]`` for one batch."""
    A, B, AB, BA = blk.A, blk.B, blk.AB, blk.BA
    m, g, n = blk.shape
    counts = _resample_counts(seq, size, n)
    mean = _weighted_sums(counts, A + B) / (2 * n)
    var = _weighted_sums(counts, A * A + B * B) / (2 * n) - mean**2

    def first(sl: slice) -> np.ndarray:
        return B[:, None, :] * (AB[:, sl, :] - A[:, None, :])

    def total(sl: slice) -> np.ndarray:
        return (A[:, None, :] - AB[:, sl, :]) ** 2

    s1 = _ratio(_contract(counts, g, m, first) / n, var)
    st = _ratio(0.5 * _contract(counts, g, m, total) / n, var)
    s2 = None
    if BA is not None:
        j, k = _pairs(g)
        ab = (A * B)[:, None, :]

        def second(sl: slice) -> np.ndarray:
            return BA[:, j[sl], :] * AB[:, k[sl], :] - ab

        s2 = _ratio(_contract(counts, j.size, m, second) / n, var) - s1[:, :, j] - s1[:, :, k]
    return s1, st, s2


def _bootstrap_task(
    jobs: Sequence[tuple[np.random.SeedSequence, int]], blk: _Blocks
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    """Run several batches in one worker, in order."""
    return [_bootstrap_batch(seq, size, blk) for seq, size in jobs]


def _bootstrap(
    blk: _Blocks,
    num_resamples: int,
    seed: int,
    n_jobs: int,
    backend: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Return all resampled S1, ST ``[R, M, G]`` and S2 ``[R, M, P]`` (or None), in batch order."""
    n = blk.shape[2]
    batches = _batches(num_resamples, n)
    seqs = np.random.SeedSequence(seed).spawn(len(batches))
    jobs = [(seq, size) for seq, (_, size) in zip(seqs, batches, strict=True)]
    workers = effective_n_jobs(n_jobs)
    if workers == 1:
        results = _bootstrap_task(jobs, blk)
    else:
        n_tasks = min(len(jobs), 2 * workers)
        bounds = np.linspace(0, len(jobs), n_tasks + 1).astype(int)
        parts = Parallel(n_jobs=n_jobs, backend=backend)(
            delayed(_bootstrap_task)(jobs[lo:hi], blk) for lo, hi in itertools.pairwise(bounds)
        )
        results = [r for part in parts for r in part]
    s1 = np.concatenate([r[0] for r in results])
    st = np.concatenate([r[1] for r in results])
    s2 = None if blk.BA is None else np.concatenate([r[2] for r in results])
    return s1, st, s2


@dataclass(frozen=True)
class _Interval:
    """Normal-approximation half-width and percentile bounds of a resampled index."""

    conf: np.ndarray
    low: np.ndarray
    high: np.ndarray


def _interval(samples: np.ndarray, conf_level: float) -> _Interval:
    """Summarise resampled estimates ``[R, ...]`` into SALib's half-width and percentile bounds."""
    z = norm.ppf(0.5 + conf_level / 2.0)
    conf = z * samples.std(axis=0, ddof=1)
    low, high = np.quantile(samples, [(1.0 - conf_level) / 2.0, (1.0 + conf_level) / 2.0], axis=0)
    return _Interval(conf, low, high)
