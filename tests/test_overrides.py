"""Overrides and scenario files change priors as asked, validate like prior files, and fail clearly."""

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from mcpot.cli import main
from mcpot.engine.chunks import RunConfig, draw
from mcpot.errors import McpotError, PriorError
from mcpot.model.kernel import growth_after_2035
from mcpot.model.overrides import apply_overrides, load_scenarios
from mcpot.model.priors import load_priors
from mcpot.model.space import ParameterSpace

PRIORS = load_priors()
KMAX = "steel.automatic_control.K_max"


def test_fixed_value_distribution_and_scale():
    p = apply_overrides(PRIORS, [f"{KMAX}=0.7"])["steel"].priors[KMAX]
    assert p.fixed and p.value == 0.7 and p.unit == PRIORS["steel"].priors[KMAX].unit
    assert "override" in p.source
    p = apply_overrides(PRIORS, [f"{KMAX}=uniform(0.6, 0.8)"])["steel"].priors[KMAX]
    assert p.quantile(0.25) == pytest.approx(0.65)
    rf = "cement.automatic_control.RF"
    scaled = apply_overrides(PRIORS, [f"{rf}*=0.5"])["cement"].priors[rf]
    assert scaled.median() == pytest.approx(0.5 * PRIORS["cement"].priors[rf].median())
    assert scaled.quantile(0.9) == pytest.approx(0.5 * PRIORS["cement"].priors[rf].quantile(0.9))
    s = "steel.energy_management.S"  # triangular: all three points scale
    assert apply_overrides(PRIORS, [f"{s}*=2"])["steel"].priors[s].support() == (10.0, 24.0)
    # the original priors are untouched
    assert not PRIORS["steel"].priors[KMAX].fixed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("steel.automatic_control.K_mx=0.7", "did you mean 'steel.automatic_control.K_max'"),
        ("steel.automatic_control.K_max=1.5", "adoption must lie in [0, 1]"),
        ("steel.automatic_control.K_max=gauss(1, 2)", "unknown distribution 'gauss'"),
        ("steel.automatic_control.K_max=uniform(0.6)", "uniform takes 2 numbers"),
        ("steel.automatic_control.K_max", "expected NAME=VALUE"),
        ("steel.automatic_control.S*=-1", "positive factor"),
    ],
)
def test_bad_overrides(text, message):
    with pytest.raises(McpotError) as err:
        apply_overrides(PRIORS, [text])
    assert message in str(err.value)


def test_unknown_override_lists_valid_names(capsys):
    assert main(["reproduce", "--sectors", "cement", "--set", "cement.nope=1"]) == 2
    err = capsys.readouterr().err
    assert "valid names:" in err and "cement.automatic_control.K_max" in err and "Traceback" not in err


def test_override_moves_reproduction(capsys):
    assert main(["reproduce", "--json", "--sectors", "steel", "--set", "steel.automatic_control.RF*=2"]) == 0
    assert '"model": 3' in capsys.readouterr().out  # 2035 total leaves 230 Mt


def test_scenario_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        '[scenario.slow]\ndescription = "d"\nset = ["steel.automatic_control.S*=1.5"]\n'
        '[scenario.inc]\nreading = "incremental"\n'
    )
    slow, inc = load_scenarios(path)
    assert slow.overrides == ("steel.automatic_control.S*=1.5",) and inc.reading == "incremental"
    path.write_text('[scenario.x]\nreading = "nope"\n')
    with pytest.raises(PriorError, match=r"scenario\.x\.reading: unknown reading"):
        load_scenarios(path)
    path.write_text("[scenarios.x]\n")
    with pytest.raises(PriorError, match="expected only"):
        load_scenarios(path)


def test_growth_after_2035_by_hand():
    years = np.arange(2022, 2046)
    total = np.vstack([(years - 2022) ** 2.0, np.minimum(years - 2022, 13.0)])
    peak, ratio = growth_after_2035(total, years)
    # quadratic: growth rises to 2045; (23^2 - 13^2) / (13^2 - 3^2) = 360 / 160 = 2.25
    assert peak[0] == 2045 and ratio[0] == pytest.approx(2.25)
    # linear to 2035 then flat: growth stops, ratio 0; the first (tied) peak year is 2023
    assert ratio[1] == 0.0 and peak[1] == 2023


def test_fixing_a_correlated_input_drops_its_correlations_with_a_warning(tmp_path, capsys):
    """steel's emission years are rank-correlated (adjacent years 0.8, two steps 0.6, three 0.4). Fixing
    2030 leaves 2022~2025 (0.8), 2022~2035 (0.4) and 2025~2035 (0.6), which the samples still show."""
    fixed = "steel.emissions.2030"
    with pytest.warns(UserWarning, match=r"2025~steel.emissions.2030.* are dropped"):
        priors = apply_overrides(PRIORS, [f"{fixed}=1400"])
    e = {y: f"steel.emissions.{y}" for y in (2022, 2025, 2035)}
    kept = {(a, b): r for a, b, r in priors["steel"].correlations}
    assert kept == {(e[2022], e[2025]): 0.8, (e[2022], e[2035]): 0.4, (e[2025], e[2035]): 0.6}
    assert len(PRIORS["steel"].correlations) == 6  # the original priors are untouched

    space = ParameterSpace({"steel": priors["steel"]})
    X, _ = draw(RunConfig(sectors=("steel",), samples=8192, seed=3, jobs=1), space)
    col = {n: X[:, i] for i, n in enumerate(space.names)}
    assert fixed not in col  # a fixed input is no longer sampled: every draw has 1400 Mt in 2030
    p = space.sector_params(X, "steel")
    assert np.all(p.emissions[:, p.emission_years.index(2030)] == 1400.0)
    for (a, b), rho in kept.items():  # sampling sd of a rank correlation at N = 8192: < 0.01
        assert stats.spearmanr(col[a], col[b]).statistic == pytest.approx(rho, abs=0.03)

    out = tmp_path / "run"
    args = ["run", "--sectors", "steel", "--samples", "8192", "--seed", "1", "--set", f"{fixed}=1400"]
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "mcpot: warning: --set 'steel.emissions.2030=1400': a fixed steel.emissions.2030" in err
    assert "UserWarning" not in err and "Traceback" not in err


def test_a_scenario_keeps_only_the_overrides_of_the_selected_sectors(tmp_path, capsys):
    """The bundled scenarios file covers all three sectors; `--sectors cement` used to stop at the first
    steel override ("unknown input"). Now the other sectors' overrides are left out, with a warning."""
    from mcpot.model.overrides import Scenario, for_sectors

    sc = Scenario("mixed", overrides=("steel.automatic_control.S*=1.5", "cement.automatic_control.RF*=0.4"))
    with pytest.warns(UserWarning, match=r"'mixed': steel.automatic_control.S\*=1.5 left out"):
        kept = for_sectors(sc, ("cement",))
    assert kept.overrides == ("cement.automatic_control.RF*=0.4",) and kept.name == "mixed"
    assert for_sectors(sc, ("steel", "cement")) == sc  # nothing to leave out: no warning, same scenario

    args = ["stress", "--sectors", "cement", "--scenarios", "scenarios/report-assumptions.toml"]
    root = Path(__file__).resolve().parents[1]
    args[-1] = str(root / args[-1])
    assert main([*args, "--samples", "2048", "--seed", "1", "--jobs", "1", "--out", str(tmp_path / "s")]) == 0
    out, err = capsys.readouterr()
    assert "scenario 'slow_diffusion': steel.energy_management.S*=1.5" in err
    assert "cement_control_at_literature" in out and "P(band in report's)" in out
