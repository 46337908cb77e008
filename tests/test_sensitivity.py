"""Sensitivity analyses of the report's model: Sobol, drivers, tornado, Morris, through the CLI too."""

import json

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from mcpot.cli import main
from mcpot.model.priors import load_priors
from mcpot.model.reproduce import reproduce
from mcpot.model.space import ParameterSpace, evaluate, output_columns
from mcpot.sensitivity.analyses import SensitivityConfig, run_morris, run_sobol, run_tornado
from mcpot.sensitivity.sector import SectorModel, sobol_outputs

PRIORS = load_priors()


def cfg(**kw):
    return SensitivityConfig(
        **{**dict(sectors=("cement",), samples=256, seed=4, jobs=1, resamples=200), **kw}
    )


def test_sector_model_matches_engine_outputs():
    model = SectorModel.build(PRIORS, "steel")
    space = ParameterSpace({"steel": PRIORS["steel"]})
    U = np.random.default_rng(0).random((50, model.dim))
    X = model.ppf(U)
    cols = output_columns(space).output.tolist()
    expected = evaluate(space, X)[:, [cols.index(o) for o in sobol_outputs("steel")]]
    assert_array_equal(model(X), expected)
    assert set(model.group_labels("kind")) == {
        "K0",
        "K_max",
        "headroom",
        "S",
        "midpoint",
        "steepness",
        "RF",
        "emissions",
    }
    assert "byproduct_reuse" not in SectorModel.build(PRIORS, "cement").group_labels("category")


def test_sobol_known_zeros_and_reading_factor():
    res = run_sobol(cfg(), write=False).indices
    st = res[(res["index"] == "ST") & (res.grouping == "kind")].set_index(["output", "parameter"])["value"]
    # sector emissions do not enter the totals: their total index is exactly 0 there, and not on the band
    assert st[("cement.total.2035", "emissions")] == 0.0
    assert st[("cement.band_high.2035", "emissions")] > 0.0
    s1 = res[(res["index"] == "S1") & (res.grouping == "parameter")]
    assert (s1.groupby("output").value.sum() < 1.1).all()
    two = run_sobol(cfg(readings=("report", "incremental")), write=False).indices
    reading = two[(two["index"] == "ST") & (two.parameter == "reading") & (two.grouping == "parameter")]
    assert (reading.value > 0.2).all()  # the reading of equation (2) moves the totals a lot


def test_sobol_same_seed_same_indices_whatever_the_workers():
    a = run_sobol(cfg(jobs=1), write=False).indices
    b = run_sobol(cfg(jobs=2), write=False).indices
    assert_array_equal(a.value.to_numpy(), b.value.to_numpy())
    assert_array_equal(a.conf.to_numpy(), b.conf.to_numpy())


def test_drivers_name_the_largest_total_index():
    res = run_sobol(cfg(), write=False)
    st = res.indices[(res.indices["index"] == "ST") & (res.indices.grouping == "parameter")]
    top = st.loc[st[st.output == "cement.band_high.2035"].value.idxmax(), "parameter"]
    row = res.drivers.set_index("output").loc["cement.band_high.2035"]
    assert top.split(".", 1)[1] in row.sentence and "band high end" in row.sentence


def test_convergence_reached_and_not():
    ok = run_sobol(cfg(samples=64, target_ci=0.5, max_samples=10**6), write=False)
    assert ok.convergence.reached.all()
    tight = run_sobol(cfg(samples=64, target_ci=1e-4, max_samples=5000), write=False)
    assert not tight.convergence.reached.any()
    assert tight.convergence.reason.str.contains("max").all()


def test_tornado_baseline_and_swings():
    res = run_tornado(cfg(sectors=("steel",)), ["steel.total.2035"], write=False).swings
    baseline = reproduce(ParameterSpace({"steel": PRIORS["steel"]})).comparison
    model_2035 = baseline.query("quantity == 'total' and year == 2035").model.iloc[0]
    assert res.baseline.iloc[0] == pytest.approx(model_2035)
    assert (np.diff(res.swing) <= 0).all()
    emissions = res[res.parameter.str.contains("emissions")]
    assert (emissions.swing == 0).all()  # emissions do not move the total
    rf = res.set_index("parameter").loc["steel.automatic_control.RF"]
    prior = PRIORS["steel"].priors["steel.automatic_control.RF"]
    assert rf.input_low == pytest.approx(prior.quantile(0.05))
    assert rf.output_at_high > rf.baseline > rf.output_at_low


def test_morris_ranks_rf_over_emissions_for_totals():
    res = run_morris(cfg(samples=20), write=False).indices
    total = res[res.output == "cement.total.2035"].set_index("parameter")
    assert total.loc["cement.automatic_control.RF", "mu_star"] > 0
    assert total.loc["cement.emissions.2035", "mu_star"] == 0


def test_cli_sobol_folder_and_errors(tmp_path, capsys):
    out = tmp_path / "sobol"
    assert (
        main(
            [
                "sobol",
                "--sectors",
                "cement",
                "--samples",
                "128",
                "--seed",
                "1",
                "--jobs",
                "1",
                "--resamples",
                "100",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "cement band high end" in printed and "reading: report" in printed
    assert {"sobol.csv", "drivers.csv", "manifest.json"} <= {p.name for p in out.iterdir()}
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    assert (
        main(["tornado", "--sectors", "cement", "--output", "cement.totl.2035", "--out", str(tmp_path / "t")])
        == 2
    )
    assert "unknown output 'cement.totl.2035'" in capsys.readouterr().err
    assert main(["sobol", "--sectors", "cement", "--samples", "100", "--out", str(tmp_path / "s2")]) == 2
    assert "multiple of replicates=8 with n / replicates a power of two" in capsys.readouterr().err


def test_grouping_with_a_single_group_is_skipped_with_a_note():
    # every input but the RFs fixed at its median (the fixed emission years lose their correlations)
    model = SectorModel.build(load_priors(None, ("cement",)), "cement")
    fixed = tuple(
        f"{n}={v:.12g}" for n, v in zip(model.names, model.medians()[0], strict=True) if ".RF" not in n
    )
    with pytest.warns(UserWarning, match="are dropped"):
        res = run_sobol(cfg(overrides=fixed), write=False)
    assert set(res.indices.grouping) == {"parameter", "category"}
    assert any("by-kind indices skipped" in n and "(RF)" in n for n in res.notes)
    params = res.indices[(res.indices.grouping == "parameter") & (res.indices["index"] == "ST")]
    assert set(params.parameter) == {n for n in model.names if ".RF" in n}


def test_sobol_intervals_are_replicate_t_with_the_bootstrap_beside(tmp_path, capsys):
    res = run_sobol(cfg(bootstrap=True, replicates=4), write=False).indices
    st = res[(res.grouping == "parameter") & (res["index"] == "ST")]
    np.testing.assert_allclose(st.high - st.value, st.conf, rtol=1e-12, atol=1e-15)
    assert {"conf_bootstrap", "low_bootstrap", "high_bootstrap"} <= set(res.columns)
    plain = run_sobol(cfg(replicates=4), write=False).indices
    assert "conf_bootstrap" not in plain.columns
    assert_array_equal(plain.value, res.value)  # the bootstrap beside changes no estimate
    assert_array_equal(plain.conf, res.conf)
    out = tmp_path / "s"
    args = [
        "sobol",
        "--sectors",
        "cement",
        "--samples",
        "64",
        "--seed",
        "1",
        "--jobs",
        "1",
        "--out",
        str(out),
    ]
    assert main([*args, "--replicates", "4", "--bootstrap", "--resamples", "50"]) == 0
    printed = capsys.readouterr().out
    assert "4 independently scrambled designs" in printed and "Student t" in printed
    assert "*_bootstrap" in printed
    grown = tmp_path / "t"
    assert main([*args[:-1], str(grown), "--replicates", "4", "--target-ci", "0.3"]) == 0
    printed = capsys.readouterr().out
    assert "from N = 64 base points in 4 independently scrambled designs" in printed
    assert "below 0.3" in printed and "convergence cement/parameter: target reached" in printed
    steps = pd.read_csv(grown / "convergence.csv")
    assert {"n", "replicates", "evaluations", "widest_conf"} <= set(steps.columns)
    for _, g in steps.groupby("grouping"):  # every step adds runs, none is thrown away
        assert (np.diff(g.evaluations) > 0).all() and (np.diff(g.replicates) >= 0).all()
