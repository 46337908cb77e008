"""Tests of mcpot.abc on models with known posteriors, and on mcpot's own model with a known truth."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mcpot.engine.sampling import apply_copula, copula_factor
from mcpot.errors import McpotError
from mcpot.model.distributions import Truncated
from mcpot.model.priors import load_priors
from mcpot.model.space import ParameterSpace
from mcpot.stress import calibration as abc

SIGMA = 0.3  # noise sd of the linear-Gaussian test model
THETA = np.array([0.8, -0.5, 0.3])  # truth; the third input does not enter the statistics
UNIT = abc.RelativeEuclidean(scale=[1.0, 1.0])  # s_obs is near 0: absolute differences


def _gaussian_prior() -> abc.ScipyPriors:
    return abc.ScipyPriors(("a", "b", "c"), (stats.norm(0, 1), stats.norm(0, 1), stats.uniform(-2, 4)))


def _noisy_simulator(seed: int):
    """s = (a, b) + N(0, SIGMA^2) noise, from its own seeded stream: c is unconstrained."""
    rng = np.random.default_rng(seed)
    return lambda X: X[:, :2] + SIGMA * rng.standard_normal((X.shape[0], 2))


S_OBS = THETA[:2] + SIGMA * np.random.default_rng(1).standard_normal(2)
# Exact posterior of (a, b): N(s / (1 + SIGMA^2), SIGMA^2 / (1 + SIGMA^2)); c keeps its U(-2, 2) prior.
EXACT_MEAN = S_OBS / (1 + SIGMA**2)
EXACT_SD = np.sqrt(SIGMA**2 / (1 + SIGMA**2))


def _linear_posterior(seed: int = 3) -> abc.Posterior:
    return abc.smc(
        _noisy_simulator(2),
        _gaussian_prior(),
        S_OBS,
        seed=seed,
        n_particles=1000,
        max_simulations=40_000,
        distance=UNIT,
    )


def test_smc_recovers_the_exact_linear_gaussian_posterior():
    post = _linear_posterior()
    assert np.sum(post.weights) == pytest.approx(1.0)
    assert post.n_simulations <= 40_000
    assert post.history["epsilon"].is_monotonic_decreasing
    summary = post.summary(level=0.9)
    assert np.all((summary["low"] <= THETA) & (THETA <= summary["high"]))  # 90% intervals cover the truth
    np.testing.assert_allclose(summary["mean"][:2], EXACT_MEAN, atol=0.06)
    # ABC at epsilon > 0 widens the posterior a little (here ~10%).
    np.testing.assert_allclose(summary["sd"][:2], EXACT_SD, rtol=0.2)


def test_spread_ratio_tells_constrained_from_unconstrained_inputs():
    post = _linear_posterior()
    prior_samples = _gaussian_prior().ppf(np.random.default_rng(5).random((20_000, 3)))
    ratio = abc.spread_ratio(post, prior_samples)
    assert ratio.index[-1] == "c"  # sorted: most constrained first
    assert ratio.loc["c", "width_ratio"] == pytest.approx(1.0, abs=0.1)
    assert ratio.loc["c", "sd_ratio"] == pytest.approx(1.0, abs=0.1)
    for name in ("a", "b"):  # exact: sd ratio 0.287, width ratio 0.287
        assert ratio.loc[name, "width_ratio"] < 0.4
        assert ratio.loc[name, "sd_ratio"] < 0.4


def test_same_seed_same_posterior_other_seed_another():
    first, again, other = _linear_posterior(3), _linear_posterior(3), _linear_posterior(4)
    np.testing.assert_array_equal(first.X, again.X)
    np.testing.assert_array_equal(first.weights, again.weights)
    assert first.n_simulations == again.n_simulations
    assert not np.array_equal(first.X, other.X)


def _deterministic(X):
    """Three statistics of three inputs on U(0, 1)^3: the exact posterior is a point."""
    return np.c_[X[:, 0] + X[:, 1], X[:, 0] - X[:, 1], X[:, 2] ** 2]


UNIFORM3 = abc.ScipyPriors(("x", "y", "z"), (stats.uniform(0, 1),) * 3)
S_DET = _deterministic(np.array([[0.6, 0.25, 0.7]]))[0]


@pytest.mark.parametrize("method", [abc.smc, abc.smc_mcmc])
def test_smc_reaches_a_smaller_tolerance_than_rejection_for_the_same_budget(method):
    post = method(_deterministic, UNIFORM3, S_DET, seed=8, n_particles=500, max_simulations=30_000)
    rej = abc.rejection(
        _deterministic, UNIFORM3, S_DET, n=post.n_simulations, quantile=500 / post.n_simulations, seed=8
    )
    assert rej.X.shape[0] == 500
    assert post.epsilon < 0.5 * rej.epsilon  # here about 4x smaller
    assert np.all((post.X >= 0) & (post.X <= 1))  # particles outside the prior's support were dropped
    np.testing.assert_allclose(post.weights @ post.X, [0.6, 0.25, 0.7], atol=0.01)
    assert np.sum(post.weights) == pytest.approx(1.0)


def test_rejection_tolerance_rules_and_batching():
    sim = _deterministic
    by_quantile = abc.rejection(sim, UNIFORM3, S_DET, n=5000, quantile=0.02, seed=1)
    assert by_quantile.X.shape[0] == 100
    assert by_quantile.acceptance_rate == pytest.approx(0.02)
    assert np.all(by_quantile.distances <= by_quantile.epsilon)
    batched = abc.rejection(sim, UNIFORM3, S_DET, n=5000, quantile=0.02, seed=1, batch_size=777)
    np.testing.assert_array_equal(by_quantile.X, batched.X)
    by_epsilon = abc.rejection(sim, UNIFORM3, S_DET, n=5000, epsilon=by_quantile.epsilon, seed=1)
    np.testing.assert_array_equal(np.sort(by_epsilon.distances), np.sort(by_quantile.distances))
    assert by_epsilon.weights.sum() == pytest.approx(1.0)
    with pytest.raises(McpotError, match="within epsilon"):
        abc.rejection(sim, UNIFORM3, S_DET, n=100, epsilon=1e-9, seed=1)
    with pytest.raises(ValueError, match="either epsilon or quantile"):
        abc.rejection(sim, UNIFORM3, S_DET, n=100, epsilon=0.1, quantile=0.1, seed=1)


def test_smc_stops_at_the_target_and_respects_the_budget():
    post = abc.smc(_deterministic, UNIFORM3, S_DET, seed=2, n_particles=200, target_epsilon=0.05)
    assert post.epsilon == pytest.approx(0.05)
    assert post.stop == abc.TARGET_REACHED and post.reached
    tight = abc.smc(_deterministic, UNIFORM3, S_DET, seed=2, n_particles=200, max_simulations=3000)
    assert tight.n_simulations <= 3000
    assert "budget" in tight.stop_reason and tight.stop == abc.BUDGET_EXHAUSTED
    with pytest.raises(McpotError, match="generation 0"):
        abc.smc(_deterministic, UNIFORM3, S_DET, seed=2, n_particles=200, max_simulations=300)


def test_relative_distance_and_weighted_quantile():
    d = abc.RelativeEuclidean()(np.array([[110.0, 0.5], [100.0, np.nan]]), np.array([100.0, 0.4]))
    assert d[0] == pytest.approx(np.hypot(0.1, 0.25))
    assert d[1] == np.inf
    with pytest.raises(ValueError, match="scale"):
        abc.RelativeEuclidean()(np.ones((1, 2)), np.array([1.0, 0.0]))
    x = np.random.default_rng(0).normal(size=(999, 2))
    q = abc.weighted_quantile(x, np.ones(999), [0.05, 0.5, 0.95])
    np.testing.assert_allclose(q, np.quantile(x, [0.05, 0.5, 0.95], axis=0, method="hazen"))
    # Samples of zero weight do not count; a heavier sample pulls the quantiles towards it.
    v = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(abc.weighted_quantile(v, [0.0, 1.0, 0.0], [0.1, 0.9]), [2.0, 2.0])
    assert abc.weighted_quantile(v, [1.0, 1.0, 8.0], 0.5) > abc.weighted_quantile(v, [1.0, 1.0, 1.0], 0.5)


def test_prior_density_with_copula_and_truncation():
    R = np.array([[1.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 1.0]])  # Spearman
    L = copula_factor(R)
    prior = abc.ScipyPriors(("u", "v", "w"), (stats.norm(0, 1),) * 3, L)
    X = prior.ppf(np.random.default_rng(0).random((50, 3)))
    # Normal marginals + Gaussian copula = multivariate normal with the copula's Pearson correlation.
    exact = stats.multivariate_normal(np.zeros(3), L @ L.T).logpdf(X)
    np.testing.assert_allclose(prior.logpdf(X), exact, rtol=1e-10)
    trunc = Truncated(stats.norm(0, 1), -1.0, 2.0)
    x = np.array([-1.5, -0.5, 0.0, 1.9, 2.1])
    expected = stats.truncnorm(-1.0, 2.0).logpdf(x)
    np.testing.assert_allclose(abc.marginal_logpdf(trunc, x), expected)


def test_mcpot_adapters_follow_the_parameter_space():
    space = ParameterSpace(load_priors(sectors=("cement",)))
    prior = abc.priors_from_space(space)
    U = np.random.default_rng(0).random((20, space.dim))
    # the bundled priors correlate the emission years: the adapter applies the same copula as the engine
    correlated = apply_copula(U, copula_factor(space.rank_correlation()))
    np.testing.assert_allclose(prior.ppf(U), space.ppf(correlated), rtol=1e-12)
    assert np.all(np.isfinite(prior.logpdf(space.ppf(U))))
    targets = abc.report_targets(space)
    assert targets["cement.total.2035"] == 60.0
    assert "cement.share.byproduct_reuse.2035" not in targets  # the category is absent
    with pytest.raises(ValueError, match="unknown model outputs"):
        abc.model_simulator(space, ["cement.total.2099"])


def test_smc_on_the_cement_model_recovers_a_known_truth():
    """Synthetic published-like figures from one prior draw; the totals' posterior predictive comes back
    within a few % and the 90% intervals of the reduction factors cover the truth."""
    space = ParameterSpace(load_priors(sectors=("cement",)))
    prior = abc.priors_from_space(space)
    outputs = list(abc.report_targets(space).index)  # totals 2025/2030/2035, 2035 shares
    simulate = abc.model_simulator(space, outputs)
    # a typical truth (each input between its prior quartiles): one draw from the whole prior put
    # energy_management.RF near the 99th percentile of its posterior at most seeds
    X_true = prior.ppf(0.25 + 0.5 * np.random.default_rng(1).random((1, space.dim)))
    s_true = simulate(X_true)[0]

    post = abc.smc_mcmc(
        simulate, prior, s_true, seed=11, n_particles=400, max_simulations=50_000, target_epsilon=0.05
    )
    assert post.epsilon < 0.1
    totals = [outputs.index(f"cement.total.{y}") for y in (2025, 2030, 2035)]
    low, median, high = abc.weighted_quantile(post.statistics[:, totals], post.weights, [0.05, 0.5, 0.95])
    np.testing.assert_allclose(median, s_true[totals], rtol=0.03)
    assert np.all(low > 0.92 * s_true[totals]) and np.all(high < 1.08 * s_true[totals])

    summary = post.summary()
    rf = [n for n in space.names if n.endswith(".RF")]
    truth = dict(zip(space.names, X_true[0], strict=True))
    cols = [space.names.index(n) for n in rf]
    lo, hi = abc.weighted_quantile(post.X[:, cols], post.weights, [0.01, 0.99])
    for j, name in enumerate(rf):  # one truth per input: its 98% interval, not the 90% of summary()
        assert lo[j] <= truth[name] <= hi[j], name
    assert all(summary.loc[n, "low"] <= summary.loc[n, "high"] for n in rf)

    ratio = abc.spread_ratio(post, prior.ppf(np.random.default_rng(2).random((20_000, space.dim))))
    emissions = [n for n in space.names if ".emissions." in n]  # totals and shares do not depend on them
    assert np.all(ratio.loc[emissions, "sd_ratio"] > 0.75)


def test_pmc_weights_degenerate_with_many_free_inputs_and_mcmc_copes():
    """20 inputs, one constrained: ABC-PMC's kernel mixture is ~3x wider than the prior along each free
    input, so its ESS collapses (0.75^19 of n) and it refuses to return; the MCMC variant copes."""
    prior = abc.ScipyPriors(tuple(f"x{i}" for i in range(20)), (stats.norm(0, 1),) * 20)
    simulate = lambda X: X[:, :1]  # noqa: E731
    s_obs = np.array([0.5])
    with pytest.raises(McpotError, match="collapsed"):
        abc.smc(simulate, prior, s_obs, seed=1, n_particles=500, max_simulations=20_000)
    pmc = abc.smc(simulate, prior, s_obs, seed=1, n_particles=500, max_simulations=20_000, min_ess=0.0)
    assert pmc.ess < 50  # what the floor refuses to return
    mcmc = abc.smc_mcmc(simulate, prior, s_obs, seed=1, n_particles=500, max_simulations=20_000)
    assert np.all(mcmc.weights == 1 / 500)
    assert mcmc.history["unique"].iloc[-1] > 400 and mcmc.history["free"].iloc[-1] == 19
    assert abs(mcmc.weights @ mcmc.X[:, 0] - 0.5) < 0.05
    free = mcmc.X[:, 1:]
    assert np.all(np.abs(free.std(axis=0) - 1) < 0.25)  # the free inputs keep their N(0, 1) prior
