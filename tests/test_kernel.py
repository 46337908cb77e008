"""Equations (1)-(3) at points worked out by hand, and their properties."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from mcpot.model import kernel
from mcpot.model.kernel import (
    SectorParams,
    adoption,
    category_potentials,
    reduction_factor,
    reduction_potential,
    sector_outputs,
)

YEARS = kernel.model_years(2035)


def test_adoption_by_hand():
    # 0.9 + (0.5 - 0.9) * exp(-9 / 72) = 0.9 - 0.4 * 0.882496903 = 0.547001239
    assert adoption(3, 0.5, 0.9, 6) == pytest.approx(0.547001239, abs=1e-9)
    # at t - t0 = S: 0.9 - 0.4 * exp(-0.5) = 0.65738774
    assert adoption(6, 0.5, 0.9, 6) == pytest.approx(0.657387736, abs=1e-9)


def test_adoption_limits_and_fastest_growth():
    assert adoption(0, 0.3, 0.8, 7) == 0.3
    assert adoption(200, 0.3, 0.8, 7) == pytest.approx(0.8, abs=1e-12)
    t = np.linspace(0, 40, 400001)
    for S in (5.0, 8.0, 11.5):
        growth = np.gradient(adoption(t, 0.3, 0.8, S), t)
        assert t[np.argmax(growth)] == pytest.approx(S, abs=1e-3)


def test_adoption_from_base_year_not_year_over_year():
    # applying (1) twice over 4 years each differs from applying it once over 8 years
    once = adoption(8, 0.2, 0.9, 6)
    twice = adoption(4, adoption(4, 0.2, 0.9, 6), 0.9, 6)
    assert abs(once - twice) > 0.05
    assert category_potentials(_params(), YEARS).shape == (1, 4, YEARS.size)


def test_reduction_potential_by_hand():
    # sigmoid(-4 + 8 * 0.5) = 0.5
    assert reduction_potential(0.5, 0.5, -4, 8, 100.0) == pytest.approx(50.0)
    # sigmoid(2) = 0.88079708
    assert reduction_potential(0.75, 0.5, -4, 8, 100.0) == pytest.approx(88.079708, abs=1e-6)
    assert reduction_potential(0.75, 0.5, -4, 8, 100.0, "incremental") == pytest.approx(38.079708, abs=1e-6)
    with pytest.raises(ValueError, match="unknown response"):
        reduction_potential(0.5, 0.5, -4, 8, 1.0, "nonsense")


def test_alternative_responses_by_hand():
    # rescaled: (sigmoid(2) - sigmoid(-4)) / (sigmoid(4) - sigmoid(-4)) = 0.862811 / 0.964028 = 0.895006
    assert reduction_potential(0.75, 0.5, -4, 8, 100.0, "rescaled") == pytest.approx(89.5006, abs=1e-4)
    assert reduction_potential(0.5, 0.5, -4, 8, 100.0, "rescaled") == pytest.approx(50.0)  # symmetric
    for a, b in ((-6.0, 4.0), (-1.0, 11.0)):
        assert reduction_potential(0.0, 0.0, a, b, 7.0, "rescaled") == pytest.approx(0.0, abs=1e-12)
        assert reduction_potential(1.0, 0.0, a, b, 7.0, "rescaled") == pytest.approx(7.0)
    assert reduction_potential(0.3, 0.1, -4, 8, 50.0, "linear") == pytest.approx(15.0)


def test_production_and_overlap_readings():
    p = _params(50)
    base = category_potentials(p, YEARS, "report")
    scaled = category_potentials(p, YEARS, "production")
    # production 1000 in 2022, Q35 in 2035, linear between: the ratio in 2035 is Q35 / 1000
    assert_allclose(scaled[:, :, -1], base[:, :, -1] * (p.production[:, 1] / 1000.0)[:, None])
    assert_array_equal(scaled[:, :, 0], base[:, :, 0])
    cut = category_potentials(p, YEARS, "overlap")
    em = kernel.CATEGORIES.index("energy_management")
    assert_allclose(cut[:, em], base[:, em] * (1 - p.overlap)[:, None])
    others = [c for c in range(4) if c != em]
    assert_array_equal(cut[:, others], base[:, others])


def test_reduction_factor_by_hand():
    # 1000 Mt * (0.01 tce/t * 2.66 tCO2/tce + 0.03 MWh/t * 0.57 tCO2/MWh) = 43.7 Mt CO2/yr
    rf = reduction_factor(np.array([1000.0]), np.array([[0.01, 0.03]]), np.array([[2.66, 0.57]]))
    assert rf[0] == pytest.approx(43.7)


def _params(n=1, seed=1):
    rng = np.random.default_rng(seed)
    K0 = rng.uniform(0.05, 0.8, (n, 4))
    return SectorParams(
        K0=K0,
        K_max=rng.uniform(0.5, 1.0, (n, 4)),
        S=rng.uniform(5, 12, (n, 4)),
        alpha=rng.normal(-4, 1.5, (n, 4)),
        beta=rng.uniform(4, 12, (n, 4)),
        RF=rng.lognormal(3, 1, (n, 4)),
        emissions=rng.uniform(500, 2000, (n, 3)),
        emission_years=(2025, 2030, 2035),
        production=np.column_stack([np.full(n, 1000.0), rng.uniform(800, 1000, n)]),
        production_years=(2022, 2035),
        overlap=rng.uniform(0.1, 0.3, n),
    )


@pytest.mark.parametrize("reading", kernel.READINGS)
def test_outputs_properties(reading):
    p = _params(2000)
    out = sector_outputs(p, YEARS, reading)
    rf = p.RF[..., None]
    assert np.all(out.er >= 0) and np.all(out.er <= rf * (1 + 1e-12))
    assert_allclose(out.total, out.er.sum(axis=1))
    positive = out.total > 0  # shares are undefined (NaN) where nothing is reduced
    assert_allclose(out.share.sum(axis=1)[positive], 1.0, rtol=1e-12)
    assert np.isnan(out.share.sum(axis=1)[~positive]).all()
    if reading == "incremental":
        assert_array_equal(out.er[:, :, 0], 0.0)
    # adoption never decreases (K_max below K0 is read as saturation), so ER is monotone in time,
    # unless RF follows a falling production trajectory
    if not kernel.get_reading(reading).production:
        assert np.all(np.diff(out.total, axis=1) >= -1e-9)


def test_band_and_linear_emissions():
    p = _params(1)
    p = SectorParams(
        **{**p.__dict__, "emissions": np.array([[1000.0, 2000.0]]), "emission_years": (2025, 2035)}
    )
    out = sector_outputs(p, YEARS)
    e2030 = out.total[0, YEARS == 2030][0] / out.contribution[0, YEARS == 2030][0]
    assert e2030 == pytest.approx(1500.0)
    e2022 = out.total[0, 0] / out.contribution[0, 0]
    assert e2022 == pytest.approx(1000.0)  # flat before the first emission year
    assert_array_equal(out.band[0], out.contribution[0, [3, 13]])


def test_broadcast_equals_one_sample_at_a_time():
    p = _params(64)
    whole = sector_outputs(p, YEARS)
    for i in range(64):
        one = SectorParams(
            **{k: (v[i : i + 1] if isinstance(v, np.ndarray) else v) for k, v in p.__dict__.items()}
        )
        single = sector_outputs(one, YEARS)
        assert_array_equal(single.er[0], whole.er[i])
        assert_array_equal(single.band[0], whole.band[i])


def test_kmax_below_k0_means_saturation():
    p = _params(1)
    K0 = np.full((1, 4), 0.7)
    p = SectorParams(**{**p.__dict__, "K0": K0, "K_max": np.full((1, 4), 0.5)})
    er = category_potentials(p, YEARS)
    assert_allclose(er, er[:, :, :1] * np.ones(YEARS.size))


def test_horizon_limits():
    assert kernel.model_years(2060)[-1] == 2060
    with pytest.raises(ValueError):
        kernel.model_years(2030)
    with pytest.raises(ValueError):
        kernel.model_years(2061)


@pytest.mark.parametrize("reading", ["report", "incremental", "rescaled", "linear"])
def test_fast_kernel_equals_the_plain_equations(reading):
    p = _params(500)
    K = adoption(
        (YEARS - kernel.BASE_YEAR)[None, None, :],
        p.K0[..., None],
        np.maximum(p.K_max, p.K0)[..., None],
        p.S[..., None],
    )
    plain = reduction_potential(
        K, p.K0[..., None], p.alpha[..., None], p.beta[..., None], p.RF[..., None], reading
    )
    assert_allclose(category_potentials(p, YEARS, reading), plain, rtol=1e-12, atol=1e-12 * p.RF.max())


def test_growth_ratio_hand_worked_and_flat_total_is_one():
    from mcpot.model.kernel import growth_after_2035

    years = np.arange(2022, 2046)
    rising = 100.0 + 2.0 * (years - 2022) - 0.05 * (years - 2022) ** 2  # growth slows
    flat = np.full(years.size, 37.5)  # every category saturated: the total never changes
    peak, ratio = growth_after_2035(np.vstack([rising, flat]), years)
    # rising: T(2025) = 105.55, T(2035) = 117.55, T(2045) = 119.55 -> (119.55 - 117.55) / 12 = 1/6
    assert ratio[0] == pytest.approx(2.0 / 12.0)
    assert peak[0] == 2023.0
    assert ratio[1] == 1.0 and np.isfinite(ratio).all()
