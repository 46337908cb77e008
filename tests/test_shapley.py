"""Shapley effects: exact linear-Gaussian values, closed form, MC within its error, reproducibility."""

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from mcpot.errors import McpotError
from mcpot.sensitivity.shapley import _coefficients, linear_gaussian_shapley, shapley_effects

R3 = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.9], [0.0, 0.9, 1.0]])
R4 = np.array([[1.0, 0.5, 0.0, 0.0], [0.5, 1.0, 0.3, 0.0], [0.0, 0.3, 1.0, 0.7], [0.0, 0.0, 0.7, 1.0]])


def test_exact_helper_on_independent_inputs_is_the_variance_share():
    b = np.array([1.0, -2.0, 0.5, 3.0])
    var = np.array([4.0, 1.0, 9.0, 0.25])
    expected = b**2 * var / np.sum(b**2 * var)
    np.testing.assert_allclose(linear_gaussian_shapley(b, np.diag(var)), expected, rtol=1e-12)


def iooss_prieur_d3(beta, sigma, rho):
    """Iooss & Prieur (2019), linear model, X1 independent, corr(X2, X3) = rho.

    With V23 = b2^2 s2^2 + b3^2 s3^2 + 2 rho b2 b3 s2 s3, c({2}) = Var(E[Y|X2]) = (b2 s2 + rho b3 s3)^2,
    c({3}) = (b3 s3 + rho b2 s2)^2 and Sh2 = (c({2}) + V23 - c({3})) / 2 this reduces to
    Sh1 = b1^2 s1^2,
    Sh2 = b2^2 s2^2 (1 - rho^2/2) + rho^2 b3^2 s3^2 / 2 + rho b2 b3 s2 s3,
    Sh3 = b3^2 s3^2 (1 - rho^2/2) + rho^2 b2^2 s2^2 / 2 + rho b2 b3 s2 s3, all over Var(Y) = Sh1 + V23.
    """
    (b1, b2, b3), (s1, s2, s3) = beta, sigma
    cross = rho * b2 * b3 * s2 * s3
    sh = np.array(
        [
            b1**2 * s1**2,
            b2**2 * s2**2 * (1 - rho**2 / 2) + rho**2 * b3**2 * s3**2 / 2 + cross,
            b3**2 * s3**2 * (1 - rho**2 / 2) + rho**2 * b2**2 * s2**2 / 2 + cross,
        ]
    )
    var = b1**2 * s1**2 + b2**2 * s2**2 + b3**2 * s3**2 + 2 * cross
    return sh / var


@pytest.mark.parametrize("rho", [-0.6, 0.0, 0.5, 0.9])
def test_exact_helper_matches_iooss_prieur_closed_form(rho):
    beta, sigma = np.array([1.0, 2.0, -0.7]), np.array([1.5, 0.8, 2.0])
    cov = np.diag(sigma**2)
    cov[1, 2] = cov[2, 1] = rho * sigma[1] * sigma[2]
    np.testing.assert_allclose(
        linear_gaussian_shapley(beta, cov), iooss_prieur_d3(beta, sigma, rho), rtol=1e-12
    )


def test_subset_coefficients_equal_the_average_over_all_permutations():
    d = 4
    c = np.random.default_rng(3).random(2**d)
    c[0] = 0.0
    by_perm = np.zeros(d)
    for perm in itertools.permutations(range(d)):
        mask = 0
        for i in perm:
            by_perm[i] += c[mask | 1 << i] - c[mask]
            mask |= 1 << i
    np.testing.assert_allclose(_coefficients(d) @ c, by_perm / math.factorial(d), rtol=1e-12)


def _linear(B):
    B = np.asarray(B, dtype=float)
    return lambda X: X @ B


def _check_within_error(res, exact, k=3.0):
    z = (res.effects - exact) / res.se
    assert np.all(np.abs(z) < k), (res.effects, exact, res.se)
    np.testing.assert_allclose(res.effects.sum(axis=1), 1.0, atol=1e-12)  # cost of the full set is Var-hat


@pytest.mark.parametrize(
    "kwargs", [{"n_outer": 2000}, {"max_exact_permutations": 1, "n_perm": 3000}], ids=["exact", "random"]
)
def test_mc_d3_rho09_within_three_standard_errors(kwargs):
    b, sd = np.array([1.0, 1.0, 1.0]), np.array([1.0, 1.0, 2.0])
    exact = linear_gaussian_shapley(b, R3 * np.outer(sd, sd))
    res = shapley_effects(
        _linear(b), [stats.norm(5.0, s) for s in sd], R3, np.random.default_rng(1), **kwargs
    )
    assert res.method == ("exact" if "n_outer" in kwargs else "random")
    _check_within_error(res, exact[None, :])
    assert np.all(res.se < 0.015)  # informative, not just wide


@pytest.mark.parametrize(
    "kwargs", [{"n_outer": 1000}, {"max_exact_permutations": 1, "n_perm": 3000}], ids=["exact", "random"]
)
def test_mc_d4_two_outputs_within_three_standard_errors(kwargs):
    B = np.array([[1.0, 2.0, 1.0, 0.5], [0.0, 1.0, -1.0, 2.0]]).T  # two outputs at once
    sd = np.array([1.0, 0.5, 2.0, 1.0])
    cov = R4 * np.outer(sd, sd)
    exact = np.vstack([linear_gaussian_shapley(B[:, k], cov) for k in range(2)])
    res = shapley_effects(
        _linear(B),
        [stats.norm(0.0, s) for s in sd],
        R4,
        np.random.default_rng(7),
        outputs=["a", "b"],
        **kwargs,
    )
    assert res.effects.shape == (2, 4)
    _check_within_error(res, exact)
    np.testing.assert_allclose(res.variance, np.einsum("dk,de,ek->k", B, cov, B), rtol=0.05)
    frame = res.to_frame()
    assert list(frame.columns) == ["output", "input", "effect", "se", "shapley"]
    assert frame.loc[(frame.output == "b") & (frame.input == "x3"), "effect"].item() == res.effects[1, 3]


def test_correlated_dummy_gets_a_share_unlike_an_independent_one():
    # Y = X0 only; X1 correlated with X0 gets a positive Shapley effect (Owen & Prieur), X2 independent ~0.
    R = np.array([[1.0, 0.8, 0.0], [0.8, 1.0, 0.0], [0.0, 0.0, 1.0]])
    exact = linear_gaussian_shapley([1.0, 0.0, 0.0], R)
    assert exact[1] == pytest.approx(0.8**2 / 2) and exact[2] == 0.0
    res = shapley_effects(lambda X: X[:, 0], [stats.norm()] * 3, R, np.random.default_rng(2), n_outer=1000)
    _check_within_error(res, exact[None, :])


def test_bitwise_reproducible_for_a_seed_and_ppf_callable_path():
    margs = [stats.norm(0, 1), stats.norm(1, 2), stats.norm(-1, 0.5)]
    f = _linear([1.0, 1.0, 1.0])
    kw = {"max_exact_permutations": 1, "n_perm": 200, "n_var": 500, "batch": 777}
    a = shapley_effects(f, margs, R3, np.random.default_rng(11), **kw)
    b = shapley_effects(f, margs, R3, np.random.default_rng(11), **kw)
    c = shapley_effects(f, margs, R3, np.random.default_rng(12), **kw)
    np.testing.assert_array_equal(a.effects, b.effects)
    np.testing.assert_array_equal(a.se, b.se)
    assert not np.array_equal(a.effects, c.effects)

    def ppf(U):
        return np.column_stack([m.ppf(U[:, j]) for j, m in enumerate(margs)])

    d = shapley_effects(f, ppf, R3, np.random.default_rng(11), names=["x0", "x1", "x2"], **kw)
    np.testing.assert_array_equal(a.effects, d.effects)
    assert a.n_evaluations == 500 + 200 * 2 * 1 * 3


@pytest.mark.parametrize(
    ("corr", "kwargs", "message"),
    [
        (
            np.array([[1.0, 0.99, 0.0], [0.99, 1.0, 0.99], [0.0, 0.99, 1.0]]),
            {},
            "corr: not positive definite",
        ),
        (np.eye(2), {}, "corr: must be a symmetric 3 x 3 matrix"),
        (None, {"n_inner": 1}, "n_inner: must be an integer >= 2"),
        (None, {"n_outer": 1}, "n_outer: must be an integer >= 2"),
    ],
)
def test_bad_arguments_are_named(corr, kwargs, message):
    with pytest.raises(McpotError, match="^" + message):
        shapley_effects(
            _linear([1.0, 1.0, 1.0]), [stats.norm()] * 3, corr, np.random.default_rng(0), **kwargs
        )


def test_nan_model_output_is_reported():
    with pytest.raises(McpotError, match=r"^model: returned NaN"), np.errstate(invalid="ignore"):
        shapley_effects(lambda X: np.log(X[:, 0]), [stats.norm()] * 2, None, np.random.default_rng(0))
