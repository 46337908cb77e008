"""Borgonovo delta and PAWN from given data: SALib parity, known answers, dependence, seeds."""

import warnings

import numpy as np
import pytest
from SALib.analyze import delta, pawn
from SALib.test_functions import Ishigami
from scipy import stats
from threadpoolctl import threadpool_limits

from mcpot.errors import McpotError
from mcpot.sensitivity.distribution_free import (
    COLUMNS,
    RECOMMENDED_DELTA,
    delta_indices,
    pawn_indices,
    pawn_threshold,
    salib_seed,
)

N = 2000
NOISE_FLOOR = 0.1
"""Delta of an input independent of Y, as this estimator gives it at N = 2000: ~0.04-0.08 (positive
bias of the kernel-density L1 distance); ``test_dummy_...`` measures it on a permuted Y each run."""

PROBLEM2 = {"num_vars": 2, "names": ["x0", "x1"], "bounds": [[0.0, 1.0]] * 2}


def _value(table, inp, index, out="y0"):
    sel = table[(table.input == inp) & (table["index"] == index) & (table.output == out)]
    assert len(sel) == 1
    return sel.value.item(), sel.confidence.item()


@pytest.fixture(scope="module")
def dummy_sample():
    rng = np.random.default_rng(20240101)
    X = rng.random((N, 2))
    return X, X[:, 0] + 0.0 * X[:, 1], rng


@pytest.fixture(scope="module")
def small_sample():
    rng = np.random.default_rng(5)
    X = rng.random((600, 2))
    return X, np.column_stack([X[:, 0] + 0.3 * X[:, 1], np.sin(6 * X[:, 1])])


def test_delta_table_equals_salib_direct_call(small_sample):
    X, Y = small_sample
    table = delta_indices(X, Y[:, 0], seed=7, num_resamples=10, first_order=True)
    assert list(table.columns) == COLUMNS
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        S = delta.analyze(PROBLEM2, X, Y[:, 0], num_resamples=10, seed=salib_seed(7), method="all")
    for key in ("delta_raw", "delta_balanced", "S1"):
        for j, name in enumerate(PROBLEM2["names"]):
            assert _value(table, name, key) == (S[key][j], S[f"{key}_conf"][j])
    assert not (table["index"] == "delta_step").any()  # all inputs > 0: SALib's step mode is NaN
    assert table["index"].iloc[0] == RECOMMENDED_DELTA == "delta_raw"


def test_pawn_table_equals_salib_direct_call(small_sample):
    X, Y = small_sample
    table = pawn_indices(X, Y, seed=3, slices=8)
    for k in range(2):
        S = pawn.analyze(PROBLEM2, X, Y[:, k], S=8, seed=salib_seed(3))
        for key in ("minimum", "mean", "median", "maximum", "CV", "stdev"):
            for j, name in enumerate(PROBLEM2["names"]):
                assert _value(table, name, f"pawn_{key}", f"y{k}")[0] == S[key][j]
    assert table.confidence.isna().all()


def test_multi_output_equals_one_output_at_a_time(small_sample):
    X, Y = small_sample
    fmt, filters = warnings.formatwarning, list(warnings.filters)
    both = delta_indices(X, Y, seed=11, num_resamples=10, outputs=["a", "b"])
    second = delta_indices(X, Y[:, 1], seed=11, num_resamples=10, outputs=["b"])
    np.testing.assert_array_equal(both[both.output == "b"].value.to_numpy(), second.value.to_numpy())
    assert warnings.formatwarning is fmt and warnings.filters == filters  # SALib's global changes undone


@pytest.fixture
def global_rng():
    """numpy's legacy global RNG, put back as it was after the test."""
    state = np.random.get_state()  # noqa: NPY002
    yield np.random
    np.random.set_state(state)  # noqa: NPY002


def test_seed_zero_is_reproducible_and_global_rng_untouched(small_sample, global_rng):
    X, Y = small_sample
    global_rng.seed(1)
    a = delta_indices(X, Y[:, 0], seed=0, num_resamples=10)
    global_rng.seed(2)
    before = global_rng.get_state()[1].copy()
    b = delta_indices(X, Y[:, 0], seed=0, num_resamples=10)
    np.testing.assert_array_equal(global_rng.get_state()[1], before)  # global state restored
    np.testing.assert_array_equal(a.value.to_numpy(), b.value.to_numpy())
    assert salib_seed(0) == 1 and salib_seed(2**32 - 1) == 1 and salib_seed(5) == 6
    # SALib itself, given seed=0, reads the global RNG: different global states, different answers
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        global_rng.seed(1)
        s1 = delta.analyze(PROBLEM2, X, Y[:, 0], num_resamples=10, seed=0, method="delta")["delta_raw"]
        global_rng.seed(2)
        s2 = delta.analyze(PROBLEM2, X, Y[:, 0], num_resamples=10, seed=0, method="delta")["delta_raw"]
    assert not np.array_equal(s1, s2)


def test_dummy_input_has_delta_at_the_noise_floor_and_the_active_one_is_large(dummy_sample):
    X, Y, rng = dummy_sample
    table = delta_indices(X, Y, seed=1, num_resamples=20)
    null = delta_indices(X, rng.permutation(Y), seed=1, num_resamples=20)  # both inputs independent of Y
    assert (null.value < NOISE_FLOOR).all()  # the floor holds for truly independent inputs
    d1, c1 = _value(table, "x0", "delta_raw")
    d2, c2 = _value(table, "x1", "delta_raw")
    assert d2 < NOISE_FLOOR
    assert d1 > 0.8 and d1 - c1 > 10 * (d2 + c2)


def test_dummy_input_has_pawn_below_the_ks_critical_value(dummy_sample):
    X, Y, _ = dummy_sample
    table = pawn_indices(X, Y, seed=1, slices=10)
    limit = pawn_threshold(N, 10)
    assert limit == pytest.approx(1.3581 * np.sqrt(10 / N - 1 / N), rel=1e-4)
    assert _value(table, "x1", "pawn_median")[0] < limit
    assert _value(table, "x0", "pawn_median")[0] > 0.5  # KS of a slice of Y = X0 vs U(0,1): ~0.7


def test_ishigami_pawn_median_ranks_x1_x2_above_x3():
    rng = np.random.default_rng(2)
    X = rng.uniform(-np.pi, np.pi, (3000, 3))
    table = pawn_indices(X, Ishigami.evaluate(X), seed=2, names=["x1", "x2", "x3"])
    med = {n: _value(table, n, "pawn_median")[0] for n in ("x1", "x2", "x3")}
    assert min(med["x1"], med["x2"]) > med["x3"] + 0.1


def test_correlated_copy_of_the_active_input_gets_a_clear_delta():
    rng = np.random.default_rng(9)
    z = rng.standard_normal((N, 2)) @ np.linalg.cholesky([[1.0, 0.9], [0.9, 1.0]]).T
    X = stats.norm.cdf(z)  # uniform marginals, normal-score correlation 0.9
    table = delta_indices(X, X[:, 0], seed=4, num_resamples=20)
    d2, c2 = _value(table, "x1", "delta_raw")
    assert d2 > 3 * NOISE_FLOOR and d2 - c2 > 2 * NOISE_FLOOR


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, "seed: must be a non-negative integer"),
        ({"seed": 1.5}, "seed: must be a non-negative integer"),
        ({"seed": 1, "names": ["a"]}, "names: 1 names for 2 inputs"),
        ({"seed": 1, "Y": np.ones(3)}, "Y: must have 600 rows like X"),
        ({"seed": 1, "Y": np.full(600, np.nan)}, r"Y: NaN or inf in rows \[0, 1, 2, 3, 4\]"),
    ],
)
def test_bad_inputs_are_named(small_sample, kwargs, message):
    X, Y = small_sample
    kwargs = {"Y": Y[:, 0], **kwargs}
    with pytest.raises(McpotError, match="^" + message):
        pawn_indices(X, **kwargs)
