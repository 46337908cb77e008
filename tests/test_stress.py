"""Stress tests: scenarios side by side with the default, readings compared, prior sets compared."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from mcpot.cli import main
from mcpot.engine.chunks import RunConfig
from mcpot.engine.run import run
from mcpot.model.overrides import Scenario
from mcpot.stress.compare import compare_priors, run_stress

BASE = RunConfig(sectors=("cement",), samples=4000, seed=9, jobs=1)
LOW = Scenario("low_control", "", ("cement.automatic_control.RF*=0.5",))


def test_scenarios_side_by_side():
    res = run_stress(BASE, [LOW, Scenario("inc", "", (), "incremental")], write=False)
    out = res.outputs.set_index(["scenario", "output"])
    assert (res.outputs[res.outputs.scenario == "default"].p50_change == 0).all()
    # the scenario is exactly a run with its overrides and the same seed
    direct = (
        run(RunConfig(**{**BASE.__dict__, "overrides": LOW.overrides}), write=False)
        .wide()
        .set_index("output")
    )
    assert out.loc[("low_control", "cement.total.2035"), "p50"] == direct.loc["cement.total.2035", "p50"]
    assert out.loc[("low_control", "cement.total.2035"), "p50_change"] < 0
    assert (
        out.loc[("inc", "cement.band_low.2025"), "p50"] < out.loc[("default", "cement.band_low.2025"), "p50"]
    )
    assert set(res.outputs[res.outputs.scenario == "inc"].reading) == {"incremental"}
    band = res.claims[res.claims.quantity == "band"].set_index("scenario")
    assert (
        band.loc["inc", "probability_change"]
        == band.loc["inc", "probability"] - band.loc["default", "probability"]
    )


def test_compare_priors_percentiles():
    cmp = compare_priors(BASE, {"a": (None, "report"), "b": (None, "report")}).table
    a, b = (cmp[cmp.prior_set == k].percentile.to_numpy() for k in "ab")
    assert_array_equal(a, b)  # the same priors and seed give the same percentiles
    assert ((a >= 0) & (a <= 100)).all()
    cat = cmp[(cmp.prior_set == "a") & (cmp.category == "automatic_control")].iloc[0]
    assert cat.report == pytest.approx(0.74 * 60.0) and cat.output == "cement.er.automatic_control.2035"
    # the report-calibrated priors are centred on the report: its 2035 total sits near the middle
    total = cmp[(cmp.prior_set == "a") & (cmp.output == "cement.total.2035")].percentile.iloc[0]
    assert 30 < total < 70


def test_cli_stress(tmp_path, capsys):
    scen = tmp_path / "s.toml"
    scen.write_text('[scenario.low]\nset = ["cement.automatic_control.RF*=0.5"]\n')
    out = tmp_path / "stress"
    assert (
        main(
            [
                "stress",
                "--sectors",
                "cement",
                "--samples",
                "2000",
                "--seed",
                "1",
                "--jobs",
                "1",
                "--scenarios",
                str(scen),
                "--readings",
                "linear",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "low" in text and "reading:linear" in text and "P(band in report's)" in text
    table = pd.read_csv(out / "stress.csv")
    assert set(table.scenario) == {"default", "low", "reading:linear"}
    assert np.isfinite(table.p50).all()
    from mcpot.report.html import write_report

    html = write_report(out).read_text()
    assert 'id="scenarios"' in html and html.count("<img") >= 1 and "reading:linear" in html


def test_calibration_narrows_to_the_report(tmp_path):
    from mcpot.engine.runs import read_manifest
    from mcpot.stress.calibration import run_calibrate

    res = run_calibrate(
        BASE, particles=200, max_simulations=12_000, target_epsilon=0.1, replicates=2, max_replicates=2,
        pilot=2000, out_dir=tmp_path / "cal",
    )  # fmt: skip
    pred = res.predictive.set_index(["output", "distribution"])
    prior, post = pred.loc[("cement.total.2035", "prior")], pred.loc[("cement.total.2035", "posterior")]
    assert post.p95 - post.p5 < 0.5 * (prior.p95 - prior.p5)
    assert post.p5 < 60.0 < post.p95  # the published 2035 total is inside the posterior predictive
    ratio = res.constraint.set_index("input").width_ratio
    assert ratio["cement.automatic_control.RF"] < 0.5  # the figures pin the dominant RF
    assert ratio["cement.emissions.2035"] > 0.8  # totals and shares say nothing about emissions
    assert res.posterior.weight.sum() == pytest.approx(1.0)
    assert set(res.constraint.verdict) <= {"constrained", "not constrained", "undecided"}
    assert len(res.fit) == 2 and (res.fit.target_epsilon == 0.1).all()
    assert (res.fit.reached == (res.fit.epsilon <= 0.1)).all()
    summary = read_manifest(res.run_dir)["calibration"]["cement"]
    assert summary["target_epsilon"] == 0.1 and summary["replicates"] == 2
    assert summary["unsettled_inputs"] == list(res.constraint.input[~res.constraint.settled])
    assert summary["epsilon_reached"] == pytest.approx(res.fit.epsilon.max())
    assert 0 <= summary["pilot_fraction_within_target"] <= 1
    from mcpot.report.html import write_report

    html = write_report(res.run_dir).read_text(encoding="utf-8")
    assert 'id="calibration"' in html and "why it stopped" in html and "epsilon reached" in html
    assert ("Not settled" in html) == (not res.constraint.settled.all())
    assert f"{res.fit.epsilon.iloc[0]:.4f}" in html  # the tolerance each population reached
    verdict = res.constraint.set_index("input").verdict["cement.automatic_control.RF"]
    assert f"<td>{verdict}</td>" in html


def test_calibration_adds_batches_of_populations_until_the_verdicts_settle():
    from mcpot.stress.calibration import run_calibrate

    kw = dict(particles=100, max_simulations=3000, target_epsilon=0.1, pilot=500, write=False)
    res = run_calibrate(BASE, replicates=2, max_replicates=4, resolution=0.3, **kw)
    n = len(res.fit)
    assert n in (2, 4) and (res.constraint.replicates == n).all()
    assert res.constraint.settled.all() or n == 4  # stops once settled, else at the cap
    assert (res.constraint.verdict[~res.constraint.settled] == "undecided").all()  # unsettled: undecided
    first = run_calibrate(BASE, replicates=2, max_replicates=2, **kw)
    np.testing.assert_array_equal(  # the first batch is the same populations whatever comes after
        res.posterior[res.posterior.replicate < 2].drop(columns="weight").to_numpy(),
        first.posterior.drop(columns="weight").to_numpy(),
    )


def test_calibration_bar_ends_full_when_populations_stop_early(monkeypatch):
    import io

    from tqdm import tqdm

    import mcpot.stress.calibration.command as command

    bars = []

    def bar(total, desc, unit):
        bars.append(tqdm(total=total, desc=desc, unit=unit, file=io.StringIO()))
        return bars[-1]

    def draw(replicates, start, on_generation):  # each population stops after 300 of its 1000 runs
        for _ in range(replicates):
            on_generation({"n_simulations": 300, "epsilon": 0.1, "acceptance_rate": 0.5})
        return tuple(range(start, start + replicates))

    batches = []
    monkeypatch.setattr(command.progress, "bar", bar)
    monkeypatch.setattr(
        command,
        "verdicts",
        lambda posts, X, confidence: batches.append(posts) or pd.DataFrame({"verdict": ["x"]}),
    )
    monkeypatch.setattr(command, "settled", lambda table, resolution: np.array([len(batches) >= 2]))
    posts, _ = command._populations(
        draw, None, batch=2, most=6, confidence=0.9, resolution=0.3, desc="c", runs_per_population=1000
    )
    assert posts == (0, 1, 2, 3)  # a second batch, then settled
    assert bars[0].n == bars[0].total == 4 * 300  # not 1,200 of a 4,000-run budget


def test_discovery_finds_the_dominant_input(capsys):
    from mcpot.stress.runners import run_discover

    res = run_discover(BASE, "cement.total.2035", 80.0, write=False)
    assert "automatic_control.RF >=" in res.box and 0 < res.share < 0.5
    assert res.rules.rule.str.contains("automatic_control.RF").any()
    assert (
        main(
            [
                "discover",
                "--sectors",
                "cement",
                "--output",
                "cement.total.2035",
                "--above",
                "1e6",
                "--samples",
                "1000",
                "--jobs",
                "1",
            ]
        )
        == 2
    )
    assert "nothing to discover" in capsys.readouterr().err


def test_stress_report_shows_each_probability_with_its_95_percent_error(tmp_path):
    from mcpot.precision import Z95, plus_minus, probability_se
    from mcpot.report.html import write_report

    res = run_stress(BASE, [LOW], out_dir=tmp_path / "s")
    text = write_report(res.run_dir).read_text(encoding="utf-8")
    assert "P(band inside the report&#39;s) ± 95% MC error" in text
    for r in res.claims[res.claims.quantity == "band"].itertuples():
        half = Z95 * probability_se(r.probability, BASE.samples)
        assert 0 < half < 0.05  # a few thousand samples: about +-0.01
        assert f'<td class="num">{plus_minus(r.probability, half, least=3)}</td>' in text
