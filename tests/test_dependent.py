"""mcpot shapley (mcpot.sensitivity.dependent): reproducible for a seed on a made-up sector, and on the real
cement priors a strong correlation gives the partner of the dominant input a clear Shapley effect although
its first-order Sobol index on an independent design is ~0."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from mcpot.cli import main
from mcpot.model.priors import DEFAULT_PRIORS_DIR, load_priors
from mcpot.sensitivity.dependent import DependenceConfig, run_dependence
from mcpot.sensitivity.sector import SectorModel
from mcpot.sensitivity.sobol_replicates import analyze_replicates
from tests.sectors import tiny_sector

FAST = dict(samples=128, permutations=40, n_var=512, delta_resamples=2, jobs=1)


def test_tiny_sector_is_reproducible_and_writes_its_tables(tmp_path):
    d = tmp_path / "priors"
    d.mkdir()
    (d / "glass.toml").write_text(tiny_sector())
    cfg = DependenceConfig(sectors=("glass",), seed=7, **FAST)
    a = run_dependence(cfg, priors_dir=d, out_dir=tmp_path / "run")
    b = run_dependence(cfg, priors_dir=d, write=False)
    for key in ("shapley", "delta", "pawn"):
        pd.testing.assert_frame_equal(getattr(a, key), getattr(b, key))
    sums = a.shapley.groupby("output").effect.sum()
    assert np.allclose(sums, 1.0)  # effects share the whole variance
    for name in ("shapley.csv", "delta.csv", "pawn.csv", "dependence_drivers.csv", "manifest.json"):
        assert (tmp_path / "run" / name).exists()
    assert set(a.drivers.method) == {"shapley", "delta"}
    assert a.drivers.sentence.str.contains("reading report").all()
    c = run_dependence(DependenceConfig(sectors=("glass",), seed=8, **FAST), priors_dir=d, write=False)
    assert not c.shapley.effect.equals(a.shapley.effect)


def test_cli_prints_drivers_with_units(tmp_path, capsys):
    d = tmp_path / "priors"
    d.mkdir()
    (d / "glass.toml").write_text(tiny_sector())
    args = ["shapley", "--priors", str(d), "--seed", "1", "--jobs", "1", "--samples", "128"]
    assert main([*args, "--permutations", "20", "--delta-resamples", "2", "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "fraction of sector emissions" in out and "Mt CO2/yr" in out and "Shapley effect" in out


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_correlated_partner_of_the_dominant_input_gets_a_shapley_effect(tmp_path):
    d = tmp_path / "priors"
    d.mkdir()
    shutil.copy(DEFAULT_PRIORS_DIR / "cement.toml", d / "cement.toml")
    partner = "cement.integrated_control.S"  # a near-irrelevant input
    dominant = "cement.automatic_control.RF"  # ST ~0.5 of the 2035 band end
    with open(d / "cement.toml", "a") as f:
        f.write('\n[[correlation]]\nbetween = ["automatic_control.RF", "integrated_control.S"]\nrho = 0.9\n')
    res = run_dependence(
        DependenceConfig(sectors=("cement",), seed=3, samples=256, permutations=800, n_var=4096,
                         delta_resamples=2, jobs=1),
        priors_dir=d,
        write=False,
    )  # fmt: skip
    sh = res.shapley[res.shapley.output == "cement.band_high.2035"].set_index("input")
    assert sh.loc[partner, "effect"] > 0.1
    assert sh.loc[partner, "effect"] > 3 * sh.loc[partner, "se"]
    assert sh.loc[dominant, "effect"] > sh.loc[partner, "effect"]
    # the same input on an independent design explains nothing by itself
    priors = load_priors(d, ("cement",))
    model = SectorModel.build(priors, "cement", ("report",), 2035, ["cement.band_high.2035"])
    st = analyze_replicates(
        model, model.ppf, model.dim, 512, outputs=model.outputs, seed=1, names=model.names
    )
    j = model.names.index(partner)
    assert abs(st.S1[0, j]) < 0.02 and st.ST[0, j] < 0.02
    # delta sees the dependence too (computed on the joint sample)
    delta = res.delta[(res.delta.output == "cement.band_high.2035") & (res.delta["index"] == "delta_raw")]
    ranked = delta.sort_values("value", ascending=False).input.tolist()
    assert ranked.index(partner) < 5
