"""Alternative prior choices (mcpot.model.variants): widths scaled about the median inside the domain,
families swapped on median and 5-95% range, correlations dropped."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mcpot.errors import McpotError
from mcpot.model.priors import DEFAULT_PRIORS_DIR, load_priors
from mcpot.model.variants import drop_correlations, scale_widths, swap_families

Q = np.array([0.05, 0.5, 0.95])


@pytest.fixture(scope="module")
def steel():
    """The old (alpha, beta) form: a normal alpha (unbounded) and a uniform beta to transform."""
    return load_priors(DEFAULT_PRIORS_DIR / "alpha-beta", ("steel",))


@pytest.fixture(scope="module")
def bundled():
    """The bundled priors: midpoint, steepness and headroom entries, elicited betas."""
    return load_priors(None, ("steel",))


@pytest.mark.parametrize("k", [0.5, 2.0])
def test_widths_keep_the_median_and_scale_an_unbounded_prior_exactly(steel, k):
    old = steel["steel"].priors["steel.energy_management.alpha"]  # normal, domain unbounded
    new = scale_widths(steel, k)["steel"].priors["steel.energy_management.alpha"]
    a, b = old.ppf(Q), new.ppf(Q)
    assert b[1] == pytest.approx(a[1], abs=1e-12)
    assert b[2] - b[0] == pytest.approx(k * (a[2] - a[0]), rel=1e-9)


def test_widths_of_a_lognormal_raise_its_gsd_to_the_power_k(steel):
    name = "steel.energy_management.RF"  # lognormal(median, gsd 1.5), domain >= 0: log coordinates
    new = scale_widths(steel, 2.0)["steel"].priors[name]
    old = steel["steel"].priors[name]
    assert new.quantile(0.95) / new.median() == pytest.approx((old.quantile(0.95) / old.median()) ** 2)


@pytest.mark.parametrize("k", [0.5, 2.0])
@pytest.mark.parametrize("which", ["steel", "bundled"])
def test_widths_stay_inside_every_domain(which, k, request):
    priors = request.getfixturevalue(which)
    u = np.linspace(0, 1, 101)
    for name, p in scale_widths(priors, k)["steel"].priors.items():
        if p.fixed:
            continue
        x = p.ppf(u)
        assert np.all(np.diff(x) >= 0), name  # still a quantile function
        if p.kind in ("K0", "K_max", "midpoint", "headroom"):
            assert 0 <= x.min() and x.max() <= 1, name
        if p.kind in ("S", "beta", "steepness", "RF", "E"):
            assert x.min() >= 0, name
        assert p.median() == pytest.approx(priors["steel"].priors[name].median(), rel=1e-9)


def test_a_bad_factor_is_a_user_error(steel):
    with pytest.raises(McpotError, match="widths factor"):
        scale_widths(steel, 0.0)


def test_swapped_families_match_median_and_range(steel):
    swapped = swap_families(steel)["steel"].priors
    for name, form in (
        ("steel.energy_management.beta", "normal"),
        ("steel.energy_management.alpha", "uniform"),
    ):
        old, new = steel["steel"].priors[name], swapped[name]
        assert new.spec["dist"] == form
        a, b = old.ppf(Q), new.ppf(Q)
        # matched exactly before truncation to the domain (beta >= 0 cuts 1e-4 of the normal's mass)
        assert b[1] == pytest.approx(a[1], rel=1e-4)
        assert b[2] - b[0] == pytest.approx(a[2] - a[0], rel=1e-3)
    # beta ~ U(4, 12) becomes a normal with its mean at 8 and sd 7.2 / 3.29
    assert swapped["steel.energy_management.beta"].dist.base.std() == pytest.approx(
        7.2 / (2 * 1.6448536), rel=1e-6
    )


def test_swapped_adoption_stays_in_its_domain(steel):
    p = swap_families(steel)["steel"].priors["steel.energy_management.K_max"]  # PERT(0.8, 0.9, 1.0)
    assert p.support()[1] <= 1.0 and p.ppf(np.array([1.0]))[0] <= 1.0


def test_drop_correlations(steel):
    sp = steel["steel"]
    names = [n for n in sp.priors if n.endswith(".K0")][:2]
    corr = {"steel": dataclasses.replace(sp, correlations=((names[0], names[1], 0.5),))}
    assert drop_correlations(corr)["steel"].correlations == ()
