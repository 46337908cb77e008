"""Overrides and scenario files change priors as asked, validate like prior files, and fail clearly."""

import numpy as np
import pytest

from mcpot.cli import main
from mcpot.errors import McpotError, PriorError
from mcpot.model.kernel import growth_after_2035
from mcpot.model.overrides import apply_overrides, load_scenarios
from mcpot.model.priors import load_priors

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
