"""Relative precision of the logistic in every reading, against an independent mpmath reference.

The reference evaluates equations (1)-(2) in 400-digit arithmetic from the same float inputs, so
the only difference measured is the kernel's rounding. Results that are subnormal floats (below
2.2e-308, z < -708) cannot carry 12 significant digits; there the tolerance is a few units of the
smallest subnormal, 2^-1074 = 4.9e-324.
"""

import mpmath as mp
import numpy as np
import pytest

from mcpot.model import kernel
from mcpot.model.kernel import SectorParams, category_potentials, sigmoid, sigmoid_difference

DPS = 400  # digits: 1 - s(z) for z up to 745 needs ~330
YEARS = kernel.model_years(2035)
RTOL = 1e-12
SUBNORMAL = 2.0**-1074


def _s(z):
    return 1 / (1 + mp.exp(-z))


def _max_rel_error(got: np.ndarray, ref: list, scale: np.ndarray) -> float:
    """Largest |got - ref| / (|ref| + floor), floor = a few subnormal units times the scale."""
    worst = 0.0
    with mp.workdps(DPS):
        for g, r, f in zip(got.ravel(), ref, scale.ravel(), strict=True):
            err = abs(mp.mpf(float(g)) - r)
            worst = max(worst, float(err / (abs(r) + 4 * SUBNORMAL * f / RTOL)))
    return worst


def test_sigmoid_tail_points_by_hand():
    # s(-40) = e^-40 / (1 + e^-40) = e^-40 (1 - e^-40 + ...) and e^-40 = (e^-10)^4
    # = (4.539992976248485e-05)^4 = 4.248354255291589e-18; the factor 1 - 4e-18 is below eps.
    # (1/2 + tanh(-20)/2 gives exactly 0 here.)
    assert sigmoid(-40.0) == pytest.approx(4.248354255291589e-18, rel=1e-15)
    # s(-30) = 9.357622968839299e-14 (e^-30 = 9.357622968840175e-14, times 1 - e^-30)
    assert sigmoid(-30.0) == pytest.approx(9.357622968839299e-14, rel=1e-15)
    # s(-740) = e^-740 = 4.19e-322, a subnormal: 85 units of 2^-1074, so exact to one unit
    assert abs(sigmoid(-740.0) - 4.1887398800480489e-322) <= SUBNORMAL
    assert sigmoid(745.0) == 1.0 and sigmoid(0.0) == 0.5 and sigmoid(-746.0) == 0.0


def test_sigmoid_difference_by_hand():
    # a = -20 + 2^-10, b = -20, d = 2^-10 exactly. By the identity
    # s(a) - s(b) = sinh(d/2) / (2 cosh(a/2) cosh(b/2)) ~ d s(c) (1 - s(c)) at c = (a + b) / 2:
    # 2^-10 * 2.0621845e-9 * 0.99998... = 2.0138284807541962e-12 (mpmath, 40 digits).
    # expit(a) - expit(b) gives 2.0138284807541547e-12: only 13 correct digits.
    got = sigmoid_difference(-20.0 + 2**-10, -20.0, 2**-10)
    assert got == pytest.approx(2.013828480754196216e-12, rel=2e-16)
    # opposite signs: s(2) - s(0) = 0.88079707797788 - 0.5 (the reading test's 38.079708 / 100)
    assert sigmoid_difference(2.0, 0.0, 2.0) == pytest.approx(0.3807970779778824, rel=1e-15)
    # nothing overflows at the ends of the range: s(745) - s(-745) = 1 - 5e-324 -> 1
    assert sigmoid_difference(745.0, -745.0, 1490.0) == 1.0
    assert sigmoid_difference(-745.0, -745.0, 0.0) == 0.0


def test_sigmoid_matches_mpmath_over_the_whole_range():
    rng = np.random.default_rng(11)
    z = np.concatenate([rng.uniform(-745, 745, 400), rng.uniform(-40, 40, 200), [-745.0, -709.5, 709.5]])
    with mp.workdps(DPS):
        ref = [_s(mp.mpf(float(x))) for x in z]
    assert _max_rel_error(sigmoid(z), ref, np.ones_like(z)) <= RTOL


def _wide_params(n: int, seed: int) -> SectorParams:
    """Inputs whose z = alpha + beta K spans [-745, 745]; production and overlap drawn too."""
    rng = np.random.default_rng(seed)
    alpha = rng.uniform(-745, 745, (n, 4))
    beta = rng.uniform(0.0, 1.0, (n, 4)) * (745 - np.abs(alpha))
    return SectorParams(
        K0=rng.uniform(0.05, 0.8, (n, 4)),
        K_max=rng.uniform(0.5, 1.0, (n, 4)),
        S=rng.uniform(5, 12, (n, 4)),
        alpha=alpha,
        beta=beta,
        RF=rng.lognormal(3, 1, (n, 4)),
        emissions=np.full((n, 1), 1000.0),
        emission_years=(2025,),
        production=np.column_stack([np.full(n, 1000.0), rng.uniform(800, 1200, n)]),
        production_years=(2022, 2035),
        overlap=rng.uniform(0.1, 0.3, n),
    )


def _reference(p: SectorParams, reading: str) -> list:
    """Equations (1)-(2) and the reading in mpmath, element by element, ``[N, C, T]`` order."""
    r = kernel.get_reading(reading)
    out = []
    with mp.workdps(DPS):
        _reference_into(out, p, r)
    return out


def _reference_into(out: list, p: SectorParams, r: kernel.Reading) -> None:
    em = kernel.CATEGORIES.index("energy_management")
    for i in range(p.K0.shape[0]):
        q0, q1 = (mp.mpf(float(q)) for q in p.production[i])
        for c in range(4):
            k0, s = mp.mpf(float(p.K0[i, c])), mp.mpf(float(p.S[i, c]))
            km = mp.mpf(float(max(p.K_max[i, c], p.K0[i, c])))
            a, b, rf = (mp.mpf(float(x[i, c])) for x in (p.alpha, p.beta, p.RF))
            acc = mp.mpf(0)  # the cumulative reading: sum over 2023..t of the report reading / 13
            for y in YEARS:
                dt = int(y) - kernel.BASE_YEAR
                k = km + (k0 - km) * mp.exp(-(mp.mpf(dt) ** 2) / (2 * s**2))
                if r.response == "report":
                    v = _s(a + b * k)
                elif r.response == "incremental":
                    v = _s(a + b * k) - _s(a + b * k0)
                elif r.response == "rescaled":
                    v = (_s(a + b * k) - _s(a)) / (_s(a + b) - _s(a))
                else:
                    v = k
                v *= rf
                if r.production:
                    v *= (q0 + (q1 - q0) * dt / 13) / q0
                if r.overlap and c == em:
                    v *= 1 - mp.mpf(float(p.overlap[i]))
                if r.cumulative:
                    acc += v if dt > 0 else 0
                    v = acc / kernel.CUMULATIVE_SPAN
                out.append(v)


@pytest.mark.parametrize("reading", kernel.READINGS)
def test_every_reading_matches_mpmath_for_z_up_to_745(reading):
    p = _wide_params(20, seed=kernel.READINGS.index(reading))
    got = category_potentials(p, YEARS, reading)
    scale = np.broadcast_to(p.RF[..., None], got.shape)
    assert _max_rel_error(got, _reference(p, reading), scale) <= RTOL
