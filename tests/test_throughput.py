"""The fast paths of the engine give the same numbers as the plain ones; progress bars stay out of output."""

import re
import sys

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import stats

import mcpot.engine.summary as summary
from mcpot import progress
from mcpot.cli import main
from mcpot.engine.chunks import RunConfig, draw, make_task
from mcpot.engine.sampling import BLOCK
from mcpot.engine.summary import Grid
from mcpot.model.distributions import ppf
from mcpot.model.kernel import model_years
from mcpot.model.priors import load_priors
from mcpot.model.space import ParameterSpace, evaluate, evaluate_sectors, flatten
from mcpot.precision import Z95, probability_se


def test_counts_by_hand_with_under_and_overflow():
    grid = Grid(np.array([0.0, 10.0]), np.array([1.0, 0.5]))
    Y = np.array([[-1.0, 10.0], [0.0, 10.2], [0.5, 11.99], [3.99, 12.0], [4.0, 9.0], [10.0, 11.0]])
    counts = grid.counts(Y, bins=4)
    assert counts.dtype == np.int32
    # column 0: -1 under; 0, 0.5 bin 1; 3.99 bin 4; 4 and 10 over (bins end at 4)
    assert_array_equal(counts[0], [1, 2, 0, 0, 1, 2])
    # column 1 (bins of 0.5 from 10): 9 under; 10, 10.2 bin 1; 11 bin 3; 11.99 bin 4; 12 over
    assert_array_equal(counts[1], [1, 2, 0, 1, 1, 1])


def test_counts_equal_a_bincount_per_column():
    rng = np.random.default_rng(4)
    Y = rng.normal(size=(1000, 37)) * rng.uniform(1, 5, 37)
    grid = Grid.from_pilot(Y[:200], bins=64)
    whole = grid.counts(Y, bins=64)
    reference = np.stack(
        [
            np.bincount(
                np.clip((Y[:, j] - grid.low[j]) / grid.width[j] + 1.0, 0, 65).astype(int), minlength=66
            )
            for j in range(37)
        ]
    )
    assert_array_equal(whole, reference)
    assert_array_equal(grid.counts(np.asfortranarray(Y), bins=64), whole)  # any memory layout
    assert whole.sum() == 1000 * 37


@pytest.mark.parametrize(("reading", "horizon"), [("report", 2035), ("incremental", 2060), ("overlap", 2045)])
def test_evaluate_writes_what_flatten_stacks(reading, horizon):
    space = ParameterSpace(load_priors(), reading)
    X = space.ppf(np.random.default_rng(2).uniform(0.01, 0.99, (300, space.dim)))
    expected = flatten(evaluate_sectors(space, X, model_years(horizon), reading), space, reading)
    assert_array_equal(evaluate(space, X, horizon, reading), expected)
    buffer = np.full((400, expected.shape[1]), np.nan)
    out = evaluate(space, X, horizon, reading, out=buffer[:300])
    assert out.base is buffer and np.array_equal(buffer[:300], expected, equal_nan=True)
    with pytest.raises(ValueError, match="shape"):
        evaluate(space, X, horizon, reading, out=buffer)


def test_compiled_report_reading_is_numpys_bitwise_in_the_corners():
    space = ParameterSpace(load_priors(), "report")
    X = space.ppf(np.random.default_rng(3).uniform(0.01, 0.99, (200, space.dim)))
    col = {n: i for i, n in enumerate(space.names)}
    X[0, col["steel.energy_management.S"]] = 1e-3  # adoption jumps to K_max at once
    X[1, col["steel.energy_management.K_max"]] = 0.01  # below K0: the ceiling rule binds
    X[2, col["cement.automatic_control.S"]] = 0.0  # 1/S^2 = inf: NaN, as numpy gives
    X[3, col["petrochemical.energy_management.K0"]] = np.nan
    compiled = evaluate(space, X, 2050, "report")
    numpy_path = evaluate(space, X, 2050, "report", compiled=False)
    assert np.array_equal(compiled, numpy_path, equal_nan=True)
    assert np.isnan(compiled[3]).any() and np.isfinite(compiled[1]).all()


def test_compiled_report_reading_leaves_the_overflowing_tail_to_numpy():
    from mcpot.model.compiled import report_sector

    space = ParameterSpace(load_priors(), "report")
    X = space.ppf(np.full((4, space.dim), 0.5))
    X[1, space.names.index("steel.energy_management.steepness")] = 2000.0
    X[1, space.names.index("steel.energy_management.midpoint")] = X[1, 0] + 0.36  # 2022: -z = 720 > 709
    years = model_years(2035)
    p = space.sector_params(X, "steel")
    view = np.full((4, 200), -1.0)
    half = -0.5 * (years - 2022.0) ** 2
    at = np.full((4, years.size), 1.0)
    assert not report_sector(p, half, np.arange(4), at, np.array([3, 13]), view)
    assert (view == -1.0).all()  # one pass, stopped before writing: numpy's path takes the sector
    expected = flatten(evaluate_sectors(space, X, years, "report"), space, "report")
    assert_array_equal(evaluate(space, X, 2035, "report"), expected)
    assert 0 < expected[1, 0] < 1e-300  # exp(z) itself, a subnormal potential


@pytest.mark.parametrize(
    "dist",
    [
        stats.norm(3, 2),
        stats.lognorm(s=0.4, scale=20),
        stats.uniform(4, 8),
        stats.triang(c=0.3, loc=5, scale=7),
    ],
)
def test_closed_form_ppf_bitwise_scipy(dist):
    u = np.random.default_rng(0).random(5000)
    assert_array_equal(ppf(dist, u), dist.ppf(u))
    ends = ppf(dist, np.array([0.0, 0.5, 1.0]))  # endpoints go through scipy itself
    assert_array_equal(ends, dist.ppf([0.0, 0.5, 1.0]))


def test_draw_matches_chunk_outputs():
    config = RunConfig(sectors=("cement",), samples=2 * BLOCK + 100, seed=3, jobs=1, chunk=BLOCK)
    space = ParameterSpace(load_priors(None, config.sectors))
    X, Y = draw(config, space)
    task = make_task(config, space)
    X0, Y0, _ = task.outputs(0, 3)
    assert_array_equal(X, X0)
    assert_array_equal(Y, Y0)


def test_progress_off_without_terminal(capsys, monkeypatch):
    assert not progress.enabled()  # captured stderr is no terminal
    with progress.bar(range(3), desc="x", delay=0) as bar:
        assert bar.disable and list(bar) == [0, 1, 2]
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert progress.enabled()
    progress.set_enabled(False)
    try:
        assert not progress.enabled()
    finally:
        progress.set_enabled(True)
    assert capsys.readouterr().err == ""


def test_run_with_late_horizon_prints_growth(tmp_path, capsys):
    args = ["run", "--sectors", "cement", "--samples", "3000", "--seed", "1", "--jobs", "1"]
    assert main([*args, "--horizon", "2045", "--out", str(tmp_path / "r"), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "growth after 2035" in text and "P(growth slows)" in text
    line = next(row for row in text.splitlines() if row.startswith("cement") and "[20" in row)
    year = int(line.split()[1])
    assert 2023 <= year <= 2045
    # probabilities carry their 95% MC error (Agresti-Coull at n = 3000: about +-0.01 near 0.1, 0.5)
    band = next(row for row in text.splitlines() if row.startswith("cement") and "report's 3%-9%" in row)
    p, half = re.search(r"\]\s+([\d.]+) ± ([\d.]+) \(report's", band).groups()
    assert float(half) == pytest.approx(Z95 * probability_se(float(p), 3000), abs=0.006)
    assert "± 0.0" in line.split("]")[-1]  # P(growth slows), near 1: its error is not shown as zero


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_backends_give_the_sequential_numbers(backend):
    from mcpot.engine.run import run

    base = dict(sectors=("cement",), samples=3 * BLOCK + 5, seed=8, chunk=BLOCK)
    a = run(RunConfig(**base, jobs=1), write=False)
    b = run(RunConfig(**base, jobs=2, backend=backend), write=False)
    assert_array_equal(a.summary["value"].to_numpy(), b.summary["value"].to_numpy())
    assert_array_equal(a.histograms["counts"], b.histograms["counts"])


def test_percentile_errors_include_the_histogram_resolution():
    """A potential bunched near 0 (lognormal, sigma 3): its low percentiles sit in the first bins, whose
    flat-density interpolation is off by far more than the Monte Carlo error alone. With the resolution
    error added, every histogram percentile agrees with numpy's exact one within 3 standard errors."""
    rng = np.random.default_rng(7)
    Y = np.exp(rng.normal(0.0, 3.0, size=(200_000, 1)))
    grid = Grid.from_pilot(Y[:8192])
    st = summary.Stats.empty(1, 0, 0)
    st.hist += grid.counts(Y)
    st.n = Y.shape[0]
    q, se = summary.percentile_table(st, grid)
    exact = np.percentile(Y[:, 0], summary.PERCENTILES)
    z = np.abs(q[0] - exact) / se[0]
    assert np.all(z < 3), z
    mc_only = np.sqrt(
        se[0] ** 2 - summary.resolution_error(st.hist, grid, np.array(summary.PERCENTILES) / 100)[0] ** 2
    )
    assert np.max(np.abs(q[0] - exact) / mc_only) > 3  # without it the low percentiles claim false precision


def test_block_moments_equal_numpys_and_bins_catch_nan_and_inf():
    from mcpot.engine.reduce import bin_counts, block_moments

    Y = np.random.default_rng(8).gamma(2.0, 3.0, size=(5000, 9))
    mean, m2 = np.empty(9), np.empty(9)
    block_moments(Y, mean, m2)
    assert_array_equal(mean, Y.mean(axis=0))
    np.testing.assert_allclose(m2, ((Y - Y.mean(axis=0)) ** 2).sum(axis=0), rtol=1e-13)
    out = np.zeros((1, 4), np.int32)
    bin_counts(
        np.array([[np.nan], [-np.inf], [np.inf], [0.5], [1.99], [2.0]]), np.zeros(1), np.ones(1), 2, out
    )
    assert_array_equal(out[0], [2, 1, 1, 2])  # NaN and -inf under; 0.5 bin 1; 1.99 bin 2; inf and 2 over


def test_beta_inverse_set_up_from_the_plain_density_is_exact_to_1e_12():
    from mcpot.model.distributions import _BetaDensity

    for a, b, loc, scale in [(3.0, 3.0, 0.4, 0.4), (9.49, 5.12, 0.0, 1.0), (1.5, 2.5, 1.0, 2.0)]:
        dist = stats.beta(a, b, loc=loc, scale=scale)
        x = loc + scale * np.array([1e-6, 0.1, 0.5, 0.9, 1 - 1e-6])
        density = _BetaDensity.of(dist)
        np.testing.assert_allclose([density.pdf(v) for v in x], dist.pdf(x), rtol=1e-12)
        assert density.pdf(loc - 1.0) == 0.0
        u = np.r_[1e-12, 1e-9, np.random.default_rng(0).random(20_000), 1 - 1e-9]
        assert np.max(np.abs(dist.cdf(ppf(dist, u)) - u)) < 1e-12


def test_bench_ceiling_is_amdahls_bound_by_hand():
    """8 s on one thread, 6 of them in run(): a perfect 2x on run() leaves 2 + 3 = 5 s, so 8 / 5 = 1.6."""
    from mcpot.bench import ceiling

    assert ceiling(8.0, 6.0) == pytest.approx(1.6)
    assert ceiling(5.0, 0.0) == 1.0  # nothing in run(): nothing to gain
    assert ceiling(4.0, 4.0) == 2.0  # all of it in run(): at most 2x on two threads
