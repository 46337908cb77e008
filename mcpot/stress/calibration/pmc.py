r"""ABC population Monte Carlo (ABC-PMC; Beaumont, Cornuet, Marin & Robert 2009, Biometrika 96(4)).

Its importance weights degenerate when the statistics leave many inputs free, so it refuses to return a
collapsed population: a generation whose effective sample falls below ``min_ess`` raises
:class:`mcpot.errors.McpotError`. Use :func:`mcpot.stress.calibration.smc_mcmc` for such problems.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.linalg import solve_triangular
from scipy.special import logsumexp

from mcpot.errors import McpotError

from .core import (
    BUDGET_EXHAUSTED,
    MAX_GENERATIONS,
    TARGET_REACHED,
    Distance,
    Posterior,
    PriorSet,
    RelativeEuclidean,
    SeedLike,
    Simulator,
    _child_generators,
    _first_generation,
    _history_row,
    _Population,
    _simulate,
    perturbation_factor,
    weighted_quantile,
)

_WEIGHT_BLOCK = 1024  # rows of the [n, n] kernel matrix built at once
_MAX_BATCH_FACTOR = 20  # a proposal batch holds at most this many times n_particles


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
    min_ess: float = 0.1,
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
    min_ess : float
        Floor of the importance-weight effective sample ``1 / sum(w^2)``, as a fraction of
        ``n_particles`` (0..1); a generation below it stops the method with an error.

    Returns
    -------
    Posterior
        The last complete generation, importance-weighted; ``history`` lists every generation.

    Raises
    ------
    McpotError
        If a generation's effective sample falls below ``min_ess * n_particles``: the weights have
        collapsed onto a few particles, and such a population is never returned.

    Notes
    -----
    Importance weights degenerate when many inputs are left unconstrained by the statistics: the kernel
    mixture is then about ``1 + kernel_scale`` times wider than the prior along each such input, and each
    multiplies the effective sample size by about ``sqrt(1 + 2 c) / (1 + c)`` (c = ``kernel_scale``;
    0.75 for c = 2), so 20 free inputs leave an ESS of a few particles: the ``min_ess`` floor stops it.
    For such problems (mcpot's model is one) use :func:`smc_mcmc`, whose weights stay equal.
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
    if not 0 <= min_ess <= 1:
        raise ValueError(f"min_ess must be a fraction in [0, 1], got {min_ess}")
    used, stop, reason = pop.n_sim, MAX_GENERATIONS, f"max_generations ({max_generations}) reached"
    for g in range(1, max_generations + 1):
        if pop.epsilon <= target_epsilon:
            stop, reason = TARGET_REACHED, f"target epsilon {target_epsilon:g} reached"
            break
        eps = max(target_epsilon, float(weighted_quantile(pop.d, pop.w, quantile)))
        if eps >= pop.epsilon:
            stop, reason = MAX_GENERATIONS, "tolerance stopped decreasing"
            break
        new, spent = _next_generation(
            simulate, prior, s_obs, distance, next(rngs), pop, eps, max_simulations - used, kernel_scale
        )
        used += spent
        if new is None:
            stop = BUDGET_EXHAUSTED
            reason = f"simulation budget ({max_simulations}) exhausted during generation {g}"
            break
        pop = new
        history.append(_history_row(g, pop))
        ess = 1.0 / np.sum(pop.w**2)
        if ess < min_ess * n_particles:
            raise McpotError(
                f"ABC-PMC: the importance weights collapsed in generation {g} (effective sample "
                f"{ess:.0f} of {n_particles} particles, below min_ess = {min_ess:g}); the statistics "
                "leave many inputs free: use smc_mcmc"
            )
    else:
        if pop.epsilon <= target_epsilon:
            stop, reason = TARGET_REACHED, f"target epsilon {target_epsilon:g} reached"
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
        stop=stop,
        target_epsilon=float(target_epsilon),
    )


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
