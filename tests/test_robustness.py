"""mcpot robustness (mcpot.sensitivity.robustness): verdict rules on hand-made values, and a made-up sector
whose literature prior set has a five times smaller RF, so its band medians must depend on it."""

from __future__ import annotations

import pandas as pd
import pytest

from mcpot.cli import main
from mcpot.errors import McpotError
from mcpot.sensitivity.robustness import RobustnessConfig, _holds, run_robustness
from tests.sectors import tiny_sector

AS_ONE = " (a category's logistic inputs, and its RF or unit savings, compared as one)"


def st(**values):
    return {k: (v, 0.01) for k, v in values.items()}


def test_top3_rule_accepts_the_same_set_and_ties_only():
    base = {"top": ["a", "b", "c"], "st": st(a=0.5, b=0.3, c=0.2, d=0.1)}
    assert _holds("top3", base, {"top": ["b", "a", "c"], "st": st(a=0.3, b=0.5, c=0.2, d=0.1)})[0]
    tie = {"top": ["a", "b", "d"], "st": st(a=0.5, b=0.3, c=0.195, d=0.2)}
    assert _holds("top3", base, tie) == (True, "tied with the third (ST intervals overlap)")
    lost = {"top": ["a", "b", "d"], "st": st(a=0.5, b=0.3, c=0.05, d=0.2)}
    assert _holds("top3", base, lost) == (False, "lost c")


def test_top3_across_logistic_forms_compares_a_category_s_logistic_inputs_as_one():
    base = {"top": ["ac.midpoint", "ac.RF", "bp.midpoint"], "st": {}}
    old = {"ac.beta": 0.5, "ac.alpha": 0.4, "ac.RF": 0.3, "bp.beta": 0.25, "cc.RF": 0.1}
    old = {"top": ["ac.beta", "ac.alpha", "ac.RF"], "st": st(**old)}
    # ac.beta and ac.alpha are one driver (ac's logistic): the distinct top 3 are ac, ac.RF, bp
    assert _holds("top3", base, old) == (True, f"same set{AS_ONE}")
    old["st"]["bp.beta"] = (0.05, 0.01)  # by-product reuse's logistic drops below cc.RF
    assert _holds("top3", base, old) == (False, f"lost bp.logistic{AS_ONE}")


def test_top3_compares_rf_with_the_unit_savings_it_is_built_from():
    """Literature priors build ac's RF from RA.coal and RA.power: their largest ST stands for ac.RF, while
    the emission factor and production, shared by every category, stay themselves."""
    base = {"top": ["ac.RF", "ac.midpoint", "emissions.2035"], "st": {}}
    lit = st(**{"ac.RA.coal": 0.5, "ac.RA.power": 0.2, "ac.midpoint": 0.15, "emissions.2035": 0.1})
    lit["emission_factors.coal"] = (0.05, 0.01)
    var = {"top": ["ac.RA.coal", "ac.RA.power", "ac.midpoint"], "st": lit}
    assert _holds("top3", base, var) == (True, f"same set{AS_ONE}")
    lit["production.2022"] = (0.12, 0.01)  # now above emissions.2035 and not tied with it
    lit["emissions.2035"] = (0.02, 0.01)
    assert _holds("top3", base, var) == (False, f"lost emissions.2035{AS_ONE}")


def test_probability_and_median_tolerances():
    p0 = {"value": 0.40, "se": 0.005}
    assert _holds("probability", p0, {"value": 0.44, "se": 0.005})[0]
    assert not _holds("probability", p0, {"value": 0.46, "se": 0.005})[0]
    # a noisy variant widens the tolerance: 3 * hypot(0.005, 0.03) = 0.091 > 0.05
    assert _holds("probability", p0, {"value": 0.48, "se": 0.03})[0]
    m0 = {"value": 0.10, "se": 0.0}
    assert _holds("median", m0, {"value": 0.109, "se": 0.0})[0]
    assert not _holds("median", m0, {"value": 0.112, "se": 0.0})[0]


def test_samples_must_be_a_power_of_two():
    with pytest.raises(McpotError, match="--samples"):
        RobustnessConfig(samples=100)


@pytest.fixture()
def priors_dir(tmp_path):
    d = tmp_path / "priors"
    (d / "literature").mkdir(parents=True)
    (d / "glass.toml").write_text(tiny_sector())
    (d / "literature" / "glass.toml").write_text(tiny_sector(rf=0.8))
    return d


def test_robustness_on_a_made_up_sector(priors_dir, tmp_path):
    cfg = RobustnessConfig(sectors=("glass",), samples=64, seed=5, jobs=1)
    res = run_robustness(cfg, priors_dir=priors_dir, out_dir=tmp_path / "run")
    t = res.table
    assert list(dict.fromkeys(t.variant)) == [
        "baseline",
        "widths x0.5",
        "widths x2",
        "other families",
        "literature",
    ]
    assert set(res.skipped.variant) == {"no correlation", "old logistic"}
    assert t[t.variant == "baseline"].holds.all()
    assert t[t.variant == "literature"].reading.eq("rescaled").all()
    for _, g in t.groupby("conclusion"):
        failed = list(g.variant[~g.holds])
        assert g.verdict.iloc[0] == ("robust" if not failed else f"depends on {', '.join(failed)}")
    medians = t[t.conclusion.str.contains("median")]
    assert medians.verdict.str.contains("literature").all()
    again = run_robustness(cfg, priors_dir=priors_dir, write=False)
    pd.testing.assert_frame_equal(again.table, t)
    written = pd.read_csv(tmp_path / "run" / "robustness.csv")
    assert list(written.columns[:4]) == ["conclusion", "sector", "output", "variant"]
    assert len(written) == len(t)


def test_cli_writes_the_report_section(priors_dir, tmp_path, capsys):
    out = tmp_path / "cli"
    args = ["robustness", "--priors", str(priors_dir), "--samples", "64", "--seed", "2", "--jobs", "1"]
    assert main([*args, "--out", str(out), "--report"]) == 0
    text = capsys.readouterr().out
    assert "P(band inside the report's)" in text and "skipped old logistic" in text
    html = (out / "report.html").read_text()
    assert "Robustness of the key conclusions" in html and "depends on" in html


def test_robustness_takes_the_backend_options_instead_of_ignoring_them():
    from mcpot.cli.common import shared_fields
    from mcpot.cli.parser import build_parser

    args = build_parser().parse_args(["robustness", "--backend", "threading", "--samples", "64"])
    cfg = RobustnessConfig(**shared_fields(args), samples=args.samples, reading=args.reading)
    assert cfg.backend == "threading" and cfg.scheduler is None
    with pytest.raises(McpotError, match="backend"):
        RobustnessConfig(backend="bogus")
