r"""Sobol' indices with randomised-QMC intervals: R independently scrambled Saltelli designs.

The bootstrap of :mod:`mcpot.sobol` treats the base points of one scrambled Sobol' design as
i.i.d.; their errors are in fact much smaller and negatively correlated, so its intervals are several
times too wide (on Ishigami at ``N = 2^10``: 600 of 600 nominal 95% intervals covered the analytic
value and the half-widths were 4-8x the spread seen across seeds). Here the ``N`` base points are
split into ``R`` replicates of ``n = N / R`` points, each a full Saltelli design
(:func:`mcpot.sobol.saltelli_design`) with its own scrambling. The replicate estimates
:math:`\hat S^{(1)}, \dots, \hat S^{(R)}` are i.i.d. (independent scramblings), so

.. math:: \hat S = \frac1R \sum_r \hat S^{(r)}, \qquad
          \hat S \pm t_{R-1,\,(1+c)/2}\; \frac{\mathrm{sd}(\hat S^{(r)})}{\sqrt R}

is a Student-t interval of level ``c`` for :math:`E[\hat S^{(r)}]` (Owen, *Monte Carlo theory,
methods and examples*, ch. 17, "randomized QMC"). Each replicate uses the estimators of
:mod:`mcpot.sobol` (Saltelli 2010 for S1, Jansen for ST, Saltelli 2002 for S2, on outputs
standardised within the replicate), so ``R = 1`` would give today's point estimates. Their ratio form
has an O(1/n) bias that the interval does not cover; at ``n >= 64`` points per replicate it is far
below the replicate spread on the test functions (see the coverage test).

Seeds: replicate ``r`` is scrambled with the integer drawn from
``numpy.random.SeedSequence(seed, spawn_key=(_STREAM, r))``; the stream key keeps these apart from
the bootstrap streams of :mod:`mcpot.sobol` (children ``(k,)`` of the same seed). The design of
replicate ``r`` does not depend on ``R`` or ``n`` beyond its prefix: the design for ``2n`` starts with
the design for ``n``, which :func:`converge_replicates` uses to reuse model evaluations. Nothing
here depends on worker counts, so results are bitwise reproducible for a seed.

Model-facing use mirrors :mod:`mcpot.sobol`: ``design = replicate_design(...)``, evaluate the model
on ``ppf(design.U)`` however you like (rows are replicate-major: all rows of replicate 0, then 1,
...), then ``replicate_indices(Y, design)``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import t as student_t

from ..errors import McpotError
from . import sobol

__all__ = [
    "ReplicateConvergence",
    "ReplicateDesign",
    "ReplicateIndices",
    "analyze_replicates",
    "converge_replicates",
    "replicate_design",
    "replicate_indices",
    "replicate_seeds",
]

_STREAM = 0x52514D43
"""First spawn-key entry of the replicate scrambling streams ("RQMC")."""


def replicate_seeds(seed: int, replicates: int) -> tuple[int, ...]:
    """Return the scrambling seed of each replicate, derived from ``seed`` by SeedSequence.

    Parameters
    ----------
    seed : int
        Non-negative master seed.
    replicates : int
        Number of replicates ``R``.

    Returns
    -------
    tuple of int
        ``R`` non-negative 63-bit seeds; entry ``r`` depends only on ``seed`` and ``r``.
    """
    seed = sobol._check_seed(seed)
    return tuple(
        int(np.random.SeedSequence(seed, spawn_key=(_STREAM, r)).generate_state(1, np.uint64)[0] >> 1)
        for r in range(replicates)
    )


@dataclass(frozen=True, eq=False)
class ReplicateDesign:
    """``R`` independently scrambled Saltelli designs on the unit cube, stacked replicate-major.

    Attributes
    ----------
    U : numpy.ndarray
        Design points ``[R * rows, d]``; rows ``r * rows ... (r + 1) * rows - 1`` are replicate ``r``,
        laid out as :func:`mcpot.sobol.saltelli_design` lays out one design.
    d : int
        Number of inputs.
    n : int
        Base points per replicate (a power of two).
    replicates : int
        Number of replicates ``R``.
    second_order : bool
        Whether the designs carry the ``BA`` blocks for S2.
    groups : tuple of str or None
        Group label of every input, as given.
    seed : int
        Master seed.
    seeds : tuple of int
        Scrambling seed of every replicate (:func:`replicate_seeds`).
    """

    U: np.ndarray
    d: int
    n: int
    replicates: int
    second_order: bool
    groups: tuple[str, ...] | None
    seed: int
    seeds: tuple[int, ...]

    @property
    def rows(self) -> int:
        """Model evaluations per replicate, :func:`mcpot.sobol.design_rows` ``(d, n)``."""
        return sobol.design_rows(self.d, self.n, second_order=self.second_order, groups=self._groups)

    @property
    def n_total(self) -> int:
        """Total base points ``R * n``."""
        return self.replicates * self.n

    @property
    def _groups(self) -> list[str] | None:
        return None if self.groups is None else list(self.groups)


def _check_replicates(replicates: object) -> int:
    if isinstance(replicates, bool) or not isinstance(replicates, numbers.Integral) or replicates < 2:
        raise McpotError(
            f"replicates must be an integer >= 2 (the t interval needs a spread), got {replicates!r}"
        )
    return int(replicates)


def _per_replicate(n_total: object, replicates: int) -> int:
    """Return ``n_total / replicates``, which must be a power of two; raise otherwise."""
    if isinstance(n_total, bool) or not isinstance(n_total, numbers.Integral) or n_total % replicates:
        raise McpotError(
            f"n (total base points) must be a multiple of replicates={replicates}, got {n_total!r}"
        )
    return sobol._check_power_of_two(int(n_total) // replicates, "n / replicates (base points per replicate)")


def replicate_design(
    d: int,
    n: int,
    *,
    replicates: int = 8,
    second_order: bool = False,
    seed: int,
    groups: Sequence[str] | None = None,
) -> ReplicateDesign:
    """Build ``replicates`` independently scrambled Saltelli designs sharing ``n`` base points.

    Parameters
    ----------
    d : int
        Number of inputs.
    n : int
        Total base points ``N``; ``N / replicates`` must be a power of two.
    replicates : int, default 8
        Number of replicates ``R`` (>= 2).
    second_order : bool, default False
        Whether to include the ``BA`` blocks for S2.
    seed : int
        Non-negative master seed; replicate seeds come from :func:`replicate_seeds`.
    groups : sequence of str, optional
        Group label of every input (as in :func:`mcpot.sobol.saltelli_design`).

    Returns
    -------
    ReplicateDesign
        The stacked design; the model must be run on ``R * design_rows(d, N / R)`` rows.

    Raises
    ------
    McpotError
        If ``replicates``, ``n``, ``seed`` or ``groups`` are invalid.
    """
    replicates = _check_replicates(replicates)
    per = _per_replicate(n, replicates)
    seeds = replicate_seeds(seed, replicates)
    g = None if groups is None else [str(x) for x in groups]
    U = np.vstack([sobol.saltelli_design(d, per, second_order=second_order, seed=s, groups=g) for s in seeds])
    return ReplicateDesign(
        U, int(d), per, replicates, bool(second_order), None if g is None else tuple(g), int(seed), seeds
    )


@dataclass(frozen=True, eq=False)
class ReplicateIndices:
    """Sobol' indices from ``R`` scrambled replicates with Student-t intervals.

    Attributes
    ----------
    names, outputs : tuple of str
        Parameter (or group) names ``[D]`` and output names ``[M]``.
    S1, ST : numpy.ndarray
        Mean over replicates of the first-order and total indices, ``[M, D]``.
    S1_conf, ST_conf : numpy.ndarray
        Half-widths ``t_{R-1} * sd / sqrt(R)``; interval ``value +/- conf``, ``[M, D]``.
    S1_replicates, ST_replicates : numpy.ndarray
        The replicate estimates, ``[R, M, D]``.
    S2, S2_conf, S2_replicates : numpy.ndarray or None
        Second-order indices ``[M, D, D]`` (``j < k`` filled, NaN elsewhere), their half-widths,
        and replicate estimates ``[R, M, D, D]``; None without second order.
    n, replicates : int
        Base points per replicate and number of replicates.
    conf_level : float
        Confidence level of the intervals.
    seed : int
        Master seed.
    bootstrap : mcpot.sobol.SobolIndices or None
        Today's bootstrap analysis of all ``R * n`` base points pooled as one sample (its point
        estimates standardise over all rows, so they differ slightly from ``S1``/``ST``), for
        comparison; None unless requested.
    """

    names: tuple[str, ...]
    outputs: tuple[str, ...]
    S1: np.ndarray
    S1_conf: np.ndarray
    S1_replicates: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    ST_replicates: np.ndarray
    S2: np.ndarray | None
    S2_conf: np.ndarray | None
    S2_replicates: np.ndarray | None
    n: int
    replicates: int
    conf_level: float
    seed: int
    bootstrap: sobol.SobolIndices | None = None

    def __post_init__(self) -> None:
        """Make every array read-only."""
        for key in ("S1", "S1_conf", "S1_replicates", "ST", "ST_conf", "ST_replicates"):
            object.__setattr__(self, key, sobol._readonly(getattr(self, key)))
        for key in ("S2", "S2_conf", "S2_replicates"):
            object.__setattr__(self, key, sobol._readonly(getattr(self, key)))


def _t_interval(reps: np.ndarray, conf_level: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the mean over axis 0 and the Student-t half-width ``t_{R-1} sd / sqrt(R)``."""
    r = reps.shape[0]
    q = student_t.ppf(0.5 + conf_level / 2.0, r - 1)
    return reps.mean(axis=0), q * reps.std(axis=0, ddof=1) / math.sqrt(r)


def replicate_indices(
    Y: np.ndarray,
    design: ReplicateDesign,
    *,
    conf_level: float = 0.95,
    names: Sequence[str] | None = None,
    outputs: Sequence[str] | None = None,
    num_resamples: int = 0,
    n_jobs: int = 1,
) -> ReplicateIndices:
    """Estimate Sobol' indices and their replicate-spread intervals from outputs on a design.

    Parameters
    ----------
    Y : numpy.ndarray
        Model outputs ``[R * rows, M]`` (or ``[R * rows]``) on ``ppf(design.U)``, in design order.
    design : ReplicateDesign
        The design the outputs belong to.
    conf_level : float, default 0.95
        Confidence level of the intervals.
    names, outputs : sequence of str, optional
        Parameter names (ignored with groups) and output names.
    num_resamples : int, default 0
        If >= 2, also run today's bootstrap (:func:`mcpot.sobol.sobol_indices`) on the pooled
        rows, with this many resamples, for comparison (``bootstrap`` attribute).
    n_jobs : int, default 1
        joblib workers for that bootstrap; results do not depend on it.

    Returns
    -------
    ReplicateIndices
        Mean indices, t half-widths and the replicate estimates.

    Raises
    ------
    ModelOutputError
        If ``Y`` holds NaN or inf.
    ValueError
        If ``Y`` does not have the design's number of rows.
    """
    conf_level = sobol._check_conf_level(conf_level)
    d, n, rows, R = design.d, design.n, design.rows, design.replicates
    unique = sobol._group_names(d, design._groups)
    g = d if unique is None else len(unique)
    Y = sobol._as_outputs(Y)
    if Y.shape[0] != R * rows:
        raise ValueError(f"Y has {Y.shape[0]} rows but the design has {R} replicates x {rows} rows")
    labels = tuple(unique) if unique is not None else sobol._labels(names, d, "x", "parameter names")
    outs = sobol._labels(outputs, Y.shape[1], "y", "output names")
    sobol._check_finite(Y, outs)
    s1, st, s2 = [], [], []
    for r in range(R):
        e1, et, e2 = sobol._point_estimates(
            sobol._split(Y[r * rows : (r + 1) * rows], n, g, design.second_order)
        )
        s1.append(e1)
        st.append(et)
        if e2 is not None:
            s2.append(sobol._pairs_to_square(e2, g))
    S1r, STr = np.stack(s1), np.stack(st)
    S1, S1_conf = _t_interval(S1r, conf_level)
    ST, ST_conf = _t_interval(STr, conf_level)
    S2r = np.stack(s2) if s2 else None
    S2, S2_conf = _t_interval(S2r, conf_level) if S2r is not None else (None, None)
    boot = None
    if num_resamples:
        pooled = np.concatenate([Y[r * rows : (r + 1) * rows] for r in range(R)])
        boot = sobol.sobol_indices(
            pooled,
            d=d,
            n=R * n,
            second_order=design.second_order,
            num_resamples=num_resamples,
            conf_level=conf_level,
            seed=design.seed,
            n_jobs=n_jobs,
            groups=design._groups,
            names=None if unique is not None else labels,
            outputs=outs,
        )
    return ReplicateIndices(
        labels,
        outs,
        S1,
        S1_conf,
        S1r,
        ST,
        ST_conf,
        STr,
        S2,
        S2_conf,
        S2r,
        n,
        R,
        conf_level,
        design.seed,
        boot,
    )


def analyze_replicates(
    f: sobol.Model,
    ppf: sobol.Ppf,
    d: int,
    n: int,
    *,
    outputs: Sequence[str],
    replicates: int = 8,
    second_order: bool = False,
    conf_level: float = 0.95,
    seed: int,
    groups: Sequence[str] | None = None,
    evaluate: sobol.Evaluator | None = None,
    names: Sequence[str] | None = None,
    num_resamples: int = 0,
    n_jobs: int = 1,
) -> ReplicateIndices:
    """Run a replicated Sobol' analysis of any vectorised model ``f(X[N, d]) -> Y[N, M]``.

    ``n`` is the total number of base points; the model runs ``R * design_rows(d, n / R)`` times.
    Other parameters as in :func:`replicate_design`, :func:`replicate_indices` and
    :func:`mcpot.sobol.analyze`.
    """
    outs = sobol._labels(outputs, None, "y", "output names")
    params = sobol._labels(names, d, "x", "parameter names")
    design = replicate_design(
        d, n, replicates=replicates, second_order=second_order, seed=seed, groups=groups
    )
    X = sobol._inputs(ppf, design.U)
    Y = sobol._run(f, X, evaluate, len(outs))
    sobol._check_finite(Y, outs, X, params)
    return replicate_indices(
        Y,
        design,
        conf_level=conf_level,
        names=params,
        outputs=outs,
        num_resamples=num_resamples,
        n_jobs=n_jobs,
    )


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
    history : tuple of (int, int, float)
        ``(n_total, evaluations, widest half-width)`` at every step.
    """

    reached: bool
    reason: str
    result: ReplicateIndices
    n_total: int
    evaluations: int
    history: tuple[tuple[int, int, float], ...]


def converge_replicates(
    f: sobol.Model,
    ppf: sobol.Ppf,
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
    evaluate: sobol.Evaluator | None = None,
    names: Sequence[str] | None = None,
) -> ReplicateConvergence:
    """Double the base points per replicate until every S1/ST half-width is below ``target_ci``.

    As :func:`mcpot.sobol.converge`, with replicate-spread intervals: starts at ``n_start`` total
    base points (``n_start / replicates`` per replicate), doubles, and stops when the widest S1 or ST
    half-width (all outputs and parameters) is below ``target_ci`` or the next doubling would exceed
    ``max_samples`` model evaluations. Each replicate's design for ``2n`` starts with its design for
    ``n``, so only new rows are evaluated.

    Raises
    ------
    McpotError
        If ``target_ci`` is not positive or the first design exceeds ``max_samples``.
    """
    if not float(target_ci) > 0.0:
        raise McpotError(f"target_ci must be positive, got {target_ci!r}")
    outs = sobol._labels(outputs, None, "y", "output names")
    params = sobol._labels(names, d, "x", "parameter names")
    R = _check_replicates(replicates)
    n = _per_replicate(n_start, R)
    g = None if groups is None else [str(x) for x in groups]

    def total_rows(k: int) -> int:
        return R * sobol.design_rows(d, k, second_order=second_order, groups=g)

    if total_rows(n) > max_samples:
        raise McpotError(
            f"max_samples={max_samples} is below the first design: n_start={n_start} needs {total_rows(n)} "
            "model evaluations"
        )
    Y_old: list[np.ndarray] | None = None
    history: list[tuple[int, int, float]] = []
    while True:
        design = replicate_design(d, R * n, replicates=R, second_order=second_order, seed=seed, groups=g)
        X = sobol._inputs(ppf, design.U)
        rows = design.rows
        parts = []
        for r in range(R):
            Xr = X[r * rows : (r + 1) * rows]
            done = 0 if Y_old is None else Y_old[r].shape[0]
            new = sobol._run(f, Xr[done:], evaluate, len(outs))
            parts.append(new if Y_old is None else np.vstack([Y_old[r], new]))
        Y = np.vstack(parts)
        sobol._check_finite(Y, outs, X, params)
        res = replicate_indices(Y, design, conf_level=conf_level, names=params, outputs=outs)
        widest = float(np.max(np.stack([res.S1_conf, res.ST_conf])))
        history.append((R * n, Y.shape[0], widest))
        if widest < target_ci:
            reason = (
                f"target reached: every S1 and ST half-width is below {target_ci:g} at N={R * n} "
                f"({R} replicates x {n}; {Y.shape[0]} model evaluations); the widest is {widest:.3g}"
            )
            return ReplicateConvergence(True, reason, res, R * n, Y.shape[0], tuple(history))
        if total_rows(2 * n) > max_samples:
            reason = (
                f"stopped before reaching the target: doubling to N={2 * R * n} would need "
                f"{total_rows(2 * n)} model evaluations, more than max_samples={max_samples}; the widest "
                f"half-width is {widest:.3g} at N={R * n}, target {target_ci:g}"
            )
            return ReplicateConvergence(False, reason, res, R * n, Y.shape[0], tuple(history))
        Y_old, n = parts, 2 * n
