"""The model as a function of one flat parameter matrix.

:class:`ParameterSpace` orders the free (non-fixed) inputs of the chosen sectors into the columns of
``X[N, D]``, maps unit-cube samples through their priors' ``ppf``, and :func:`evaluate` turns ``X``
into one flat output matrix ``Y[N, M]`` whose columns :func:`output_columns` describes (sector,
quantity, category, year, unit). Pure numpy: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from mcpot.errors import PriorError
from mcpot.model.kernel import (
    BAND_YEARS,
    BASE_YEAR,
    GROWTH_YEARS,
    SectorOutputs,
    SectorParams,
    category_potentials,
    get_reading,
    growth_after_2035,
    half_squared_offsets,
    interpolate,
    model_years,
    reduction_factor,
    sector_outputs,
    year_indices,
)
from mcpot.model.priors import CATEGORY_PARAMS, Prior, SectorPriors

if TYPE_CHECKING:  # pandas is imported where tables are built: chunk workers never load it
    import pandas as pd

# Inputs of a category a sector does not have: zero potential, no NaN.
_ABSENT = {"K0": 0.0, "K_max": 0.0, "S": 1.0, "alpha": 0.0, "beta": 1.0, "RF": 0.0}
QUANTITY_UNITS = {
    "er": "Mt CO2/yr",
    "total": "Mt CO2/yr",
    "share": "fraction of sector total",
    "contribution": "fraction of sector emissions",
    "band_low": "fraction of sector emissions",
    "band_high": "fraction of sector emissions",
    "peak_growth_year": "year",
    "growth_ratio": "ratio of 2035-2045 to 2025-2035 growth",
}


@dataclass(frozen=True)
class ParameterSpace:
    """The free inputs of the chosen sectors, in column order.

    Attributes
    ----------
    sectors : dict of str to SectorPriors
        The loaded priors, in sector order.
    """

    sectors: dict[str, SectorPriors]
    reading: str = "report"

    def __post_init__(self):
        r = get_reading(self.reading)
        for sp in self.sectors.values():
            if r.overlap and f"{sp.sector}.overlap" not in sp.priors:
                raise PriorError(sp.path, "overlap", f"missing: the {self.reading!r} reading needs it")
            years = sp.years_of("production")
            if r.production and (len(years) < 2 or years[0] != BASE_YEAR):
                raise PriorError(
                    sp.path,
                    "production",
                    f"the {self.reading!r} reading needs production "
                    f"at {BASE_YEAR} and later years (found: {list(years) or 'none'})",
                )

    @cached_property
    def all_priors(self) -> dict[str, Prior]:
        """Every prior the reading uses, fixed or free, keyed by qualified name."""
        return {n: p for sp in self.sectors.values() for n, p in sp.priors.items() if self._used(sp, n, p)}

    def _used(self, sp: SectorPriors, name: str, prior: Prior) -> bool:
        r = get_reading(self.reading)
        if prior.kind == "overlap":
            return r.overlap
        if prior.kind == "Q":
            base = name == f"{sp.sector}.production.{BASE_YEAR}"
            return r.production or (
                base
                and any(
                    sp.rf_mode(c) == "RA" for c, inc in zip(sp.categories, sp.included, strict=True) if inc
                )
            )
        return True

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Qualified names of the free inputs: the columns of ``X``."""
        return tuple(n for n, p in self.all_priors.items() if not p.fixed)

    @property
    def dim(self) -> int:
        return len(self.names)

    @cached_property
    def _index(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.names)}

    def ppf(self, U: np.ndarray) -> np.ndarray:
        """Map unit-cube samples ``U[N, D]`` to inputs ``X[N, D]`` through each prior's ``ppf``."""
        X = np.empty_like(U, dtype=float)
        for j, name in enumerate(self.names):
            X[:, j] = self.all_priors[name].ppf(U[:, j])
        return X

    def medians(self) -> np.ndarray:
        """Every free input at its prior median, ``[1, D]``."""
        return self.ppf(np.full((1, self.dim), 0.5))

    def column(self, X: np.ndarray, name: str) -> np.ndarray:
        """Values of input ``name`` for every sample (a fixed input is broadcast)."""
        prior = self.all_priors[name]
        if prior.fixed:
            return np.full(X.shape[0], prior.value)
        return X[:, self._index[name]]

    def rank_correlation(self) -> np.ndarray:
        """Target Spearman rank-correlation matrix ``[D, D]`` from the priors' ``[[correlation]]``."""
        R = np.eye(self.dim)
        for sp in self.sectors.values():
            for a, b, rho in sp.correlations:
                i, j = self._index[a], self._index[b]
                R[i, j] = R[j, i] = rho
        return R

    def sector_params(self, X: np.ndarray, sector: str) -> SectorParams:
        """Assemble one sector's kernel inputs ``[N, C]`` from ``X``."""
        sp = self.sectors[sector]
        n = X.shape[0]
        arrays = {k: np.empty((n, len(sp.categories))) for k in (*CATEGORY_PARAMS, "RF")}
        for c, (cat, present) in enumerate(zip(sp.categories, sp.included, strict=True)):
            for key in arrays:
                if not present:
                    arrays[key][:, c] = _ABSENT[key]
                elif key != "RF":
                    arrays[key][:, c] = self.kernel_input(X, sector, cat, key)
            if present:
                arrays["RF"][:, c] = self._reduction_factor(X, sp, cat)
        r = get_reading(self.reading)
        extra = {}
        if r.production:
            years = sp.years_of("production")
            extra["production"] = self._stack(X, [f"{sector}.production.{y}" for y in years])
            extra["production_years"] = years
        if r.overlap:
            if "energy_management" not in sp.categories:
                raise PriorError(
                    str(sp.path), "overlap", "the overlap reading needs an energy_management category"
                )
            extra["overlap"] = self.column(X, f"{sector}.overlap")
            extra["overlap_category"] = sp.categories.index("energy_management")
        emissions = self._stack(X, [f"{sector}.emissions.{y}" for y in sp.emission_years])
        return SectorParams(**arrays, emissions=emissions, emission_years=sp.emission_years, **extra)

    def kernel_input(self, X: np.ndarray, sector: str, category: str, key: str) -> np.ndarray:
        """One kernel input of a category (a key of CATEGORY_PARAMS) for every sample, derived when the
        priors give another form: ``alpha = -steepness * midpoint``, ``beta = steepness``,
        ``K_max = K0 + headroom * (1 - K0)``."""
        sp, name = self.sectors[sector], f"{sector}.{category}."
        if key in ("alpha", "beta") and sp.logistic_form(category) == "midpoint":
            steep = self.column(X, name + "steepness")
            return steep if key == "beta" else -steep * self.column(X, name + "midpoint")
        if key == "K_max" and sp.ceiling_form(category) == "headroom":
            K0 = self.column(X, name + "K0")
            return K0 + self.column(X, name + "headroom") * (1.0 - K0)
        return self.column(X, name + key)

    def _stack(self, X: np.ndarray, names: list[str]) -> np.ndarray:
        return np.stack([self.column(X, n) for n in names], axis=1)

    def _reduction_factor(self, X, sp: SectorPriors, cat: str) -> np.ndarray:
        s = sp.sector
        if sp.rf_mode(cat) == "RF":
            return self.column(X, f"{s}.{cat}.RF")
        prefix = f"{s}.{cat}.RA."
        energies = [n[len(prefix) :] for n in sp.priors if n.startswith(prefix)]
        RA = self._stack(X, [prefix + e for e in energies])
        EF = self._stack(X, [f"{s}.emission_factors.{e}" for e in energies])
        return reduction_factor(self.column(X, f"{s}.production.{BASE_YEAR}"), RA, EF)


def evaluate_sectors(
    space: ParameterSpace, X: np.ndarray, years, reading: str = "report"
) -> dict[str, SectorOutputs]:
    """Run the kernel for every sector of ``space`` on inputs ``X``."""
    return {s: sector_outputs(space.sector_params(X, s), years, reading) for s in space.sectors}


def _share_years(years: np.ndarray, reading: str) -> np.ndarray:
    """Years with defined shares: the incremental reading's total is 0 in the base year."""
    return years[1:] if get_reading(reading).zero_at_base else years


def output_columns(space: ParameterSpace, horizon: int = 2035, reading: str = "report") -> pd.DataFrame:
    """Describe the columns of :func:`evaluate`'s output: output (a readable name such as
    ``steel.er.automatic_control.2030``), sector, quantity, category, year, unit.

    Categories a sector does not have get no ``er``/``share`` columns; under the incremental reading
    the base year has no shares (the total is 0 there), nor under the cumulative one.
    """
    import pandas as pd

    years = model_years(horizon)
    rows = []
    for sector, sp in space.sectors.items():
        present = [c for c, inc in zip(sp.categories, sp.included, strict=True) if inc]
        rows += [(sector, "er", c, int(y)) for c in present for y in years]
        rows += [(sector, "share", c, int(y)) for c in present for y in _share_years(years, reading)]
        rows += [(sector, q, None, int(y)) for q in ("total", "contribution") for y in years]
        rows += [(sector, "band_low", None, 2025), (sector, "band_high", None, 2035)]
        if horizon >= GROWTH_YEARS[-1]:
            rows += [(sector, "peak_growth_year", None, None), (sector, "growth_ratio", None, None)]
    cols = pd.DataFrame(rows, columns=["sector", "quantity", "category", "year"])
    cols["year"] = cols["year"].astype("Int64")
    cols.insert(0, "output", [".".join(str(v) for v in r if v is not None) for r in rows])
    cols["unit"] = cols["quantity"].map(QUANTITY_UNITS)
    return cols


def flatten(outputs: dict[str, SectorOutputs], space: ParameterSpace, reading: str = "report") -> np.ndarray:
    """Stack sector outputs into ``Y[N, M]`` in the column order of :func:`output_columns`."""
    first = 1 if get_reading(reading).zero_at_base else 0  # see _share_years
    blocks = []
    for sector, out in outputs.items():
        n = out.er.shape[0]
        present = np.asarray(space.sectors[sector].included)
        blocks += [
            out.er[:, present, :].reshape(n, -1),
            out.share[:, present, first:].reshape(n, -1),
            out.total,
            out.contribution,
            out.band,
        ]
        if out.years[-1] >= GROWTH_YEARS[-1]:
            blocks.append(np.column_stack(growth_after_2035(out.total, out.years)))
    return np.concatenate(blocks, axis=1)


def _width(sp: SectorPriors, t: int, reading: str, growth: bool) -> int:
    """Columns of one sector in :func:`evaluate`'s output (see :func:`output_columns`)."""
    c = sum(sp.included)
    return c * t + c * (t - (reading == "incremental")) + 2 * t + 2 + 2 * growth


def evaluate(
    space: ParameterSpace,
    X: np.ndarray,
    horizon: int = 2035,
    reading: str = "report",
    out: np.ndarray | None = None,
    compiled: bool = True,
) -> np.ndarray:
    """All outputs of all sectors for inputs ``X[N, D]``: ``Y[N, M]`` (see :func:`output_columns`).

    The same numbers as ``flatten(evaluate_sectors(...))``, written straight into one matrix (``out``
    if given, e.g. a buffer reused across blocks): no share array ``[N, C, T]``, no concatenation.
    The report reading runs compiled (:mod:`mcpot.model.compiled`, bitwise the same numbers);
    ``compiled=False`` takes the numpy path for it too (the reference, and the benchmark's baseline).
    """
    years = model_years(horizon)
    t, n = years.size, X.shape[0]
    first = 1 if reading == "incremental" else 0  # see _share_years
    growth = years[-1] >= GROWTH_YEARS[-1]
    widths = [_width(sp, t, reading, growth) for sp in space.sectors.values()]
    Y = np.empty((n, sum(widths))) if out is None else out
    if Y.shape != (n, sum(widths)):
        raise ValueError(f"out has shape {Y.shape}, expected {(n, sum(widths))}")
    band_at = year_indices(years, BAND_YEARS)
    fast = compiled and reading == "report"
    if fast:
        from mcpot.model.compiled import report_sector  # numba: loaded where the model is evaluated

        half_dt2 = half_squared_offsets(years)
    col = 0
    for (sector, sp), width in zip(space.sectors.items(), widths, strict=True):
        p = space.sector_params(X, sector)
        present = np.flatnonzero(sp.included)
        view = Y[:, col : col + width]
        col += width
        k = present.size
        j = k * t + k * (t - first)  # the total's first column: the potentials and the shares come before
        emissions_at = interpolate(p.emissions, p.emission_years, years)
        if not (fast and report_sector(p, half_dt2, present, emissions_at, band_at, view)):
            er = category_potentials(p, years, reading)
            total = er.sum(axis=1)
            for i, c in enumerate(present):
                view[:, i * t : (i + 1) * t] = er[:, c, :]
            shares = view[:, k * t : j]
            with np.errstate(invalid="ignore", divide="ignore"):
                for i, c in enumerate(present):
                    np.divide(
                        er[:, c, first:],
                        total[:, first:],
                        out=shares[:, i * (t - first) : (i + 1) * (t - first)],
                    )
            view[:, j : j + t] = total
            contribution = view[:, j + t : j + 2 * t]
            np.divide(total, emissions_at, out=contribution)
            view[:, j + 2 * t : j + 2 * t + band_at.size] = contribution[:, band_at]
        if growth:
            view[:, -2], view[:, -1] = growth_after_2035(view[:, j : j + t], years)
    return Y
