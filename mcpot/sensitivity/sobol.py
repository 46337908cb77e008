r"""Model-independent Sobol' (variance-based) global sensitivity analysis.

The design is SALib's Saltelli/Sobol' design on the unit cube; the point estimates reproduce
:func:`SALib.analyze.sobol.analyze` (to rounding); the bootstrap is a vectorised, parallel and
seed-stable replacement for SALib's per-parameter loop. Nothing here does I/O or prints.

Design
------
:func:`saltelli_design` calls :func:`SALib.sample.sobol.sample` with bounds ``[0, 1]`` for every
input and ``scramble=True``. For ``N`` base points and ``G`` groups (``G = D`` without groups) the
design has ``N (G + 2)`` rows (``N (2G + 2)`` with second order), laid out point by point: row
``A_i``, the ``G`` rows ``AB_i^(j)`` (``A_i`` with the columns of group ``j`` taken from ``B_i``),
then (second order only) the ``G`` rows ``BA_i^(j)``, then row ``B_i``. Models map the design to
their inputs through a quantile function ``ppf(U) -> X``.

Because the scrambled Sobol' engine is seeded once and draws points in order, the design for
``2N`` starts with the design for ``N`` (same seed, same groups); :func:`converge` uses this to
reuse earlier model evaluations.

Estimators (as SALib 1.6 computes them)
---------------------------------------
Every output column is first standardised over all design rows,
:math:`y \leftarrow (y - \bar y) / \mathrm{sd}(y)` (population sd). With
:math:`V = \mathrm{var}([y_A; y_B])` (population variance of the ``2N`` values of ``A`` and ``B``):

.. math::

    S_j = \frac{\frac1N \sum_i y_{B,i} (y_{AB^{(j)},i} - y_{A,i})}{V}
    \quad\text{(Saltelli et al. 2010)}, \qquad
    S_{Tj} = \frac{\frac{1}{2N} \sum_i (y_{A,i} - y_{AB^{(j)},i})^2}{V}
    \quad\text{(Jansen)},

    S_{jk} = \frac{\frac1N \sum_i (y_{BA^{(j)},i}\, y_{AB^{(k)},i} - y_{A,i}\, y_{B,i})}{V}
             - S_j - S_k \quad\text{(Saltelli 2002)} .

As in SALib, an output whose ``[A; B]`` values are constant (range ``<= eps``) gets all indices 0,
and a variance ``<= eps`` gives 0 rather than a division by zero. ``S2[m, j, k]`` is filled for
``j < k`` only; other entries are NaN (SALib's layout).

Bootstrap
---------
SALib draws one index matrix ``r[N, R]`` and reuses it for every parameter (and every pair for
S2) of one output; called once per output with the same int seed it also reuses it across
outputs. This module does the same, for every parameter *and* output at once: resample ``b``
picks rows ``A[r_b], B[r_b], AB[r_b], BA[r_b]`` of the base points (whole Saltelli blocks, as
SALib does). A resample only enters through the count vector
:math:`c_{b,i} = \#\{t : r_{b,t} = i\}`, so every resampled mean is the contraction
:math:`\frac1N \sum_i c_{b,i} F_i` of a per-point quantity ``F``; that contraction is done with
:func:`numpy.einsum` (not BLAS, whose result may depend on the thread count) for a batch of
resamples, for all parameters and outputs, in bounded-size column blocks. The resample variance
is the one-pass :math:`\overline{y^2} - \bar y^2` of the standardised outputs.

The ``R`` resamples are cut into fixed-size batches (the size depends only on ``N``); batch ``k``
draws its indices from child ``k`` of ``numpy.random.SeedSequence(seed)``. Batches are spread
over joblib workers and re-assembled in order, so the bootstrap is bitwise identical for any
``n_jobs`` and backend.

Two intervals are reported for each index:

* ``*_conf``: SALib's normal-approximation half-width,
  ``scipy.stats.norm.ppf(0.5 + conf_level / 2) * std(resampled, ddof=1)``; the interval is
  ``value +/- conf``.
* ``*_low`` / ``*_high``: percentile bootstrap bounds, the ``(1 - conf_level) / 2`` and
  ``(1 + conf_level) / 2`` quantiles (numpy's default linear interpolation) of the resampled
  estimates.

The bootstrap treats the ``N`` base points as i.i.d.; with a scrambled Sobol' design the
estimator's actual error is usually smaller, so these intervals tend to be conservative.

Seeds: what SALib 1.6.0 does
----------------------------
* :func:`SALib.sample.sobol.sample` passes ``seed`` straight to ``scipy.stats.qmc.Sobol``, which
  builds ``numpy.random.default_rng(seed)``: ``seed=0`` is a proper seed and the same int always
  gives the same scrambled design. ``seed=None`` gives a fresh, irreproducible scramble.
  :func:`saltelli_design` therefore demands an explicit non-negative int.
* :func:`SALib.analyze.sobol.analyze` does ``if seed: rng = default_rng(seed).integers`` ``else:
  rng = np.random.randint``: **seed 0 is falsy and silently falls back to the global legacy numpy
  RNG**, so SALib's intervals are then neither reproducible nor independent of other code. This
  module never calls it (only the tests and the benchmark do, for comparison) and never touches
  the global RNG.
* SALib's sampler warns (scipy) when ``N`` is not a power of two and loses the Sobol' balance
  properties; :func:`saltelli_design` rejects such ``N``.
* With ``groups`` SALib treats a single group, or groups equal to the parameter names, as "no
  groups" when sampling but not when analysing; :func:`saltelli_design` rejects a single group.
"""

from __future__ import annotations

import itertools
import math
import numbers
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs
from scipy.stats import norm

from mcpot.errors import McpotError, ModelOutputError

__all__ = [
    "Convergence",
    "SobolIndices",
    "analyze",
    "converge",
    "design_rows",
    "saltelli_design",
    "sobol_indices",
]

Model = Callable[[np.ndarray], np.ndarray]
"""A vectorised model ``f(X[N, D]) -> Y[N, M]`` (or ``Y[N]`` for one output)."""

Ppf = Callable[[np.ndarray], np.ndarray]
"""A map from unit-cube points ``U[N, D]`` to model inputs ``X[N, D]``."""

Evaluator = Callable[[Model, np.ndarray], np.ndarray]
"""``evaluate(f, X) -> Y``: how to run the model on a design (e.g. chunked and in parallel)."""

_EPS = float(np.finfo(float).eps)
_MAX_BATCH = 64
"""Largest number of bootstrap resamples per batch (one RNG child stream per batch)."""
_BATCH_BYTES = 64 * 2**20
"""Budget for a batch's resample indices and counts (16 bytes per resample and base point)."""
_BLOCK_BYTES = 32 * 2**20
"""Budget for one block of per-point quantities contracted against the counts."""
_SHOWN_ROWS = 5
"""How many offending rows an error message lists."""


# ----------------------------------------------------------------------------------- validation
def _check_seed(seed: object) -> int:
    """Return ``seed`` as an int, or raise if it is not a non-negative integer (bool excluded)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or int(seed) < 0:
        raise McpotError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def _check_power_of_two(n: object, what: str) -> int:
    """Return ``n`` as an int, or raise if it is not a positive power of two."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1 or n & (n - 1):
        raise McpotError(f"{what} must be a positive power of two (Sobol' balance properties), got {n!r}")
    return int(n)


def _check_conf_level(conf_level: float) -> float:
    """Return ``conf_level`` as a float in (0, 1), or raise."""
    if not 0.0 < float(conf_level) < 1.0:
        raise McpotError(f"conf_level must lie strictly between 0 and 1, got {conf_level!r}")
    return float(conf_level)


def _check_resamples(num_resamples: object) -> int:
    """Return ``num_resamples`` as an int >= 2, or raise."""
    if isinstance(num_resamples, bool) or not isinstance(num_resamples, numbers.Integral):
        raise McpotError(f"num_resamples must be an integer, got {num_resamples!r}")
    if num_resamples < 2:
        raise McpotError(f"num_resamples must be at least 2, got {num_resamples}")
    return int(num_resamples)


def _group_names(d: int, groups: Sequence[str] | None) -> list[str] | None:
    """Return the unique group names in order of first appearance, or None without groups.

    Raises
    ------
    McpotError
        If ``groups`` does not have one entry per input, or puts every input in one group.
    """
    if groups is None:
        return None
    groups = [str(g) for g in groups]
    if len(groups) != d:
        raise McpotError(f"groups must name one group per input: got {len(groups)} for {d}")
    unique = list(dict.fromkeys(groups))
    if len(unique) < 2:
        raise McpotError(
            "groups must define at least two groups; with a single group the index is "
            "trivially 1 and SALib's sampler silently ignores the grouping"
        )
    return unique


def _n_factors(d: int, groups: Sequence[str] | None) -> int:
    """Return the number of factors analysed: the number of groups, or ``d`` without groups."""
    unique = _group_names(d, groups)
    return d if unique is None else len(unique)


def design_rows(d: int, n: int, *, second_order: bool, groups: Sequence[str] | None = None) -> int:
    """Return the number of rows (model evaluations) of the Saltelli design.

    Parameters
    ----------
    d : int
        Number of inputs.
    n : int
        Number of base points ``N``.
    second_order : bool
        Whether the design supports second-order indices.
    groups : list of str, optional
        Group label of every input (SALib semantics).

    Returns
    -------
    int
        ``N (2G + 2)`` with second order, ``N (G + 2)`` without, ``G`` the number of groups
        (``G = d`` without groups).
    """
    g = _n_factors(d, groups)
    return n * (2 * g + 2 if second_order else g + 2)


# --------------------------------------------------------------------------------------- design
def saltelli_design(
    d: int,
    n: int,
    *,
    second_order: bool,
    seed: int,
    groups: list[str] | None = None,
) -> np.ndarray:
    """Return SALib's Saltelli/Sobol' design on the unit cube.

    Calls :func:`SALib.sample.sobol.sample` with bounds ``[0, 1]`` for every input, scrambling on
    and ``seed`` passed through to ``scipy.stats.qmc.Sobol`` (so ``seed=0`` is a real seed; the
    same int always gives the same design). The design for ``2n`` begins with the design for
    ``n``.

    Parameters
    ----------
    d : int
        Number of inputs (columns).
    n : int
        Number of base points ``N``; must be a power of two.
    second_order : bool
        Whether to include the ``BA`` blocks needed for second-order indices.
    seed : int
        Non-negative seed of the scrambling.
    groups : list of str, optional
        Group label of every input. A group's columns move together; the indices are then per
        group. At least two distinct groups.

    Returns
    -------
    numpy.ndarray
        Points of the unit cube, shape ``[design_rows(d, n, ...), d]``, laid out as described in
        the module docstring.

    Raises
    ------
    McpotError
        If ``n`` is not a power of two, the seed is not a non-negative int, or the groups are
        invalid.
    """
    from SALib.sample import sobol as salib_sobol

    if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1:
        raise McpotError(f"d must be a positive integer, got {d!r}")
    n = _check_power_of_two(n, "n (number of base points)")
    seed = _check_seed(seed)
    _group_names(int(d), groups)
    problem = {
        "num_vars": int(d),
        "names": [f"x{i}" for i in range(d)],
        "bounds": [[0.0, 1.0]] * int(d),
        "groups": None if groups is None else [str(g) for g in groups],
    }
    return salib_sobol.sample(problem, n, calc_second_order=second_order, scramble=True, seed=seed)


# ------------------------------------------------------------------------------ output handling
def _as_outputs(Y: np.ndarray, n_outputs: int | None = None) -> np.ndarray:
    """Return ``Y`` as a float ``[rows, M]`` array (a 1-D ``Y`` is one output)."""
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2:
        raise ValueError(f"model outputs must be [rows] or [rows, M], got shape {Y.shape}")
    if n_outputs is not None and Y.shape[1] != n_outputs:
        raise ValueError(f"expected {n_outputs} output columns, got {Y.shape[1]}")
    return Y


def _check_finite(
    Y: np.ndarray,
    outputs: Sequence[str],
    X: np.ndarray | None = None,
    names: Sequence[str] | None = None,
) -> None:
    """Raise :class:`ModelOutputError` if ``Y[rows, M]`` holds NaN or inf.

    The message gives the number of offending rows, the first few (0-based design rows), the
    outputs affected and, if ``X`` is given, the inputs of the first offending row.
    """
    bad = ~np.isfinite(Y)
    if not bad.any():
        return
    rows = np.flatnonzero(bad.any(axis=1))
    cols = [outputs[m] for m in np.flatnonzero(bad.any(axis=0))]
    shown = ", ".join(str(r) for r in rows[:_SHOWN_ROWS])
    more = f" (and {rows.size - _SHOWN_ROWS} more)" if rows.size > _SHOWN_ROWS else ""
    msg = (
        f"model output is NaN or infinite in {rows.size} of {Y.shape[0]} design rows; "
        f"rows (0-based): {shown}{more}; outputs: {', '.join(cols)}"
    )
    if X is not None:
        labels = names if names is not None else [f"x{j}" for j in range(X.shape[1])]
        first = ", ".join(f"{k}={v:.6g}" for k, v in zip(labels, X[rows[0]], strict=True))
        msg += f"; inputs of row {rows[0]}: {first}"
    raise ModelOutputError(msg)


@dataclass(frozen=True)
class _Blocks:
    """Standardised outputs split into Saltelli blocks, outputs first: ``A[M, N]``, ``AB[M, G, N]``."""

    A: np.ndarray
    B: np.ndarray
    AB: np.ndarray
    BA: np.ndarray | None

    @property
    def shape(self) -> tuple[int, int, int]:
        """Return ``(M, G, N)``."""
        return self.AB.shape


def _standardise(Yt: np.ndarray) -> np.ndarray:
    """Centre and scale every row of ``Yt[M, rows]`` by its mean and population sd (SALib).

    A constant row becomes zeros (SALib produces NaN there and then reports zero indices).
    """
    mean = Yt.mean(axis=1, keepdims=True)
    sd = Yt.std(axis=1, keepdims=True)
    return np.divide(Yt - mean, sd, out=np.zeros_like(Yt), where=sd > 0)


def _split(Y: np.ndarray, n: int, g: int, second_order: bool) -> _Blocks:
    """Standardise ``Y[rows, M]`` per output and split it into the Saltelli blocks."""
    step = 2 * g + 2 if second_order else g + 2
    Yt = _standardise(np.ascontiguousarray(Y.T)).reshape(Y.shape[1], n, step)
    A = np.ascontiguousarray(Yt[:, :, 0])
    B = np.ascontiguousarray(Yt[:, :, step - 1])
    AB = np.ascontiguousarray(Yt[:, :, 1 : g + 1].transpose(0, 2, 1))
    BA = np.ascontiguousarray(Yt[:, :, g + 1 : 2 * g + 1].transpose(0, 2, 1)) if second_order else None
    return _Blocks(A, B, AB, BA)


def _ratio(num: np.ndarray, var: np.ndarray) -> np.ndarray:
    """Return ``num / var`` (``var`` broadcast over the factor axis), 0 where ``var <= eps``."""
    var = np.broadcast_to(var[..., None], num.shape)
    return np.divide(num, var, out=np.zeros_like(num), where=var > _EPS)


def _pairs(g: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the factor pairs ``j < k`` in SALib's order, as two index arrays."""
    j, k = np.triu_indices(g, k=1)
    return j, k


# ------------------------------------------------------------------------------ point estimates
def _point_estimates(
    blk: _Blocks,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Return S1 and ST ``[M, G]`` and S2 ``[M, P]`` (pairs ``j < k``), as SALib computes them."""
    A, B, AB, BA = blk.A, blk.B, blk.AB, blk.BA
    y = np.concatenate([A, B], axis=1)
    var = np.var(y, axis=1)
    constant = np.ptp(y, axis=1) <= _EPS
    s1 = _ratio(np.mean(B[:, None, :] * (AB - A[:, None, :]), axis=-1), var)
    st = _ratio(0.5 * np.mean((A[:, None, :] - AB) ** 2, axis=-1), var)
    s2 = None
    if BA is not None:
        j, k = _pairs(AB.shape[1])
        ab = A * B
        vjk = np.empty((A.shape[0], j.size))
        for p, (jj, kk) in enumerate(zip(j, k, strict=True)):
            vjk[:, p] = np.mean(BA[:, jj, :] * AB[:, kk, :] - ab, axis=-1)
        s2 = _ratio(vjk, var) - s1[:, j] - s1[:, k]
        s2[constant] = 0.0
    s1[constant] = 0.0
    st[constant] = 0.0
    return s1, st, s2


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


# --------------------------------------------------------------------------------------- result
def _readonly(a: np.ndarray | None) -> np.ndarray | None:
    """Return ``a`` as a read-only float array (None stays None)."""
    if a is None:
        return None
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class SobolIndices:
    """Sobol' indices of ``M`` outputs with respect to ``D`` parameters (or groups).

    Attributes
    ----------
    names : tuple of str
        Parameter names, or group names when the analysis was grouped (length ``D``).
    outputs : tuple of str
        Output names (length ``M``).
    S1, ST : numpy.ndarray
        First-order (Saltelli 2010) and total (Jansen) indices, ``[M, D]``.
    S1_conf, ST_conf : numpy.ndarray
        Normal-approximation half-widths exactly as SALib reports them,
        ``norm.ppf(0.5 + conf_level / 2) * std(bootstrap, ddof=1)``; interval ``value +/- conf``.
    S1_low, S1_high, ST_low, ST_high : numpy.ndarray
        Percentile bootstrap bounds (``(1 - conf_level) / 2`` and ``(1 + conf_level) / 2``
        quantiles of the resampled estimates), ``[M, D]``.
    S2, S2_conf, S2_low, S2_high : numpy.ndarray or None
        Second-order indices and their intervals, ``[M, D, D]``, filled for ``j < k`` and NaN
        elsewhere (SALib's layout); None unless second order was requested.
    n : int
        Number of base points ``N``.
    num_resamples : int
        Number of bootstrap resamples.
    conf_level : float
        Confidence level of the intervals.
    seed : int
        Seed of the bootstrap.

    All arrays are read-only.
    """

    names: tuple[str, ...]
    outputs: tuple[str, ...]
    S1: np.ndarray
    S1_conf: np.ndarray
    S1_low: np.ndarray
    S1_high: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    ST_low: np.ndarray
    ST_high: np.ndarray
    S2: np.ndarray | None = None
    S2_conf: np.ndarray | None = None
    S2_low: np.ndarray | None = None
    S2_high: np.ndarray | None = None
    n: int = 0
    num_resamples: int = 0
    conf_level: float = 0.95
    seed: int = 0

    def __post_init__(self) -> None:
        """Freeze the arrays and check their shapes."""
        shape = (len(self.outputs), len(self.names))
        for key in ("S1", "S1_conf", "S1_low", "S1_high", "ST", "ST_conf", "ST_low", "ST_high"):
            value = _readonly(getattr(self, key))
            if value.shape != shape:
                raise ValueError(f"{key} must have shape {shape}, got {value.shape}")
            object.__setattr__(self, key, value)
        for key in ("S2", "S2_conf", "S2_low", "S2_high"):
            value = _readonly(getattr(self, key))
            if value is not None and value.shape != (*shape, shape[1]):
                raise ValueError(f"{key} must have shape {(*shape, shape[1])}, got {value.shape}")
            object.__setattr__(self, key, value)
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "outputs", tuple(self.outputs))

    def to_frame(self) -> pd.DataFrame:
        """Return the indices as a tidy long table.

        Returns
        -------
        pandas.DataFrame
            One row per output, parameter and index, with columns ``output``, ``parameter``,
            ``index`` (``'S1'``, ``'ST'`` or ``'S2'``), ``value``, ``conf`` (normal-approximation
            half-width), ``low`` and ``high`` (percentile bounds). S2 rows name the pair as
            ``"a|b"`` and exist for ``a`` before ``b`` only.
        """
        m, d = len(self.outputs), len(self.names)
        names = np.array(self.names, dtype=object)
        frames = []
        for key in ("S1", "ST"):
            frames.append(
                pd.DataFrame(
                    {
                        "output": np.repeat(np.array(self.outputs, dtype=object), d),
                        "parameter": np.tile(names, m),
                        "index": key,
                        "value": getattr(self, key).ravel(),
                        "conf": getattr(self, f"{key}_conf").ravel(),
                        "low": getattr(self, f"{key}_low").ravel(),
                        "high": getattr(self, f"{key}_high").ravel(),
                    }
                )
            )
        if self.S2 is not None:
            j, k = _pairs(d)
            pair_names = np.array([f"{a}|{b}" for a, b in zip(names[j], names[k], strict=True)])
            frames.append(
                pd.DataFrame(
                    {
                        "output": np.repeat(np.array(self.outputs, dtype=object), j.size),
                        "parameter": np.tile(pair_names.astype(object), m),
                        "index": "S2",
                        "value": self.S2[:, j, k].ravel(),
                        "conf": self.S2_conf[:, j, k].ravel(),
                        "low": self.S2_low[:, j, k].ravel(),
                        "high": self.S2_high[:, j, k].ravel(),
                    }
                )
            )
        frame = pd.concat(frames, ignore_index=True)
        order = {out: i for i, out in enumerate(self.outputs)}
        frame = frame.sort_values("output", key=lambda s: s.map(order), kind="stable")
        return frame.reset_index(drop=True)


def _pairs_to_square(values: np.ndarray, g: int) -> np.ndarray:
    """Scatter pair values ``[M, P]`` into ``[M, G, G]`` (upper triangle), NaN elsewhere."""
    out = np.full((values.shape[0], g, g), np.nan)
    j, k = _pairs(g)
    out[:, j, k] = values
    return out


def _labels(labels: Sequence[str] | str | None, count: int | None, prefix: str, what: str) -> tuple[str, ...]:
    """Return ``labels`` as a tuple of strings, defaulting to ``prefix0, prefix1, ...``.

    A single string is one label. With ``count`` given the number of labels must match it.
    """
    if labels is None:
        if count is None:
            raise ValueError(f"{what} are required")
        return tuple(f"{prefix}{i}" for i in range(count))
    labels = (labels,) if isinstance(labels, str) else tuple(str(x) for x in labels)
    if count is not None and len(labels) != count:
        raise ValueError(f"expected {count} {what}, got {len(labels)}: {labels}")
    return labels


# ----------------------------------------------------------------------------- public analysis
def sobol_indices(
    Y: np.ndarray,
    *,
    d: int,
    n: int,
    second_order: bool = False,
    num_resamples: int = 1000,
    conf_level: float = 0.95,
    seed: int,
    n_jobs: int = 1,
    groups: list[str] | None = None,
    names: Sequence[str] | None = None,
    outputs: Sequence[str] | None = None,
    backend: str = "loky",
) -> SobolIndices:
    """Estimate Sobol' indices and bootstrap intervals from outputs on a Saltelli design.

    Point estimates equal :func:`SALib.analyze.sobol.analyze`'s (to rounding) for every output;
    see the module docstring for the estimators, the bootstrap and the two intervals.

    Parameters
    ----------
    Y : numpy.ndarray
        Model outputs ``[rows, M]`` (or ``[rows]`` for one output), rows in the order of
        :func:`saltelli_design` with the same ``d``, ``n``, ``second_order`` and ``groups``.
    d : int
        Number of model inputs.
    n : int
        Number of base points ``N`` of the design.
    second_order : bool, default False
        Whether the design has the ``BA`` blocks and S2 is wanted.
    num_resamples : int, default 1000
        Number of bootstrap resamples ``R`` (at least 2).
    conf_level : float, default 0.95
        Confidence level of both intervals.
    seed : int
        Seed of the bootstrap (``numpy.random.SeedSequence``); 0 is a valid seed.
    n_jobs : int, default 1
        joblib workers for the bootstrap batches; the result does not depend on it.
    groups : list of str, optional
        Group label of every input, as given to :func:`saltelli_design`.
    names : sequence of str, optional
        Parameter names (length ``d``); ignored with groups, whose names are used instead.
        Default ``x0, x1, ...``.
    outputs : sequence of str, optional
        Output names (length ``M``); default ``y0, y1, ...``.
    backend : str, default "loky"
        joblib backend used when ``n_jobs != 1``.

    Returns
    -------
    SobolIndices
        Indices ``[M, D]`` (``D`` = number of groups when grouped) with both intervals.

    Raises
    ------
    ModelOutputError
        If ``Y`` holds NaN or inf (the message names the first offending rows and outputs).
    ValueError
        If ``Y`` does not have the number of rows of the design.
    McpotError
        If ``seed``, ``conf_level``, ``num_resamples`` or ``groups`` are invalid.
    """
    seed = _check_seed(seed)
    conf_level = _check_conf_level(conf_level)
    num_resamples = _check_resamples(num_resamples)
    unique = _group_names(d, groups)
    g = d if unique is None else len(unique)
    Y = _as_outputs(Y)
    labels = tuple(unique) if unique is not None else _labels(names, d, "x", "parameter names")
    outs = _labels(outputs, Y.shape[1], "y", "output names")
    rows = design_rows(d, n, second_order=second_order, groups=groups)
    if Y.shape[0] != rows:
        raise ValueError(
            f"Y has {Y.shape[0]} rows but the design with d={d}, n={n}, "
            f"second_order={second_order} and {g} factors has {rows}"
        )
    _check_finite(Y, outs)
    constant = [outs[m] for m in np.flatnonzero(np.ptp(Y, axis=0) == 0)]
    if constant:
        warnings.warn(
            f"outputs {', '.join(constant)} are constant; their indices are reported as 0",
            RuntimeWarning,
            stacklevel=2,
        )

    blk = _split(Y, n, g, second_order)
    s1, st, s2 = _point_estimates(blk)
    b1, bt, b2 = _bootstrap(blk, num_resamples, seed, n_jobs, backend)
    i1, it = _interval(b1, conf_level), _interval(bt, conf_level)
    second: dict[str, np.ndarray | None] = {}
    if s2 is not None:
        i2 = _interval(b2, conf_level)
        second = {
            "S2": _pairs_to_square(s2, g),
            "S2_conf": _pairs_to_square(i2.conf, g),
            "S2_low": _pairs_to_square(i2.low, g),
            "S2_high": _pairs_to_square(i2.high, g),
        }
    return SobolIndices(
        names=labels,
        outputs=outs,
        S1=s1,
        S1_conf=i1.conf,
        S1_low=i1.low,
        S1_high=i1.high,
        ST=st,
        ST_conf=it.conf,
        ST_low=it.low,
        ST_high=it.high,
        n=n,
        num_resamples=num_resamples,
        conf_level=conf_level,
        seed=seed,
        **second,
    )


def _inputs(ppf: Ppf, U: np.ndarray) -> np.ndarray:
    """Map the unit-cube design through ``ppf`` and check the result is a finite ``[N, D]`` array."""
    X = np.asarray(ppf(U), dtype=float)
    if X.shape != U.shape:
        raise ValueError(f"ppf must return an array shaped like its input {U.shape}, got {X.shape}")
    bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
    if bad.size:
        shown = ", ".join(str(r) for r in bad[:_SHOWN_ROWS])
        raise McpotError(
            f"ppf mapped {bad.size} design rows to non-finite inputs (rows {shown}); "
            "check the distributions' support"
        )
    return X


def _run(f: Model, X: np.ndarray, evaluate: Evaluator | None, m: int) -> np.ndarray:
    """Evaluate the model on ``X`` (through ``evaluate`` if given) and return ``Y[N, m]``."""
    Y = _as_outputs(evaluate(f, X) if evaluate is not None else f(X), m)
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"model returned {Y.shape[0]} rows for {X.shape[0]} input rows")
    return Y


def analyze(
    f: Model,
    ppf: Ppf,
    d: int,
    n: int,
    *,
    outputs: Sequence[str],
    second_order: bool = False,
    num_resamples: int = 1000,
    conf_level: float = 0.95,
    seed: int,
    n_jobs: int = 1,
    groups: list[str] | None = None,
    evaluate: Evaluator | None = None,
    names: Sequence[str] | None = None,
    backend: str = "loky",
) -> SobolIndices:
    """Run a Sobol' analysis of any vectorised model.

    Builds :func:`saltelli_design` ``(d, n)``, maps it to inputs with ``ppf``, evaluates the
    model and calls :func:`sobol_indices`. The same ``seed`` drives the design scrambling and
    the bootstrap.

    Parameters
    ----------
    f : callable
        Vectorised model ``f(X[N, d]) -> Y[N, M]`` (``Y[N]`` allowed when ``M = 1``).
    ppf : callable
        ``ppf(U[N, d]) -> X[N, d]``, mapping unit-cube points to model inputs (e.g. column-wise
        through frozen scipy distributions' ``ppf``).
    d : int
        Number of inputs.
    n : int
        Number of base points (a power of two); the model is run
        :func:`design_rows` ``(d, n, ...)`` times.
    outputs : sequence of str
        Names of the ``M`` model outputs.
    second_order, num_resamples, conf_level, seed, n_jobs, groups, backend
        As in :func:`sobol_indices`.
    evaluate : callable, optional
        ``evaluate(f, X) -> Y`` used instead of ``f(X)`` (e.g. a parallel chunked evaluator).
    names : sequence of str, optional
        Parameter names (length ``d``), used in results and error messages.

    Returns
    -------
    SobolIndices
        The indices and intervals.

    Raises
    ------
    ModelOutputError
        If the model returns NaN or inf; the message names the design rows, outputs and the
        inputs of the first offending row.
    McpotError
        If ``ppf`` produces non-finite inputs or an argument is invalid.
    """
    outs = _labels(outputs, None, "y", "output names")
    params = _labels(names, d, "x", "parameter names")
    U = saltelli_design(d, n, second_order=second_order, seed=seed, groups=groups)
    X = _inputs(ppf, U)
    Y = _run(f, X, evaluate, len(outs))
    _check_finite(Y, outs, X, params)
    return sobol_indices(
        Y,
        d=d,
        n=n,
        second_order=second_order,
        num_resamples=num_resamples,
        conf_level=conf_level,
        seed=seed,
        n_jobs=n_jobs,
        groups=groups,
        names=params,
        outputs=outs,
        backend=backend,
    )


# ---------------------------------------------------------------------------------- convergence
@dataclass(frozen=True, eq=False)
class Convergence:
    """Outcome of :func:`converge`.

    Attributes
    ----------
    history : pandas.DataFrame
        One row per base-sample size, output, parameter and index, with columns ``n``,
        ``evaluations`` (model runs so far, equal to the design size at that ``n``), ``output``,
        ``parameter``, ``index``, ``value``, ``conf`` (normal-approximation half-width), ``low``
        and ``high`` (percentile bounds).
    reached : bool
        Whether every S1 and ST half-width fell below the target.
    reason : str
        Why the loop stopped, in plain words.
    result : SobolIndices
        The indices at the last (largest) ``n``.
    n : int
        The last number of base points.
    evaluations : int
        Model evaluations used in total.
    """

    history: pd.DataFrame
    reached: bool
    reason: str
    result: SobolIndices
    n: int
    evaluations: int


def _widest(res: SobolIndices) -> tuple[float, str]:
    """Return the largest S1/ST half-width and a label ``index output/parameter`` for it."""
    conf = np.stack([res.S1_conf, res.ST_conf])
    if np.isnan(conf).any():
        return math.nan, "some index (NaN half-width)"
    kind, m, j = np.unravel_index(np.argmax(conf), conf.shape)
    return float(conf[kind, m, j]), f"{('S1', 'ST')[kind]} of {res.outputs[m]}/{res.names[j]}"


def converge(
    f: Model,
    ppf: Ppf,
    d: int,
    *,
    outputs: Sequence[str],
    n_start: int = 2**8,
    target_ci: float,
    max_samples: int,
    second_order: bool = False,
    num_resamples: int = 1000,
    conf_level: float = 0.95,
    seed: int,
    n_jobs: int = 1,
    groups: list[str] | None = None,
    evaluate: Evaluator | None = None,
    names: Sequence[str] | None = None,
    backend: str = "loky",
) -> Convergence:
    """Double the number of base points until the Sobol' intervals are narrow enough.

    Starting at ``n_start``, runs :func:`analyze` at ``N = n_start, 2 n_start, 4 n_start, ...``
    and stops as soon as every S1 and ST normal-approximation half-width (``*_conf``, all outputs
    and parameters) is below ``target_ci``, or when the next doubling would need more than
    ``max_samples`` model evaluations. Since the design for ``2N`` starts with the design for
    ``N``, only the new rows are evaluated at each step; the total number of model runs is the
    size of the last design.

    Parameters
    ----------
    f, ppf, d, outputs, second_order, num_resamples, conf_level, seed, n_jobs, groups, evaluate,
    names, backend
        As in :func:`analyze`.
    n_start : int, default 256
        First number of base points (a power of two).
    target_ci : float
        Target for the largest S1/ST half-width (absolute, in index units).
    max_samples : int
        Largest number of model evaluations allowed.

    Returns
    -------
    Convergence
        History, whether the target was reached, the reason and the last result.

    Raises
    ------
    McpotError
        If ``target_ci`` is not positive, or even the first design exceeds ``max_samples``.
    ModelOutputError
        If the model returns NaN or inf.
    """
    if not float(target_ci) > 0.0:
        raise McpotError(f"target_ci must be positive, got {target_ci!r}")
    n = _check_power_of_two(n_start, "n_start")
    outs = _labels(outputs, None, "y", "output names")
    params = _labels(names, d, "x", "parameter names")

    def rows(k: int) -> int:
        return design_rows(d, k, second_order=second_order, groups=groups)

    if rows(n) > max_samples:
        raise McpotError(
            f"max_samples={max_samples} is below the first design: n_start={n} needs "
            f"{rows(n)} model evaluations"
        )
    X_old: np.ndarray | None = None
    Y_old: np.ndarray | None = None
    frames: list[pd.DataFrame] = []
    while True:
        U = saltelli_design(d, n, second_order=second_order, seed=seed, groups=groups)
        X = _inputs(ppf, U)
        if X_old is not None and np.array_equal(X[: X_old.shape[0]], X_old):
            Y = np.vstack([Y_old, _run(f, X[X_old.shape[0] :], evaluate, len(outs))])
        else:
            Y = _run(f, X, evaluate, len(outs))
        _check_finite(Y, outs, X, params)
        res = sobol_indices(
            Y,
            d=d,
            n=n,
            second_order=second_order,
            num_resamples=num_resamples,
            conf_level=conf_level,
            seed=seed,
            n_jobs=n_jobs,
            groups=groups,
            names=params,
            outputs=outs,
            backend=backend,
        )
        frame = res.to_frame()
        frame.insert(0, "evaluations", Y.shape[0])
        frame.insert(0, "n", n)
        frames.append(frame)
        widest, where = _widest(res)
        history = pd.concat(frames, ignore_index=True)
        if widest < target_ci:
            reason = (
                f"target reached: every S1 and ST half-width is below {target_ci:g} at N={n} "
                f"({Y.shape[0]} model evaluations); the widest is {widest:.3g} ({where})"
            )
            return Convergence(history, True, reason, res, n, Y.shape[0])
        if rows(2 * n) > max_samples:
            reason = (
                f"stopped before reaching the target: doubling to N={2 * n} would need "
                f"{rows(2 * n)} model evaluations, more than max_samples={max_samples}; at N={n} "
                f"({Y.shape[0]} evaluations) the widest half-width is {widest:.3g} ({where}), "
                f"target {target_ci:g}"
            )
            return Convergence(history, False, reason, res, n, Y.shape[0])
        X_old, Y_old, n = X, Y, 2 * n
