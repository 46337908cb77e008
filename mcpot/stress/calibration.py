r"""Approximate Bayesian computation (ABC): what do published figures say about the inputs?

Generic over a vectorised simulator ``simulate(X[N, D]) -> S[N, K]`` of summary statistics, a prior
that can map the unit cube to inputs and evaluate its log-density (:class:`PriorSet`), observed
statistics ``s_obs[K]`` and a distance (default :class:`RelativeEuclidean`). Pure numpy/scipy, no
I/O; every random number comes from ``numpy.random.Generator`` objects built from the seed given,
never from the global RNG.

Methods
-------
:func:`rejection`
    Draw ``n`` prior samples, simulate, keep those within a tolerance ``epsilon`` (given, or the
    ``quantile`` of the distances). Equal weights.
:func:`smc`
    ABC population Monte Carlo (ABC-PMC; Beaumont, Cornuet, Marin & Robert 2009, Biometrika 96(4);
    Toni et al. 2009, J. R. Soc. Interface 6). Generation 0 is rejection ABC keeping the best
    ``n_particles`` of ``ceil(n_particles / quantile)`` prior draws. Each later generation takes as
    tolerance the weighted ``quantile`` of the previous generation's distances (never below
    ``target_epsilon``), proposes particles by resampling the previous population by weight and
    perturbing with a Gaussian kernel of covariance twice the population's weighted covariance,
    drops proposals outside the prior's support (``logpdf = -inf``, not simulated, not counted),
    and weights the accepted ones by prior / kernel mixture,

    .. math:: w_i \propto \pi(\theta_i) \big/ \textstyle\sum_j w_j^{(t-1)} K_t(\theta_i \mid \theta_j).

    It stops when the target tolerance is reached, the tolerance stops decreasing, ``max_generations``
    is reached, or the simulation budget would be exceeded; a generation the budget cuts short is
    discarded and the last complete one returned (its ``stop_reason`` says which). Its importance
    weights degenerate when many inputs are left unconstrained (see its Notes; ``history["ess"]``).
:func:`smc_mcmc`
    Replenishment SMC-ABC (Drovandi & Pettitt 2011): the same decreasing tolerances, but particles are
    moved by Metropolis-Hastings steps and stay equally weighted, so it copes with many unconstrained
    inputs. Use it for mcpot's model (~20 inputs per sector, 6 published figures).

Proposals are drawn, checked and simulated in batches (one simulator call per batch); Python loops run
over generations and batches only.

mcpot adapters
--------------
:func:`priors_from_space`, :func:`model_simulator` and :func:`report_targets` connect the methods to
:class:`mcpot.model.space.ParameterSpace` (frozen scipy priors; a ``[[correlation]]`` Gaussian copula is
honoured in both the sampling and the density), :func:`mcpot.model.space.evaluate` and the report's published
figures (:mod:`mcpot.model.reference`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
from scipy.linalg import solve_triangular
from scipy.special import logsumexp, ndtri

from mcpot.engine.sampling import apply_copula, copula_factor
from mcpot.errors import McpotError
from mcpot.model import distributions
from mcpot.model.kernel import CATEGORIES
from mcpot.model.reference import SHARE_YEAR, published
from mcpot.model.space import ParameterSpace, evaluate, output_columns

Simulator = Callable[[np.ndarray], np.ndarray]
Distance = Callable[[np.ndarray, np.ndarray], np.ndarray]
SeedLike = int | np.random.SeedSequence

_WEIGHT_BLOCK = 1024  # rows of the [n, n] kernel matrix built at once
_MAX_BATCH_FACTOR = 20  # a proposal batch holds at most this many times n_particles
_MIN_ESS_FRACTION = 0.1  # smc warns when the final population's ESS is below this share of n_particles


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
        Frozen ``scipy.stats`` distributions or :class:`mcpot.model.distributions.Truncated`, one per input.
    copula : numpy.ndarray or None
        Cholesky factor ``L[D, D]`` of the copula's Gaussian correlation (see
        :func:`mcpot.engine.sampling.copula_factor`), or None for independent inputs.
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

    :class:`mcpot.model.distributions.Truncated` is handled here: the base density divided by the mass kept.
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
        ``"rejection"`` or ``"smc"``.
    stop_reason : str
        Why the method stopped.
    history : pandas.DataFrame
        One row per generation: generation, epsilon, n_simulations, acceptance_rate, ess.
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

    @property
    def ess(self) -> float:
        """Effective sample size ``1 / sum(w^2)``."""
        return float(1.0 / np.sum(self.weights**2))

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
        "all draws simulated",
        history,
    )


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


def smc(
    simulate: Simulator,
    prior: PriorSet,
    s_obs,
    *,
    seed: SeedLike,
    n_particles: int = 1000,
    max_simulations: int = 100_000,
    target_epsilon: float = 0.0,
    quantile: float = 0.5,
    distance: Distance | None = None,
    max_generations: int = 30,
    kernel_scale: float = 2.0,
) -> Posterior:
    """Sequential ABC (ABC-PMC, Beaumont et al. 2009) with a decreasing tolerance schedule.

    Parameters
    ----------
    simulate : callable
        ``simulate(X[N, D]) -> S[N, K]``, vectorised over rows.
    prior : PriorSet
        The prior (``names``, ``ppf``, ``logpdf``).
    s_obs : array_like, shape (K,)
        Observed statistics.
    seed : int or numpy.random.SeedSequence
        Generation ``g`` draws from child ``g`` of ``SeedSequence(seed)``; same seed, same posterior.
    n_particles : int
        Population size.
    max_simulations : int
        Simulation budget; generation 0 alone needs ``ceil(n_particles / quantile)``.
    target_epsilon : float
        Stop once a generation is accepted at this tolerance (distance units); 0 runs until another
        stopping rule applies.
    quantile : float
        Each tolerance is this weighted quantile of the previous generation's distances (0 < q < 1).
    distance : callable, optional
        ``distance(S[N, K], s_obs[K]) -> d[N]``; default :class:`RelativeEuclidean` ``()``.
    max_generations : int
        Most generations after generation 0.
    kernel_scale : float
        The perturbation kernel's covariance is this multiple of the population's weighted covariance
        (2 in Beaumont et al. 2009).

    Returns
    -------
    Posterior
        The last complete generation, importance-weighted; ``history`` lists every generation.

    Warns
    -----
    RuntimeWarning
        If the returned population's effective sample size is below 10% of ``n_particles``.

    Notes
    -----
    Importance weights degenerate when many inputs are left unconstrained by the statistics: the kernel
    mixture is then about ``1 + kernel_scale`` times wider than the prior along each such input, and each
    multiplies the effective sample size by about ``sqrt(1 + 2 c) / (1 + c)`` (c = ``kernel_scale``;
    0.75 for c = 2), so 20 free inputs leave an ESS of a few particles. Watch ``history["ess"]``; for
    such problems (mcpot's model is one) use :func:`smc_mcmc`, whose weights stay equal.
    """
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must be in (0, 1), got {quantile}")
    if n_particles < 2:
        raise ValueError(f"n_particles must be >= 2, got {n_particles}")
    distance = RelativeEuclidean() if distance is None else distance
    s_obs = np.asarray(s_obs, dtype=float)
    n0 = math.ceil(n_particles / quantile)
    if max_simulations < n0:
        raise McpotError(
            f"SMC-ABC: a budget of {max_simulations} simulations cannot fill generation 0, which needs "
            f"ceil(n_particles / quantile) = {n0}"
        )
    rngs = _child_generators(seed)
    pop = _first_generation(simulate, prior, s_obs, distance, next(rngs), n_particles, n0)
    history = [_history_row(0, pop)]
    used, reason = pop.n_sim, "max_generations reached"
    for g in range(1, max_generations + 1):
        if pop.epsilon <= target_epsilon:
            reason = "target epsilon reached"
            break
        eps = max(target_epsilon, float(weighted_quantile(pop.d, pop.w, quantile)))
        if eps >= pop.epsilon:
            reason = "tolerance stopped decreasing"
            break
        new, spent = _next_generation(
            simulate, prior, s_obs, distance, next(rngs), pop, eps, max_simulations - used, kernel_scale
        )
        used += spent
        if new is None:
            reason = f"simulation budget ({max_simulations}) exhausted during generation {g}"
            break
        pop = new
        history.append(_history_row(g, pop))
    else:
        if pop.epsilon <= target_epsilon:
            reason = "target epsilon reached"
    ess = 1.0 / np.sum(pop.w**2)
    if ess < _MIN_ESS_FRACTION * n_particles:
        warnings.warn(
            f"ABC-PMC importance weights have degenerated: ESS {ess:.0f} of {n_particles} particles, so the "
            "posterior rests on a handful of them (many inputs the statistics leave free?); use smc_mcmc",
            RuntimeWarning,
            stacklevel=2,
        )
    return Posterior(
        tuple(prior.names),
        pop.X,
        pop.w,
        pop.d,
        pop.S,
        pop.epsilon,
        pop.rate,
        used,
        "smc",
        reason,
        pd.DataFrame(history),
    )


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


def _next_generation(simulate, prior, s_obs, distance, rng, pop, eps, budget, kernel_scale):
    """One ABC-PMC generation at tolerance ``eps``; ``(None, spent)`` if ``budget`` runs out first."""
    n, dim = pop.X.shape
    L = perturbation_factor(pop.X, pop.w, kernel_scale)
    parts: list[tuple[np.ndarray, ...]] = []
    n_acc = n_prop = n_sim = 0
    rate = max(pop.rate, 1.0 / n)  # acceptance per proposal, re-estimated as batches come in
    while n_acc < n:
        if n_sim >= budget:
            return None, n_sim
        size = int(min(max(math.ceil(1.2 * (n - n_acc) / rate), 64), _MAX_BATCH_FACTOR * n))
        ancestors = rng.choice(n, size=size, p=pop.w)
        X = pop.X[ancestors] + rng.standard_normal((size, dim)) @ L.T
        logprior = prior.logpdf(X)
        inside = np.flatnonzero(np.isfinite(logprior))
        run = inside[: budget - n_sim]  # the budget may cut the batch short
        n_prop += size if run.size == inside.size else int(run[-1]) + 1
        if run.size:
            S = _simulate(simulate, X[run], s_obs.size)
            d = distance(S, s_obs)
            n_sim += run.size
            acc = d <= eps
            parts.append((X[run][acc], S[acc], d[acc], logprior[run][acc]))
            n_acc += int(acc.sum())
        rate = max(n_acc, 0.5) / n_prop
    X, S, d, logprior = (np.concatenate(a)[:n] for a in zip(*parts, strict=True))
    w = importance_weights(X, logprior, pop.X, pop.w, L)
    return _Population(X, S, d, w, logprior, eps, n_sim, n_acc / n_sim), n_sim


def importance_weights(
    X: np.ndarray, logprior: np.ndarray, X_prev: np.ndarray, w_prev: np.ndarray, L: np.ndarray
) -> np.ndarray:
    """ABC-PMC weights ``w_i ~ prior(x_i) / sum_j w_prev_j N(x_i; x_prev_j, L L^T)``, normalised.

    The Gaussian's normalising constant is the same for every ``i`` and cancels. The ``[n, n_prev]``
    Mahalanobis matrix is built in row blocks to bound memory.
    """
    A = solve_triangular(L, X.T, lower=True).T
    B = solve_triangular(L, X_prev.T, lower=True).T
    b2 = np.sum(B**2, axis=1)
    log_wprev = np.log(w_prev)
    log_mix = np.empty(X.shape[0])
    for start in range(0, X.shape[0], _WEIGHT_BLOCK):
        a = A[start : start + _WEIGHT_BLOCK]
        sq = np.maximum(np.sum(a**2, axis=1)[:, None] + b2[None, :] - 2.0 * a @ B.T, 0.0)
        log_mix[start : start + _WEIGHT_BLOCK] = logsumexp(log_wprev[None, :] - 0.5 * sq, axis=1)
    logw = logprior - log_mix
    logw -= logw.max()
    w = np.exp(logw)
    return w / w.sum()


def smc_mcmc(
    simulate: Simulator,
    prior: PriorSet,
    s_obs,
    *,
    seed: SeedLike,
    n_particles: int = 1000,
    max_simulations: int = 100_000,
    target_epsilon: float = 0.0,
    drop_fraction: float = 0.5,
    distance: Distance | None = None,
    max_generations: int = 100,
    min_acceptance: float = 0.01,
) -> Posterior:
    """Sequential ABC with MCMC moves (replenishment SMC-ABC, Drovandi & Pettitt 2011, Biometrics 67).

    Generation 0 keeps the ``n_particles`` closest of ``ceil(n_particles / (1 - drop_fraction))`` prior
    draws. Each generation then drops the ``drop_fraction`` farthest particles (the new tolerance is the
    largest distance kept), replaces them by copies of survivors drawn uniformly, and moves the copies by
    Metropolis-Hastings steps that leave the ABC posterior at that tolerance invariant: a Gaussian random
    walk with covariance ``2.38^2 / D`` x the survivors' covariance, accepted with probability
    ``min(1, prior(x') / prior(x))`` and only if the simulated distance is within the tolerance (the
    prior test comes first, so rejected moves cost no simulation). The number of sweeps ``R`` is adapted
    so that a copy stays put with probability about 1%: ``R = ceil(log 0.01 / log(1 - p))``, with ``p``
    the acceptance rate of the generation's first sweeps. Weights stay equal, so unlike :func:`smc` the
    method does not degenerate when many inputs are unconstrained.

    Parameters
    ----------
    simulate : callable
        ``simulate(X[N, D]) -> S[N, K]``, vectorised over rows.
    prior : PriorSet
        The prior (``names``, ``ppf``, ``logpdf``).
    s_obs : array_like, shape (K,)
        Observed statistics.
    seed : int or numpy.random.SeedSequence
        Generation ``g`` draws from child ``g`` of ``SeedSequence(seed)``; same seed, same posterior.
    n_particles : int
        Population size.
    max_simulations : int
        Simulation budget.
    target_epsilon : float
        Stop once the tolerance is at or below this (distance units).
    drop_fraction : float
        Fraction of particles replaced per generation (0 < a < 1).
    distance : callable, optional
        ``distance(S[N, K], s_obs[K]) -> d[N]``; default :class:`RelativeEuclidean` ``()``.
    max_generations : int
        Most generations after generation 0.
    min_acceptance : float
        Stop when the MCMC acceptance rate falls below this: the tolerance can hardly shrink further.

    Returns
    -------
    Posterior
        The last complete generation, equally weighted (copies may repeat if moves are rare:
        ``history["unique"]`` counts distinct particles). A generation the budget cuts short is discarded.
    """
    if not 0 < drop_fraction < 1:
        raise ValueError(f"drop_fraction must be in (0, 1), got {drop_fraction}")
    n_drop = int(drop_fraction * n_particles)
    if n_drop < 1 or n_particles - n_drop < 2:
        raise ValueError("n_particles * drop_fraction must leave at least 1 particle to move and 2 to keep")
    distance = RelativeEuclidean() if distance is None else distance
    s_obs = np.asarray(s_obs, dtype=float)
    n0 = math.ceil(n_particles / (1.0 - drop_fraction))
    if max_simulations < n0:
        raise McpotError(
            f"SMC-ABC: a budget of {max_simulations} simulations cannot fill generation 0, which needs "
            f"ceil(n_particles / (1 - drop_fraction)) = {n0}"
        )
    rngs = _child_generators(seed)
    pop = _first_generation(simulate, prior, s_obs, distance, next(rngs), n_particles, n0)
    history = [_history_row(0, pop) | {"sweeps": 0, "unique": n_particles}]
    used, reason, sweeps = pop.n_sim, "max_generations reached", 1
    for g in range(1, max_generations + 1):
        if pop.epsilon <= target_epsilon:
            reason = "target epsilon reached"
            break
        new, spent, sweeps = _replenish(
            simulate, prior, s_obs, distance, next(rngs), pop, n_drop, max_simulations - used, sweeps
        )
        used += spent
        if new is None:
            reason = f"simulation budget ({max_simulations}) exhausted during generation {g}"
            break
        pop = new
        unique = len(np.unique(pop.X, axis=0))
        history.append(_history_row(g, pop) | {"sweeps": sweeps, "unique": unique})
        if pop.rate < min_acceptance:
            reason = f"MCMC acceptance {pop.rate:.3g} below min_acceptance"
            break
    else:
        if pop.epsilon <= target_epsilon:
            reason = "target epsilon reached"
    return Posterior(
        tuple(prior.names),
        pop.X,
        pop.w,
        pop.d,
        pop.S,
        pop.epsilon,
        pop.rate,
        used,
        "smc_mcmc",
        reason,
        pd.DataFrame(history),
    )


_MOVE_FAILURE = 0.01  # target probability that a copy is never moved in a generation
_MAX_SWEEPS = 100


def sweeps_needed(p: float, failure: float = _MOVE_FAILURE, most: int = _MAX_SWEEPS) -> int:
    """MCMC sweeps after which a particle with move acceptance ``p`` has stayed put with probability
    ``failure``: ``ceil(log(failure) / log(1 - p))``, between 1 and ``most``."""
    if p <= 0:
        return most
    if p >= 1:
        return 1
    return int(min(max(math.ceil(math.log(failure) / math.log1p(-p)), 1), most))


def _replenish(
    simulate, prior, s_obs, distance, rng, pop: _Population, n_drop: int, budget: int, sweeps: int
):
    """One replenishment generation; returns ``(population or None, simulations spent, sweeps done)``."""
    n, dim = pop.X.shape
    order = np.argsort(pop.d, kind="stable")
    X, S, d, lp = pop.X[order], pop.S[order], pop.d[order], pop.logprior[order]
    n_keep = n - n_drop
    eps = float(d[n_keep - 1])
    moving = np.arange(n_keep, n)
    src = rng.integers(0, n_keep, size=n_drop)
    X[moving], S[moving], d[moving], lp[moving] = X[src], S[src], d[src], lp[src]
    L = perturbation_factor(X[:n_keep], np.full(n_keep, 1.0 / n_keep), 2.38**2 / dim)
    trial = max(1, sweeps // 2)
    n_sim = n_acc = n_prop = done = 0
    total = trial
    while done < total:
        Xp = X[moving] + rng.standard_normal((n_drop, dim)) @ L.T
        lpp = prior.logpdf(Xp)
        with np.errstate(invalid="ignore"):  # -inf - finite is fine; the prior test is MH's first stage
            passed = np.flatnonzero(rng.random(n_drop) < np.exp(np.minimum(lpp - lp[moving], 0.0)))
        if passed.size > budget - n_sim:
            return None, n_sim, done  # not simulated: the generation could not be completed
        if passed.size:
            Sp = _simulate(simulate, Xp[passed], s_obs.size)
            dp = distance(Sp, s_obs)
            n_sim += passed.size
            ok = dp <= eps
            rows, new = moving[passed[ok]], passed[ok]
            X[rows], S[rows], d[rows], lp[rows] = Xp[new], Sp[ok], dp[ok], lpp[new]
            n_acc += int(ok.sum())
        n_prop += n_drop
        done += 1
        if done == trial:  # adapt the number of sweeps to the acceptance seen so far
            total = max(sweeps_needed(n_acc / n_prop), trial)
    w = np.full(n, 1.0 / n)
    return _Population(X, S, d, w, lp, eps, n_sim, n_acc / n_prop), n_sim, total


def spread_ratio(posterior: Posterior, prior_samples: np.ndarray, level: float = 0.9) -> pd.DataFrame:
    """How much the data narrow each input: posterior / prior spread.

    Parameters
    ----------
    posterior : Posterior
        Weighted posterior sample.
    prior_samples : numpy.ndarray
        Equally weighted prior sample ``[M, D]`` (e.g. ``prior.ppf(U)``), columns as ``posterior.names``.
    level : float
        Central interval whose widths are compared (default the 90% interval).

    Returns
    -------
    pandas.DataFrame
        Rows: inputs (sorted by ``width_ratio``, most constrained first). Columns: ``prior_width``,
        ``posterior_width`` (central ``level`` interval, input units), ``width_ratio``, ``prior_sd``,
        ``posterior_sd``, ``sd_ratio``. A ratio near 1: the data say nothing about the input; << 1:
        the data pin it down.
    """
    prior_samples = np.asarray(prior_samples, dtype=float)
    if prior_samples.shape[1] != posterior.X.shape[1]:
        raise ValueError(
            f"prior_samples has {prior_samples.shape[1]} columns, the posterior {posterior.X.shape[1]}"
        )
    lo, hi = (1 - level) / 2, (1 + level) / 2
    prior_q = np.quantile(prior_samples, [lo, hi], axis=0)
    post_q = weighted_quantile(posterior.X, posterior.weights, [lo, hi])
    mean = posterior.weights @ posterior.X
    post_sd = np.sqrt(posterior.weights @ (posterior.X - mean) ** 2)
    prior_sd = prior_samples.std(axis=0)
    df = pd.DataFrame(
        {
            "prior_width": prior_q[1] - prior_q[0],
            "posterior_width": post_q[1] - post_q[0],
            "prior_sd": prior_sd,
            "posterior_sd": post_sd,
        },
        index=pd.Index(posterior.names, name="input"),
    )
    df.insert(2, "width_ratio", df["posterior_width"] / df["prior_width"])
    df["sd_ratio"] = df["posterior_sd"] / df["prior_sd"]
    return df.sort_values("width_ratio", kind="stable")


# --- mcpot adapters -------------------------------------------------------------------------------------


def priors_from_space(space: ParameterSpace) -> ScipyPriors:
    """The free inputs of a :class:`~mcpot.model.space.ParameterSpace` as a :class:`PriorSet`.

    ``ppf`` is the space's own (same values as :meth:`ParameterSpace.ppf`, with the ``[[correlation]]``
    Gaussian copula applied as Monte Carlo runs apply it); ``logpdf`` adds the copula density.
    """
    names = space.names
    dists = tuple(space.all_priors[n].dist for n in names)
    R = space.rank_correlation()
    copula = None if np.array_equal(R, np.eye(len(names))) else copula_factor(R)
    return ScipyPriors(names, dists, copula)


def model_simulator(space: ParameterSpace, outputs: Sequence[str], *, horizon: int = 2035) -> Simulator:
    """``simulate(X) -> S`` returning the named model outputs under the space's reading.

    Parameters
    ----------
    space : ParameterSpace
        Inputs of the model and the reading of equation (2) (``space.reading``).
    outputs : sequence of str
        Output names (see :func:`mcpot.model.space.output_columns`), e.g. ``["cement.total.2025",
        "cement.share.automatic_control.2035"]``.
    horizon : int
        Last model year.
    """
    reading = space.reading
    names = list(output_columns(space, horizon, reading)["output"])
    missing = [o for o in outputs if o not in names]
    if missing:
        raise ValueError(f"unknown model outputs {missing}; see mcpot.model.space.output_columns")
    idx = np.array([names.index(o) for o in outputs])

    def simulate(X: np.ndarray) -> np.ndarray:
        return evaluate(space, X, horizon, reading)[:, idx]

    return simulate


def report_targets(space: ParameterSpace) -> pd.Series:
    """The report's published totals (2025/2030/2035, Mt CO2/yr) and shares (read as 2035 shares,
    fractions) for the sectors of ``space``, indexed by model output name.

    Shares of a category a sector does not have (cement by-product reuse, published as 0%) are left
    out: the model has no such output.
    """
    values: dict[str, float] = {}
    for sector, pub in published().items():
        if sector not in space.sectors:
            continue
        values |= {f"{sector}.total.{y}": v for y, v in pub.totals.items()}
        included = dict(zip(CATEGORIES, space.sectors[sector].included, strict=True))
        values |= {f"{sector}.share.{c}.{SHARE_YEAR}": v for c, v in pub.shares.items() if included[c]}
    return pd.Series(values, name="report")
