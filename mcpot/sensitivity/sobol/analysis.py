"""Sobol' indices of a vectorised model: :func:`sobol_indices` of given outputs; :func:`analyze`."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from mcpot.errors import McpotError
from mcpot.sensitivity.checks import (
    _SHOWN_ROWS,
    Evaluator,
    Model,
    Ppf,
    _as_outputs,
    _check_conf_level,
    _check_finite,
    _check_resamples,
    _check_seed,
    _labels,
)
from mcpot.sensitivity.sobol.bootstrap import _bootstrap, _interval
from mcpot.sensitivity.sobol.design import _group_names, design_rows, saltelli_design
from mcpot.sensitivity.sobol.estimators import _point_estimates, _split
from mcpot.sensitivity.sobol.indices import SobolIndices, _pairs_to_square


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
    _, result = _indices_of_design(
        f, X, evaluate, d, n, outs, params,
        second_order=second_order, num_resamples=num_resamples, conf_level=conf_level, seed=seed,
        n_jobs=n_jobs, groups=groups, backend=backend,
    )  # fmt: skip
    return result


def _indices_of_design(
    f: Model,
    X: np.ndarray,
    evaluate: Evaluator | None,
    d: int,
    n: int,
    outs: list[str],
    params: list[str],
    Y_head: np.ndarray | None = None,
    **options,
) -> tuple[np.ndarray, SobolIndices]:
    """Run the model on a Saltelli design's inputs ``X``, check the outputs, estimate the indices.

    ``Y_head`` holds the outputs of the first rows of ``X`` when they are already known (a design
    that extends a smaller one); only the other rows are run. ``options`` go to :func:`sobol_indices`.
    Returns the outputs ``Y`` of every row and the indices.
    """
    if Y_head is None:
        Y = _run(f, X, evaluate, len(outs))
    else:
        Y = np.vstack([Y_head, _run(f, X[Y_head.shape[0] :], evaluate, len(outs))])
    _check_finite(Y, outs, X, params)
    return Y, sobol_indices(Y, d=d, n=n, names=params, outputs=outs, **options)
