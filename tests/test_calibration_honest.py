"""Known-answer tests of what mcpot's ABC tells the user: stop reasons, effective sample, verdicts.

The conjugate Gaussian: a mean mu ~ N(0, 1), one statistic s = mu + N(0, SD_S^2) (the mean of the data),
observed S_OBS. The exact posterior is N(S_OBS / (1 + SD_S^2), SD_S^2 / (1 + SD_S^2)): mean 0.455, sd
0.300. Nuisance inputs on N(0, 1) do not enter the statistic and must keep their prior.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mcpot.errors import McpotError
from mcpot.stress import calibration as abc
from mcpot.stress.calibration.smc_mcmc import _Kernel

SD_S = 0.3145
S_OBS = np.array([0.5])
EXACT_MEAN = S_OBS[0] / (1 + SD_S**2)
EXACT_SD = np.sqrt(SD_S**2 / (1 + SD_S**2))  # 0.300
UNIT = abc.RelativeEuclidean(scale=[1.0])
UNIFORM_SD = np.sqrt(1 / 12)  # sd of U(0, 1)


def _conjugate(n_nuisance: int) -> abc.ScipyPriors:
    names = ("mu", *(f"nuisance{i}" for i in range(n_nuisance)))
    return abc.ScipyPriors(names, (stats.norm(0, 1),) * (1 + n_nuisance))


def _noisy(seed: int):
    rng = np.random.default_rng(seed)
    return lambda X: X[:, :1] + SD_S * rng.standard_normal((X.shape[0], 1))


def _populations(n_nuisance: int, seed: int, replicates: int = 4):
    return abc.replicate(
        abc.smc_mcmc, _noisy(100 + seed), _conjugate(n_nuisance), S_OBS, seed=seed, replicates=replicates,
        n_particles=500, max_simulations=20_000, target_epsilon=0.05, distance=UNIT,
    )  # fmt: skip


@pytest.mark.parametrize("n_nuisance", [0, 4])
def test_smc_mcmc_recovers_the_conjugate_gaussian_posterior_at_three_seeds(n_nuisance):
    prior = _conjugate(n_nuisance)
    prior_X = prior.ppf(np.random.default_rng(0).random((20_000, len(prior.names))))
    seen = []
    for seed in (1, 2, 3):
        posts = _populations(n_nuisance, seed)
        pooled = abc.pool(posts)
        summary = pooled.summary()
        assert summary.loc["mu", "mean"] == pytest.approx(EXACT_MEAN, abs=0.05)
        assert summary.loc["mu", "sd"] == pytest.approx(EXACT_SD, rel=0.15)
        table = abc.verdicts(posts, prior_X)
        assert table.loc["mu", "verdict"] == abc.CONSTRAINED  # exact width ratio 0.30
        assert (table.replicates == 4).all()
        nuisance = table.drop(index="mu")
        assert not (nuisance.verdict == abc.CONSTRAINED).any()
        np.testing.assert_allclose(nuisance.sd_ratio, 1.0, atol=0.06)
        seen.append(dict(table.verdict))
    assert seen[0] == seen[1] == seen[2]  # the same verdict for every input at three seeds


def test_abc_pmc_refuses_a_collapsed_population():
    """With nuisance inputs ABC-PMC's importance weights collapse: it stops loudly, it never returns it."""
    with pytest.raises(McpotError, match="collapsed"):
        abc.smc(
            _noisy(1), _conjugate(12), S_OBS, seed=1, n_particles=500, max_simulations=20_000,
            target_epsilon=0.05, distance=UNIT,
        )  # fmt: skip


def _deterministic(X):
    """Two statistics of the first two inputs; the other inputs are free."""
    return np.c_[X[:, 0] + X[:, 1], X[:, 0] - X[:, 1]]


def _uniform(d: int) -> abc.ScipyPriors:
    return abc.ScipyPriors(tuple(f"x{i}" for i in range(d)), (stats.uniform(0, 1),) * d)


S_DET = np.array([0.85, 0.35])  # x0 = 0.6, x1 = 0.25


def test_stop_reasons_are_labelled_by_what_happened():
    run = dict(seed=4, n_particles=400, distance=abc.RelativeEuclidean(scale=[1.0, 1.0]))
    first = abc.smc_mcmc(_deterministic, _uniform(3), S_DET, max_generations=1, **run)
    target = 1.1 * first.epsilon  # reached in generation 1, whose acceptance is also below the floor
    post = abc.smc_mcmc(_deterministic, _uniform(3), S_DET, target_epsilon=target, min_acceptance=0.99, **run)
    assert post.epsilon == pytest.approx(target) and post.reached
    assert post.stop == abc.TARGET_REACHED
    floor = abc.smc_mcmc(_deterministic, _uniform(3), S_DET, target_epsilon=1e-6, min_acceptance=0.99, **run)
    assert floor.stop == abc.ACCEPTANCE_FLOOR and not floor.reached
    budget = abc.smc_mcmc(
        _deterministic, _uniform(3), S_DET, target_epsilon=1e-6, max_simulations=9000, **run
    )
    assert budget.stop == abc.BUDGET_EXHAUSTED
    assert budget.n_simulations == 9000  # the whole budget is used, none is left idle
    assert budget.epsilon < floor.epsilon  # no floor: it gets further
    assert budget.target_epsilon == 1e-6 and "exhausted" in budget.stop_reason


def test_generation_callback_sees_every_history_row_and_changes_nothing():
    run = dict(
        seed=4, n_particles=400, distance=abc.RelativeEuclidean(scale=[1.0, 1.0]), max_simulations=9000
    )
    rows = []
    watched = abc.smc_mcmc(_deterministic, _uniform(3), S_DET, on_generation=rows.append, **run)
    plain = abc.smc_mcmc(_deterministic, _uniform(3), S_DET, **run)
    assert pd.DataFrame(rows).equals(watched.history)
    assert sum(r["n_simulations"] for r in rows) == watched.n_simulations == 9000  # what the bar counts
    np.testing.assert_array_equal(watched.X, plain.X)


def test_free_inputs_keep_their_prior_and_are_refreshed_as_a_block():
    post = abc.smc_mcmc(
        _deterministic, _uniform(6), S_DET, seed=2, n_particles=1000, max_simulations=40_000,
        distance=abc.RelativeEuclidean(scale=[1.0, 1.0]),
    )  # fmt: skip
    assert post.history["free"].iloc[-1] == 4  # x2..x5 found free
    np.testing.assert_allclose(post.X[:, 2:].std(axis=0), UNIFORM_SD, rtol=0.03)
    np.testing.assert_allclose(post.X[:, :2].mean(axis=0), [0.6, 0.25], atol=0.01)


def test_free_inputs_joined_by_the_copula_are_refreshed_as_a_path():
    """x2..x5 free, x3-x4-x5 a correlated path (rank rho 0.8 / 0.6 / 0.8, like an emission path): the
    path is one component of the prior, redrawn jointly, so it keeps its prior sds and its correlation."""
    from mcpot.engine.sampling import copula_factor
    from mcpot.stress.calibration.refresh import components

    rank = np.eye(6)
    rank[3, 4] = rank[4, 3] = rank[4, 5] = rank[5, 4] = 0.8
    rank[3, 5] = rank[5, 3] = 0.6
    prior = abc.ScipyPriors(tuple(f"x{i}" for i in range(6)), (stats.uniform(0, 1),) * 6, copula_factor(rank))
    np.testing.assert_array_equal(components(prior), [0, 1, 2, 3, 3, 3])
    post = abc.smc_mcmc(
        _deterministic, prior, S_DET, seed=2, n_particles=1000, max_simulations=40_000,
        distance=abc.RelativeEuclidean(scale=[1.0, 1.0]),
    )  # fmt: skip
    assert post.history["free"].iloc[-1] == 4  # x2 alone and the path x3..x5
    np.testing.assert_allclose(post.X[:, 2:].std(axis=0), UNIFORM_SD, rtol=0.03)
    prior_rank = stats.spearmanr(prior.ppf(np.random.default_rng(0).random((20_000, 6)))[:, 3:]).statistic
    post_rank = stats.spearmanr(post.X[:, 3:]).statistic
    np.testing.assert_allclose(post_rank, prior_rank, atol=0.05)


def test_effective_sample_counts_copies_and_moves():
    kernel = _Kernel(np.eye(4), 1.0, 1, 0.01)
    kernel.copy_rows(np.array([0, 1, 0, 0]))  # families of 3 and 1 identical particles
    assert kernel.ess() == pytest.approx(16 / (9 + 1))
    kernel.decorrelate(np.array([0, 0, 1, 0]), np.array([0.0]))  # one copy moved to independence
    assert kernel.ess() == pytest.approx(16 / (4 + 2))  # particles 0 and 3 still identical
    post = abc.smc_mcmc(_noisy(3), _conjugate(2), S_OBS, seed=3, max_simulations=30_000, distance=UNIT)
    assert post.ess < post.history["unique"].iloc[-1] <= 1000  # correlated particles count for less
    assert post.history["ess"].iloc[0] == 1000 and post.history["ess"].iloc[-1] == pytest.approx(post.ess)


def test_feasibility_pilot_known_fractions():
    """x ~ U(0, 1), s = x, s_obs = 0.5: |x - 0.5| <= 0.1 has probability 0.2; its median is 0.25."""
    feas = abc.feasibility(
        lambda X: X, _uniform(1), np.array([0.5]), target_epsilon=0.1, n=40_000, seed=1,
        distance=abc.RelativeEuclidean(scale=[1.0]), quantiles=(0.1, 0.5),
    )  # fmt: skip
    assert feas.fraction_within == pytest.approx(0.2, abs=0.01)
    np.testing.assert_allclose(feas.quantiles.to_numpy(), [0.05, 0.25], atol=0.01)
    assert "within the target 0.1" in feas.describe()


def test_replicate_batches_draw_the_same_populations_as_one_call():
    def first_draws(*, seed):
        return np.random.default_rng(seed).random(3)

    whole = abc.replicate(first_draws, seed=11, replicates=5)
    parts = abc.replicate(first_draws, seed=11, replicates=2) + abc.replicate(
        first_draws, seed=11, replicates=3, start=2
    )
    np.testing.assert_array_equal(np.array(whole), np.array(parts))
    spawned = [np.random.default_rng(c).random(3) for c in np.random.SeedSequence(11).spawn(5)]
    np.testing.assert_array_equal(np.array(whole), np.array(spawned))  # the children spawn() gives


def test_settled_verdicts_by_hand():
    # ratio, half-width of the interval, standard error, verdict
    rows = {
        "far below": (0.30, 0.05, 0.02, abc.CONSTRAINED),  # clears 0.5 by 0.15 >= 1 se: settled
        "just below": (0.44, 0.05, 0.02, abc.CONSTRAINED),  # clears it by 0.01 < 1 se: not yet
        "above": (0.80, 0.10, 0.03, abc.NOT_CONSTRAINED),  # clears it by 0.2: settled
        "on it, wide": (0.50, 0.12, 0.04, abc.UNDECIDED),  # interval +-0.12 > 0.05: not yet
        "on it, narrow": (0.52, 0.04, 0.013, abc.UNDECIDED),  # +-0.04 <= 0.05: settled
    }
    table = pd.DataFrame(
        [
            {"width_ratio": r, "width_ratio_low": r - h, "width_ratio_high": r + h, "width_ratio_se": se,
             "verdict": v}
            for r, h, se, v in rows.values()
        ],
        index=list(rows),
    )  # fmt: skip
    got = abc.settled(table, threshold=0.5, resolution=0.05)
    assert got.to_dict() == {
        "far below": True, "just below": False, "above": True, "on it, wide": False, "on it, narrow": True
    }  # fmt: skip
