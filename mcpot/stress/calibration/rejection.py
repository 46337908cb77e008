"""Rejection ABC, and a pilot of prior draws that says whether a tolerance is within reach."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mcpot.errors import McpotError

from .core import (
    ALL_DRAWS,
    Distance,
    Posterior,
    PriorSet,
    RelativeEuclidean,
    SeedLike,
    Simulator,
    _dim,
    _generator,
    _simulate,
)


def rejection(
    simulate: Simulator,
    prior: PriorSet,
    s_obs,
    *,
    n: int,
    seed: SeedLike,
    epsilon: float | None = None,
    quantile: float | None = None,
    distance: Distance | None = None,
    batch_size: int = 65536,
) -> Posterior:
    """Rejection ABC: ``n`` prior draws, keep those whose statistics lie within a tolerance.

    Parameters
    ----------
    simulate : callable
        ``simulate(X[N, D]) -> S[N, K]``, vectorised over rows.
    prior : PriorSet
        The prior (``names``, ``ppf``, ``logpdf``).
    s_obs : array_like, shape (K,)
        Observed statistics, in the simulator's units.
    n : int
        Number of prior draws (= simulations).
    seed : int or numpy.random.SeedSequence
        Seed of the unit-cube draws (``numpy.random.default_rng(seed)``).
    epsilon : float, optional
        Fixed tolerance (distance units): accept ``d <= epsilon``.
    quantile : float, optional
        Accept the ``ceil(quantile * n)`` closest draws instead (ties by draw order); the tolerance is
        the largest accepted distance. Default 0.01 when ``epsilon`` is not given.
    distance : callable, optional
        ``distance(S[N, K], s_obs[K]) -> d[N]``; default :class:`RelativeEuclidean` ``()``.
    batch_size : int
        Draws simulated at once (memory bound); does not change the result.

    Returns
    -------
    Posterior
        Equally weighted accepted draws.

    Raises
    ------
    McpotError
        If no draw lies within ``epsilon``.
    """
    if epsilon is not None and quantile is not None:
        raise ValueError("give either epsilon or quantile, not both")
    if epsilon is None and quantile is None:
        quantile = 0.01
    if quantile is not None and not 0 < quantile <= 1:
        raise ValueError(f"quantile must be in (0, 1], got {quantile}")
    distance = RelativeEuclidean() if distance is None else distance
    s_obs = np.asarray(s_obs, dtype=float)
    rng, dim = _generator(seed), _dim(prior)
    keep = math.ceil(quantile * n) if quantile is not None else None
    kept_X, kept_S, kept_d = np.empty((0, dim)), np.empty((0, s_obs.size)), np.empty(0)
    for start in range(0, n, batch_size):
        X = prior.ppf(rng.random((min(batch_size, n - start), dim)))
        S = _simulate(simulate, X, s_obs.size)
        d = distance(S, s_obs)
        if keep is None:
            acc = d <= epsilon
            X, S, d = X[acc], S[acc], d[acc]
        kept_X, kept_S, kept_d = np.r_[kept_X, X], np.r_[kept_S, S], np.r_[kept_d, d]
        if keep is not None:  # running selection: stable order = (distance, draw index)
            best = np.argsort(kept_d, kind="stable")[:keep]
            kept_X, kept_S, kept_d = kept_X[best], kept_S[best], kept_d[best]
    finite = np.isfinite(kept_d)  # a simulation giving NaN is never accepted
    kept_X, kept_S, kept_d = kept_X[finite], kept_S[finite], kept_d[finite]
    if kept_d.size == 0:
        raise McpotError(f"rejection ABC: none of {n} prior draws lies within epsilon = {epsilon}")
    eps = float(kept_d.max()) if keep is not None else float(epsilon)
    rate = kept_d.size / n
    m = kept_d.size
    history = pd.DataFrame(
        {"generation": [0], "epsilon": [eps], "n_simulations": [n], "acceptance_rate": [rate], "ess": [m]}
    )
    return Posterior(
        tuple(prior.names),
        kept_X,
        np.full(m, 1.0 / m),
        kept_d,
        kept_S,
        eps,
        rate,
        n,
        "rejection",
        f"all {n} draws simulated",
        history,
        stop=ALL_DRAWS,
        target_epsilon=eps if epsilon is None else float(epsilon),
    )


PILOT_QUANTILES = (0.0001, 0.001, 0.01, 0.1, 0.5)


@dataclass(frozen=True)
class Feasibility:
    """How close plain prior draws come to the observed statistics.

    Attributes
    ----------
    n : int
        Prior draws simulated.
    quantiles : pandas.Series
        Distance quantiles of the draws (index: probability 0..1; values: distance units).
    target_epsilon : float
        The tolerance asked for.
    within_target : int
        Draws whose distance is at or below ``target_epsilon``.
    """

    n: int
    quantiles: pd.Series
    target_epsilon: float
    within_target: int

    @property
    def fraction_within(self) -> float:
        """Share of prior draws within the target (fraction 0..1): rejection ABC's acceptance rate."""
        return self.within_target / self.n

    def describe(self) -> str:
        """One line: the distance quantiles and the share of draws within the target."""
        q = ", ".join(f"{100 * p:g}% {v:.3g}" for p, v in self.quantiles.items())
        return (
            f"prior pilot ({self.n:,} draws): distance quantiles {q}; within the target "
            f"{self.target_epsilon:g}: {self.within_target} ({100 * self.fraction_within:.3g}%)"
        )


def feasibility(
    simulate: Simulator,
    prior: PriorSet,
    s_obs,
    *,
    target_epsilon: float,
    n: int = 20_000,
    seed: SeedLike,
    distance: Distance | None = None,
    quantiles: Sequence[float] = PILOT_QUANTILES,
) -> Feasibility:
    """Distances of ``n`` prior draws to ``s_obs``: is ``target_epsilon`` realistic?

    A target that no pilot draw reaches is not out of reach for SMC (it concentrates the draws), but
    the fraction within it is rejection ABC's acceptance rate, and quantiles far above the target say
    the prior and the observed statistics disagree.
    """
    distance = RelativeEuclidean() if distance is None else distance
    s_obs = np.asarray(s_obs, dtype=float)
    X = prior.ppf(_generator(seed).random((n, _dim(prior))))
    d = distance(_simulate(simulate, X, s_obs.size), s_obs)
    qs = np.asarray(quantiles, dtype=float)
    values = np.quantile(np.where(np.isfinite(d), d, np.inf), qs, method="hazen")
    return Feasibility(
        n,
        pd.Series(values, index=pd.Index(qs, name="probability"), name="distance"),
        target_epsilon,
        int(np.sum(d <= target_epsilon)),
    )
