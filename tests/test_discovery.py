"""Scenario discovery on a case with a known answer: y = (x0 > 0.7) & (x2 < 0.4), x ~ U(0, 1)^5."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mcpot.stress import discovery

NAMES = [f"x{i}" for i in range(5)]


@pytest.fixture(scope="module")
def data():
    X = np.random.default_rng(20240611).random((5000, 5))
    y = (X[:, 0] > 0.7) & (X[:, 2] < 0.4)
    return X, y


def _check_the_known_box(box: discovery.Box, tol: float = 0.03):
    assert box.restricted == ("x0", "x2")  # the irrelevant inputs stay free
    assert box.lower[0] == pytest.approx(0.7, abs=tol) and box.upper[0] == np.inf
    assert box.upper[2] == pytest.approx(0.4, abs=tol) and box.lower[2] == -np.inf
    assert box.density > 0.97
    assert box.coverage > 0.9


@pytest.mark.parametrize("objective", discovery.OBJECTIVES)
def test_prim_finds_the_box(data, objective):
    X, y = data
    result = discovery.prim(X, y, NAMES, objective=objective)
    box = result.select(min_coverage=0.5)
    _check_the_known_box(box)
    assert box.support == pytest.approx(0.3 * 0.4, abs=0.02)
    np.testing.assert_array_equal(box.contains(X).sum(), box.n_points)
    desc = box.describe()
    assert desc.startswith("x0 >= 0.") and " and x2 <= 0." in desc

    t = result.trajectory
    assert t["phase"].iloc[0] == "start" and t["coverage"].iloc[0] == 1.0
    assert t["density"].iloc[0] == pytest.approx(y.mean())
    assert (t["support"] >= 0.05 - 1e-12).all()
    peel = t[t["phase"] != "paste"]
    assert peel["support"].is_monotonic_decreasing
    assert len(result.boxes) == len(t)


def test_prim_trajectory_trades_coverage_for_density(data):
    X, y = data
    result = discovery.prim(X, y, NAMES)
    t = result.trajectory
    # Selecting with a higher coverage floor can only give a less dense (or equal) box.
    assert result.select(0.99).density <= result.select(0.5).density
    assert result.select(0.0).density == t["density"].max()


def test_prim_from_a_dataframe_with_threshold(data):
    X, y = data
    frame = pd.DataFrame(X, columns=NAMES)
    score = y.astype(float) + 0.01 * X[:, 1]  # a continuous outcome; y is score > 0.5
    box = discovery.prim(frame, score, threshold=0.5).select()
    _check_the_known_box(box)
    bounds = box.bounds()
    assert list(bounds.index) == ["x0", "x2"]
    assert np.isnan(bounds.loc["x0", "upper"]) and np.isnan(bounds.loc["x2", "lower"])


def test_prim_rejects_bad_input(data):
    X, y = data
    with pytest.raises(ValueError, match="boolean"):
        discovery.prim(X, y.astype(float), NAMES)
    with pytest.raises(ValueError, match="no case of interest"):
        discovery.prim(X, np.zeros(len(y), bool), NAMES)
    with pytest.raises(ValueError, match="names"):
        discovery.prim(X, y)
    with pytest.raises(ValueError, match="objective"):
        discovery.prim(X, y, NAMES, objective="greedy")


def test_unrestricted_box_reads_all_inputs():
    box = discovery.Box(("a",), np.array([-np.inf]), np.array([np.inf]), 1.0, 0.5, 1.0, 10)
    assert box.describe() == "all inputs" and box.restricted == ()
    two_sided = discovery.Box(("a",), np.array([0.25]), np.array([1350.5]), 1.0, 0.5, 1.0, 10)
    assert two_sided.describe() == "0.25 <= a <= 1350"


def test_tree_finds_the_same_rule(data):
    pytest.importorskip("sklearn")
    X, y = data
    rules = discovery.tree_rules(X, y, NAMES, max_depth=3)
    top = rules.iloc[0]
    assert top["predicted"]
    assert top["rule"].startswith("x0 > 0.7") and " and x2 <= 0.4" in top["rule"]
    _check_the_known_box(top["box"], tol=0.01)
    assert top["density"] == 1.0 and top["coverage"] == 1.0  # y is a box: the tree is exact
    assert rules["n_points"].sum() == len(y)
    assert not rules["predicted"].iloc[1:].any()


def test_prim_finds_the_same_first_box_as_the_ema_workbench():
    """The field's reference implementation (EMA Workbench, Kwakkel 2017) peels the same way: its first
    box (``find_box``, peeling to 5% mass) matches our last peeled box in coverage, density and limits."""
    import warnings

    with warnings.catch_warnings():  # ema_workbench warns about ipyparallel on import
        warnings.simplefilter("ignore")
        ema_prim = pytest.importorskip("ema_workbench.analysis.prim")
    rng = np.random.default_rng(11)
    X = pd.DataFrame(rng.uniform(size=(3000, 5)), columns=["a", "b", "c", "d", "e"])
    y = (((X.a > 0.6) & (X.b < 0.5)) | (rng.uniform(size=len(X)) < 0.05)).to_numpy()
    ours = discovery.prim(X, y, peel_alpha=0.05, paste_alpha=0.05, min_support=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ema_prim.Prim(X, y, threshold=0.8, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05)
        box = theirs.find_box()
    peeled = ours.trajectory[ours.trajectory.phase == "peel"]
    last = peeled.iloc[-1]
    assert last.coverage == pytest.approx(box.coverage, abs=0.02)
    assert last.density == pytest.approx(box.density, abs=0.02)
    ours_box = ours.boxes[int(peeled.index[-1])]
    assert set(ours_box.restricted) == {"a", "b"}
    lims = box.box_lims[-1]
    assert ours_box.lower[0] == pytest.approx(lims["a"].iloc[0], abs=0.02)
    assert ours_box.upper[1] == pytest.approx(lims["b"].iloc[1], abs=0.02)
    # and the whole peeling trajectory agrees, step by step
    traj = box.peeling_trajectory
    n = min(len(peeled), len(traj) - 1)
    np.testing.assert_allclose(peeled.coverage.to_numpy()[:n], traj.coverage.to_numpy()[1 : n + 1], atol=0.02)
    np.testing.assert_allclose(peeled.density.to_numpy()[:n], traj.density.to_numpy()[1 : n + 1], atol=0.02)
