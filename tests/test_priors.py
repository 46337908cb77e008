"""Prior files: the bundled ones load; every kind of bad input gets one clear message and exit 2."""

import numpy as np
import pytest

from mcpot.cli import main
from mcpot.errors import PriorError
from mcpot.model import distributions
from mcpot.model.kernel import CATEGORIES
from mcpot.model.priors import SECTORS, load_priors, load_sector


def test_bundled_priors_load_with_units_and_sources():
    priors = load_priors()
    assert tuple(priors) == SECTORS
    for sp in priors.values():
        for prior in sp.priors.values():
            assert prior.unit.strip() and prior.source.strip()
    assert priors["cement"].included == (True, True, False, True)
    assert not any(n.startswith("cement.byproduct_reuse") for n in priors["cement"].priors)
    src = priors["cement"].priors["cement.automatic_control.RF"].source
    assert "STRAINS THE LITERATURE" in src


@pytest.mark.parametrize(
    ("form", "params", "median"),
    [
        ("uniform", {"low": 2.0, "high": 4.0}, 3.0),
        ("triangular", {"low": 0.0, "mode": 1.0, "high": 2.0}, 1.0),
        ("pert", {"low": 0.0, "mode": 0.5, "high": 1.0}, 0.5),
        ("normal", {"mean": -3.0, "sd": 2.0}, -3.0),
        ("lognormal", {"median": 20.0, "gsd": 1.5}, 20.0),
        ("gamma", {"a": 1.0}, np.log(2.0)),  # any scipy.stats name: Exp(1) median ln 2
    ],
)
def test_distribution_forms(form, params, median):
    assert distributions.build(form, params).median() == pytest.approx(median)


def test_truncation():
    d = distributions.Truncated(distributions.build("normal", {"mean": 0.0, "sd": 1.0}), 0.0, 1.0)
    x = d.ppf(np.linspace(0, 1, 101))
    assert x.min() == 0.0 and x.max() == 1.0
    assert d.cdf(d.ppf(0.3)) == pytest.approx(0.3)


def _mutate(priors_dir, old, new, sector="steel"):
    path = priors_dir / f"{sector}.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


BAD = [
    (
        'dist = "triangular"',
        'dist = "trianglar"',
        "energy_management.S.dist",
        "unknown distribution",
    ),
    (
        "median = 12.00\ngsd = 1.35",
        "median = 12.00\ngsd = 0.5",
        "energy_management.steepness.dist",
        "gsd must be > 1",
    ),
    (  # a midpoint prior must keep every curve's midpoint inside [0, 1]
        '[energy_management.midpoint]\nfamily = "beta"',
        '[energy_management.midpoint]\nfamily = "normal"',
        "energy_management.midpoint.family",
        "must lie in [0, 1]",
    ),
    (
        "[energy_management.steepness]",
        '[energy_management.alpha]\nvalue = -5.0\nunit = "-"\nsource = "x"\n\n[energy_management.steepness]',
        "energy_management.alpha",
        "mixes midpoint/steepness and alpha/beta",
    ),
    (
        "[energy_management.steepness]",
        '[energy_management.headroom]\nvalue = 0.5\nunit = "-"\nsource = "x"\n\n'
        "[energy_management.steepness]",
        "energy_management.headroom",
        "mixes K_max and headroom",
    ),
    (
        '"0.05" = 0.454',
        '"0.05" = 0.854',
        "energy_management.midpoint.quantiles",
        "increase",
    ),
    (
        '[energy_management.K0]\ndist = "pert"\nlow = 0.4',
        '[energy_management.K0]\ndist = "pert"\nlow = -0.4',
        "energy_management.K0.dist",
        "adoption must lie in [0, 1]",
    ),
    (
        '[automatic_control.S]\ndist = "triangular"\nlow = 5.0\nmode = 8.0\nhigh = 12.0',
        "[automatic_control.S]\nvalue = 0.0",
        "automatic_control.S.value",
        "S must be > 0",
    ),
    (
        '[automatic_control.S]\ndist = "triangular"\nlow = 5.0\nmode = 8.0\nhigh = 12.0',
        '[automatic_control.S]\ndist = "normal"\nmean = 8.0\nsd = 2.0',
        "automatic_control.S.dist",
        "truncate it",
    ),
    (
        "[integrated_control.K0]",
        "[integrated_controll.K0]",
        "integrated_controll",
        "did you mean 'integrated_control'",
    ),
    (
        "[automatic_control.K_max]",
        "[automatic_control.K_mx]",
        "automatic_control.K_mx",
        "did you mean 'K_max'",
    ),
    ('unit = "years"', 'unti = "years"', "energy_management.S.unti", "unknown key"),
    ("[emissions.2035]", "[emissions.2036]", "emissions.2035", "missing"),
    ("median = 52.83", 'median = "x"', "energy_management.RF.median", "finite number"),
]


@pytest.mark.parametrize(("old", "new", "field", "problem"), BAD)
def test_bad_prior_names_file_field_problem(priors_copy, capsys, old, new, field, problem):
    path = _mutate(priors_copy, old, new)
    with pytest.raises(PriorError) as err:
        load_sector(path)
    assert err.value.field == field and problem in err.value.problem
    # the command line: one line naming file, field and problem; exit 2; no traceback
    assert main(["reproduce", "--priors", str(priors_copy), "--sectors", "steel"]) == 2
    msg = capsys.readouterr().err
    assert str(path) in msg and field in msg and problem in msg and "Traceback" not in msg


def test_missing_category(priors_copy):
    path = priors_copy / "petrochemical.toml"
    text = path.read_text()
    start = text.index("# --- integrated_control")
    end = text.index("# --- sector emissions")
    path.write_text(text[:start] + text[end:])
    with pytest.raises(PriorError, match="integrated_control: missing category"):
        load_sector(path)


def test_fixed_kmax_below_k0_rejected(priors_copy):
    path = priors_copy / "cement.toml"
    text = path.read_text()
    text = text.replace(
        '[energy_management.K0]\ndist = "pert"\nlow = 0.2\nmode = 0.35\nhigh = 0.5',
        "[energy_management.K0]\nvalue = 0.6",
    )
    text = text.replace(
        '[energy_management.K_max]\ndist = "pert"\nlow = 0.8\nmode = 0.9\nhigh = 1.0',
        "[energy_management.K_max]\nvalue = 0.5",
    )
    path.write_text(text)
    with pytest.raises(PriorError, match=r"energy_management\.K_max: fixed K_max 0.5 is below"):
        load_sector(path)


def test_missing_file_and_directory(tmp_path, capsys):
    assert main(["reproduce", "--priors", str(tmp_path / "nope")]) == 2
    assert "priors directory not found" in capsys.readouterr().err
    assert main(["reproduce", "--priors", str(tmp_path)]) == 2
    assert "no prior file (<sector>.toml)" in capsys.readouterr().err
    assert main(["reproduce", "--sectors", "glass"]) == 2
    assert "unknown sector glass in the bundled priors; choose from steel" in capsys.readouterr().err


def test_fixed_value_and_every_category_listed():
    sp = load_priors(sectors=("steel",))["steel"]
    for cat in CATEGORIES:
        assert f"steel.{cat}.K0" in sp.priors
    assert sp.emission_years == (2022, 2025, 2030, 2035)
