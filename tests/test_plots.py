"""Tests of mcpot.report.plots: every function returns its Axes and draws what the data say."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # before pyplot; tests never open windows

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection, PolyCollection, QuadMesh
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure

from mcpot.engine.run import RunConfig, run
from mcpot.engine.runs import load_histograms
from mcpot.model.priors import published
from mcpot.report import plots
from mcpot.sensitivity import morris, sobol
from mcpot.sensitivity.testfunctions import ishigami, ishigami_ppf

YEARS = list(range(2022, 2036))
PARAMS = ["steel.automatic_control.K0", "steel.automatic_control.RF", "steel.emissions.2025"]


@pytest.fixture(scope="module")
def cement_run(tmp_path_factory):
    """A small real run folder (cement only) and its result."""
    out = tmp_path_factory.mktemp("run") / "cement"
    result = run(RunConfig(sectors=("cement",), samples=3000, seed=1, jobs=1), out_dir=out)
    return result, load_histograms(out)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def sobol_frame() -> pd.DataFrame:
    res = sobol.analyze(
        ishigami, ishigami_ppf, 3, 64, outputs=["y"], seed=3, num_resamples=50, names=["x1", "x2", "x3"]
    )
    return res.to_frame()


@pytest.fixture(scope="module")
def morris_frame() -> pd.DataFrame:
    res = morris.analyze(
        ishigami,
        ishigami_ppf,
        3,
        10,
        outputs=["steel.total.2035"],
        seed=2,
        num_resamples=50,
        names=["x1", "x2", "x3"],
    )
    return res.to_frame()


def _report_points(ax: Axes) -> np.ndarray:
    """Offsets of the scatter labelled as the report's figures."""
    hits = [
        c for c in ax.collections if isinstance(c, PathCollection) and c.get_label() == plots.REPORT_LABEL
    ]
    assert len(hits) == 1
    return np.asarray(hits[0].get_offsets())


def _medians(ax: Axes) -> list[float]:
    """x of the box medians drawn by share_distributions, top to bottom."""
    lines = [line for line in ax.get_lines() if line.get_gid() == "median"]
    return [float(line.get_xdata()[0]) for line in sorted(lines, key=lambda ln: -ln.get_ydata()[0])]


# ------------------------------------------------------------------------------------ run outputs
def test_fan_chart_draws_median_bands_and_report_totals(cement_run) -> None:
    result, _ = cement_run
    ax = plots.fan_chart(result.summary, "cement")
    assert isinstance(ax, Axes)
    (median,) = [line for line in ax.get_lines() if line.get_label() == "median"]
    years, values = median.get_data()
    assert list(years) == YEARS
    wide = result.wide().query("quantity == 'total'").sort_values("year")
    np.testing.assert_allclose(values, wide["p50"])
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 2  # 50% and 90% bands
    pub = published()["cement"].totals
    np.testing.assert_allclose(_report_points(ax), [[y, v] for y, v in pub.items()])
    assert "Mt CO2/yr" in ax.get_ylabel()
    assert "report reading" in ax.get_title()


def test_fan_chart_accepts_the_wide_summary_and_a_given_axes(cement_run) -> None:
    result, _ = cement_run
    fig = Figure()
    ax = fig.subplots()
    assert plots.fan_chart(result.wide(), "cement", ax=ax) is ax


def test_band_distribution_marks_the_report_band(cement_run) -> None:
    _, hist = cement_run
    ax = plots.band_distribution(hist, "cement", reading="report")
    lines = [line for line in ax.get_lines() if line.get_label().startswith("report")]
    assert sorted(line.get_xdata()[0] for line in lines) == pytest.approx([3.0, 9.0])
    assert "%" in ax.get_xlabel()
    assert "report reading" in ax.get_title()
    # the two re-binned densities each hold (almost) all the probability: tails beyond 0.1%/99.9% cut
    stairs = [p for p in ax.patches if p.get_label().startswith("model")]
    assert len(stairs) == 2
    for patch in stairs:
        values, edges, _ = patch.get_data()
        assert 0.99 < float(np.sum(values * np.diff(edges))) <= 1.0 + 1e-9


@pytest.mark.parametrize("source", ["histograms", "summary"])
def test_share_distributions_boxes_and_published_shares(cement_run, source) -> None:
    result, hist = cement_run
    data = hist if source == "histograms" else result.summary
    ax = plots.share_distributions(data, "cement", reading="report")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [
        "energy_management",
        "automatic_control",
        "byproduct_reuse (not modelled)",
        "integrated_control",
    ]
    assert len(_medians(ax)) == 3  # one box per modelled category
    points = _report_points(ax)
    assert len(points) == 4  # three modelled categories + the report's 0% by-product reuse
    assert sorted(points[:, 0]) == pytest.approx(
        sorted(100 * v for v in published()["cement"].shares.values())
    )
    assert "%" in ax.get_xlabel()


def test_share_distributions_agree_between_histograms_and_summary(cement_run) -> None:
    result, hist = cement_run
    a = plots.share_distributions(hist, "cement")
    b = plots.share_distributions(result.summary, "cement")
    np.testing.assert_allclose(_medians(a), _medians(b), atol=1e-9)  # same percentile rule as the run
    shares = result.wide().query("quantity == 'share' and year == 2035").set_index("category")["p50"]
    np.testing.assert_allclose(sorted(_medians(a)), sorted(100 * shares), rtol=1e-9)


# ------------------------------------------------------------------------------------ sensitivity
def test_sobol_bars_two_bars_per_parameter_sorted_by_st(sobol_frame) -> None:
    ax = plots.sobol_bars(sobol_frame, "y")
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [b.get_label() for b in bars] == ["S1", "ST"]
    assert all(len(b) == 3 for b in bars)
    st = sobol_frame.query("index == 'ST'").set_index("parameter")["value"].sort_values(ascending=False)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(st.index)
    assert [r.get_width() for r in bars[1]] == pytest.approx(list(st))  # drawn top down
    assert bars[1][0].get_y() > bars[1][2].get_y()  # largest ST on top
    assert "variance" in ax.get_xlabel()


def test_sobol_bars_top_and_grouping(sobol_frame) -> None:
    grouped = pd.concat(
        [
            sobol_frame.assign(grouping="parameter", reading="report"),
            sobol_frame.assign(grouping="kind", parameter="g_" + sobol_frame["parameter"], reading="report"),
        ]
    )
    ax = plots.sobol_bars(grouped, "y", top=2)
    assert all(t.get_text().startswith("x") for t in ax.get_yticklabels())
    assert all(len(b) == 2 for b in ax.containers if isinstance(b, BarContainer))
    assert "report reading" in ax.get_title()
    ax = plots.sobol_bars(grouped, "y", grouping="kind")
    assert all(t.get_text().startswith("g_") for t in ax.get_yticklabels())
    with pytest.raises(ValueError, match="no rows for output"):
        plots.sobol_bars(sobol_frame, "nope")


def test_sobol_over_time_heatmap_parameters_by_years() -> None:
    rng = np.random.default_rng(0)
    rows = [
        (f"steel.total.{y}", p, idx, rng.random(), 0.01, np.nan, np.nan)
        for y in YEARS
        for p in PARAMS
        for idx in ("S1", "ST")
    ]
    rows.append(("steel.band_low.2025", PARAMS[0], "ST", 0.5, 0.01, 0.4, 0.6))  # not a yearly total
    frame = pd.DataFrame(rows, columns=["output", "parameter", "index", "value", "conf", "low", "high"])
    ax = plots.sobol_over_time(frame, "steel")
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert mesh.get_array().shape == (len(PARAMS), len(YEARS))
    assert [int(t.get_text()) for t in ax.get_xticklabels()] == YEARS
    assert {t.get_text() for t in ax.get_yticklabels()} == {
        "automatic_control.K0",
        "automatic_control.RF",
        "emissions.2025",
    }
    assert plots.sobol_over_time(frame, "steel", top=2).collections[0].get_array().shape == (2, len(YEARS))


def _tornado_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "output": "cement.total.2035",
            "unit": "Mt CO2/yr",
            "parameter": PARAMS,
            "input_low": [0.2, 23.8, 807.0],
            "input_high": [0.5, 90.2, 635.0],
            "output_at_low": [55.0, 40.0, 59.0],
            "output_at_high": [64.0, 92.0, 61.0],
            "baseline": 60.0,
        }
    )


def test_tornado_bars_sorted_by_swing_with_baseline_and_unit() -> None:
    ax = plots.tornado(_tornado_frame())
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [len(b) for b in bars] == [3, 3]  # low and high bar per parameter
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "automatic_control.RF"  # largest swing on top
    assert labels[-1] == "emissions.2025"
    lows = sorted((r.get_y(), r.get_x() + r.get_width()) for r in bars[0])
    assert lows[-1][1] == pytest.approx(40.0)  # top bar ends at the output at the low input
    (base,) = [line for line in ax.get_lines() if line.get_label().startswith("baseline")]
    assert base.get_xdata()[0] == pytest.approx(60.0)
    assert "Mt CO2/yr" in ax.get_xlabel()


def test_tornado_needs_one_output() -> None:
    two = pd.concat([_tornado_frame(), _tornado_frame().assign(output="steel.total.2035")])
    with pytest.raises(ValueError, match="2 outputs"):
        plots.tornado(two)
    assert len(plots.tornado(two, output="steel.total.2035", top=2).containers[0]) == 2


def test_morris_plot_one_labelled_point_per_parameter(morris_frame) -> None:
    ax = plots.morris_plot(morris_frame, "steel.total.2035")
    (points,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    xy = np.column_stack([np.asarray(v, dtype=float) for v in points.lines[0].get_data()])
    expected = morris_frame.sort_values("mu_star", ascending=False)[["mu_star", "sigma"]].to_numpy()
    np.testing.assert_allclose(xy, expected)
    assert {t.get_text() for t in ax.texts} >= {"x1", "x2", "x3"}
    assert "Mt CO2/yr" in ax.get_xlabel() and "Mt CO2/yr" in ax.get_ylabel()


def test_prior_posterior_two_densities_with_weights() -> None:
    rng = np.random.default_rng(1)
    frame = pd.concat(
        [
            pd.DataFrame({"parameter": "RF", "value": rng.lognormal(3, 0.4, 500), "which": "prior"}),
            pd.DataFrame(
                {
                    "parameter": "RF",
                    "value": rng.lognormal(3.2, 0.2, 500),
                    "which": "posterior",
                    "weight": rng.random(500),
                }
            ),
            pd.DataFrame({"parameter": "other", "value": rng.random(50), "which": "prior"}),
        ]
    ).assign(unit="Mt CO2/yr")
    ax = plots.prior_posterior(frame, "RF")
    assert [c.get_label() for c in ax.collections if isinstance(c, PolyCollection)] == ["prior", "posterior"]
    assert "Mt CO2/yr" in ax.get_xlabel()
    with pytest.raises(ValueError, match="no rows"):
        plots.prior_posterior(frame, "missing")


def test_scenario_comparison_point_interval_per_scenario_and_output() -> None:
    frame = pd.DataFrame(
        {
            "scenario": ["base", "base", "low E", "low E", "incremental", "incremental"],
            "output": ["steel.total.2035", "cement.total.2035"] * 3,
            "unit": "Mt CO2/yr",
            "p5": [80.0, 30, 70, 25, 40, 10],
            "p50": [220.0, 60, 200, 55, 120, 30],
            "p95": [420.0, 108, 400, 100, 300, 70],
        }
    )
    ax = plots.scenario_comparison(frame)
    containers = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(containers) == 2
    x = np.asarray(containers[0].lines[0].get_xdata(), dtype=float)
    np.testing.assert_allclose(x, [220, 200, 120])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    ticks = sorted(zip(ax.get_yticks(), labels, strict=True), reverse=True)
    assert [t for _, t in ticks] == ["base", "low E", "incremental"]  # first scenario on top
    assert "Mt CO2/yr" in ax.get_xlabel()
    with pytest.raises(ValueError, match="one unit"):
        plots.scenario_comparison(frame.assign(unit=["a", "b"] * 3))


# ------------------------------------------------------------------------------------------- save
def test_save_writes_png_and_svg(tmp_path, cement_run) -> None:
    ax = plots.fan_chart(cement_run[0].summary, "cement")
    png, svg = plots.save(ax.figure, tmp_path / "figs" / "fan.cement")
    assert png.name == "fan.cement.png" and svg.name == "fan.cement.svg"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg.read_bytes()[:2000]
    assert sorted(p.name for p in png.parent.iterdir()) == [
        "fan.cement.png",
        "fan.cement.svg",
    ]  # no temp files
