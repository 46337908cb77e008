"""The default priors reproduce the report's published figures at their medians."""

import json

import pytest

from mcpot.cli import main
from mcpot.model.priors import figures, load_priors, published
from mcpot.model.reproduce import reproduce
from mcpot.model.space import ParameterSpace


@pytest.fixture(scope="module")
def rep():
    return reproduce(ParameterSpace(load_priors()))


def test_totals_within_5_percent(rep):
    totals = rep.comparison[rep.comparison.quantity == "total"]
    assert len(totals) == 9
    assert (totals.rel_diff.abs() < 0.05).all(), totals


def test_shares_within_2_points(rep):
    shares = rep.comparison[rep.comparison.quantity == "share"]
    assert len(shares) == 12
    assert (shares["diff"].abs() < 0.02).all(), shares


def test_implied_denominators(rep):
    d = rep.denominators.set_index(["sector", "year"])
    assert d.loc[("steel", 2025), "implied_by_report"] == pytest.approx(2200.0)
    assert d.loc[("steel", 2035), "implied_by_report"] == pytest.approx(1150.0)
    assert d.loc[("cement", 2035), "implied_by_report"] == pytest.approx(60 / 0.09)
    # the steel 2025 denominator the report implies is far above direct-emission evidence: flagged
    assert d.loc[("steel", 2025), "outside"]


def test_published_figures_are_data():
    pub = published()
    assert pub["steel"].totals == {2025: 110.0, 2030: 170.0, 2035: 230.0}
    assert sum(pub["petrochemical"].shares.values()) == pytest.approx(1.0)
    assert len(figures()) == 3 * (3 + 4 + 2)


def test_reproduce_json(capsys):
    assert main(["reproduce", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 27
    keys = {"sector", "quantity", "year", "category", "model", "report"}
    assert all(set(r) == keys for r in records)
    band = next(r for r in records if r["quantity"] == "band_high" and r["sector"] == "steel")
    assert band["year"] is None and band["category"] is None and band["report"] == 0.20
    share = next(r for r in records if r["quantity"] == "share")
    assert share["year"] == 2035 and isinstance(share["category"], str)


def test_reproduce_text(capsys):
    assert main(["reproduce", "--sectors", "cement"]) == 0
    out = capsys.readouterr().out
    assert "cement" in out and "steel" not in out and "reading: report" in out


def test_output_to_a_closed_pipe_is_not_a_traceback(monkeypatch):
    import os

    read, write = os.pipe()
    os.close(read)  # like `mcpot reproduce | head` after head has stopped reading
    stream = os.fdopen(write, "w", buffering=1)
    monkeypatch.setattr("sys.stdout", stream)
    try:
        assert main(["reproduce"]) == 0
    finally:
        stream.close()
