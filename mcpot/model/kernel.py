"""The report's model, equations (1)-(3) of its Appendix 1, as pure vectorised numpy.

No I/O, no globals, no randomness. Every function broadcasts: parameters are arrays shaped
``[N, C]`` (samples x technology categories) and years are a 1-D array, giving outputs ``[N, C, T]``.

Units: years for time and S; adoption K as a fraction 0..1; reduction factors and potentials in
Mt CO2/yr; sector emissions in Mt CO2/yr; contributions as fractions of sector emissions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .readings import (  # noqa: F401  (re-exported: the readings are part of the kernel's interface)
    CUMULATIVE_SPAN,
    READING_TABLE,
    READINGS,
    RESPONSES,
    Reading,
    _scaled_sigmoid,
    get_reading,
    sigmoid,
    sigmoid_difference,
)
from .years import BAND_YEARS, BASE_YEAR, MAX_HORIZON, SCENARIO_YEARS  # noqa: F401

# The report's four technology categories; a sector's own list is its prior file's (SectorPriors.categories).
CATEGORIES: tuple[str, ...] = (
    "energy_management",
    "automatic_control",
    "byproduct_reuse",
    "integrated_control",
)


def adoption(years_since_base, K0, K_max, S):
    """Adoption of a technology category, equation (1), always from the base year.

    ``K(t) = K_max + (K0 - K_max) * exp(-(t - t0)^2 / (2 S^2))``, computed as
    ``K0 - (K_max - K0) * expm1(-(t - t0)^2 / (2 S^2))`` so that ``K(t0) = K0`` exactly.

    Parameters
    ----------
    years_since_base : array_like
        ``t - t0`` in years (t0 = 2022). Applying (1) year over year is wrong
        (``exp(-a^2) exp(-b^2) != exp(-(a+b)^2)``): always pass the distance from the base year.
    K0, K_max : array_like
        Base-year and maximum adoption, fractions 0..1.
    S : array_like
        Diffusion parameter in years (> 0); the adoption growth rate peaks at ``t - t0 = S``.

    Returns
    -------
    numpy.ndarray
        Adoption, fraction 0..1, broadcast over the inputs.
    """
    dt = np.asarray(years_since_base, dtype=float)
    S = np.asarray(S, dtype=float)
    K0 = np.asarray(K0, dtype=float)
    return K0 - (K_max - K0) * np.expm1(-(dt**2) / (2.0 * S**2))


def effective_ceiling(K0, K_max):
    """mcpot's rule keeping adoption from falling: ``K_max_eff = max(K_max, K0)``.

    A prior draw with ``K_max < K0`` would make equation (1) *decrease* adoption from K0 down to
    K_max. mcpot reads such a draw as "already saturated": adoption stays at K0. The rule keeps
    the inputs independent (which Sobol indices need), unlike sampling K_max conditionally on K0;
    runs report how often it binds.
    """
    return np.maximum(K_max, K0)


def reduction_potential(K, K0, alpha, beta, RF, reading: str = "report"):
    """Reduction potential of one category, equation (2), in Mt CO2/yr.

    ``report``:      ``ER = sigmoid(alpha + beta K) * RF``
    ``incremental``: ``ER = [sigmoid(alpha + beta K) - sigmoid(alpha + beta K0)] * RF``
    ``rescaled``:    ``ER = [s(alpha + beta K) - s(alpha)] / [s(alpha + beta) - s(alpha)] * RF`` (s = sigmoid)
    ``linear``:      ``ER = K * RF``

    Parameters
    ----------
    K : array_like
        Adoption at the evaluated year, fraction 0..1.
    K0 : array_like
        Base-year adoption, fraction 0..1 (used by the incremental reading).
    alpha, beta : array_like
        Logistic "carbon-reduction parameters" (dimensionless; beta > 0).
    RF : array_like
        Reduction factor, Mt CO2/yr.
    reading : {"report", "incremental", "rescaled", "linear"}
        Response function of equation (2) (see :data:`RESPONSES`).

    Returns
    -------
    numpy.ndarray
        Reduction potential, Mt CO2/yr, within ``[0, RF]`` for K >= K0 and beta > 0.
    """
    if reading not in RESPONSES:
        raise ValueError(f"unknown response {reading!r}; choose one of {', '.join(RESPONSES)}")
    return RESPONSES[reading](K, K0, alpha, beta) * RF


def reduction_factor(Q, RA, EF):
    """Reduction factor, equation (3), scaled to the sector: ``RF = Q * sum_w RA_w * EF_w``.

    Parameters
    ----------
    Q : array_like, shape (N,)
        Sector production, Mt product/yr.
    RA : array_like, shape (N, W)
        Energy of each type w saved per unit product (e.g. tce/t or MWh/t).
    EF : array_like, shape (N, W)
        Emission factor of each energy type (t CO2 per unit of energy, matching RA).

    Returns
    -------
    numpy.ndarray, shape (N,)
        Reduction factor, Mt CO2/yr.
    """
    return np.asarray(Q) * np.sum(np.asarray(RA) * np.asarray(EF), axis=-1)


def interpolate(values: np.ndarray, known_years, years) -> np.ndarray:
    """Rows of ``values[N, K]`` given at ``known_years`` interpolated to ``years``: ``[N, T]``.

    Elementwise sums in a fixed order (no BLAS), so a sample's result does not depend on its batch.
    """
    W = interpolation_weights(known_years, years)
    out = values[:, :1] * W[0]
    for k in range(1, W.shape[0]):
        out = out + values[:, k : k + 1] * W[k]
    return out


def interpolation_weights(known_years, years) -> np.ndarray:
    """Weights ``W[k, t]`` with ``values @ W`` = linear interpolation, flat beyond the ends.

    Linear interpolation is linear in the known values, so one small matrix product
    interpolates every sample at once.
    """
    known_years = np.asarray(known_years, dtype=float)
    eye = np.eye(known_years.size)
    return np.stack([np.interp(years, known_years, row) for row in eye])


@dataclass(frozen=True)
class SectorParams:
    """Model inputs of one sector for N samples; arrays ``[N, C]`` over the sector's C categories.

    Attributes
    ----------
    K0, K_max : numpy.ndarray
        Base-year and maximum adoption, fraction 0..1.
    S : numpy.ndarray
        Diffusion parameter, years.
    alpha, beta : numpy.ndarray
        Logistic parameters of equation (2), dimensionless.
    RF : numpy.ndarray
        Reduction factors, Mt CO2/yr (0 for a category the sector does not have).
    emissions : numpy.ndarray
        Sector emissions ``[N, len(emission_years)]``, Mt CO2/yr.
    emission_years : tuple of int
        Years at which ``emissions`` are given; interpolated linearly, flat beyond the ends.
    production : numpy.ndarray, optional
        Sector production ``[N, len(production_years)]`` (first year 2022), Mt product/yr or an
        index; used by readings with ``production=True``.
    production_years : tuple of int
        Years at which ``production`` is given.
    overlap : numpy.ndarray, optional
        ``[N]`` fraction of energy management's potential double counted with the other
        categories; used by readings with ``overlap=True``.
    overlap_category : int
        Index of energy management among the C categories (the category ``overlap`` applies to).
    """

    K0: np.ndarray
    K_max: np.ndarray
    S: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    RF: np.ndarray
    emissions: np.ndarray
    emission_years: tuple[int, ...]
    production: np.ndarray | None = None
    production_years: tuple[int, ...] = ()
    overlap: np.ndarray | None = None
    overlap_category: int = 0


@dataclass(frozen=True)
class SectorOutputs:
    """Model outputs of one sector for N samples.

    Attributes
    ----------
    years : numpy.ndarray
        Calendar years, ``[T]``.
    er : numpy.ndarray
        Reduction potential per category, ``[N, C, T]``, Mt CO2/yr.
    total : numpy.ndarray
        Sector total potential, ``[N, T]``, Mt CO2/yr.
    share : numpy.ndarray
        Category shares of the total, ``[N, C, T]``, fraction (NaN where the total is 0).
    contribution : numpy.ndarray
        ``total / E(t)``, ``[N, T]``, fraction of sector emissions.
    band : numpy.ndarray
        ``[contribution(2025), contribution(2035)]``, ``[N, 2]``, fraction.
    """

    years: np.ndarray
    er: np.ndarray
    total: np.ndarray
    share: np.ndarray
    contribution: np.ndarray
    band: np.ndarray


def model_years(horizon: int = 2035) -> np.ndarray:
    """Yearly time axis from the base year 2022 to ``horizon`` (2035..2060) inclusive."""
    if not BAND_YEARS[1] <= horizon <= MAX_HORIZON:
        raise ValueError(f"horizon must be between {BAND_YEARS[1]} and {MAX_HORIZON}, got {horizon}")
    return np.arange(BASE_YEAR, horizon + 1)


def year_indices(years, wanted) -> np.ndarray:
    """Positions in ``years`` of each year in ``wanted`` (every one must be there)."""
    years = np.asarray(years)
    return np.array([int(np.flatnonzero(years == y)[0]) for y in wanted], dtype=np.int64)


def half_squared_offsets(years) -> np.ndarray:
    """``-(t - t0)^2 / 2`` per year, years^2: equation (1)'s exponent is this divided by ``S^2``."""
    return -0.5 * (np.asarray(years, dtype=float) - BASE_YEAR) ** 2


ROWS = 2048  # samples per cache-sized block of category_potentials


def category_potentials(p: SectorParams, years, reading: str = "report") -> np.ndarray:
    """Equations (1) and (2) for every sample, category and year: ``ER[N, C, T]`` in Mt CO2/yr.

    Works in place, one cache-sized block of samples at a time: the exponentials dominate the cost.
    Each sample's result is independent of the block and batch it is computed in.

    The ``cumulative`` reading takes (2), ``ER_{t+dt} = ER_t + sigmoid(alpha + beta K) RF``, as a
    yearly accumulation from ``ER(t0) = 0``, with RF spread over the 13 years 2023-2035 so that it
    keeps its unit and magnitude:

    ``ER(t) = sum_{y = t0+1..t} sigmoid(alpha + beta K(y)) * RF / (2035 - t0)``,

    i.e. the 2035 level is RF times the mean realised share over 2023-2035 (beyond 2035 it keeps
    growing by ``sigmoid(...) RF / 13`` a year). It is a cumulative sum over the yearly axis of the
    report reading's (stable) sigmoid, evaluated on every year from 2022 to ``max(years)``.
    """
    r = get_reading(reading)
    years = np.asarray(years)
    grid = np.arange(BASE_YEAR, int(years.max()) + 1) if r.cumulative else years
    half_dt2 = half_squared_offsets(grid)
    n, c = p.K0.shape
    out = np.empty((n, c, years.size))
    buf = np.empty((min(n, ROWS), c, half_dt2.size)) if r.cumulative else None
    for a in range(0, n, ROWS):
        rows = slice(a, a + ROWS)
        target = out[rows] if buf is None else buf[: out[rows].shape[0]]
        _potentials(
            r,
            half_dt2,
            p.K0[rows],
            p.K_max[rows],
            p.S[rows],
            p.alpha[rows],
            p.beta[rows],
            p.RF[rows],
            target,
        )
        if buf is not None:
            target[..., 0] = 0.0  # the sum starts after the base year
            np.cumsum(target, axis=2, out=target)
            np.multiply(target[..., years - BASE_YEAR], 1.0 / CUMULATIVE_SPAN, out=out[rows])
    if r.production:
        out *= (interpolate(p.production, p.production_years, years) / p.production[:, :1])[:, None, :]
    if r.overlap:
        out[:, p.overlap_category, :] *= (1.0 - p.overlap)[:, None]
    return out


def _potentials(r: Reading, half_dt2, K0, K_max, S, alpha, beta, RF, buf) -> None:
    k_max = effective_ceiling(K0, K_max)
    with np.errstate(divide="ignore", invalid="ignore"):  # NaN is caught downstream, with context
        np.multiply.outer(1.0 / S**2, half_dt2, out=buf)
    if r.response == "report":
        # z = alpha + beta K(t) = (alpha + beta K_max) + beta (K0 - K_max) exp(-dt^2 / 2S^2) and
        # ER = RF sigmoid(z); sigmoid is accurate in relative terms in both tails (see _scaled_sigmoid).
        np.exp(buf, out=buf)
        buf *= (beta * (k_max - K0))[..., None]
        buf -= (alpha + beta * k_max)[..., None]  # -z
        _scaled_sigmoid(buf, RF[..., None])
        return
    np.expm1(buf, out=buf)
    buf *= (K0 - k_max)[..., None]  # K(t) - K0, without cancellation
    dK = buf.copy() if r.response == "incremental" else None
    buf += K0[..., None]  # adoption K(t), exactly K0 at t0
    buf[:] = RESPONSES[r.response](buf, K0[..., None], alpha[..., None], beta[..., None], dK)
    buf *= RF[..., None]


def sector_outputs(p: SectorParams, years, reading: str = "report") -> SectorOutputs:
    """Every output of one sector: potentials, total, shares, contribution and band.

    Parameters
    ----------
    p : SectorParams
        Inputs for N samples.
    years : array_like of int
        Calendar years to evaluate; must include 2025 and 2035 for the band.
    reading : str
        Reading of equation (2), see :data:`READINGS`.
    """
    years = np.asarray(years)
    er = category_potentials(p, years, reading)
    total = er.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = er / total[:, None, :]
    contribution = total / interpolate(p.emissions, p.emission_years, years)
    return SectorOutputs(
        years, er, total, share, contribution, contribution[:, year_indices(years, BAND_YEARS)]
    )


GROWTH_YEARS = (2025, 2035, 2045)


def growth_after_2035(total: np.ndarray, years) -> tuple[np.ndarray, np.ndarray]:
    """Does growth slow after 2035, as the report says? Per sample, from totals ``[N, T]``.

    Returns
    -------
    peak_year : numpy.ndarray
        Year of the largest year-on-year increase of the total (years).
    ratio : numpy.ndarray
        ``[ER(2045) - ER(2035)] / [ER(2035) - ER(2025)]``: below 1 when growth slows after 2035.
        A total that does not change in either decade (every category saturated, K_max <= K0) has
        ratio **1.0**, not 0/0: zero growth followed by zero growth neither slows nor speeds up, so
        it does not count towards P(slows), the share of draws with ratio < 1. "Does not change"
        means a change within 1e-12 of the largest of the three totals (round-off). Zero growth to
        2035 followed by real growth after it gives +/-inf (the model never does this: equal 2025
        and 2035 totals need flat adoption, which stays flat).
    """
    years = np.asarray(years)
    peak_year = years[1:][np.argmax(np.diff(total, axis=1), axis=1)].astype(float)
    a, b, c = (total[:, i] for i in year_indices(years, GROWTH_YEARS))
    tol = 1e-12 * np.maximum(np.maximum(np.abs(a), np.abs(b)), np.abs(c))
    before, after = b - a, c - b
    flat_before = np.abs(before) <= tol
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(
            flat_before, np.where(np.abs(after) <= tol, 1.0, np.sign(after) * np.inf), after / before
        )
    return peak_year, ratio
