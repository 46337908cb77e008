r"""Distribution-free (moment-independent) sensitivity indices from a given sample.

Beside Sobol' indices, which need an independent Saltelli design, these indices are computed from
any sample ``X[N, D], Y[N]`` (or ``Y[N, M]``), so they honour whatever dependence the sample has
(e.g. a Gaussian copula between priors): an input correlated with an influential one shows up as
influential too.

* **Borgonovo's delta** (Borgonovo 2007; the given-data, bias-reduced estimator of Plischke,
  Borgonovo & Smith 2013), via :func:`SALib.analyze.delta.analyze`:
  :math:`\delta_i = \tfrac12 \mathrm{E}_{X_i} \int |f_Y(y) - f_{Y|X_i}(y)|\,dy`, in [0, 1].
* **PAWN** (Pianosi & Wagener 2015, 2018), via :func:`SALib.analyze.pawn.analyze`: the
  Kolmogorov-Smirnov distance between the output CDF and its CDF in each of ``slices``
  equal-probability slices of :math:`X_i`, summarised over slices (the median is the usual index).

What SALib 1.6.0 does (read from its source) and what this module does about it
--------------------------------------------------------------------------------
* ``delta.analyze`` no longer returns ``delta``: it returns ``delta_raw``, ``delta_balanced``,
  ``delta_step`` (each with ``*_conf``), ``S1``/``S1_conf`` (``method="all"``) and ``notes``.
  ``raw`` bootstraps the rows as they are, so it estimates the delta of the distribution the sample
  was drawn from: for a Monte Carlo sample of the priors this is Borgonovo's delta, and it is the
  index we recommend and list first (:data:`RECOMMENDED_DELTA`). ``balanced`` resamples equally from
  10 bins of the input's range, i.e. the delta under an input spread evenly over its range;
  ``step`` splits at ``X <= 0`` / ``X > 0`` and is NaN (omitted here) unless both sides have enough
  points. Even ``delta_raw`` is computed on a bootstrap resample of the rows, so it is random.
* Both analyzers do ``if seed: np.random.seed(seed)``: they draw from, and reseed, numpy's **global**
  legacy RNG; ``seed=0`` or ``None`` silently uses whatever state it is in. This module passes
  :func:`salib_seed` ``(seed) = 1 + seed mod (2^32 - 1)`` (never 0), and saves and restores the global
  RNG state around each call, so results are reproducible and other code is undisturbed. Every output
  of ``Y[N, M]`` is analysed with the same seed (the same bootstrap rows).
* ``delta.analyze`` sets ``warnings.simplefilter("once")`` and replaces ``warnings.formatwarning``
  for the whole process; both are restored here, and its warnings are re-issued afterwards.
* ``delta``'s kernel density estimates call BLAS on tiny arrays; with several BLAS threads on a busy
  machine this was measured ~20x slower, so the call runs with one BLAS thread (``threadpoolctl``).
* ``pawn.analyze`` is deterministic (``seed`` only touches the global RNG), gives no confidence
  interval, and its last slice ``[q_{S-1}, q_S)`` excludes the largest value of :math:`X_i`.
  :func:`pawn_threshold` gives the KS critical value for a slice of a non-influential input.
"""

from __future__ import annotations

import contextlib
import numbers
import warnings
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
from scipy.stats import kstwobign
from threadpoolctl import threadpool_limits

from ..errors import McpotError

__all__ = ["COLUMNS", "RECOMMENDED_DELTA", "delta_indices", "pawn_indices", "pawn_threshold", "salib_seed"]

RECOMMENDED_DELTA = "delta_raw"
"""The SALib 1.6 delta variant to report for a sample drawn from the priors (see module docstring)."""

COLUMNS = ["output", "input", "index", "value", "confidence", "note"]
"""Columns of every table: ``confidence`` is SALib's half-width (NaN where SALib gives none)."""

_DELTA_KEYS = ("delta_raw", "delta_balanced", "delta_step", "S1")
_PAWN_KEYS = ("minimum", "mean", "median", "maximum", "CV", "stdev")


def salib_seed(seed: int) -> int:
    """The non-zero seed handed to SALib for ``seed``: ``1 + seed mod (2^32 - 1)``."""
    return 1 + int(seed) % (2**32 - 1)


@contextlib.contextmanager
def _contained() -> Iterator[None]:
    """Run SALib with one BLAS thread, then restore numpy's global RNG and the warnings setup."""
    state = np.random.get_state()  # noqa: NPY002 (SALib reseeds the global RNG; we put it back)
    formatter = warnings.formatwarning
    try:
        with warnings.catch_warnings(record=True) as caught, threadpool_limits(limits=1):
            warnings.simplefilter("always")
            yield
    finally:
        np.random.set_state(state)  # noqa: NPY002
        warnings.formatwarning = formatter
    for w in {(str(w.message), w.category): None for w in caught}:
        warnings.warn(w[0], w[1], stacklevel=4)


def _check(
    X: np.ndarray, Y: np.ndarray, names: Sequence[str] | None, outputs: Sequence[str] | None, seed: object
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if X.ndim != 2 or X.shape[1] < 1:
        raise McpotError(f"X: must be a 2-D sample [N, D], got shape {X.shape}")
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or Y.shape[0] != X.shape[0]:
        raise McpotError(f"Y: must have {X.shape[0]} rows like X, got shape {Y.shape}")
    for key, a in (("X", X), ("Y", Y)):
        if not np.all(np.isfinite(a)):
            rows = np.flatnonzero(~np.all(np.isfinite(a.reshape(a.shape[0], -1)), axis=1))
            raise McpotError(f"{key}: NaN or inf in rows {rows[:5].tolist()}")
    names = [f"x{j}" for j in range(X.shape[1])] if names is None else [str(n) for n in names]
    outputs = [f"y{k}" for k in range(Y.shape[1])] if outputs is None else [str(o) for o in outputs]
    if len(names) != X.shape[1]:
        raise McpotError(f"names: {len(names)} names for {X.shape[1]} inputs")
    if len(outputs) != Y.shape[1]:
        raise McpotError(f"outputs: {len(outputs)} names for {Y.shape[1]} outputs")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise McpotError(f"seed: must be a non-negative integer, got {seed!r}")
    return X, Y, names, outputs


def _problem(names: list[str]) -> dict:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def delta_indices(
    X: np.ndarray,
    Y: np.ndarray,
    *,
    seed: int,
    names: Sequence[str] | None = None,
    outputs: Sequence[str] | None = None,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    first_order: bool = False,
) -> pd.DataFrame:
    """Borgonovo's delta of each input for each output, from a given sample (SALib 1.6).

    Parameters
    ----------
    X : numpy.ndarray
        Input sample ``[N, D]``, drawn from the joint input distribution (any dependence).
    Y : numpy.ndarray
        Outputs ``[N]`` or ``[N, M]`` (any unit).
    seed : int
        Non-negative; SALib gets :func:`salib_seed` ``(seed)``.
    names, outputs : sequence of str, optional
        Labels (default ``x0..``, ``y0..``).
    num_resamples, conf_level : int, float
        SALib's bootstrap size and confidence level.
    first_order : bool
        Also report SALib's given-data first-order Sobol' index ``S1`` (``method="all"``).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`; ``index`` is SALib's key (``delta_raw`` first, then ``delta_balanced``,
        ``delta_step`` where defined, ``S1``), ``value`` in [0, 1], ``confidence`` SALib's
        normal-approximation half-width at ``conf_level``, ``note`` SALib's per-input notes.
    """
    from SALib.analyze import delta

    X, Y, names, outputs = _check(X, Y, names, outputs, seed)
    if not 0 < conf_level < 1:
        raise McpotError(f"conf_level: must lie in (0, 1), got {conf_level!r}")
    if not isinstance(num_resamples, numbers.Integral) or num_resamples < 2:
        raise McpotError(f"num_resamples: must be an integer >= 2, got {num_resamples!r}")
    rows = []
    for k, out in enumerate(outputs):
        with _contained():
            S = delta.analyze(
                _problem(names),
                X,
                Y[:, k],
                num_resamples=int(num_resamples),
                conf_level=conf_level,
                seed=salib_seed(seed),
                method="all" if first_order else "delta",
            )
        notes = S.get("notes") or [""] * len(names)
        for key in _DELTA_KEYS:
            if key not in S:
                continue
            for j, name in enumerate(names):
                if np.isnan(S[key][j]):
                    continue
                rows.append((out, name, key, float(S[key][j]), float(S[f"{key}_conf"][j]), notes[j]))
    return pd.DataFrame(rows, columns=COLUMNS)


def pawn_indices(
    X: np.ndarray,
    Y: np.ndarray,
    *,
    seed: int,
    names: Sequence[str] | None = None,
    outputs: Sequence[str] | None = None,
    slices: int = 10,
) -> pd.DataFrame:
    """PAWN indices of each input for each output, from a given sample (SALib 1.6).

    Parameters
    ----------
    X, Y, names, outputs
        As in :func:`delta_indices`.
    seed : int
        Non-negative; passed as :func:`salib_seed` ``(seed)`` (PAWN itself draws nothing).
    slices : int
        Number of equal-probability conditioning slices ``S`` of each input (SALib's ``S``).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`; ``index`` is ``pawn_<stat>`` for SALib's ``minimum``, ``mean``, ``median``
        (the usual index), ``maximum``, ``CV`` and ``stdev`` of the KS distances over slices;
        ``confidence`` is NaN (SALib gives none; compare with :func:`pawn_threshold`).
    """
    from SALib.analyze import pawn

    X, Y, names, outputs = _check(X, Y, names, outputs, seed)
    if not isinstance(slices, numbers.Integral) or not 2 <= slices <= X.shape[0] // 2:
        raise McpotError(f"slices: must be an integer in [2, N/2], got {slices!r}")
    rows = []
    for k, out in enumerate(outputs):
        with _contained():
            S = pawn.analyze(_problem(names), X, Y[:, k], S=int(slices), seed=salib_seed(seed))
        for key in _PAWN_KEYS:
            for j, name in enumerate(names):
                rows.append((out, name, f"pawn_{key}", float(S[key][j]), np.nan, ""))
    return pd.DataFrame(rows, columns=COLUMNS)


def pawn_threshold(n: int, slices: int = 10, alpha: float = 0.05) -> float:
    r"""KS critical value for one PAWN slice of a non-influential input.

    A slice holds :math:`n_s \approx n / S` of the ``n`` points and is compared with the whole
    sample, which contains it; for an input independent of the output the KS distance then has
    the asymptotic scale :math:`\sqrt{1/n_s - 1/n}` (the slice's CDF minus the pooled CDF is
    :math:`(1 - n_s/n)` times the difference with the other :math:`n - n_s` points). The level
    ``alpha`` critical value is ``kstwobign.ppf(1 - alpha) * sqrt(1/n_s - 1/n)``. Its use: the
    *median* over slices of a non-influential input exceeds it only if about half the slices do.
    """
    if not n > 2 * slices:
        raise McpotError(f"n: need more than 2 x slices points, got n={n}, slices={slices}")
    n_s = n / slices
    return float(kstwobign.ppf(1 - alpha) * np.sqrt(1 / n_s - 1 / n))
