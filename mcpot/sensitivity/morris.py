"""Model-independent Morris (elementary effects) screening through SALib.

The trajectories are SALib's (:func:`SALib.sample.morris.sample`) on the unit cube, the
statistics SALib's (:func:`SALib.analyze.morris.analyze`, unscaled). Models get their inputs through
a quantile map ``ppf(U) -> X``, so an elementary effect is a change of the output **per unit of
the quantile scale** of the input: moving an input from its 1/3 quantile to its 1/3 + 2/3 quantile
(one Morris step with 4 levels) and dividing the output change by 2/3. For a uniform input on
``[a, b]`` this is ``(b - a)`` times the derivative; in general effects are comparable across
inputs whatever their units.

The Morris grid contains the quantiles 0 and 1, which are infinite for unbounded distributions.
``quantile_range=(lo, hi)`` squeezes the design into ``[lo, hi]`` before ``ppf``; the effects are
then divided by ``hi - lo`` so that they stay per unit of quantile.

Seeds (SALib 1.6.0)
-------------------
Both SALib functions turn ``seed`` into ``numpy.random.default_rng(seed)`` through
``SALib.util.handle_seed``, so ``seed=0`` is a proper, reproducible seed (older SALib releases
tested ``if seed:`` and fell back to the global numpy RNG for 0). Local trajectory optimisation is
deterministic. :func:`analyze` uses ``seed`` for the design and an independent integer derived
from ``numpy.random.SeedSequence(seed)`` for the bootstrap of ``mu_star_conf``; every output gets the
same bootstrap resamples, as calling SALib once per output with the same seed would.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mcpot.errors import McpotError
from mcpot.sensitivity.checks import Evaluator, Model, Ppf, _as_outputs, _check_finite, _check_seed, _labels

__all__ = ["MorrisIndices", "analyze", "morris_design", "morris_indices"]


def _problem(d: int, groups: Sequence[str] | None) -> dict:
    """Return a fresh SALib problem on the unit cube (SALib mutates the dict it is given)."""
    return {
        "num_vars": int(d),
        "names": [f"x{i}" for i in range(d)],
        "bounds": [[0.0, 1.0]] * int(d),
        "groups": None if groups is None else [str(g) for g in groups],
    }


def _factor_names(d: int, groups: Sequence[str] | None, names: Sequence[str] | None) -> tuple[str, ...]:
    """Return the group names (first-appearance order) or the parameter names."""
    if groups is None:
        return _labels(names, d, "x", "parameter names")
    if len(groups) != d:
        raise McpotError(f"groups must name one group per input: got {len(groups)} for {d}")
    return tuple(dict.fromkeys(str(g) for g in groups))


def _check_levels(num_levels: object) -> int:
    """Return ``num_levels`` as an even int >= 2, or raise."""
    if (
        isinstance(num_levels, bool)
        or not isinstance(num_levels, numbers.Integral)
        or num_levels < 2
        or num_levels % 2
    ):
        raise McpotError(f"num_levels must be an even integer >= 2, got {num_levels!r}")
    return int(num_levels)


def _bootstrap_seed(seed: int) -> int:
    """Return an integer seed for the bootstrap, independent of the design stream of ``seed``."""
    child = np.random.SeedSequence(seed).spawn(1)[0]
    return int(child.generate_state(1, dtype=np.uint32)[0])


@dataclass(frozen=True, eq=False)
class MorrisIndices:
    """Morris screening statistics of ``M`` outputs with respect to ``D`` parameters (or groups).

    Attributes
    ----------
    names : tuple of str
        Parameter names, or group names for a grouped design.
    outputs : tuple of str
        Output names.
    mu, mu_star, sigma : numpy.ndarray
        Mean, mean absolute value and standard deviation (ddof=1) of the elementary effects,
        ``[M, D]``, per unit of the quantile scale. ``sigma`` is NaN for groups of more than one
        parameter (SALib).
    mu_star_conf : numpy.ndarray
        SALib's bootstrap normal-approximation half-width of ``mu_star``,
        ``norm.ppf(0.5 + conf_level / 2) * std(resampled mu_star, ddof=1)``, ``[M, D]``.
    num_trajectories : int
        Number of trajectories in the design.
    num_levels : int
        Number of grid levels.
    seed : int
        The seed given to :func:`analyze` (or the bootstrap seed given to
        :func:`morris_indices`).

    All arrays are read-only.
    """

    names: tuple[str, ...]
    outputs: tuple[str, ...]
    mu: np.ndarray
    mu_star: np.ndarray
    sigma: np.ndarray
    mu_star_conf: np.ndarray
    num_trajectories: int = 0
    num_levels: int = 4
    seed: int = 0

    def __post_init__(self) -> None:
        """Freeze the arrays and check their shapes."""
        shape = (len(self.outputs), len(self.names))
        for key in ("mu", "mu_star", "sigma", "mu_star_conf"):
            value = np.array(getattr(self, key), dtype=float)
            if value.shape != shape:
                raise ValueError(f"{key} must have shape {shape}, got {value.shape}")
            value.setflags(write=False)
            object.__setattr__(self, key, value)
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "outputs", tuple(self.outputs))

    def to_frame(self) -> pd.DataFrame:
        """Return the statistics as a tidy table, one row per output and parameter.

        Returns
        -------
        pandas.DataFrame
            Columns ``output``, ``parameter``, ``mu``, ``mu_star``, ``sigma``, ``mu_star_conf``.
        """
        m, d = len(self.outputs), len(self.names)
        return pd.DataFrame(
            {
                "output": np.repeat(np.array(self.outputs, dtype=object), d),
                "parameter": np.tile(np.array(self.names, dtype=object), m),
                "mu": self.mu.ravel(),
                "mu_star": self.mu_star.ravel(),
                "sigma": self.sigma.ravel(),
                "mu_star_conf": self.mu_star_conf.ravel(),
            }
        )


def morris_design(
    d: int,
    num_trajectories: int,
    *,
    num_levels: int = 4,
    seed: int,
    groups: list[str] | None = None,
    optimal_trajectories: int | None = None,
    local_optimization: bool = True,
) -> np.ndarray:
    """Return SALib's Morris trajectories on the unit cube.

    Parameters
    ----------
    d : int
        Number of inputs.
    num_trajectories : int
        Number of trajectories generated (the pool, when ``optimal_trajectories`` is set).
    num_levels : int, default 4
        Even number of grid levels; the step is ``num_levels / (2 (num_levels - 1))``.
    seed : int
        Non-negative seed (``numpy.random.default_rng(seed)`` inside SALib; 0 is fine).
    groups : list of str, optional
        Group label of every input; a group's inputs move together.
    optimal_trajectories : int, optional
        Keep this many maximally spread trajectories out of ``num_trajectories`` (Campolongo).
    local_optimization : bool, default True
        Use Ruano's local optimisation to pick them.

    Returns
    -------
    numpy.ndarray
        Grid points of ``[0, 1]^d``, shape ``[T (G + 1), d]`` for ``T`` trajectories and ``G``
        groups (``G = d`` without groups).
    """
    from SALib.sample import morris as salib_morris

    seed = _check_seed(seed)
    num_levels = _check_levels(num_levels)
    _factor_names(d, groups, None)
    return salib_morris.sample(
        _problem(d, groups),
        int(num_trajectories),
        num_levels=num_levels,
        optimal_trajectories=optimal_trajectories,
        local_optimization=local_optimization,
        seed=seed,
    )


def morris_indices(
    U: np.ndarray,
    Y: np.ndarray,
    *,
    num_levels: int = 4,
    num_resamples: int = 1000,
    conf_level: float = 0.95,
    seed: int,
    groups: list[str] | None = None,
    names: Sequence[str] | None = None,
    outputs: Sequence[str] | None = None,
    scale: float = 1.0,
) -> MorrisIndices:
    """Compute Morris statistics for every output with :func:`SALib.analyze.morris.analyze`.

    Parameters
    ----------
    U : numpy.ndarray
        The unit-cube design from :func:`morris_design`, ``[rows, d]``.
    Y : numpy.ndarray
        Model outputs ``[rows, M]`` (or ``[rows]``).
    num_levels : int, default 4
        As used for the design.
    num_resamples : int, default 1000
        Bootstrap resamples for ``mu_star_conf``.
    conf_level : float, default 0.95
        Confidence level of ``mu_star_conf``.
    seed : int
        Seed of the bootstrap (the same for every output).
    groups : list of str, optional
        As used for the design.
    names, outputs : sequence of str, optional
        Parameter and output names.
    scale : float, default 1.0
        Width of the quantile range the design was squeezed into; effects are divided by it.

    Returns
    -------
    MorrisIndices
        The statistics per output and parameter (or group).

    Raises
    ------
    ModelOutputError
        If ``Y`` holds NaN or inf.
    """
    from SALib.analyze import morris as salib_morris

    seed = _check_seed(seed)
    num_levels = _check_levels(num_levels)
    if not 0.0 < float(conf_level) < 1.0:
        raise McpotError(f"conf_level must lie strictly between 0 and 1, got {conf_level!r}")
    U = np.asarray(U, dtype=float)
    d = U.shape[1]
    Y = _as_outputs(Y)
    if Y.shape[0] != U.shape[0]:
        raise ValueError(f"Y has {Y.shape[0]} rows for a design of {U.shape[0]} rows")
    labels = _factor_names(d, groups, names)
    outs = _labels(outputs, Y.shape[1], "y", "output names")
    _check_finite(Y, outs, U, [f"u_{x}" for x in _labels(names, d, "x", "parameter names")])
    stats: dict[str, list[np.ndarray]] = {"mu": [], "mu_star": [], "sigma": [], "mu_star_conf": []}
    for m in range(Y.shape[1]):
        res = salib_morris.analyze(
            _problem(d, groups),
            U,
            np.ascontiguousarray(Y[:, m]),
            num_resamples=num_resamples,
            conf_level=conf_level,
            num_levels=num_levels,
            seed=seed,
        )
        for key, values in stats.items():
            values.append(np.ma.filled(np.ma.asarray(res[key], dtype=float), np.nan))
    scale = float(scale)
    return MorrisIndices(
        names=labels,
        outputs=outs,
        mu=np.array(stats["mu"]) / scale,
        mu_star=np.array(stats["mu_star"]) / scale,
        sigma=np.array(stats["sigma"]) / scale,
        mu_star_conf=np.array(stats["mu_star_conf"]) / scale,
        num_trajectories=U.shape[0] // (len(labels) + 1),
        num_levels=num_levels,
        seed=seed,
    )


def analyze(
    f: Model,
    ppf: Ppf,
    d: int,
    num_trajectories: int,
    *,
    outputs: Sequence[str],
    num_levels: int = 4,
    optimal_trajectories: int | None = None,
    local_optimization: bool = True,
    num_resamples: int = 1000,
    conf_level: float = 0.95,
    seed: int,
    groups: list[str] | None = None,
    evaluate: Evaluator | None = None,
    names: Sequence[str] | None = None,
    quantile_range: tuple[float, float] = (0.0, 1.0),
) -> MorrisIndices:
    """Run a Morris screening of any vectorised model.

    Builds :func:`morris_design`, squeezes it into ``quantile_range``, maps it to inputs with
    ``ppf``, evaluates the model and computes the statistics with :func:`morris_indices`.
    Elementary effects are per unit of the quantile scale (see the module docstring).

    Parameters
    ----------
    f : callable
        Vectorised model ``f(X[N, d]) -> Y[N, M]`` (``Y[N]`` allowed when ``M = 1``).
    ppf : callable
        ``ppf(U[N, d]) -> X[N, d]`` mapping quantiles to model inputs.
    d : int
        Number of inputs.
    num_trajectories : int
        Number of trajectories (model runs: ``num_trajectories (G + 1)``).
    outputs : sequence of str
        Names of the ``M`` outputs.
    num_levels, optimal_trajectories, local_optimization, groups
        As in :func:`morris_design`.
    num_resamples, conf_level
        As in :func:`morris_indices`.
    seed : int
        Non-negative seed; drives the design and (through an independent derived stream) the
        bootstrap.
    evaluate : callable, optional
        ``evaluate(f, X) -> Y`` used instead of ``f(X)``.
    names : sequence of str, optional
        Parameter names (length ``d``).
    quantile_range : (float, float), default (0, 1)
        Quantile interval the grid is mapped into; use e.g. ``(0.01, 0.99)`` for unbounded
        distributions, whose 0 and 1 quantiles are infinite.

    Returns
    -------
    MorrisIndices
        Statistics per output and parameter (or group).

    Raises
    ------
    McpotError
        If ``ppf`` gives non-finite inputs or an argument is invalid.
    ModelOutputError
        If the model returns NaN or inf.
    """
    lo, hi = (float(q) for q in quantile_range)
    if not 0.0 <= lo < hi <= 1.0:
        raise McpotError(f"quantile_range must satisfy 0 <= lo < hi <= 1, got {quantile_range!r}")
    seed = _check_seed(seed)
    outs = _labels(outputs, None, "y", "output names")
    params = _labels(names, d, "x", "parameter names")
    U = morris_design(
        d,
        num_trajectories,
        num_levels=num_levels,
        seed=seed,
        groups=groups,
        optimal_trajectories=optimal_trajectories,
        local_optimization=local_optimization,
    )
    Q = U if (lo, hi) == (0.0, 1.0) else lo + (hi - lo) * U
    X = np.asarray(ppf(Q), dtype=float)
    if X.shape != U.shape:
        raise ValueError(f"ppf must return an array shaped like its input {U.shape}, got {X.shape}")
    if not np.isfinite(X).all():
        bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
        raise McpotError(
            f"ppf mapped {bad.size} Morris design rows to non-finite inputs (first: {bad[0]}); "
            "the grid includes the 0 and 1 quantiles, so narrow quantile_range for unbounded "
            "distributions"
        )
    Y = _as_outputs(evaluate(f, X) if evaluate is not None else f(X), len(outs))
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"model returned {Y.shape[0]} rows for {X.shape[0]} input rows")
    _check_finite(Y, outs, X, params)
    res = morris_indices(
        U,
        Y,
        num_levels=num_levels,
        num_resamples=num_resamples,
        conf_level=conf_level,
        seed=_bootstrap_seed(seed),
        groups=groups,
        names=params,
        outputs=outs,
        scale=hi - lo,
    )
    return MorrisIndices(
        names=res.names,
        outputs=res.outputs,
        mu=res.mu,
        mu_star=res.mu_star,
        sigma=res.sigma,
        mu_star_conf=res.mu_star_conf,
        num_trajectories=res.num_trajectories,
        num_levels=num_levels,
        seed=seed,
    )
