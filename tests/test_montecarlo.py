"""The Monte Carlo engine: designs, reproducibility, streaming statistics, claims, run folders, resume."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from mcpot.cli import main
from mcpot.engine.chunks import RunConfig, chunks, make_task
from mcpot.engine.run import run
from mcpot.engine.sampling import BLOCK, apply_copula, copula_factor, unit_block, unit_samples
from mcpot.engine.summary import Grid, Stats, hist_quantiles, reduce_chunk
from mcpot.errors import ModelOutputError
from mcpot.model.priors import load_priors
from mcpot.model.space import ParameterSpace

CEMENT = ("cement",)


def small(**kw):
    base = dict(sectors=CEMENT, samples=2 * BLOCK + 777, seed=11, jobs=1, chunk=BLOCK)
    return RunConfig(**{**base, **kw})


@pytest.mark.parametrize("design", ["mc", "lhs", "sobol"])
def test_design_independent_of_chunking(design):
    whole = unit_samples(design, 3, 5, 0, 3 * BLOCK)
    parts = [
        unit_samples(design, 3, 5, a, b) for a, b in ((0, 1000), (1000, BLOCK + 5), (BLOCK + 5, 3 * BLOCK))
    ]
    assert_array_equal(whole, np.concatenate(parts))
    assert whole.min() > 0 and whole.max() < 1
    assert not np.array_equal(whole, unit_samples(design, 4, 5, 0, 3 * BLOCK))


def test_seed_zero_is_a_seed():
    assert_array_equal(unit_block("mc", 0, 3, 0), unit_block("mc", 0, 3, 0))
    assert not np.array_equal(unit_block("mc", 0, 3, 0), unit_block("mc", 1, 3, 0))


def test_lhs_block_is_stratified():
    U = unit_block("lhs", 1, 4, 2)
    for col in U.T:
        assert_array_equal(np.sort(np.floor(col * BLOCK)), np.arange(BLOCK))


@pytest.mark.parametrize(
    ("seed", "n", "d"), [(1, BLOCK, 78), (2, BLOCK, 1), (3, 7, 5), (4, 1, 3), (5, 3000, 2)]
)
def test_compiled_lhs_is_scipys_bitwise(seed, n, d):
    from scipy.stats import qmc

    from mcpot.engine.lhs import latin_hypercube
    from mcpot.engine.sampling import block_generator

    expected = qmc.LatinHypercube(d=d, rng=block_generator(seed, 3)).random(n)
    assert_array_equal(latin_hypercube(block_generator(seed, 3), n, d), expected)


def test_compiled_lhs_draws_more_when_its_raw_draws_run_out(monkeypatch):
    from scipy.stats import qmc

    import mcpot.engine.lhs as lhs
    from mcpot.engine.sampling import block_generator

    monkeypatch.setattr(lhs, "RAW_PER_ELEMENT", 0.01)  # far too few: the pass must be redone with more
    expected = qmc.LatinHypercube(d=6, rng=block_generator(9, 0)).random(500)
    assert_array_equal(lhs.latin_hypercube(block_generator(9, 0), 500, 6), expected)


def test_copula_reaches_target_rank_correlation_and_keeps_marginals():
    R = np.array([[1.0, 0.7, 0.0], [0.7, 1.0, -0.4], [0.0, -0.4, 1.0]])
    U = apply_copula(unit_samples("mc", 2, 3, 0, 5 * BLOCK), copula_factor(R))
    rho = stats.spearmanr(U).statistic
    assert_allclose(rho, R, atol=0.02)
    for col in U.T:
        assert stats.kstest(col, "uniform").pvalue > 1e-3
    with pytest.raises(ValueError, match="positive definite"):
        copula_factor(np.array([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1.0]]))


def test_hist_quantiles_by_hand():
    # bins of width 1 from 0: one count in each of [0,1), [1,2), [2,3), [3,4) -> median at 2.0
    hist = np.array([[0, 1, 1, 1, 1, 0]])
    grid = Grid(np.array([0.0]), np.array([1.0]))
    assert_allclose(hist_quantiles(hist, grid, [0.5, 0.25, 0.875]), [[2.0, 1.0, 3.5]])
    assert np.isnan(hist_quantiles(np.array([[3, 1, 0, 0, 0, 0]]), grid, [0.5]))[0, 0]


def test_streaming_stats_match_exact_statistics():
    cfg = small(design="mc")
    space = ParameterSpace(load_priors(sectors=CEMENT))
    task = make_task(cfg, space)
    result = run(cfg, write=False)
    Y = np.concatenate([task.outputs(*c)[1] for c in chunks(cfg)])
    assert Y.shape[0] == cfg.samples
    wide = result.wide().set_index("output")
    assert_allclose(wide["mean"], Y.mean(axis=0), rtol=1e-12, atol=1e-15)
    assert_allclose(wide["sd"], Y.std(axis=0, ddof=1), rtol=1e-9, atol=1e-15)
    # histogram percentiles agree with exact ones within a small fraction of the spread
    for p in (5, 50, 95):
        exact = np.percentile(Y, p, axis=0)
        assert_allclose(wide[f"p{p}"], exact, atol=0.01 * Y.std(axis=0).max(), rtol=0.01)
    # claim probabilities are exact counts
    totals = Y[:, list(wide.index).index("cement.total.2035")]
    p = np.mean((totals >= 54.0) & (totals <= 66.0))
    claim = result.claims.query("quantity == 'total' and year == 2035").iloc[0]
    assert claim.probability == p
    assert 0 < result.summary.query("statistic == 'p50'").mc_se.max() < np.inf


def test_stats_fold_in_block_order_only():
    Y = np.random.default_rng(0).random((100, 2))
    grid = Grid.from_pilot(Y)
    st = Stats.empty(2, 0, 0)
    with pytest.raises(ValueError, match="expected 0"):
        st.add(reduce_chunk(Y, [100], 1, grid, []))
    st.add(reduce_chunk(Y, [50, 50], 0, grid, []))
    assert st.n == 100 and st.next_block == 2
    assert_allclose(st.mean, Y.mean(axis=0), rtol=1e-14)


@pytest.mark.filterwarnings("ignore:a Sobol design is balanced for N a power of 2")  # N is odd on purpose
@pytest.mark.parametrize("design", ["lhs", "sobol"])
def test_bitwise_identical_across_jobs_and_chunks(design):
    a = run(small(design=design, jobs=1, chunk=BLOCK), write=False)
    b = run(small(design=design, jobs=2, chunk=3 * BLOCK), write=False)
    assert_array_equal(a.summary["value"].to_numpy(), b.summary["value"].to_numpy())
    assert_array_equal(a.claims["probability"].to_numpy(), b.claims["probability"].to_numpy())
    c = run(small(design=design, seed=12), write=False)
    assert not np.array_equal(a.summary["value"].to_numpy(), c.summary["value"].to_numpy())


def test_run_folder_manifest_and_round_trip(tmp_path):
    out = tmp_path / "run"
    result = run(small(save_samples=True), out_dir=out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["config"]["seed"] == 11
    assert manifest["config"]["design"] == "lhs" and manifest["config"]["samples"] == small().samples
    sp = load_priors(sectors=CEMENT)["cement"]
    assert manifest["priors"]["cement"]["sha256"] == sp.sha256
    assert (out / "priors" / "cement.toml").read_text() == sp.text
    assert manifest["versions"]["numpy"] == np.__version__ and manifest["elapsed_s"] > 0
    assert not (out / "checkpoint.npz").exists()
    phases = manifest["sessions"][-1]["phases_s"]
    assert set(phases) == {"setup", "chunks", "tables"} == set(result.phases)
    assert all(v >= 0 for v in phases.values()) and sum(phases.values()) <= manifest["elapsed_s"]
    assert phases == {k: round(v, 3) for k, v in result.phases.items()}
    pd.testing.assert_frame_equal(pd.read_parquet(out / "summary.parquet"), result.summary)
    csv = pd.read_csv(out / "summary.csv")
    assert_array_equal(csv["value"].to_numpy(), result.summary["value"].to_numpy())
    samples = pd.read_parquet(out / "samples")
    assert len(samples) == small().samples and samples["sample"].is_monotonic_increasing
    totals = samples["cement.total.2035"]
    assert totals.mean() == pytest.approx(result.wide().set_index("output").loc["cement.total.2035", "mean"])


def test_nan_stops_run_naming_sample(priors_copy, tmp_path, capsys):
    path = priors_copy / "cement.toml"
    text = path.read_text().replace(
        '[automatic_control.S]\ndist = "triangular"\nlow = 5.0\nmode = 8.0\nhigh = 12.0',
        "[automatic_control.S]\nvalue = 1e-200",
    )
    path.write_text(text)
    space = ParameterSpace(load_priors(priors_copy, CEMENT))
    with pytest.raises(ModelOutputError, match=r"cement\.er\.automatic_control\.2022 at sample 0"):
        make_task(small(), space)
    out = tmp_path / "bad"
    code = main(
        [
            "run",
            "--sectors",
            "cement",
            "--samples",
            "1000",
            "--priors",
            str(priors_copy),
            "--out",
            str(out),
            "--quiet",
            "--jobs",
            "1",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "nan" in err and "cement.automatic_control.K0=" in err
    assert "Traceback" not in err


def test_resume_after_kill_gives_uninterrupted_numbers(tmp_path):
    out = tmp_path / "killed"
    n = 60 * BLOCK
    cmd = [
        sys.executable,
        "-m",
        "mcpot.cli",
        "run",
        "--sectors",
        "cement",
        "--samples",
        str(n),
        "--seed",
        "5",
        "--jobs",
        "1",
        "--chunk-size",
        str(BLOCK),
        "--checkpoint-every",
        "0",
        "--out",
        str(out),
        "--quiet",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while not (out / "checkpoint.npz").exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running"  # killed: never marked complete
    done = int(np.load(out / "checkpoint.npz")["next_block"])
    assert 0 < done < 60
    assert main(["run", "--resume", str(out), "--quiet"]) == 0
    resumed = pd.read_parquet(out / "summary.parquet")
    cfg = RunConfig(sectors=CEMENT, samples=n, seed=5, jobs=1)
    fresh = run(cfg, write=False)
    assert_array_equal(resumed["value"].to_numpy(), fresh.summary["value"].to_numpy())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["sessions"]) == 2
    assert manifest["sessions"][1]["resumed_from_block"] >= done


def test_cli_run_prints_table(tmp_path, capsys):
    out = tmp_path / "cli"
    assert (
        main(
            [
                "run",
                "--sectors",
                "cement",
                "--samples",
                "3000",
                "--seed",
                "1",
                "--jobs",
                "1",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "cement" in text and "reading: report" in text and str(out) in text and "Mt CO2/yr" in text
    assert main(["run", "--resume", str(out)]) == 2
    assert "already complete" in capsys.readouterr().err
