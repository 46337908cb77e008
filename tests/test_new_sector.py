"""A sector defined by files alone: a made-up aluminium sector of three categories runs through reproduce,
run, sobol and report (CLI), and a sector without published figures simply has no claims."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mcpot.cli import main
from mcpot.engine.run import RunConfig, run
from mcpot.model.priors import available_sectors, load_priors, published
from mcpot.model.reproduce import reproduce
from mcpot.model.space import ParameterSpace
from tests.sectors import EMISSIONS, category

CATS = ("smelter_control", "potline_monitoring", "heat_recovery")


REFERENCE = """
[reference]
source = "a made-up report"
totals = { 2025 = 6.0, 2035 = 14.0 }
shares = { smelter_control = 0.5, potline_monitoring = 0.3, heat_recovery = 0.2 }
band = [0.015, 0.047]
"""


@pytest.fixture()
def priors_dir(tmp_path):
    d = tmp_path / "priors"
    d.mkdir()
    cats = "".join(
        category(c, rf, k0) for c, rf, k0 in zip(CATS, (8.0, 5.0, 3.0), (0.2, 0.3, 0.1), strict=True)
    )
    (d / "aluminium.toml").write_text('sector = "aluminium"\n' + cats + EMISSIONS + REFERENCE)
    (d / "glass.toml").write_text('sector = "glass"\n' + category("furnace_control", 2.0, 0.2) + EMISSIONS)
    return d


def test_categories_and_figures_come_from_the_file(priors_dir):
    assert available_sectors(priors_dir) == ("aluminium", "glass")  # no order key: by name
    priors = load_priors(priors_dir)
    assert priors["aluminium"].categories == CATS and priors["glass"].categories == ("furnace_control",)
    pub = published(priors)
    assert list(pub) == ["aluminium"] and pub["aluminium"].totals == {2025: 6.0, 2035: 14.0}
    assert pub["aluminium"].implied_denominators() == pytest.approx({2025: 400.0, 2035: 14.0 / 0.047})


def test_reproduce_compares_only_what_is_published(priors_dir, capsys):
    rep = reproduce(ParameterSpace(load_priors(priors_dir), "report"))
    assert set(rep.comparison.sector) == {"aluminium"}
    assert len(rep.comparison) == 2 + 3 + 2  # totals, shares, band ends
    model = rep.comparison.set_index(["quantity", "year"], drop=False)
    total_2025 = model[(model.quantity == "total") & (model.year == 2025)].model.iloc[0]
    band_low = model[model.quantity == "band_low"].model.iloc[0]
    assert band_low == pytest.approx(total_2025 / 400.0)  # emissions fixed at 400 Mt CO2/yr in 2025
    assert rep.denominators.implied_by_report.iloc[0] == pytest.approx(6.0 / 0.015)
    assert main(["reproduce", "--priors", str(priors_dir), "--sectors", "glass"]) == 0
    assert "glass: no published figures" in capsys.readouterr().out
    assert main(["reproduce", "--priors", str(priors_dir), "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {r["category"] for r in records if r["quantity"] == "share"} == set(CATS)


def test_run_sobol_and_report_through_the_cli(priors_dir, tmp_path):
    out = tmp_path / "run"
    common = ["--priors", str(priors_dir), "--seed", "3", "--jobs", "1"]
    assert main(["run", *common, "--samples", "4096", "--out", str(out), "--quiet", "--report"]) == 0
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary.sector) == {"aluminium", "glass"}
    assert {c for c in summary.category.dropna()} == {*CATS, "furnace_control"}
    claims = pd.read_csv(out / "claims.csv")
    assert set(claims.sector) == {"aluminium"}  # glass publishes nothing: no claims
    assert ((claims.probability >= 0) & (claims.probability <= 1)).all()
    shares = summary.query("quantity == 'share' and year == 2035 and statistic == 'mean'")
    assert shares.groupby("sector").value.sum().to_numpy() == pytest.approx(1.0)
    html = (out / "report.html").read_text()
    assert "aluminium" in html and "heat_recovery" in html

    sob = tmp_path / "sobol"
    assert main(["sobol", *common, "--sectors", "aluminium", "--samples", "256", "--out", str(sob)]) == 0
    st = pd.read_csv(sob / "sobol.csv")
    assert set(st.query("grouping == 'category'").parameter) == set(CATS)
    assert main(["report", str(sob)]) == 0
    assert (sob / "report.html").is_file()


def test_run_api_matches_a_run_of_the_same_sector_alone(priors_dir):
    """Sectors are independent: aluminium's numbers are the same whether glass runs beside it or not."""
    both = run(RunConfig(sectors=("aluminium",), samples=8192, seed=1), priors_dir=priors_dir, write=False)
    again = run(RunConfig(sectors=("aluminium",), samples=8192, seed=1), priors_dir=priors_dir, write=False)
    np.testing.assert_array_equal(both.summary.value.to_numpy(), again.summary.value.to_numpy())
    assert set(both.claims.quantity) >= {"total", "share", "band"}
