"""Interpretable prior forms (midpoint/steepness, headroom, elicited quantiles), correlated emission
paths, the midpoint diagnostic, the cumulative reading and the centres fitted to the report."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from mcpot.cli import main
from mcpot.engine.chunks import RunConfig, diagnostic_counts
from mcpot.engine.run import run
from mcpot.engine.sampling import copula_factor
from mcpot.model.central import fit_central
from mcpot.model.kernel import CUMULATIVE_SPAN, SectorParams, category_potentials, sigmoid
from mcpot.model.priors import DEFAULT_PRIORS_DIR, load_priors, load_sector
from mcpot.model.reproduce import reproduce
from mcpot.model.space import ParameterSpace, output_columns

ALPHA_BETA = DEFAULT_PRIORS_DIR / "alpha-beta"


def _mutate(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_alpha_and_beta_are_derived_from_midpoint_and_steepness():
    space = ParameterSpace(load_priors(sectors=["steel"]))
    X = space.ppf(np.random.default_rng(3).random((50, space.dim)))
    mid = space.column(X, "steel.automatic_control.midpoint")
    k = space.column(X, "steel.automatic_control.steepness")
    assert_allclose(space.kernel_input(X, "steel", "automatic_control", "beta"), k)
    assert_allclose(space.kernel_input(X, "steel", "automatic_control", "alpha"), -k * mid)
    # the midpoint is where the logistic is at one half
    z = space.kernel_input(X, "steel", "automatic_control", "alpha") + k * mid
    assert_allclose(sigmoid(z), 0.5, atol=1e-15)


def test_headroom_gives_the_ceiling_above_k0(priors_copy):
    path = priors_copy / "steel.toml"
    # fix K0 = 0.8 and headroom = 0.5 -> K_max = 0.8 + 0.5 * 0.2 = 0.9
    _mutate(
        path,
        '[byproduct_reuse.K0]\ndist = "pert"\nlow = 0.6\nmode = 0.75\nhigh = 0.9',
        "[byproduct_reuse.K0]\nvalue = 0.8",
    )
    text = path.read_text()
    start = text.index("[byproduct_reuse.headroom]")
    end = text.index("unit =", start)
    path.write_text(text[:start] + "[byproduct_reuse.headroom]\nvalue = 0.5\n" + text[end:])
    space = ParameterSpace({"steel": load_sector(path)})
    X = space.medians()
    assert space.kernel_input(X, "steel", "byproduct_reuse", "K_max")[0] == pytest.approx(0.9)
    bundled = ParameterSpace(load_priors(sectors=["steel"]))
    X = bundled.ppf(np.random.default_rng(1).random((4000, bundled.dim)))
    K0, K_max = (bundled.kernel_input(X, "steel", "byproduct_reuse", k) for k in ("K0", "K_max"))
    assert np.all(K_max >= K0)
    # the implied ceiling matches the evidence range 0.8-1.0 (PERT 0.8-0.9-1.0: median 0.9)
    assert np.median(K_max) == pytest.approx(0.9, abs=0.02)


def test_elicited_entry_recovers_a_known_beta(priors_copy):
    path = priors_copy / "steel.toml"
    truth = stats.beta(2.0, 3.0)
    q = {p: float(truth.ppf(p)) for p in (0.05, 0.5, 0.95)}
    new = "quantiles = [" + ", ".join(f"[{p}, {x!r}]" for p, x in q.items()) + "]"
    text = path.read_text()
    start = text.index("quantiles =", text.index("[energy_management.midpoint]"))
    path.write_text(text[:start] + new + text[text.index("\n", start) :])
    prior = load_sector(path).priors["steel.energy_management.midpoint"]
    assert prior.elicited.max_error < 1e-8
    assert prior.elicited.params["a"] == pytest.approx(2.0, rel=1e-5)
    assert prior.elicited.params["b"] == pytest.approx(3.0, rel=1e-5)
    assert prior.quantile(0.95) == pytest.approx(q[0.95], rel=1e-6)


def test_bundled_midpoints_are_elicited_with_fit_errors_shown(tmp_path, capsys):
    csv = tmp_path / "priors.csv"
    assert main(["priors", "--sectors", "cement", "--csv", str(csv)]) == 0
    out = capsys.readouterr().out
    assert "cement.automatic_control.midpoint" in out and "max CDF error" in out
    table = pd.read_csv(csv)
    mids = table[table.kind == "midpoint"]
    assert len(mids) == 3 and mids.max_cdf_error.between(0, 0.1).all()
    assert table[table.kind == "RF"].max_cdf_error.isna().all()
    assert (table.p05 <= table.p50).all() and (table.p50 <= table.p95).all()


def test_emission_paths_are_correlated_and_positive_definite():
    space = ParameterSpace(load_priors())
    R = space.rank_correlation()
    copula_factor(R)  # raises if not positive definite
    i, j = space.names.index("steel.emissions.2025"), space.names.index("steel.emissions.2035")
    assert R[i, j] == 0.6


def test_midpoint_diagnostic_counts_old_form_draws_outside():
    space = ParameterSpace(load_priors(ALPHA_BETA, ["cement"]))
    X = np.repeat(space.medians(), 4, axis=0)
    a = space.names.index("cement.energy_management.alpha")
    b = space.names.index("cement.energy_management.beta")
    X[:, b] = 8.0
    X[:, a] = [-4.0, -8.0, -8.8, 0.4]  # midpoints 0.5, 1.0, 1.1, -0.05
    counts = diagnostic_counts(space, X)
    half = len(counts) // 2
    assert counts[half] == 2  # energy management is the first category


def test_run_reports_no_midpoint_outside_for_bundled_priors():
    res = run(RunConfig(sectors=("steel",), samples=4000, seed=2, jobs=1))
    d = res.diagnostics
    assert (d.p_midpoint_outside_01 == 0).all() and (d.p_kmax_below_k0 == 0).all()
    old = run(RunConfig(sectors=("steel",), samples=4000, seed=2, jobs=1), priors_dir=ALPHA_BETA)
    auto = old.diagnostics.set_index("category").p_midpoint_outside_01["automatic_control"]
    assert 0.2 < auto < 0.4  # about 30% of steel automatic-control curves barely rise


def _params(K0, K_max, S, alpha, beta, RF):
    a = [np.array([[v]], dtype=float) for v in (K0, K_max, S, alpha, beta, RF)]
    return SectorParams(*a, emissions=np.array([[1000.0, 1000.0]]), emission_years=(2025, 2035))


def test_cumulative_reading_at_hand_worked_points():
    # constant adoption: every year adds s * RF / 13, so ER(t) = (t - 2022) s RF / 13, ER(2035) = s RF
    p = _params(0.5, 0.5, 8.0, -2.0, 4.0, 26.0)
    years = np.array([2022, 2023, 2025, 2035, 2040])
    er = category_potentials(p, years, "cumulative")[0, 0]
    s = 1.0 / (1.0 + np.exp(0.0))  # alpha + beta K = 0
    assert_allclose(er, (years - 2022) * s * 26.0 / CUMULATIVE_SPAN, rtol=1e-15)
    # rising adoption: the sum of the report reading over the years, by hand
    p = _params(0.2, 0.9, 6.0, -3.0, 6.0, 13.0)
    grid = np.arange(2022, 2036)
    report = category_potentials(p, grid, "report")[0, 0]
    er = category_potentials(p, np.array([2030, 2035]), "cumulative")[0, 0]
    assert_allclose(er, [report[1:9].sum() / 13, report[1:].sum() / 13], rtol=1e-14)


def test_cumulative_reading_is_accurate_in_the_lower_tail():
    p = _params(0.5, 0.5, 8.0, -700.0, 1e-9, 13.0)  # sigmoid(-700) = exp(-700) to rounding
    er = category_potentials(p, np.array([2035]), "cumulative")[0, 0, 0]
    assert er == pytest.approx(np.exp(-700.0 + 0.5e-9) * 13.0, rel=1e-12)


def test_cumulative_reading_has_no_base_year_shares():
    space = ParameterSpace(load_priors(sectors=["cement"]), "cumulative")
    cols = output_columns(space, reading="cumulative")
    assert "cement.share.automatic_control.2022" not in set(cols.output)
    assert "cement.share.automatic_control.2023" in set(cols.output)


def test_bundled_priors_reproduce_the_report():
    table = reproduce(ParameterSpace(load_priors())).comparison
    totals, shares = table[table.quantity == "total"], table[table.quantity == "share"]
    assert totals.rel_diff.abs().max() < 0.05
    assert shares["diff"].abs().max() < 0.02


def test_fit_central_meets_the_report_within_bounds():
    sp = load_sector(DEFAULT_PRIORS_DIR / "steel.toml")
    t = fit_central(sp, sp.reference)
    assert t.steepness.nunique() == 1 and 4.0 <= t.steepness.iloc[0] <= 12.0
    assert t.midpoint.between(0.05, 0.95).all()
    assert_allclose(t.alpha, -t.steepness * t.midpoint)
    assert_allclose([t[f"ER_{y}"].sum() for y in (2025, 2030, 2035)], [110, 170, 230], rtol=1e-3)
    assert_allclose(t.ER_2035 / 230, [0.20, 0.41, 0.28, 0.11], atol=1e-9)
    cum = fit_central(sp, sp.reference, reading="cumulative")
    assert cum.midpoint.between(0.05, 0.95).all()
    assert cum.ER_2035.sum() == pytest.approx(230.0)


def test_fit_central_accepts_reading(capsys):
    assert main(["fit-central", "--sectors", "cement", "--reading", "cumulative"]) == 0
    assert "reading: cumulative" in capsys.readouterr().out
