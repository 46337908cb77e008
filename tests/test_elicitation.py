"""Elicited-quantile priors: exact recovery, reported misfit, the three TOML forms, named errors."""

import tomllib

import numpy as np
import pytest
from scipy import stats

from mcpot.errors import McpotError
from mcpot.model import distributions
from mcpot.model.elicitation import FAMILIES, ElicitationError, fit_entry, fit_quantiles, parse_quantiles

P5 = np.array([0.05, 0.25, 0.5, 0.75, 0.95])

# family -> (true distribution, its friendly parameters, extra fit arguments)
TRUE = {
    "normal": (stats.norm(3.0, 2.0), {"mean": 3.0, "sd": 2.0}, {}),
    "lognormal": (stats.lognorm(np.log(1.6), scale=2.5), {"median": 2.5, "gsd": 1.6}, {}),
    "gamma": (stats.gamma(2.5, scale=1.7), {"a": 2.5, "scale": 1.7}, {}),
    "beta": (
        stats.beta(2.0, 5.0, 10.0, 20.0),
        {"a": 2.0, "b": 5.0, "low": 10.0, "high": 30.0},
        {"low": 10.0, "high": 30.0},
    ),
    "student_t": (stats.t(4.0, 1.5, 0.7), {"df": 4.0, "loc": 1.5, "scale": 0.7}, {"df": 4.0}),
    "triangular": (stats.triang(0.3, 1.0, 4.0), {"low": 1.0, "mode": 2.2, "high": 5.0}, {}),
    "pert": (stats.beta(2.2, 3.8, 1.0, 4.0), {"low": 1.0, "mode": 2.2, "high": 5.0}, {}),
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("probs", [P5, np.array([0.1, 0.5, 0.9])], ids=["5q", "3q"])
def test_exact_quantiles_recover_the_parameters(family, probs):
    dist, params, kwargs = TRUE[family]
    fit = fit_quantiles(family, probs, dist.ppf(probs), **kwargs)
    assert fit.params.keys() == params.keys()
    for key, value in params.items():
        assert fit.params[key] == pytest.approx(value, rel=1e-4), key
    assert fit.max_error < 1e-8
    assert fit.sum_squares < 1e-16
    np.testing.assert_allclose(fit.dist.ppf(probs), dist.ppf(probs), rtol=1e-6)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_a_fit_writes_back_as_an_ordinary_prior_entry(family):
    dist, _, kwargs = TRUE[family]
    fit = fit_quantiles(family, P5, dist.ppf(P5), **kwargs)
    entry = fit.entry()
    name = entry.pop("dist")
    rebuilt = distributions.build(name, entry.pop("params", entry))
    grid = dist.ppf(np.linspace(0.01, 0.99, 11))
    np.testing.assert_allclose(rebuilt.cdf(grid), fit.dist.cdf(grid), atol=1e-12)


def test_inconsistent_quantiles_give_a_positive_reported_error():
    # A right-skewed judgement a normal cannot honour: median 0.2, but 95% point 0.9.
    fit = fit_quantiles("normal", [0.05, 0.5, 0.95], [0.1, 0.2, 0.9])
    assert fit.max_error > 0.01
    assert fit.sum_squares == pytest.approx(np.sum((fit.fitted - fit.probabilities) ** 2))
    assert fit.max_error == pytest.approx(np.max(np.abs(fit.dist.cdf(fit.values) - fit.probabilities)))
    assert f"max CDF error {fit.max_error:.2g}" in fit.describe()
    # least squares: no other normal does better (perturb the optimum)
    for dm, ds in [(0.01, 0), (-0.01, 0), (0, 0.005), (0, -0.005)]:
        other = stats.norm(fit.params["mean"] + dm, fit.params["sd"] + ds)
        assert np.sum((other.cdf(fit.values) - fit.probabilities) ** 2) > fit.sum_squares


def test_describe_is_one_line_with_family_parameters_and_support():
    fit = fit_quantiles("beta", P5, stats.beta(2, 5).ppf(P5))
    text = fit.describe()
    assert text.startswith("beta(a=2, b=5) on [0, 1], max CDF error ")
    assert "\n" not in text


TOML_FORMS = {
    "quoted": 'quantiles = {"0.05" = 0.3, "0.5" = 0.5, "0.95" = 0.7}',
    "bare": "quantiles = {0.05 = 0.3, 0.5 = 0.5, 0.95 = 0.7}",
    "pairs": "quantiles = [[0.05, 0.3], [0.5, 0.5], [0.95, 0.7]]",
    "unsorted": "quantiles = [[0.95, 0.7], [0.05, 0.3], [0.5, 0.5]]",
}


def test_tomllib_reads_bare_float_keys_as_dotted_keys():
    assert tomllib.loads(TOML_FORMS["bare"])["quantiles"] == {"0": {"05": 0.3, "5": 0.5, "95": 0.7}}


@pytest.mark.parametrize("form", sorted(TOML_FORMS))
def test_all_toml_forms_parse_to_the_same_quantiles(form):
    p, x = parse_quantiles(tomllib.loads(TOML_FORMS[form])["quantiles"])
    np.testing.assert_array_equal(p, [0.05, 0.5, 0.95])
    np.testing.assert_array_equal(x, [0.3, 0.5, 0.7])


def test_fit_entry_from_a_toml_prior():
    doc = tomllib.loads(
        '[K_max]\nelicit = "beta"\nlower = 0.2\nupper = 0.9\n'
        "quantiles = {0.1 = 0.35, 0.5 = 0.5, 0.9 = 0.7}\nunit = 'fraction'\nsource = 'expert'\n"
    )
    fit = fit_entry(doc["K_max"], "steel.K_max")
    assert (fit.params["low"], fit.params["high"]) == (0.2, 0.9)
    assert 0 < fit.max_error < 0.05  # three quantiles, two shapes: close but not exact
    direct = fit_quantiles("beta", [0.1, 0.5, 0.9], [0.35, 0.5, 0.7], low=0.2, high=0.9)
    assert fit.params == direct.params


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("q = {1.2 = 0.5, 0.5 = 0.4}", "q: probability 1.2 is outside (0, 1)"),
        ("q = [[0.0, 0.1], [0.5, 0.4]]", "q: probability 0 is outside (0, 1)"),
        ("q = {0.5 = 0.4, 0.50 = 0.6}", "q: probability 0.5 is given twice"),
        ("q = {0.1 = 0.5, 0.9 = 0.4}", "q: values must increase with probability: 0.5 at 0.1 but 0.4 at 0.9"),
        ("q = {0.1 = 0.5, 0.9 = 'high'}", "q: value at probability 0.9 must be a finite number, got 'high'"),
        ("q = {low = 0.5}", "q: key 'low' is not a probability"),
        ("q = [[0.1, 0.2, 0.3]]", "q: each entry must be a [probability, value] pair"),
        ("q = 3", "q: must be a table"),
        ("q = []", "q: no quantiles given"),
    ],
)
def test_bad_quantiles_are_named(toml, message):
    with pytest.raises(ElicitationError) as err:
        parse_quantiles(tomllib.loads(toml)["q"], "q")
    assert str(err.value).startswith(message)
    assert isinstance(err.value, McpotError)


@pytest.mark.parametrize(
    ("family", "p", "x", "kwargs", "message"),
    [
        ("normal", [0.5], [1.0], {}, "quantiles: normal has 2 free parameters but only 1 quantile(s) given"),
        ("pert", [0.1, 0.9], [1.0, 2.0], {}, "quantiles: pert has 3 free parameters but only 2"),
        ("beta", [0.1, 0.9], [0.5, 1.5], {}, "quantiles: value 1.5 is outside the beta support (0, 1)"),
        ("gamma", [0.1, 0.9], [-1.0, 2.0], {}, "quantiles: value -1 is outside the gamma support (0, inf)"),
        ("lognormal", [0.1, 0.9], [0.0, 2.0], {}, "quantiles: value 0 is outside the lognormal support"),
        ("student_t", [0.1, 0.9], [0.0, 2.0], {}, "quantiles: student_t needs a fixed df > 0"),
        ("weibull", [0.1, 0.9], [0.0, 2.0], {}, "quantiles: unknown family 'weibull'"),
        ("beta", [0.1, 0.9], [0.5, 0.6], {"low": 1.0, "high": 0.0}, "quantiles: beta needs lower < upper"),
    ],
)
def test_bad_fits_are_named(family, p, x, kwargs, message):
    with pytest.raises(ElicitationError) as err:
        fit_quantiles(family, p, x, **kwargs)
    assert str(err.value).startswith(message)


def test_fit_entry_names_missing_fields():
    with pytest.raises(ElicitationError, match=r"^x\.elicit: must name a family"):
        fit_entry({"quantiles": [[0.1, 1.0], [0.9, 2.0]]}, "x")
    with pytest.raises(ElicitationError, match=r"^x\.quantiles: missing"):
        fit_entry({"elicit": "normal"}, "x")
    with pytest.raises(ElicitationError, match=r"^x\.quantiles: probability 2 is outside"):
        fit_entry({"elicit": "normal", "quantiles": [[2, 1.0], [0.9, 2.0]]}, "x")


def test_fast_cdf_of_a_family_equals_the_frozen_distributions():
    from mcpot.model.elicitation import FAMILIES

    beta = FAMILIES["beta"]
    q = {"a": 2.7, "b": 4.1, "low": 0.1, "high": 0.9}
    x = np.linspace(0.05, 0.95, 19)  # inside, on and outside the support
    np.testing.assert_array_equal(beta.cdf_at(q, x), beta.freeze(q).cdf(x))
