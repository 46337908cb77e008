"""Tests of mcpot.sensitivity.morris on models with known elementary effects."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mcpot.errors import McpotError, ModelOutputError
from mcpot.sensitivity import morris

C = np.array([2.0, -3.0, 0.0, 0.5, 7.25])


def _linear(X: np.ndarray) -> np.ndarray:
    """Two linear outputs: Y = X c and Y = -2 X c + 1."""
    y = (X * C).sum(axis=1)  # row by row, no BLAS: a zero coefficient changes nothing
    return np.c_[y, 1.0 - 2.0 * y]


def _identity(U: np.ndarray) -> np.ndarray:
    return U


@pytest.mark.parametrize("seed", [0, 1, 123])
def test_linear_model_effects_are_the_coefficients(seed: int) -> None:
    res = morris.analyze(_linear, _identity, C.size, 30, outputs=["y", "z"], seed=seed)
    np.testing.assert_allclose(res.mu_star[0], np.abs(C), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res.mu[0], C, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res.mu_star[1], 2.0 * np.abs(C), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res.sigma, 0.0, atol=1e-12)
    np.testing.assert_allclose(res.mu_star_conf, 0.0, atol=1e-12)
    assert res.mu_star[0, 2] == 0.0  # c = 0: exactly no effect


def test_effects_are_per_unit_of_quantile_scale() -> None:
    """A uniform input on [10, 30] has effect 20 * c per unit of quantile."""
    lo, width = 10.0, 20.0
    ppf = lambda U: lo + width * U  # noqa: E731
    res = morris.analyze(_linear, ppf, C.size, 20, outputs=["y", "z"], seed=4)
    np.testing.assert_allclose(res.mu_star[0], width * np.abs(C), rtol=1e-12, atol=1e-10)


def test_quantile_range_keeps_effects_per_unit_quantile() -> None:
    res = morris.analyze(
        _linear, _identity, C.size, 20, outputs=["y", "z"], seed=4, quantile_range=(0.1, 0.9)
    )
    np.testing.assert_allclose(res.mu_star[0], np.abs(C), rtol=1e-12, atol=1e-12)


def test_unbounded_distribution_needs_quantile_range() -> None:
    ppf = stats.norm(0, 1).ppf
    with pytest.raises(McpotError, match="quantile_range"):
        morris.analyze(_linear, ppf, C.size, 10, outputs=["y", "z"], seed=0)
    res = morris.analyze(_linear, ppf, C.size, 10, outputs=["y", "z"], seed=0, quantile_range=(0.01, 0.99))
    assert np.isfinite(res.mu_star).all()


def test_seed_zero_reproducible_and_differs_from_seed_one() -> None:
    def f(X: np.ndarray) -> np.ndarray:
        return np.sin(3 * X[:, 0]) * X[:, 1] ** 2 + X[:, 2]

    runs = [morris.analyze(f, _identity, 3, 12, outputs=["y"], seed=s) for s in (0, 0, 1)]
    for key in ("mu", "mu_star", "sigma", "mu_star_conf"):
        np.testing.assert_array_equal(getattr(runs[0], key), getattr(runs[1], key))
    assert not np.array_equal(runs[0].mu_star, runs[2].mu_star)
    np.testing.assert_array_equal(morris.morris_design(3, 12, seed=0), morris.morris_design(3, 12, seed=0))


def test_nan_output_raises_naming_row() -> None:
    def f(X: np.ndarray) -> np.ndarray:
        y = X.sum(axis=1)
        y[5] = np.nan
        return y

    with pytest.raises(ModelOutputError, match=r"rows \(0-based\): 5; outputs: y"):
        morris.analyze(f, _identity, 3, 10, outputs=["y"], seed=0)


def test_to_frame_and_names() -> None:
    res = morris.analyze(_linear, _identity, C.size, 10, outputs=["y", "z"], seed=0, names=list("abcde"))
    frame = res.to_frame()
    assert list(frame.columns) == ["output", "parameter", "mu", "mu_star", "sigma", "mu_star_conf"]
    assert len(frame) == 2 * C.size
    row = frame[(frame.output == "z") & (frame.parameter == "e")]
    assert row["mu_star"].item() == pytest.approx(2 * 7.25, rel=1e-12)
    assert res.num_trajectories == 10


def test_groups_report_group_names() -> None:
    res = morris.analyze(
        _linear,
        _identity,
        C.size,
        10,
        outputs=["y", "z"],
        seed=0,
        groups=["g", "g", "zero", "h", "h"],
    )
    assert res.names == ("g", "zero", "h")
    assert res.mu_star[0, 1] == 0.0
    assert np.isnan(res.sigma[0, 0])  # SALib: no sigma for a group of several inputs
