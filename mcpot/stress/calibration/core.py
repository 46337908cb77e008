"""Shared pieces of the ABC methods: prior and distance types, the weighted posterior, seeds, batches.

Pure numpy/scipy, no I/O; every random number comes from ``numpy.random.Generator`` objects built from
the seed given, never from the global RNG.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
from scipy.linalg import solve_triangular
from scipy.special import ndtri

from mcpot.engine.sampling import apply_copula
from mcpot.errors import McpotError
from mcpot.model import distributions

Simulator = Callable[[np.ndarray], np.ndarray]
Distance = Callable[[np.ndarray, np.ndarray], np.ndarray]
SeedLike = int | np.random.SeedSequence

# Why a method stopped (Posterior.stop); the text in Posterior.stop_reason gives the figures.
TARGET_REACHED = "target reached"
BUDGET_EXHAUSTED = "budget exhausted"
ACCEPTANCE_FLOOR = "acceptance floor"
MAX_GENERATIONS = "max generations"
ALL_DRAWS = "all draws simulated"


class PriorSet(Protocol):
    """What the ABC methods need from a prior over ``D`` inputs.

    Attributes
    ----------
    names : tuple of str
        Input names, the columns of ``X``.
    """

    names: tuple[str, ...]

    def ppf(self, U: np.ndarray) -> np.ndarray:
        """Map unit-cube samples ``U[N, D]`` to inputs ``X[N, D]``."""
        ...

    def logpdf(self, X: np.ndarray) -> np.ndarray:
        """Joint prior log-density of each row of ``X[N, D]``: ``[N]``, ``-inf`` outside the support."""
        ...


@dataclass(frozen=True)
class ScipyPriors:
    """Independent frozen scipy distributions, optionally joined by a Gaussian copula.

    Attributes
    ----------
    names : tuple of str
        Input names.
    dists : tuple
        Frozen ``scipy.stats`` distributions or :class:`mcpot.distributions.Truncated`, one per input.
    copula : numpy.ndarray or None
        Cholesky factor ``L[D, D]`` of the copula's Gaussian correlation (see
        :func:`mcpot.sampling.copula_factor`), or None for independent inputs.
    """

    names: tuple[str, ...]
    dists: tuple[object, ...]
    copula: np.ndarray | None = None

    def __post_init__(self):
        if len(self.names) != len(self.dists):
            raise ValueError(f"{len(self.names)} names but {len(self.dists)} distributions")

    def ppf(self, U: np.ndarray) -> np.ndarray:
        """Inputs ``X[N, D]`` for unit-cube samples ``U[N, D]`` (through the copula, if any)."""
        U = np.asarray(U, dtype=float)
        if self.copula is not None:
            U = apply_copula(U, self.copula)
        X = np.empty_like(U)
        for j, dist in enumerate(self.dists):
            X[:, j] = distributions.ppf(dist, U[:, j])
        return X

    def logpdf(self, X: np.ndarray) -> np.ndarray:
        """Joint log-density ``[N]`` (marginals plus the copula's), ``-inf`` outside the support."""
        X = np.asarray(X, dtype=float)
        out = np.zeros(X.shape[0])
        for j, dist in enumerate(self.dists):
            out += marginal_logpdf(dist, X[:, j])
        out[np.isnan(out)] = -np.inf
        if self.copula is not None:
            inside = np.isfinite(out)
            out[inside] += self._copula_logpdf(X[inside])
        return out

    def _copula_logpdf(self, X: np.ndarray) -> np.ndarray:
        # log c(u) = -1/2 log|R| - 1/2 z^T (R^-1 - I) z, z = Phi^-1(F(x)); L is the Cholesky factor of R.
        L = self.copula
        U = np.column_stack([np.asarray(d.cdf(X[:, j]), dtype=float) for j, d in enumerate(self.dists)])
        Z = ndtri(np.clip(U, 1e-300, 1.0 - 1e-16))
        W = solve_triangular(L, Z.T, lower=True).T  # W W^T row-wise = z^T R^-1 z
        return -np.sum(np.log(np.diag(L))) - 0.5 * (np.sum(W**2, axis=1) - np.sum(Z**2, axis=1))


def marginal_logpdf(dist, x: np.ndarray) -> np.ndarray:
    """Log-density of one frozen distribution at ``x``; ``-inf`` outside its support.

    :class:`mcpot.distributions.Truncated` is handled here: the base density divided by the mass kept.
    """
    x = np.asarray(x, dtype=float)
    if isinstance(dist, distributions.Truncated):
        out = np.full(x.shape, -np.inf)
        inside = (x >= dist.lower) & (x <= dist.upper)
        out[inside] = marginal_logpdf(dist.base, x[inside]) - np.log(dist.mass)
        return out
    with np.errstate(divide="ignore"):
        return np.asarray(dist.logpdf(x), dtype=float)


@dataclass(frozen=True)
class RelativeEuclidean:
    """Euclidean distance between scaled statistics: ``||(S - s_obs) / scale||_2``.

    Attributes
    ----------
    scale : array_like or None
        Scale of each statistic, in its unit; default ``|s_obs|`` (relative differences), which needs
        every observed statistic to be non-zero.
    """

    scale: np.ndarray | Sequence[float] | None = None

    def __call__(self, S: np.ndarray, s_obs: np.ndarray) -> np.ndarray:
        """Distances ``[N]`` of the rows of ``S[N, K]`` to ``s_obs[K]``; a NaN row is at ``inf``."""
        s_obs = np.asarray(s_obs, dtype=float)
        scale = (
            np.abs(s_obs)
            if self.scale is None
            else np.broadcast_to(np.asarray(self.scale, float), s_obs.shape)
        )
        if not np.all(np.isfinite(scale) & (scale > 0)):
            raise ValueError(
                "every statistic needs a finite positive scale; with the default (|s_obs|) an observed "
                "statistic of 0 has none: pass RelativeEuclidean(scale=...)"
            )
        d = np.sqrt(np.sum(((np.asarray(S, dtype=float) - s_obs) / scale) ** 2, axis=1))
        return np.where(np.isnan(d), np.inf, d)


@dataclass(frozen=True)
class Posterior:
    """A weighted ABC sample of the inputs.

    Attributes
    ----------
    names : tuple of str
        Input names, the columns of ``X``.
    X : numpy.ndarray
        Accepted inputs ``[n, D]``.
    weights : numpy.ndarray
        Importance weights ``[n]``, summing to 1 (equal for rejection ABC).
    distances : numpy.ndarray
        Distance of each accepted sample's statistics to the observed ones ``[n]``.
    statistics : numpy.ndarray
        Simulated statistics of the accepted samples ``[n, K]`` (the posterior predictive, for a
        deterministic simulator).
    epsilon : float
        Tolerance of the returned population (in distance units).
    acceptance_rate : float
        Accepted / simulated in the returned population's generation.
    n_simulations : int
        Simulator evaluations spent in all (including a generation cut short by the budget).
    method : str
        ``"rejection"``, ``"smc"`` (ABC-PMC) or ``"smc_mcmc"`` (replenishment SMC).
    stop_reason : str
        Why the method stopped, with the figures (one line).
    history : pandas.DataFrame
        One row per generation: generation, epsilon, n_simulations, acceptance_rate, ess (the effective
        sample, see ``effective_sample``), and method-specific columns.
    stop : str
        Why, as a code: ``"target reached"``, ``"budget exhausted"``, ``"acceptance floor"``,
        ``"max generations"`` or ``"all draws simulated"``.
    target_epsilon : float
        The tolerance asked for (distance units; 0: none).
    effective_sample : float or None
        Effective number of independent draws the population is worth (None: the importance-weight
        ESS ``1 / sum(w^2)``; :func:`smc_mcmc` also accounts for copies and MCMC autocorrelation).
    """

    names: tuple[str, ...]
    X: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    statistics: np.ndarray
    epsilon: float
    acceptance_rate: float
    n_simulations: int
    method: str
    stop_reason: str
    history: pd.DataFrame = field(repr=False)
    stop: str = ""
    target_epsilon: float = 0.0
    effective_sample: float | None = None

    @property
    def ess(self) -> float:
        """Effective sample size: ``effective_sample`` if set, else ``1 / sum(w^2)``."""
        if self.effective_sample is not None:
            return float(self.effective_sample)
        return float(1.0 / np.sum(self.weights**2))

    @property
    def reached(self) -> bool:
        """Whether the tolerance reached is at or below the target."""
        return self.epsilon <= self.target_epsilon

    def summary(self, level: float = 0.9) -> pd.DataFrame:
        """Weighted mean, sd, median and central ``level`` interval of each input (rows: inputs)."""
        lo, hi = (1 - level) / 2, (1 + level) / 2
        q = weighted_quantile(self.X, self.weights, [lo, 0.5, hi])
        mean = self.weights @ self.X
        sd = np.sqrt(self.weights @ (self.X - mean) ** 2)
        return pd.DataFrame(
            {"mean": mean, "sd": sd, "low": q[0], "median": q[1], "high": q[2]},
            index=pd.Index(self.names, name="input"),
        )

    def resample(self, n: int, seed: SeedLike) -> np.ndarray:
        """``n`` rows of ``X`` drawn with replacement by weight: an equally weighted sample ``[n, D]``."""
        idx = _generator(seed).choice(self.X.shape[0], size=n, p=self.weights)
        return self.X[idx]


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q) -> np.ndarray:
    """Weighted quantiles of each column of ``values[N, K]`` (or of a 1-D array).

    Interpolates linearly between the sorted values placed at the midpoints of their weight
    (``(cumsum(w) - w / 2) / sum(w)``); with equal weights this is the Hazen quantile. Samples of
    zero weight are ignored.

    Returns
    -------
    numpy.ndarray
        ``[len(q), K]`` (``[len(q)]`` for 1-D values; a scalar ``q`` drops that axis).
    """
    values = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    one_d = values.ndim == 1
    V = values[:, None] if one_d else values
    qs = np.atleast_1d(np.asarray(q, dtype=float))
    out = np.empty((qs.size, V.shape[1]))
    keep = w > 0  # a sample of zero weight does not count
    V, w = V[keep], w[keep]
    for k in range(V.shape[1]):
        order = np.argsort(V[:, k], kind="stable")
        cw = np.cumsum(w[order])
        positions = (cw - 0.5 * w[order]) / cw[-1]
        out[:, k] = np.interp(qs, positions, V[order, k])
    if one_d:
        out = out[:, 0]
    return out if np.ndim(q) else out[0]


def _generator(seed: SeedLike) -> np.random.Generator:
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    return np.random.default_rng(_check_seed(seed))


def _child_generators(seed: SeedLike):
    """Generator ``g`` for generation ``g``: child ``g`` of ``SeedSequence(seed)``."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(_check_seed(seed))
    g = 0
    while True:
        yield np.random.default_rng(np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, g)))
        g += 1


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise TypeError(f"seed must be a non-negative int or a numpy SeedSequence, got {seed!r}")
    return seed


def _simulate(simulate: Simulator, X: np.ndarray, n_stats: int | None) -> np.ndarray:
    S = np.asarray(simulate(X), dtype=float)
    if S.ndim != 2 or S.shape[0] != X.shape[0] or (n_stats is not None and S.shape[1] != n_stats):
        raise ValueError(
            f"simulate(X[{X.shape[0]}, {X.shape[1]}]) must return S[{X.shape[0]}, K]"
            + (f" with K = {n_stats}" if n_stats is not None else "")
            + f", got shape {S.shape}"
        )
    return S


def _dim(prior: PriorSet) -> int:
    return len(prior.names)


@dataclass
class _Population:
    X: np.ndarray
    S: np.ndarray
    d: np.ndarray
    w: np.ndarray
    logprior: np.ndarray
    epsilon: float
    n_sim: int
    rate: float


def _history_row(g: int, pop: _Population) -> dict:
    return {
        "generation": g,
        "epsilon": pop.epsilon,
        "n_simulations": pop.n_sim,
        "acceptance_rate": pop.rate,
        "ess": float(1.0 / np.sum(pop.w**2)),
    }


def _first_generation(simulate, prior, s_obs, distance, rng, n_particles, n0) -> _Population:
    """Rejection ABC keeping the ``n_particles`` closest of ``n0`` prior draws."""
    X = prior.ppf(rng.random((n0, _dim(prior))))
    S = _simulate(simulate, X, s_obs.size)
    d = distance(S, s_obs)
    best = np.argsort(d, kind="stable")[:n_particles]
    if not np.all(np.isfinite(d[best])):
        raise McpotError("SMC-ABC: too few prior draws give finite statistics to fill generation 0")
    w = np.full(n_particles, 1.0 / n_particles)
    return _Population(
        X[best], S[best], d[best], w, prior.logpdf(X[best]), float(d[best].max()), n0, n_particles / n0
    )


def perturbation_factor(X: np.ndarray, w: np.ndarray, scale: float = 2.0) -> np.ndarray:
    """Cholesky factor of a Gaussian kernel's covariance: ``scale`` x the weighted covariance of the
    population ``X[n, D]`` with weights ``w[n]``.

    A tiny ridge (relative to the mean variance) is added only if the covariance is singular.
    """
    if not scale > 0:
        raise ValueError(f"the kernel scale must be > 0, got {scale!r}")
    cov = scale * np.atleast_2d(np.cov(X, rowvar=False, aweights=w))
    ridge = 1e-12 * max(float(np.mean(np.diag(cov))), np.finfo(float).tiny)
    for _ in range(12):
        try:
            return np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            cov = cov + ridge * np.eye(cov.shape[0])
            ridge *= 10.0
    raise McpotError("SMC-ABC: the population has collapsed (singular covariance); use more particles")
