r"""Prior-refresh moves for the inputs the statistics leave free (used by :func:`smc_mcmc`).

A random walk tuned to the constrained directions mixes slowly along the free ones, and resampling then
narrows them generation after generation. A refresh move redraws a block ``F`` of inputs from their
prior, independently of the current values. ``F`` is always a union of whole *components* of the prior:
single inputs, or sets of inputs joined by the ``[[correlation]]`` copula (which are independent of every
other input a priori). The proposal is then the prior of ``F`` itself, so the Metropolis-Hastings ratio

.. math:: \frac{\pi(x')\, q_F(x_F)}{\pi(x)\, q_F(x'_F)} = 1

and the move is accepted exactly when the simulated statistics stay within the tolerance,
``d(x') <= epsilon``. Each generation every copy first tries to redraw one component chosen at random;
the components whose every trial (at least ``_MIN_TRIALS``) was accepted form ``F``, and every copy then
redraws the whole block ``F`` at once: one simulation per copy makes those inputs independent draws from
their prior again (a correlated emission path is redrawn as a path). With a stochastic simulator no
component passes every trial, and the block stays empty. Priors that are not
:class:`~mcpot.stress.calibration.ScipyPriors` (no marginals) are left to the random walk.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import connected_components

from mcpot.engine.sampling import apply_copula
from mcpot.model import distributions

from .core import ScipyPriors, _simulate

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
    labels = components(prior)
    n_comp = int(labels.max()) + 1
    which = rng.integers(0, n_comp, size=rows.size)
    blocks = labels[None, :] == which[:, None]
    ok, spent = _redraw(simulate, prior, s_obs, distance, rng, state, rows, blocks, eps, budget)
    trials = np.bincount(which[: ok.size], minlength=n_comp)
    accepted = np.bincount(which[: ok.size][ok], minlength=n_comp)
    free = ((trials >= _MIN_TRIALS) & (accepted == trials))[labels]
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


def components(prior: ScipyPriors) -> np.ndarray:
    """Component label ``[D]`` of every input: inputs joined (directly or not) by the copula share one."""
    dim = len(prior.names)
    if prior.copula is None:
        return np.arange(dim)
    R = prior.copula @ prior.copula.T
    return connected_components(np.abs(R) > 1e-12, directed=False)[1]


def _redraw(simulate, prior: ScipyPriors, s_obs, distance, rng, state, rows, blocks, eps, budget):
    """Redraw, for each row ``i``, the inputs where ``blocks[i]`` (whole components) from their joint
    prior; accept when the statistics stay within ``eps``. Returns ``(accepted[m], spent)`` for the first
    ``m`` rows (those the budget allowed to be considered)."""
    X, S, d, lp = state
    U = rng.random(blocks.shape)
    if prior.copula is not None:
        U = apply_copula(U, prior.copula)  # a joint prior draw: its components' sub-vectors are exact
    Xp = X[rows].copy()
    for j, dist in enumerate(prior.dists):
        b = blocks[:, j]
        if b.any():
            Xp[b, j] = distributions.ppf(dist, U[b, j])
    lpp = prior.logpdf(Xp)
    # proposal = prior of the block (whole components): the MH density ratio is 1 inside the support
    rng.random(rows.size)  # keeps the stream of the former MH draw, so independent priors are unchanged
    passed = np.flatnonzero(np.isfinite(lpp))
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
