"""Randomised-QMC Sobol' intervals: coverage of analytic indices, estimators, seeds, reuse."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy.stats import t as student_t

from mcpot.errors import McpotError
from mcpot.sensitivity import sobol
from mcpot.sensitivity import sobol_replicates as sr
from mcpot.sensitivity import testfunctions as tf
from mcpot.sensitivity.sobol.convergence import next_step


def test_coverage_of_nominal_95_percent_intervals_on_ishigami():
    # 40 seeds x (3 S1 + 3 ST) intervals, N = 2^9 total base points, 8 replicates of 64
    hits = []
    for seed in range(40):
        res = sr.analyze_replicates(
            tf.ishigami, tf.ishigami_ppf, 3, 2**9, outputs=["y"], replicates=8, seed=seed
        )
        hits.append(np.abs(res.S1[0] - tf.ISHIGAMI_S1) <= res.S1_conf[0])
        hits.append(np.abs(res.ST[0] - tf.ISHIGAMI_ST) <= res.ST_conf[0])
    coverage = np.mean(hits)
    assert 0.88 <= coverage <= 0.99, coverage


def test_coverage_on_sobol_g():
    hits = []
    for seed in range(30):
        res = sr.analyze_replicates(
            tf.sobol_g, tf.sobol_g_ppf, 6, 2**9, outputs=["g"], replicates=8, seed=seed
        )
        hits.append(np.abs(res.S1[0] - tf.sobol_g_first_order()) <= res.S1_conf[0])
        hits.append(np.abs(res.ST[0] - tf.sobol_g_total_order()) <= res.ST_conf[0])
    assert 0.88 <= np.mean(hits) <= 0.99, np.mean(hits)


def _design_and_outputs(second_order=False, seed=3, n=2**8, replicates=4):
    design = sr.replicate_design(3, n, replicates=replicates, second_order=second_order, seed=seed)
    return design, tf.ishigami(tf.ishigami_ppf(design.U))


def test_replicates_are_saltelli_designs_with_spawned_seeds_and_sobol_estimators():
    design, Y = _design_and_outputs(second_order=True)
    assert design.seeds == sr.replicate_seeds(3, 4) and len(set(design.seeds)) == 4
    assert design.U.shape == (4 * sobol.design_rows(3, 64, second_order=True), 3)
    res = sr.replicate_indices(Y, design)
    rows = design.rows
    for r, s in enumerate(design.seeds):
        block = design.U[r * rows : (r + 1) * rows]
        assert_array_equal(block, sobol.saltelli_design(3, 64, second_order=True, seed=s))
        one = sobol.sobol_indices(
            Y[r * rows : (r + 1) * rows], d=3, n=64, second_order=True, seed=0, num_resamples=2
        )
        assert_array_equal(res.S1_replicates[r], one.S1)
        assert_array_equal(res.ST_replicates[r], one.ST)
        assert_array_equal(res.S2_replicates[r], one.S2)
    # the interval is mean +- t_{R-1, 0.975} sd / sqrt(R)
    reps = res.ST_replicates
    assert_array_equal(res.ST, reps.mean(axis=0))
    half = student_t.ppf(0.975, 3) * reps.std(axis=0, ddof=1) / 2.0
    np.testing.assert_allclose(res.ST_conf, half, rtol=1e-15)
    assert abs(res.S2[0, 0, 2] - tf.ISHIGAMI_S13) <= res.S2_conf[0, 0, 2] + 0.05
    assert np.isnan(res.S2[0, 1, 0])


def test_replicate_seeds_do_not_depend_on_the_number_of_replicates():
    assert sr.replicate_seeds(7, 16)[:8] == sr.replicate_seeds(7, 8)
    assert sr.replicate_seeds(7, 8) != sr.replicate_seeds(8, 8)


def test_bitwise_reproducible_and_independent_of_the_evaluator():
    a = sr.analyze_replicates(tf.ishigami, tf.ishigami_ppf, 3, 2**8, outputs=["y"], seed=5)

    def chunked(f, X):
        return np.concatenate([f(X[i : i + 100]) for i in range(0, X.shape[0], 100)])

    b = sr.analyze_replicates(tf.ishigami, tf.ishigami_ppf, 3, 2**8, outputs=["y"], seed=5, evaluate=chunked)
    assert_array_equal(a.S1_replicates, b.S1_replicates)
    assert_array_equal(a.ST_conf, b.ST_conf)
    c = sr.analyze_replicates(tf.ishigami, tf.ishigami_ppf, 3, 2**8, outputs=["y"], seed=6)
    assert not np.array_equal(a.S1, c.S1)


def test_bootstrap_beside_is_todays_bootstrap_on_the_pooled_rows():
    design, Y = _design_and_outputs()
    res = sr.replicate_indices(Y, design, num_resamples=200)
    pooled = sobol.sobol_indices(Y, d=3, n=design.n_total, num_resamples=200, seed=design.seed)
    assert_array_equal(res.bootstrap.ST_conf, pooled.ST_conf)


def test_converge_reuses_evaluations_and_reaches_the_target():
    calls = []

    def counted(X):
        calls.append(X.shape[0])
        return tf.ishigami(X)

    out = sr.converge_replicates(
        counted, tf.ishigami_ppf, 3, outputs=["y"], target_ci=0.05, max_samples=10**6, n_start=2**8, seed=2
    )
    replicates = out.history[-1][3]
    assert out.reached and out.evaluations == sum(calls) == replicates * 5 * (out.n_total // replicates)
    assert out.history[-1][2] < 0.05 <= out.history[-2][2]
    assert np.max(out.result.ST_conf) < 0.05
    # grown or doubled, the result is the analysis of the final design from scratch
    direct = sr.analyze_replicates(
        tf.ishigami, tf.ishigami_ppf, 3, out.n_total, outputs=["y"], seed=2, replicates=replicates
    )
    assert_array_equal(direct.ST, out.result.ST)
    assert_array_equal(direct.S1_conf, out.result.S1_conf)
    stopped = sr.converge_replicates(
        tf.ishigami, tf.ishigami_ppf, 3, outputs=["y"], target_ci=1e-6, max_samples=4000, n_start=2**8, seed=2
    )
    assert not stopped.reached and stopped.evaluations == 2560 and "max_samples=4000" in stopped.reason


def test_next_step_adds_just_enough_replicates_or_doubles():
    # sd = 0.06 sqrt(8) / t_7 = 0.07177; t_9 sd / sqrt(10) = 0.0513 > 0.05, t_10 sd / sqrt(11) = 0.0482
    assert next_step(8, 64, 0.06, 0.05, 0.95, 32) == (11, 64)
    # a target 3x off needs ~9x the replicates: more than doubling them, so double the points
    assert next_step(8, 64, 0.15, 0.05, 0.95, 32) == (8, 128)
    # at least a quarter more replicates per step, and never past the cap
    assert next_step(8, 64, 0.0501, 0.05, 0.95, 32) == (10, 64)
    assert next_step(8, 64, 0.06, 0.05, 0.95, 10) == (8, 128)
    # too few points per replicate for their bias to be negligible: double
    assert next_step(8, 32, 0.0501, 0.05, 0.95, 32) == (8, 64)


def test_converged_intervals_cover_despite_stopping_on_them():
    """Stopping when the estimated half-width first dips below the target could make the final
    intervals too short; on Ishigami over 30 seeds they still cover at about the nominal 95%."""
    hits = []
    for seed in range(30):
        res = sr.converge_replicates(
            tf.ishigami, tf.ishigami_ppf, 3, outputs=["y"], target_ci=0.05, max_samples=2**22, seed=seed
        ).result
        hits += list(np.abs(res.S1[0] - tf.ISHIGAMI_S1) <= res.S1_conf[0])
        hits += list(np.abs(res.ST[0] - tf.ISHIGAMI_ST) <= res.ST_conf[0])
    assert 0.88 <= np.mean(hits) <= 0.99


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 2**8, "replicates": 1}, "replicates must be an integer >= 2"),
        ({"n": 300, "replicates": 4}, "power of two"),
        ({"n": 2**8, "replicates": 3}, "multiple of replicates"),
        ({"n": 2**8, "replicates": 4, "seed": -1}, "seed must be"),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    with pytest.raises(McpotError, match=message):
        sr.replicate_design(3, **{"seed": 0, **kwargs})


def test_wrong_number_of_rows_is_rejected():
    design, Y = _design_and_outputs()
    with pytest.raises(ValueError, match="rows"):
        sr.replicate_indices(Y[:-1], design)
