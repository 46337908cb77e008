r"""Prior-refresh moves for the inputs the statistics leave free (used by :func:`smc_mcmc`).

A random walk tuned to the constrained directions mixes slowly along the free ones, and resampling then
narrows them generation after generation. A refresh move redraws a block ``F`` of inputs from their prior
marginals, independently of the current values, and is an exact Metropolis-Hastings move: with
``q_F`` the product of the marginals, it is accepted with probability

.. math:: \min\Big(1, \frac{\pi(x')\, q_F(x_F)}{\pi(x)\, q_F(x'_F)}\Big)
          \cdot 1\{d(x') \le \epsilon\},

where the density ratio is 1 for independent priors and the copula's ratio otherwise. Each generation
every copy first tries to redraw one input chosen at random; the inputs whose every trial (at least
``_MIN_TRIALS``) was accepted form ``F``, and every copy then redraws the whole block ``F`` at once: one
simulation per copy makes those inputs independent draws again. (With a stochastic simulator no input
passes every trial, and the block stays empty.) Priors that are not
:class:`~mcpot.stress.calibration.ScipyPriors` (no marginals) are left to the random walk.
"""

from __future__ import annotations

import numpy as np

from mcpot.model import distributions

from .core import ScipyPriors, _simulate, marginal_logpdf

_MIN_TRIALS = 5  # single-input trials an input needs, all accepted, to join the free block


def refresh_free_inputs(simulate, prior, s_obs, distance, rng, state, rows, eps, budget) -> tuple:
    """Single-input trials then a block refresh of ``rows`` of ``state = (X, S, d, logprior)`` (in place).

    Returns
    -------
    tuple
        ``(free, refreshed, simulations)``: boolean ``[D]`` mask of the block ``F``, boolean ``[n]`` mask
        of the particles whose block was redrawn, and the simulations spent (at most ``budget``).
    """
    X = state[0]
    free, refreshed = np.zeros(X.shape[1], bool), np.zeros(X.shape[0], bool)
    if not isinstance(prior, ScipyPriors) or rows.size == 0 or budget <= 0:
        return free, refreshed, 0
    dim = X.shape[1]
    which = rng.integers(0, dim, size=rows.size)
    blocks = np.zeros((rows.size, dim), bool)
    blocks[np.arange(rows.size), which] = True
    ok, spent = _redraw(simulate, prior, s_obs, distance, rng, state, rows, blocks, eps, budget)
    trials = np.bincount(which[: ok.size], minlength=dim)
    accepted = np.bincount(which[: ok.size][ok], minlength=dim)
    free = (trials >= _MIN_TRIALS) & (accepted == trials)
    if free.any() and spent < budget:
        ok, more = _redraw(
            simulate,
            prior,
            s_obs,
            distance,
            rng,
            state,
            rows,
            np.tile(free, (rows.size, 1)),
            eps,
            budget - spent,
        )
        refreshed[rows[: ok.size][ok]] = True
        spent += more
    return free, refreshed, spent


def _redraw(simulate, prior: ScipyPriors, s_obs, distance, rng, state, rows, blocks, eps, budget):
    """Propose ``x_j ~ marginal_j`` where ``blocks[i, j]``; MH-accept; returns ``(accepted[m], spent)``
    for the first ``m`` rows (those the budget allowed to be considered)."""
    X, S, d, lp = state
    U = rng.random(blocks.shape)
    Xp = X[rows].copy()
    log_q = np.zeros(rows.size)  # log q_F(x_F) - log q_F(x'_F)
    for j, dist in enumerate(prior.dists):
        b = blocks[:, j]
        if b.any():
            new = distributions.ppf(dist, U[b, j])
            log_q[b] += marginal_logpdf(dist, Xp[b, j]) - marginal_logpdf(dist, new)
            Xp[b, j] = new
    lpp = prior.logpdf(Xp)
    with np.errstate(invalid="ignore"):
        log_ratio = np.minimum(lpp - lp[rows] + log_q, 0.0)
        passed = np.flatnonzero(rng.random(rows.size) < np.exp(log_ratio))
    m = rows.size
    if passed.size > budget:
        passed = passed[:budget]
        m = int(passed[-1]) + 1 if passed.size else 0
    accepted = np.zeros(m, bool)
    if passed.size == 0:
        return accepted, 0
    Sp = _simulate(simulate, Xp[passed], s_obs.size)
    dp = distance(Sp, s_obs)
    ok = dp <= eps
    new = passed[ok]
    target = rows[new]
    X[target], S[target], d[target], lp[target] = Xp[new], Sp[ok], dp[ok], lpp[new]
    accepted[new] = True
    return accepted, int(passed.size)
