"""Tests of mcpot.sensitivity.sobol against analytic indices and against SALib."""

from __future__ import annotations

import dataclasses
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import sobol as salib_analyze
from SALib.sample import sobol as salib_sample

from mcpot.errors import McpotError, ModelOutputError
from mcpot.sensitivity import sobol
from mcpot.sensitivity.testfunctions import (
    ISHIGAMI_S1,
    ISHIGAMI_S13,
    ISHIGAMI_ST,
    ishigami,
    ishigami_ppf,
    sobol_g,
    sobol_g_first_order,
    sobol_g_ppf,
    sobol_g_total_order,
)

G_A = np.array([0.0, 1.0, 4.5, 9.0, 99.0, 99.0])
SEED = 20240611


def _two_outputs(X: np.ndarray) -> np.ndarray:
    """A two-output test model on the unit cube: Ishigami and a product with interactions."""
    y0 = ishigami(ishigami_ppf(X[:, :3]))
    y1 = X[:, 0] * X[:, 1] + np.exp(X[:, 3]) + 0.3 * X[:, 2] ** 2
    return np.c_[y0, y1]


def _problem(d: int, groups: list[str] | None = None) -> dict:
    return {
        "num_vars": d,
        "names": [f"x{i}" for i in range(d)],
        "bounds": [[0.0, 1.0]] * d,
        "groups": groups,
    }


def _assert_covered(value, conf, low, high, truth) -> None:
    """The analytic value lies in both the normal-approximation and the percentile interval."""
    assert np.all(np.abs(value - truth) <= conf), (value, conf, truth)
    assert np.all((low <= truth) & (truth <= high)), (low, high, truth)


# --------------------------------------------------------------------------------------- design
@pytest.mark.parametrize("second_order", [False, True])
def test_design_is_salib_design_and_seed_zero_is_reproducible(second_order: bool) -> None:
    U0 = sobol.saltelli_design(4, 64, second_order=second_order, seed=0)
    expected = salib_sample.sample(_problem(4), 64, calc_second_order=second_order, seed=0)
    np.testing.assert_array_equal(U0, expected)
    np.testing.assert_array_equal(U0, sobol.saltelli_design(4, 64, second_order=second_order, seed=0))
    assert not np.array_equal(U0, sobol.saltelli_design(4, 64, second_order=second_order, seed=1))
    assert U0.shape == (sobol.design_rows(4, 64, second_order=second_order), 4)
    assert np.all((U0 > 0) & (U0 < 1))


def test_design_for_2n_starts_with_design_for_n() -> None:
    small = sobol.saltelli_design(3, 32, second_order=False, seed=5)
    large = sobol.saltelli_design(3, 64, second_order=False, seed=5)
    np.testing.assert_array_equal(large[: small.shape[0]], small)


def test_grouped_design_moves_group_columns_together() -> None:
    groups = ["g1", "g1", "g2", "g3"]
    U = sobol.saltelli_design(4, 16, second_order=True, seed=3, groups=groups)
    assert U.shape == (16 * (2 * 3 + 2), 4)
    blocks = U.reshape(16, 8, 4)
    A, B, AB1 = blocks[:, 0], blocks[:, -1], blocks[:, 1]
    np.testing.assert_array_equal(AB1[:, :2], B[:, :2])
    np.testing.assert_array_equal(AB1[:, 2:], A[:, 2:])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 100}, "power of two"),
        ({"seed": -1}, "seed"),
        ({"seed": None}, "seed"),
        ({"groups": ["a", "a", "a"]}, "two groups"),
        ({"groups": ["a", "b"]}, "one group per input"),
    ],
)
def test_design_rejects_bad_arguments(kwargs: dict, message: str) -> None:
    args = {"d": 3, "n": 64, "second_order": False, "seed": 0} | kwargs
    with pytest.raises(McpotError, match=message):
        sobol.saltelli_design(**args)


# ------------------------------------------------------------------------------------- analytic
def test_ishigami_first_and_total_order_within_intervals() -> None:
    res = sobol.analyze(ishigami, ishigami_ppf, 3, 2**13, outputs=["y"], seed=SEED)
    _assert_covered(res.S1[0], res.S1_conf[0], res.S1_low[0], res.S1_high[0], ISHIGAMI_S1)
    _assert_covered(res.ST[0], res.ST_conf[0], res.ST_low[0], res.ST_high[0], ISHIGAMI_ST)
    assert res.names == ("x0", "x1", "x2")
    assert res.outputs == ("y",)


def test_ishigami_second_order_s13_within_interval() -> None:
    res = sobol.analyze(ishigami, ishigami_ppf, 3, 2**12, outputs=["y"], second_order=True, seed=SEED)
    truth = np.array([0.0, ISHIGAMI_S13, 0.0])
    j, k = np.triu_indices(3, k=1)
    _assert_covered(res.S2[0, j, k], res.S2_conf[0, j, k], res.S2_low[0, j, k], res.S2_high[0, j, k], truth)
    assert np.isnan(res.S2[0][np.tril_indices(3)]).all()


def test_sobol_g_first_and_total_order_within_intervals() -> None:
    res = sobol.analyze(lambda X: sobol_g(X, G_A), sobol_g_ppf, G_A.size, 2**13, outputs=["g"], seed=SEED)
    S1, ST = sobol_g_first_order(G_A), sobol_g_total_order(G_A)
    _assert_covered(res.S1[0], res.S1_conf[0], res.S1_low[0], res.S1_high[0], S1)
    _assert_covered(res.ST[0], res.ST_conf[0], res.ST_low[0], res.ST_high[0], ST)
    # the ranking of the inputs is recovered
    assert list(np.argsort(-res.ST[0])[:4]) == [0, 1, 2, 3]


# ------------------------------------------------------------------------------ SALib agreement
@pytest.mark.parametrize(
    ("second_order", "groups"),
    [(False, None), (True, None), (False, ["a", "b", "a", "c"]), (True, ["a", "b", "a", "c"])],
)
def test_point_estimates_match_salib(second_order: bool, groups: list[str] | None) -> None:
    d, n = 4, 2**9
    U = sobol.saltelli_design(d, n, second_order=second_order, seed=11, groups=groups)
    Y = _two_outputs(U)
    res = sobol.sobol_indices(Y, d=d, n=n, second_order=second_order, num_resamples=50, seed=1, groups=groups)
    g = 3 if groups else d
    assert res.S1.shape == (2, g)
    for m in range(2):
        ref = salib_analyze.analyze(
            _problem(d, groups), Y[:, m], calc_second_order=second_order, num_resamples=10, seed=1
        )
        np.testing.assert_allclose(res.S1[m], ref["S1"], rtol=0, atol=1e-10)
        np.testing.assert_allclose(res.ST[m], ref["ST"], rtol=0, atol=1e-10)
        if second_order:
            np.testing.assert_allclose(res.S2[m], ref["S2"], rtol=0, atol=1e-10)
        else:
            assert res.S2 is None and res.S2_conf is None
    if groups:
        assert res.names == ("a", "b", "c")


def test_normal_half_widths_close_to_salib() -> None:
    d, n = 4, 2**10
    U = sobol.saltelli_design(d, n, second_order=True, seed=2)
    Y = _two_outputs(U)
    res = sobol.sobol_indices(Y, d=d, n=n, second_order=True, num_resamples=1000, seed=3)
    j, k = np.triu_indices(d, k=1)
    for m in range(2):
        ref = salib_analyze.analyze(_problem(d), Y[:, m], calc_second_order=True, num_resamples=1000, seed=4)
        np.testing.assert_allclose(res.S1_conf[m], ref["S1_conf"], rtol=0.15)
        np.testing.assert_allclose(res.ST_conf[m], ref["ST_conf"], rtol=0.15)
        np.testing.assert_allclose(res.S2_conf[m, j, k], ref["S2_conf"][j, k], rtol=0.15)


def test_resampled_estimates_are_salib_estimators_on_our_resamples() -> None:
    """White box: each resample equals SALib's estimator applied to the resampled blocks."""
    d, n, R, seed = 3, 2**8, 70, 9
    U = sobol.saltelli_design(d, n, second_order=True, seed=1)
    Y = _two_outputs(np.c_[U, U[:, :1]])
    blk = sobol.estimators._split(Y, n, d, True)
    s1, st, s2 = sobol.bootstrap._bootstrap(blk, R, seed, 1, "loky")
    seqs = np.random.SeedSequence(seed).spawn(len(sobol.bootstrap._batches(R, n)))
    idx = np.concatenate(
        [
            np.random.default_rng(sq).integers(0, n, size=(size, n), dtype=np.int64)
            for sq, (_, size) in zip(seqs, sobol.bootstrap._batches(R, n), strict=True)
        ]
    ).T  # SALib's layout: r[N, R]
    for m in range(2):
        A, B, AB, BA = blk.A[m], blk.B[m], blk.AB[m].T, blk.BA[m].T
        for jj in range(d):
            ref1 = salib_analyze.first_order(A[idx], AB[idx, jj], B[idx])
            reft = salib_analyze.total_order(A[idx], AB[idx, jj], B[idx])
            np.testing.assert_allclose(s1[:, m, jj], ref1, rtol=0, atol=1e-12)
            np.testing.assert_allclose(st[:, m, jj], reft, rtol=0, atol=1e-12)
        for p, (jj, kk) in enumerate(zip(*np.triu_indices(d, k=1), strict=True)):
            ref2 = salib_analyze.second_order(A[idx], AB[idx, jj], AB[idx, kk], BA[idx, jj], B[idx])
            np.testing.assert_allclose(s2[:, m, p], ref2, rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------------- determinism
def _fields(res: sobol.SobolIndices) -> dict[str, np.ndarray]:
    return {
        f.name: getattr(res, f.name)
        for f in dataclasses.fields(res)
        if isinstance(getattr(res, f.name), np.ndarray)
    }


def test_bitwise_identical_for_any_n_jobs_and_repeat() -> None:
    d, n = 4, 2**11
    U = sobol.saltelli_design(d, n, second_order=True, seed=0)
    Y = _two_outputs(U)
    kw = {"d": d, "n": n, "second_order": True, "num_resamples": 300, "seed": 0}
    one = sobol.sobol_indices(Y, n_jobs=1, **kw)
    two = sobol.sobol_indices(Y, n_jobs=2, **kw)
    again = sobol.sobol_indices(Y, n_jobs=1, **kw)
    other = sobol.sobol_indices(Y, n_jobs=1, **(kw | {"seed": 1}))
    for key, value in _fields(one).items():
        assert np.array_equal(value, getattr(two, key), equal_nan=True), key
        assert np.array_equal(value, getattr(again, key), equal_nan=True), key
    np.testing.assert_array_equal(one.S1, other.S1)  # same data, same point estimates
    assert not np.array_equal(one.S1_conf, other.S1_conf)  # different resamples


def test_analyze_seed_zero_reproducible_and_differs_from_seed_one() -> None:
    def run(seed: int) -> sobol.SobolIndices:
        return sobol.analyze(ishigami, ishigami_ppf, 3, 2**8, outputs=["y"], seed=seed)

    zero, zero_again, one = run(0), run(0), run(1)
    for key, value in _fields(zero).items():
        assert np.array_equal(value, getattr(zero_again, key)), key
    assert not np.array_equal(zero.S1, one.S1)
    assert not np.array_equal(zero.S1_conf, one.S1_conf)


# ------------------------------------------------------------------------------- model failures
def test_nan_output_raises_naming_row_and_output() -> None:
    U = sobol.saltelli_design(4, 2**6, second_order=False, seed=0)
    Y = _two_outputs(U)
    Y[17, 1] = np.nan
    Y[40, 1] = np.inf
    with pytest.raises(ModelOutputError, match=r"rows \(0-based\): 17, 40; outputs: cost"):
        sobol.sobol_indices(Y, d=4, n=2**6, seed=0, outputs=["ghg", "cost"])


def test_analyze_nan_reports_inputs_of_offending_row() -> None:
    def model(X: np.ndarray) -> np.ndarray:
        y = X.sum(axis=1)
        return np.where(X[:, 0] > 0.9, np.nan, y)

    with pytest.raises(ModelOutputError, match=r"outputs: y; inputs of row \d+: alpha=0\.9"):
        sobol.analyze(model, lambda U: U, 2, 2**6, outputs=["y"], seed=0, names=["alpha", "b"])


def test_wrong_number_of_rows_is_rejected() -> None:
    with pytest.raises(ValueError, match="rows"):
        sobol.sobol_indices(np.ones(99), d=3, n=16, seed=0)


def test_evaluate_hook_is_used() -> None:
    calls: list[int] = []

    def evaluate(f, X):
        calls.append(X.shape[0])
        return np.concatenate([f(chunk) for chunk in np.array_split(X, 3)])

    res = sobol.analyze(ishigami, ishigami_ppf, 3, 2**6, outputs=["y"], seed=0, evaluate=evaluate)
    ref = sobol.analyze(ishigami, ishigami_ppf, 3, 2**6, outputs=["y"], seed=0)
    assert calls == [2**6 * 5]
    np.testing.assert_array_equal(res.S1, ref.S1)


# ------------------------------------------------------------------------------------- results
def test_to_frame_is_tidy() -> None:
    U = sobol.saltelli_design(4, 2**7, second_order=True, seed=0)
    res = sobol.sobol_indices(
        _two_outputs(U),
        d=4,
        n=2**7,
        second_order=True,
        num_resamples=20,
        seed=0,
        names=["a", "b", "c", "d"],
        outputs=["ghg", "cost"],
    )
    frame = res.to_frame()
    assert list(frame.columns) == ["output", "parameter", "index", "value", "conf", "low", "high"]
    assert len(frame) == 2 * (4 + 4 + 6)
    assert set(frame["index"]) == {"S1", "ST", "S2"}
    row = frame[(frame.output == "cost") & (frame.parameter == "b|d")]
    assert len(row) == 1 and row["value"].item() == res.S2[1, 1, 3]
    st = frame[(frame.output == "ghg") & (frame["index"] == "ST")].set_index("parameter")
    pd.testing.assert_series_equal(
        st["conf"],
        pd.Series(res.ST_conf[0], index=pd.Index(list("abcd"), name="parameter")),
        check_names=False,
    )


def test_result_is_frozen() -> None:
    U = sobol.saltelli_design(3, 2**5, second_order=False, seed=0)
    res = sobol.sobol_indices(ishigami(ishigami_ppf(U)), d=3, n=2**5, num_resamples=10, seed=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.S1 = res.ST  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        res.S1[0, 0] = 1.0


def test_constant_output_gives_zero_indices_like_salib() -> None:
    U = sobol.saltelli_design(3, 2**6, second_order=False, seed=0)
    Y = np.c_[ishigami(ishigami_ppf(U)), np.full(U.shape[0], 2.5)]
    with pytest.warns(RuntimeWarning, match="constant"):
        res = sobol.sobol_indices(Y, d=3, n=2**6, num_resamples=10, seed=0)
    assert np.all(res.S1[1] == 0) and np.all(res.ST_conf[1] == 0)


def test_bootstrap_memory_stays_bounded_at_benchmark_size() -> None:
    """N=8192, D=26, M=5: the bootstrap's temporaries stay well below 200 MB."""
    d, n, m = 26, 2**13, 5
    Y = np.random.default_rng(0).standard_normal((n * (d + 2), m))
    tracemalloc.start()
    try:
        sobol.sobol_indices(Y, d=d, n=n, num_resamples=2 * sobol.bootstrap._batch_size(n), seed=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200 * 2**20, peak / 2**20


# ---------------------------------------------------------------------------------- convergence
def test_converge_stops_when_target_reached() -> None:
    conv = sobol.converge(
        ishigami,
        ishigami_ppf,
        3,
        outputs=["y"],
        n_start=2**7,
        target_ci=0.1,
        max_samples=10**6,
        num_resamples=200,
        seed=0,
    )
    assert conv.reached, conv.reason
    assert "target reached" in conv.reason
    last = conv.history[conv.history.n == conv.n]
    assert (last[last["index"].isin(["S1", "ST"])]["conf"] < 0.1).all()
    assert conv.evaluations == conv.n * 5
    assert sorted(conv.history.n.unique()) == [2**7 * 2**i for i in range(conv.history.n.nunique())]
    assert list(conv.history.columns[:7]) == [
        "n",
        "evaluations",
        "output",
        "parameter",
        "index",
        "value",
        "conf",
    ]


def test_converge_stops_at_max_samples_and_reuses_evaluations() -> None:
    evaluated: list[int] = []

    def evaluate(f, X):
        evaluated.append(X.shape[0])
        return f(X)

    conv = sobol.converge(
        ishigami,
        ishigami_ppf,
        3,
        outputs=["y"],
        n_start=2**6,
        target_ci=1e-4,
        max_samples=5 * 2**9 + 7,
        num_resamples=100,
        seed=0,
        evaluate=evaluate,
    )
    assert not conv.reached
    assert "max_samples" in conv.reason
    assert conv.n == 2**9 and conv.evaluations == 5 * 2**9
    assert sum(evaluated) == conv.evaluations  # earlier rows were reused, not re-run
    assert list(conv.history.n.unique()) == [2**6, 2**7, 2**8, 2**9]


def test_converge_rejects_max_samples_below_first_design() -> None:
    with pytest.raises(McpotError, match="max_samples"):
        sobol.converge(ishigami, ishigami_ppf, 3, outputs=["y"], target_ci=0.1, max_samples=10, seed=0)
