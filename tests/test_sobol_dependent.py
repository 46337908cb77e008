"""Sobol indices over groups of dependent inputs: analytic answer, grouping rules, the report's model."""

import shutil
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy.stats import norm

from mcpot.engine.sampling import spearman_to_pearson
from mcpot.model.priors import DEFAULT_PRIORS_DIR, load_priors
from mcpot.sensitivity.analyses import SensitivityConfig, run_sobol
from mcpot.sensitivity.sector import SectorModel
from mcpot.sensitivity.sobol.dependent import CopulaPpf, dependent_sets, merge_groups
from mcpot.sensitivity.sobol_replicates import analyze_replicates


def _linear(X):
    return X.sum(axis=1)


@pytest.mark.parametrize("rho", [0.6, -0.5])
def test_linear_model_with_two_correlated_inputs_matches_the_analytic_group_index(rho):
    # Y = X1 + X2 + X3, X standard normal, corr(X2, X3) = r: Var Y = 3 + 2r,
    # S_{2,3} = (2 + 2r) / (3 + 2r), S_1 = 1 / (3 + 2r); additive, so ST = S1.
    R = np.eye(3)
    R[1, 2] = R[2, 1] = rho  # rank correlation; the copula's Pearson r is 2 sin(pi rho / 6)
    r = float(spearman_to_pearson(rho))
    ppf = CopulaPpf(lambda U: norm.ppf(U), R)
    groups = merge_groups(["x1", "x2", "x3"], dependent_sets(R))
    assert groups == ["x1", "x2+x3", "x2+x3"]
    res = analyze_replicates(_linear, ppf, 3, 2**12, outputs=["y"], seed=3, groups=groups)
    exact = np.array([1.0, 2.0 + 2.0 * r]) / (3.0 + 2.0 * r)
    assert res.names == ("x1", "x2+x3")
    for est, conf in ((res.S1[0], res.S1_conf[0]), (res.ST[0], res.ST_conf[0])):
        assert np.all(np.abs(est - exact) < np.maximum(3 * conf, 0.01))
    # the independent-input answer (1/3, 2/3) is far off for these rho: the test can fail
    assert abs(res.S1[0, 1] - 2 / 3) > 0.05


def test_copula_rows_are_transformed_one_by_one_and_only_correlated_columns():
    R = np.eye(3)
    R[0, 1] = R[1, 0] = 0.5
    U = np.random.default_rng(0).random((64, 3))
    ppf = CopulaPpf(lambda V: V, R)
    full = ppf(U)
    assert_array_equal(full[:, 2], U[:, 2])
    np.testing.assert_allclose(full[:, 0], U[:, 0], rtol=1e-12)  # first row of the Cholesky factor: (1, 0, 0)
    assert not np.allclose(full[:, 1], U[:, 1])
    assert_array_equal(np.vstack([ppf(U[:10]), ppf(U[10:])]), full)


def test_dependent_sets_chain_and_merge_groups_across_labels():
    R = np.eye(5)
    R[0, 3] = R[3, 0] = 0.4
    R[3, 4] = R[4, 3] = -0.2
    assert dependent_sets(R) == [(0, 3, 4)]
    assert dependent_sets(np.eye(3)) == []
    labels = ["a", "b", "a", "c", "d"]
    assert merge_groups(labels, dependent_sets(R)) == ["a+c+d", "b", "a+c+d", "a+c+d", "a+c+d"]


def _correlated_priors(tmp_path):
    """The bundled cement priors (emission paths already correlated) plus two correlated midpoints."""
    shutil.copy(DEFAULT_PRIORS_DIR / "cement.toml", tmp_path / "cement.toml")
    with (tmp_path / "cement.toml").open("a") as f:
        f.write(
            '\n[[correlation]]\nbetween = ["automatic_control.midpoint", "energy_management.midpoint"]\n'
            "rho = 0.5\n"
        )
    return tmp_path


def test_report_model_with_correlated_priors_reports_one_index_per_dependent_set(tmp_path):
    priors_dir = _correlated_priors(tmp_path)
    model = SectorModel.build(load_priors(priors_dir, ("cement",)), "cement")
    labels = model.group_labels("parameter")
    emissions = "cement.emissions.2022+emissions.2025+emissions.2030+emissions.2035"
    assert emissions in labels
    assert "cement.energy_management.midpoint+automatic_control.midpoint" in labels
    assert "energy_management+automatic_control" in model.group_labels("category")
    cfg = SensitivityConfig(sectors=("cement",), samples=256, seed=5, jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "correlations ignored" warning any more
        res = run_sobol(cfg, priors_dir=priors_dir, write=False)
    st = res.indices[(res.indices["index"] == "ST") & (res.indices.grouping == "parameter")]
    st = st.set_index(["output", "parameter"]).value
    # emissions do not enter the totals: the emission set's total index is exactly 0 there
    assert st[("cement.total.2035", emissions)] == 0.0
    assert st[("cement.band_high.2035", emissions)] > 0.0
    assert "cement.emissions.2025" not in set(st.index.get_level_values("parameter"))
    assert any("correlated inputs analysed jointly" in n for n in res.notes)
