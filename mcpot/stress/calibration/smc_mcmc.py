r"""Replenishment SMC-ABC (Drovandi & Pettitt 2011, Biometrics 67) with an adaptive MCMC kernel.

Generation 0 keeps the ``n_particles`` closest of ``ceil(n_particles / (1 - drop_fraction))`` prior draws.
Each generation drops the ``drop_fraction`` farthest particles (the new tolerance is the largest distance
kept, never below the target), replaces them by copies of survivors drawn uniformly, and moves the copies
by Metropolis-Hastings steps that leave the ABC posterior at that tolerance invariant.

The kernel adapts to the population:

- the proposal is a Gaussian random walk with covariance ``h^2`` x the survivors' covariance; the scale
  ``h`` starts at ``2.38 / sqrt(D)`` and, in each generation's first (trial) sweeps, every proposal draws
  its scale from ``h x {1/2, 1/sqrt 2, 1, sqrt 2, 2}``; the scale that gains the most decorrelation per
  simulation (``sum_j min(z_j^2 / 2, 1)`` per accepted jump, ``z_j`` the jump in survivors' sds of input
  ``j``) becomes ``h`` for the rest of the generation and the next one (among the scales whose acceptance
  needs at most 300 sweeps; if none, the most accepted);
- a move is accepted with probability ``min(1, prior(x') / prior(x))`` and only if the simulated distance
  is within the tolerance (the prior test comes first: rejected moves cost no simulation);
- the number of sweeps is Drovandi & Pettitt's ``R_t = ceil(log(c) / log(1 - p_acc))``, ``c`` =
  ``move_failure`` (a copy stays put with probability ``c``), ``p_acc`` the acceptance of the trial sweeps.

It stops when the tolerance reaches the target, when the budget is spent, after ``max_generations``, or
(only if ``min_acceptance > 0``) when the acceptance falls below that floor. A generation is started only
if the budget left covers what the previous one cost; otherwise the rest of the budget moves every
particle at the current tolerance (rejuvenation sweeps, which only improve the effective sample).

Effective sample
----------------
Particles are equally weighted but correlated: copies start as duplicates and MCMC decorrelates them only
partly. The method tracks an ``[n, n]`` correlation matrix ``C`` of the particles under an AR(1) model of
the moves: generation 0 is independent (``C = I``); a copy inherits its source's row and column; a particle
that made ``m`` accepted moves in a generation has its row and column multiplied by
``rho_i = mean_j rho_j^m``, where for input ``j``

.. math:: \rho_j = 1 - \frac{E[\Delta_j^2 \mid \text{accepted}]}{2 \sigma_j^2}

(clipped to [0, 1]; ``sigma_j^2`` the survivors' variance, ``Delta_j`` an accepted jump), the correlation
of a chain before and after one accepted move; the mean runs over the inputs outside the free block
(those are redrawn independently), so the figure is that of the inputs the data inform. The effective
sample is ``n^2 / sum(C)``: ``n`` for independent particles, the number of distinct ones if nothing moved.
It is a model-based estimate; the scatter of independent populations
(:func:`mcpot.stress.calibration.replicate`)
checks it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from mcpot.errors import McpotError

from .core import (
    ACCEPTANCE_FLOOR,
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
    _Population,
    _simulate,
    perturbation_factor,
)
from .refresh import refresh_free_inputs

# Drovandi & Pettitt's c: probability that a copy is never moved in a generation. Their 0.01 means 4.6
# accepted moves per copy; 0.05 (3.0) spends ~35% fewer runs per generation and reaches a smaller tolerance
# for the same budget (steel, 200,000 runs: 0.050-0.056 against 0.077-0.107), at a smaller effective sample.
_MOVE_FAILURE = 0.05
_MAX_SWEEPS = 300
_SCALE_GRID = 2.0 ** np.array([-1.0, -0.5, 0.0, 0.5, 1.0])  # trial scales, relative to the current one


def sweeps_needed(p: float, failure: float = _MOVE_FAILURE, most: int = _MAX_SWEEPS) -> int:
    """MCMC sweeps after which a particle with move acceptance ``p`` has stayed put with probability
    ``failure``: ``ceil(log(failure) / log(1 - p))``, between 1 and ``most``."""
    if p <= 0:
        return most
    if p >= 1:
        return 1
    return int(min(max(math.ceil(math.log(failure) / math.log1p(-p)), 1), most))


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
    min_acceptance: float = 0.0,
    move_failure: float = _MOVE_FAILURE,
    on_generation: Callable[[dict], None] | None = None,
) -> Posterior:
    """Sequential ABC with adaptive MCMC moves (replenishment SMC-ABC; see the module docstring).

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
        Simulation budget (generation 0 included).
    target_epsilon : float
        Stop once the tolerance is at or below this (distance units); tolerances never go below it.
    drop_fraction : float
        Fraction of particles replaced per generation (0 < a < 1).
    distance : callable, optional
        ``distance(S[N, K], s_obs[K]) -> d[N]``; default :class:`RelativeEuclidean` ``()``.
    max_generations : int
        Most generations after generation 0.
    min_acceptance : float
        Optional floor of the MCMC acceptance rate (fraction 0..1); 0 (default): stop on the target or
        the budget only.
    move_failure : float
        Probability that a copy is never moved in a generation (``c`` of ``R_t``; 0 < c < 1); a copy makes
        ``-ln c`` accepted moves on average (default 0.05: 3.0; Drovandi & Pettitt's 0.01: 4.6).
    on_generation : callable, optional
        Called with each generation's ``history`` row (a dict) as it ends, e.g. to drive a progress
        bar; it does not change the result.

    Returns
    -------
    Posterior
        The last generation, equally weighted. ``history`` has per generation: epsilon, n_simulations,
        acceptance_rate, ess (the effective sample), unique (distinct particles), sweeps, scale.
    """
    if not 0 < drop_fraction < 1:
        raise ValueError(f"drop_fraction must be in (0, 1), got {drop_fraction}")
    if not 0 < move_failure < 1:
        raise ValueError(f"move_failure must be in (0, 1), got {move_failure}")
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
    kernel = _Kernel(np.eye(n_particles), 2.38 / math.sqrt(len(prior.names)), 1, move_failure)
    history = []

    def record(row: dict) -> None:
        history.append(row)
        if on_generation is not None:
            on_generation(row)

    record(_row(0, pop, kernel, 0))
    used, last_cost = pop.n_sim, 0
    stop, reason = MAX_GENERATIONS, f"max_generations ({max_generations}) reached"
    for g in range(1, max_generations + 1):
        if pop.epsilon <= target_epsilon:
            break
        left = max_simulations - used
        if left < max(last_cost, 1):  # too little for another generation: spend it moving everyone
            if left > 0:
                pop, spent = _sweep_all(simulate, prior, s_obs, distance, next(rngs), pop, kernel, left)
                used += spent
                record(_row(g, pop, kernel, -1))
            stop = BUDGET_EXHAUSTED
            break
        pop, last_cost = _replenish(
            simulate, prior, s_obs, distance, next(rngs), pop, n_drop, left, target_epsilon, kernel
        )
        used += last_cost
        record(_row(g, pop, kernel, kernel.sweeps))
        if pop.epsilon <= target_epsilon:
            break
        if used >= max_simulations:
            stop = BUDGET_EXHAUSTED
            break
        if pop.rate < min_acceptance:
            stop = ACCEPTANCE_FLOOR
            break
    if pop.epsilon <= target_epsilon:
        stop = TARGET_REACHED
    ess = kernel.ess()
    reason = {
        TARGET_REACHED: f"target epsilon {target_epsilon:g} reached",
        BUDGET_EXHAUSTED: f"simulation budget ({max_simulations:,}) exhausted",
        ACCEPTANCE_FLOOR: f"MCMC acceptance {pop.rate:.3g} below the floor {min_acceptance:g}",
    }.get(stop, reason)
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
        stop=stop,
        target_epsilon=float(target_epsilon),
        effective_sample=ess,
    )


class _Kernel:
    """Mutable state carried across generations: particle correlation, proposal scale, sweeps."""

    def __init__(self, C: np.ndarray, scale: float, sweeps: int, failure: float):
        self.C, self.scale, self.sweeps, self.failure = C, scale, sweeps, failure
        self.free = np.zeros(0, bool)  # inputs of the last prior-refresh block (see refresh.py)

    def ess(self) -> float:
        n = self.C.shape[0]
        return float(n * n / self.C.sum())

    def copy_rows(self, idx: np.ndarray) -> None:
        """Particle ``k`` becomes a copy of particle ``idx[k]``."""
        self.C = self.C[np.ix_(idx, idx)]
        np.fill_diagonal(self.C, 1.0)

    def decorrelate(self, moves: np.ndarray, rho: np.ndarray) -> None:
        """Particles with ``moves[i]`` accepted moves, at per-input correlation ``rho[j]`` per move."""
        informed = ~self.free if self.free.size and not self.free.all() else np.ones(rho.size, bool)
        r = np.mean(rho[None, informed] ** moves[:, None], axis=1)
        self.C *= np.outer(r, r)
        np.fill_diagonal(self.C, 1.0)


def _row(g: int, pop: _Population, kernel: _Kernel, sweeps: int) -> dict:
    return {
        "generation": g,
        "epsilon": pop.epsilon,
        "n_simulations": pop.n_sim,
        "acceptance_rate": pop.rate,
        "ess": kernel.ess(),
        "unique": len(np.unique(pop.X, axis=0)),
        "sweeps": sweeps,  # -1: rejuvenation sweeps at the previous tolerance
        "scale": kernel.scale,
        "free": int(kernel.free.sum()),  # inputs redrawn from the prior as a block (refresh.py)
    }


def _replenish(simulate, prior, s_obs, distance, rng, pop, n_drop, budget, target, kernel):
    """One replenishment generation: ``(population, simulations spent)``."""
    n = pop.X.shape[0]
    order = np.argsort(pop.d, kind="stable")
    X, S, d, lp = pop.X[order], pop.S[order], pop.d[order], pop.logprior[order]
    kernel.C = kernel.C[np.ix_(order, order)]
    eps = max(float(d[n - n_drop - 1]), float(target))
    n_keep = int(np.searchsorted(d, eps, side="right"))
    moving = np.arange(n_keep, n)
    if moving.size == 0:
        return _Population(X, S, d, pop.w, lp, eps, 0, pop.rate), 0
    src = rng.integers(0, n_keep, size=moving.size)
    X[moving], S[moving], d[moving], lp[moving] = X[src], S[src], d[src], lp[src]
    kernel.copy_rows(np.r_[np.arange(n_keep), src])
    state = (X, S, d, lp)
    L = perturbation_factor(X[:n_keep], np.full(n_keep, 1.0 / n_keep), 1.0)
    trial = max(1, kernel.sweeps // 2)
    tally = _moves(simulate, prior, s_obs, distance, rng, state, moving, eps, L, kernel, budget, trial, True)
    kernel.sweeps = max(sweeps_needed(tally.p_chosen, kernel.failure), trial)
    rest = kernel.sweeps - trial
    if rest > 0 and tally.n_sim < budget:
        tally = _moves(
            simulate, prior, s_obs, distance, rng, state, moving, eps, L, kernel, budget, rest, False, tally
        )
    kernel.free, _, spent = refresh_free_inputs(
        simulate, prior, s_obs, distance, rng, state, moving, eps, budget - tally.n_sim
    )
    kernel.decorrelate(tally.moves, tally.rho(L, X[:n_keep]))
    n_sim = tally.n_sim + spent
    return _Population(X, S, d, pop.w, lp, eps, n_sim, tally.rate), n_sim


def _sweep_all(simulate, prior, s_obs, distance, rng, pop, kernel, budget):
    """Move every particle at the current tolerance until ``budget`` simulations are spent."""
    n = pop.X.shape[0]
    state = (pop.X.copy(), pop.S.copy(), pop.d.copy(), pop.logprior.copy())
    L = perturbation_factor(pop.X, pop.w, 1.0)
    rows = np.arange(n)
    tally = _moves(
        simulate, prior, s_obs, distance, rng, state, rows, pop.epsilon, L, kernel, budget, _MAX_SWEEPS
    )
    kernel.decorrelate(tally.moves, tally.rho(L, pop.X))
    X, S, d, lp = state
    return _Population(X, S, d, pop.w, lp, pop.epsilon, tally.n_sim, tally.rate), tally.n_sim


class _Tally:
    """Counts of one generation's MCMC moves."""

    def __init__(self, n: int, dim: int):
        self.moves = np.zeros(n)  # accepted moves per particle (all n; zero for those not moving)
        self.jump2 = np.zeros(dim)  # sum of accepted squared jumps per input
        self.n_sim = self.n_acc = self.n_prop = 0
        self.p_chosen = 0.0  # acceptance of the scale the trial sweeps chose
        # per trial scale: decorrelation gained (see _decorrelation), simulations, accepted, proposed
        self.by_scale = np.zeros((4, _SCALE_GRID.size))

    @property
    def rate(self) -> float:
        return self.n_acc / max(self.n_prop, 1)

    def rho(self, L: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Per-input correlation before/after one accepted move (clipped to [0, 1])."""
        if self.n_acc == 0:
            return np.ones(self.jump2.size)
        var = np.maximum(np.var(X, axis=0, ddof=1), np.finfo(float).tiny)
        return np.clip(1.0 - self.jump2 / self.n_acc / (2.0 * var), 0.0, 1.0)


def _choose_scale(kernel: _Kernel, tally: _Tally) -> None:
    """Set ``kernel.scale`` to the trial scale that gains the most decorrelation per simulation, among
    those whose acceptance per proposal needs at most ``_MAX_SWEEPS`` sweeps (else the most accepted)."""
    gain, sims, acc, prop = tally.by_scale
    if tally.n_acc == 0:
        kernel.scale *= _SCALE_GRID[0]  # nothing accepted: smaller steps
        tally.p_chosen = 0.0
        return
    p = acc / np.maximum(prop, 1.0)
    fast = p >= 1.0 - kernel.failure ** (1.0 / _MAX_SWEEPS)
    best = (
        int(np.argmax(np.where(fast, gain / np.maximum(sims, 1.0), -1.0)))
        if fast.any()
        else int(np.argmax(p))
    )
    kernel.scale *= _SCALE_GRID[best]
    tally.p_chosen = float(p[best])


def _decorrelation(step: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """What each accepted jump ``step[m, D]`` is worth: ``sum_j min(z_j^2 / 2, 1)``, ``z = step / sd``.

    ``1 - z^2 / 2`` is the correlation left after the jump (see the module docstring), so a jump larger
    than ``sqrt(2)`` sd along an input is worth no more than one that size.
    """
    return np.sum(np.minimum(0.5 * (step / sd) ** 2, 1.0), axis=1)


def _moves(
    simulate,
    prior,
    s_obs,
    distance,
    rng,
    state,
    rows,
    eps,
    L,
    kernel,
    budget,
    sweeps,
    trial=False,
    tally=None,
):
    """``sweeps`` MH sweeps over ``rows`` of ``state = (X, S, d, logprior)`` (changed in place).

    In trial sweeps every proposal draws its scale from the grid and the best scale (decorrelation per
    simulation) becomes ``kernel.scale``. Stops early once ``budget`` simulations are spent (the
    last sweep then simulates only the first proposals: a subset chosen without looking at outcomes).
    """
    X, S, d, lp = state
    dim = X.shape[1]
    tally = _Tally(X.shape[0], dim) if tally is None else tally
    sd = np.sqrt(np.maximum(np.sum(L**2, axis=1), np.finfo(float).tiny))  # marginal sds of L L^T
    for _ in range(sweeps):
        if tally.n_sim >= budget:
            break
        k = rng.integers(0, _SCALE_GRID.size, size=rows.size) if trial else np.full(rows.size, 2)
        Z = rng.standard_normal((rows.size, dim))
        step = (kernel.scale * _SCALE_GRID[k])[:, None] * (Z @ L.T)
        Xp = X[rows] + step
        lpp = prior.logpdf(Xp)
        with np.errstate(invalid="ignore"):  # -inf - finite is fine; the prior test is MH's first stage
            passed = np.flatnonzero(rng.random(rows.size) < np.exp(np.minimum(lpp - lp[rows], 0.0)))
        used = rows.size
        if passed.size > budget - tally.n_sim:  # the budget cuts the sweep short
            passed = passed[: budget - tally.n_sim]
            used = int(passed[-1]) + 1 if passed.size else 0
        tally.n_prop += used
        np.add.at(tally.by_scale[3], k[:used], 1.0)
        if passed.size == 0:
            continue
        Sp = _simulate(simulate, Xp[passed], s_obs.size)
        dp = distance(Sp, s_obs)
        tally.n_sim += passed.size
        ok = dp <= eps
        new = passed[ok]
        target = rows[new]
        X[target], S[target], d[target], lp[target] = Xp[new], Sp[ok], dp[ok], lpp[new]
        tally.n_acc += new.size
        tally.moves[target] += 1
        tally.jump2 += np.sum(step[new] ** 2, axis=0)
        np.add.at(tally.by_scale[1], k[passed], 1.0)
        np.add.at(tally.by_scale[0], k[new], _decorrelation(step[new], sd))
        np.add.at(tally.by_scale[2], k[new], 1.0)
    if trial:
        _choose_scale(kernel, tally)
    return tally
