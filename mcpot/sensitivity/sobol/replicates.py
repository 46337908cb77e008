r"""Sobol' indices with randomised-QMC intervals: R independently scrambled Saltelli designs.

The bootstrap of :mod:`mcpot.sensitivity.sobol` treats the base points of one scrambled Sobol' design as
i.i.d.; their errors are in fact much smaller and negatively correlated, so its intervals are several
times too wide (on Ishigami at ``N = 2^10``: 600 of 600 nominal 95% intervals covered the analytic
value and the half-widths were 4-8x the spread seen across seeds). Here the ``N`` base points are
split into ``R`` replicates of ``n = N / R`` points, each a full Saltelli design
(:func:`mcpot.sensitivity.sobol.saltelli_design`) with its own scrambling. The replicate estimates
:math:`\hat S^{(1)}, \dots, \hat S^{(R)}` are i.i.d. (independent scramblings), so

.. math:: \hat S = \frac1R \sum_r \hat S^{(r)}, \qquad
          \hat S \pm t_{R-1,\,(1+c)/2}\; \frac{\mathrm{sd}(\hat S^{(r)})}{\sqrt R}

is a Student-t interval of level ``c`` for :math:`E[\hat S^{(r)}]` (Owen, *Monte Carlo theory,
methods and examples*, ch. 17, "randomized QMC"). Each replicate uses the estimators of
:mod:`mcpot.sensitivity.sobol` (Saltelli 2010 for S1, Jansen for ST, Saltelli 2002 for S2, on outputs
standardised within the replicate), so ``R = 1`` would give today's point estimates. Their ratio form
has an O(1/n) bias that the interval does not cover; at ``n >= 64`` points per replicate it is far
below the replicate spread on the test functions (see the coverage test).

Seeds: replicate ``r`` is scrambled with the integer drawn from
``numpy.random.SeedSequence(seed, spawn_key=(_STREAM, r))``; the stream key keeps these apart from
the bootstrap streams of :mod:`mcpot.sensitivity.sobol` (children ``(k,)`` of the same seed). The design of
replicate ``r`` does not depend on ``R`` or ``n`` beyond its prefix: the design for ``2n`` starts with
the design for ``n``, which :func:`converge_replicates` uses to reuse model evaluations. Nothing
here depends on worker counts, so results are bitwise reproducible for a seed.

Model-facing use mirrors :mod:`mcpot.sensitivity.sobol`: ``design = replicate_design(...)``, evaluate the
model on ``ppf(design.U)`` however you like (rows are replicate-major: all rows of replicate 0, then 1,
...), then ``replicate_indices(Y, design)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from mcpot.sensitivity.checks import (
    Evaluator,
    Model,
    Ppf,
    _as_outputs,
    _check_conf_level,
    _check_finite,
    _labels,
)
from mcpot.sensitivity.sobol.analysis import _inputs, _run, sobol_indices
from mcpot.sensitivity.sobol.design import ReplicateDesign, _group_names, replicate_design
from mcpot.sensitivity.sobol.estimators import _pairs, _point_estimates, _split
from mcpot.sensitivity.sobol.indices import SobolIndices, _pairs_to_square, _readonly


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
    bootstrap : mcpot.SobolIndices or None
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
    bootstrap: SobolIndices | None = None

    def __post_init__(self) -> None:
        """Make every array read-only."""
        for key in ("S1", "S1_conf", "S1_replicates", "ST", "ST_conf", "ST_replicates"):
            object.__setattr__(self, key, _readonly(getattr(self, key)))
        for key in ("S2", "S2_conf", "S2_replicates"):
            object.__setattr__(self, key, _readonly(getattr(self, key)))

    def to_frame(self) -> pd.DataFrame:
        """Return the indices as a tidy long table, the replicate-t interval first.

        Returns
        -------
        pandas.DataFrame
            One row per output, parameter (or group) and index (``S1``, ``ST``, ``S2`` as ``"a|b"``
            for ``a`` before ``b``): ``value`` (mean over replicates), ``conf`` (Student-t half-width
            from the replicate spread: THE interval), ``low`` and ``high`` (``value -/+ conf``); with a
            bootstrap, ``conf_bootstrap`` (its normal-approximation half-width), ``low_bootstrap`` and
            ``high_bootstrap`` (its percentile bounds) beside them, for comparison only.
        """
        m, d = len(self.outputs), len(self.names)
        names = np.array(self.names, dtype=object)
        j, k = _pairs(d)
        pairs = np.array([f"{a}|{b}" for a, b in zip(names[j], names[k], strict=True)], dtype=object)
        boot = self.bootstrap
        frames = []
        for key in ("S1", "ST", "S2"):
            value = getattr(self, key)
            if value is None:
                continue
            pick = (lambda a: a[:, j, k]) if key == "S2" else (lambda a: a)
            labels = pairs if key == "S2" else names
            value, conf = pick(value), pick(getattr(self, f"{key}_conf"))
            cols = {
                "output": np.repeat(np.array(self.outputs, dtype=object), labels.size),
                "parameter": np.tile(labels, m),
                "index": key,
                "value": value.ravel(),
                "conf": conf.ravel(),
                "low": (value - conf).ravel(),
                "high": (value + conf).ravel(),
            }
            if boot is not None:
                for col, attr in (("conf", "conf"), ("low", "low"), ("high", "high")):
                    cols[f"{col}_bootstrap"] = pick(getattr(boot, f"{key}_{attr}")).ravel()
            frames.append(pd.DataFrame(cols))
        frame = pd.concat(frames, ignore_index=True)
        order = {out: i for i, out in enumerate(self.outputs)}
        frame = frame.sort_values("output", key=lambda s: s.map(order), kind="stable")
        return frame.reset_index(drop=True)


def _t_quantile(replicates: int, conf_level: float) -> float:
    """Return ``t_{R-1}``, the two-sided Student-t quantile of level ``conf_level`` for ``R`` replicates."""
    return float(student_t.ppf(0.5 + conf_level / 2.0, replicates - 1))


def _t_interval(reps: np.ndarray, conf_level: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the mean over axis 0 and the Student-t half-width ``t_{R-1} sd / sqrt(R)``."""
    r = reps.shape[0]
    return reps.mean(axis=0), _t_quantile(r, conf_level) * reps.std(axis=0, ddof=1) / math.sqrt(r)


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
        If >= 2, also run today's bootstrap (:func:`mcpot.sobol_indices`) on the pooled
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
    conf_level = _check_conf_level(conf_level)
    d, n, rows, R = design.d, design.n, design.rows, design.replicates
    unique = _group_names(d, design._groups)
    g = d if unique is None else len(unique)
    Y = _as_outputs(Y)
    if Y.shape[0] != R * rows:
        raise ValueError(f"Y has {Y.shape[0]} rows but the design has {R} replicates x {rows} rows")
    labels = tuple(unique) if unique is not None else _labels(names, d, "x", "parameter names")
    outs = _labels(outputs, Y.shape[1], "y", "output names")
    _check_finite(Y, outs)
    s1, st, s2 = [], [], []
    for r in range(R):
        e1, et, e2 = _point_estimates(_split(Y[r * rows : (r + 1) * rows], n, g, design.second_order))
        s1.append(e1)
        st.append(et)
        if e2 is not None:
            s2.append(_pairs_to_square(e2, g))
    S1r, STr = np.stack(s1), np.stack(st)
    S1, S1_conf = _t_interval(S1r, conf_level)
    ST, ST_conf = _t_interval(STr, conf_level)
    S2r = np.stack(s2) if s2 else None
    S2, S2_conf = _t_interval(S2r, conf_level) if S2r is not None else (None, None)
    boot = None
    if num_resamples:
        pooled = np.concatenate([Y[r * rows : (r + 1) * rows] for r in range(R)])
        boot = sobol_indices(
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
    f: Model,
    ppf: Ppf,
    d: int,
    n: int,
    *,
    outputs: Sequence[str],
    replicates: int = 8,
    second_order: bool = False,
    conf_level: float = 0.95,
    seed: int,
    groups: Sequence[str] | None = None,
    evaluate: Evaluator | None = None,
    names: Sequence[str] | None = None,
    num_resamples: int = 0,
    n_jobs: int = 1,
) -> ReplicateIndices:
    """Run a replicated Sobol' analysis of any vectorised model ``f(X[N, d]) -> Y[N, M]``.

    ``n`` is the total number of base points; the model runs ``R * design_rows(d, n / R)`` times.
    Other parameters as in :func:`replicate_design`, :func:`replicate_indices` and
    :func:`mcpot.sensitivity.sobol.analyze`.
    """
    outs = _labels(outputs, None, "y", "output names")
    params = _labels(names, d, "x", "parameter names")
    design = replicate_design(
        d, n, replicates=replicates, second_order=second_order, seed=seed, groups=groups
    )
    X = _inputs(ppf, design.U)
    Y = _run(f, X, evaluate, len(outs))
    _check_finite(Y, outs, X, params)
    return replicate_indices(
        Y,
        design,
        conf_level=conf_level,
        names=params,
        outputs=outs,
        num_resamples=num_resamples,
        n_jobs=n_jobs,
    )
