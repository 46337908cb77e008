"""Convergence of Sobol' indices: add model runs until the widest interval is narrow.

:func:`converge` uses the bootstrap half-widths of one design (conservative: they treat the scrambled
Sobol' points as i.i.d.) and doubles N; :func:`converge_replicates` uses the replicate-spread
Student-t half-widths of :mod:`mcpot.sensitivity.sobol.replicates` and grows by just enough replicates when a
few more suffice (:func:`next_step`), so it neither overstates the error nor overshoots the target by a
doubling.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mcpot.errors import McpotError
from mcpot.sensitivity.checks import Evaluator, Model, Ppf, _check_finite, _check_power_of_two, _labels
from mcpot.sensitivity.sobol.analysis import _indices_of_design, _inputs, _run
from mcpot.sensitivity.sobol.design import (
    _check_replicates,
    _per_replicate,
    design_rows,
    replicate_design,
    saltelli_design,
)
from mcpot.sensitivity.sobol.indices import SobolIndices
from mcpot.sensitivity.sobol.replicates import ReplicateIndices, _t_quantile, replicate_indices


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


def _widest(res: SobolIndices | ReplicateIndices) -> tuple[float, str]:
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
    on_step: Callable[[int, float], None] | None = None,
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
    on_step : callable, optional
        Called after each step with ``(N, widest half-width)`` (e.g. to update a progress bar).

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
        known = X_old is not None and np.array_equal(X[: X_old.shape[0]], X_old)
        Y, res = _indices_of_design(
            f, X, evaluate, d, n, outs, params, Y_old if known else None,
            second_order=second_order, num_resamples=num_resamples, conf_level=conf_level, seed=seed,
            n_jobs=n_jobs, groups=groups, backend=backend,
        )  # fmt: skip
        frame = res.to_frame()
        frame.insert(0, "evaluations", Y.shape[0])
        frame.insert(0, "n", n)
        frames.append(frame)
        widest, where = _widest(res)
        if on_step is not None:
            on_step(n, widest)
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


#: Fewest base points per replicate at which :func:`converge_replicates` adds replicates instead of
#: doubling: below it the O(1/n) bias of the ratio estimators, which more replicates do not shrink,
#: is not negligible beside the spread.
MIN_GROWTH_POINTS = 64
#: Most replicates, as a multiple of the starting number, before :func:`converge_replicates` doubles
#: the points of every replicate instead.
MAX_GROWTH = 4


@dataclass(frozen=True, eq=False)
class ReplicateConvergence:
    """Outcome of :func:`converge_replicates`.

    Attributes
    ----------
    reached : bool
        Whether every S1 and ST half-width fell below the target.
    reason : str
        Why the loop stopped, in plain words.
    result : ReplicateIndices
        The indices at the last total ``n``.
    n_total : int
        Total base points at the end (``R * n``).
    evaluations : int
        Model evaluations used in total (earlier ones reused).
    history : tuple of (int, int, float, int)
        ``(n_total, evaluations, widest half-width, replicates)`` at every step.
    """

    reached: bool
    reason: str
    result: ReplicateIndices
    n_total: int
    evaluations: int
    history: tuple[tuple[int, int, float, int], ...]


def next_step(
    replicates: int, n: int, widest: float, target_ci: float, conf_level: float, max_replicates: int
) -> tuple[int, int]:
    """The next ``(replicates, points per replicate)`` of :func:`converge_replicates`.

    If adding at most as many replicates as there are is predicted to bring the widest half-width
    below ``target_ci`` (its spread taken as known, ``sd = widest sqrt(R) / t_{R-1}``, and the interval
    ``t_{R'-1} sd / sqrt(R')``), add just enough of them (at least a quarter of ``R``, so that few
    looks are taken), provided ``n >= MIN_GROWTH_POINTS`` and ``R' <= max_replicates``; otherwise
    double the points of every replicate. Either way every earlier evaluation is reused, and a step
    costs at most as much as doubling.

    Parameters
    ----------
    replicates, n : int
        Replicates ``R`` and base points per replicate now.
    widest : float
        Widest S1/ST half-width now (index units).
    target_ci : float
        Target half-width (index units).
    conf_level : float
        Confidence level of the intervals.
    max_replicates : int
        Most replicates allowed.

    Returns
    -------
    tuple of int
        ``(R', n')``: either ``(R' > R, n)`` or ``(R, 2 n)``.
    """
    sd = widest * math.sqrt(replicates) / _t_quantile(replicates, conf_level)
    if n >= MIN_GROWTH_POINTS:
        least = replicates + max(1, replicates // 4)
        for grown in range(least, min(2 * replicates, max_replicates) + 1):
            if _t_quantile(grown, conf_level) * sd / math.sqrt(grown) < target_ci:
                return grown, n
    return replicates, 2 * n


def converge_replicates(
    f: Model,
    ppf: Ppf,
    d: int,
    *,
    outputs: Sequence[str],
    target_ci: float,
    max_samples: int,
    n_start: int = 2**8,
    replicates: int = 8,
    second_order: bool = False,
    conf_level: float = 0.95,
    seed: int,
    groups: Sequence[str] | None = None,
    evaluate: Evaluator | None = None,
    names: Sequence[str] | None = None,
    num_resamples: int = 0,
    n_jobs: int = 1,
    on_step: Callable[[int, float], None] | None = None,
) -> ReplicateConvergence:
    """Add replicates or double their points until every S1/ST half-width is below ``target_ci``.

    Starts at ``n_start`` total base points (``replicates`` designs of ``n_start / replicates``
    points). After each step, if the widest S1 or ST half-width (all outputs and parameters) is
    still above ``target_ci``, :func:`next_step` chooses between adding independently scrambled
    replicates (when a few more are predicted to suffice: no overshoot of the target by a doubling)
    and doubling every replicate's points. Replicate ``r``'s design does not depend on how many
    replicates there are, and its design for ``2n`` starts with its design for ``n``, so every
    earlier model run is reused. Stops when the target is met or the next step would exceed
    ``max_samples`` model evaluations. ``num_resamples >= 2`` adds the bootstrap (for comparison) to
    the final result only; it never decides when to stop. ``on_step(N, widest half-width)``, if
    given, is called after each step (e.g. to update a progress bar).

    Raises
    ------
    McpotError
        If ``target_ci`` is not positive or the first design exceeds ``max_samples``.
    """
    if not float(target_ci) > 0.0:
        raise McpotError(f"target_ci must be positive, got {target_ci!r}")
    outs = _labels(outputs, None, "y", "output names")
    params = _labels(names, d, "x", "parameter names")
    R0 = _check_replicates(replicates)
    R, n = R0, _per_replicate(n_start, R0)
    g = None if groups is None else [str(x) for x in groups]

    def total_rows(r: int, k: int) -> int:
        return r * design_rows(d, k, second_order=second_order, groups=g)

    if total_rows(R, n) > max_samples:
        raise McpotError(
            f"max_samples={max_samples} is below the first design: n_start={n_start} needs "
            f"{total_rows(R, n)} model evaluations"
        )
    Y_old: list[np.ndarray] = []
    history: list[tuple[int, int, float, int]] = []
    while True:
        design = replicate_design(d, R * n, replicates=R, second_order=second_order, seed=seed, groups=g)
        X = _inputs(ppf, design.U)
        rows = design.rows
        parts = []
        for r in range(R):
            Xr = X[r * rows : (r + 1) * rows]
            done = Y_old[r].shape[0] if r < len(Y_old) else 0
            new = _run(f, Xr[done:], evaluate, len(outs))
            parts.append(np.vstack([Y_old[r], new]) if done else new)
        Y = np.vstack(parts)
        _check_finite(Y, outs, X, params)
        res = replicate_indices(Y, design, conf_level=conf_level, names=params, outputs=outs)
        widest, where = _widest(res)
        history.append((R * n, Y.shape[0], widest, R))
        if on_step is not None:
            on_step(R * n, widest)
        grown = next_step(R, n, widest, target_ci, conf_level, MAX_GROWTH * R0)
        done_now = widest < target_ci or total_rows(*grown) > max_samples
        if done_now and num_resamples:
            res = replicate_indices(
                Y, design, conf_level=conf_level, names=params, outputs=outs, num_resamples=num_resamples,
                n_jobs=n_jobs,
            )  # fmt: skip
        if widest < target_ci:
            reason = (
                f"target reached: every S1 and ST half-width is below {target_ci:g} at N={R * n} "
                f"({R} replicates x {n}; {Y.shape[0]} model evaluations); the widest is {widest:.3g}"
            )
            return ReplicateConvergence(True, reason, res, R * n, Y.shape[0], tuple(history))
        if total_rows(*grown) > max_samples:
            reason = (
                f"stopped before reaching the target: the next step ({grown[0]} replicates x {grown[1]}) "
                f"would need {total_rows(*grown)} model evaluations, more than max_samples={max_samples}; "
                f"the widest half-width is {widest:.3g} ({where}) at N={R * n} ({R} replicates x {n}), "
                f"target {target_ci:g}"
            )
            return ReplicateConvergence(False, reason, res, R * n, Y.shape[0], tuple(history))
        Y_old, (R, n) = parts, grown
