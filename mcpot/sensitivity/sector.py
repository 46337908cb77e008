"""What drives the bands: Sobol indices, Morris screening and tornado swings of the model's outputs.

The model-independent estimators live in :mod:`mcpot.sensitivity.sobol` and
:mod:`mcpot.sensitivity.morris`; this module
makes one sector's model a vectorised function of that sector's free inputs, names its outputs,
groups its inputs (by technology category and by kind of parameter) and reads the results into
tidy tables and plain-words "drivers" sentences. Sectors are analysed separately: they share no
inputs. No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mcpot.errors import McpotError
from mcpot.model.kernel import SCENARIO_YEARS, model_years
from mcpot.model.space import ParameterSpace, evaluate, output_columns
from mcpot.precision import plus_minus
from mcpot.sensitivity import morris
from mcpot.sensitivity.checks import Ppf
from mcpot.sensitivity.sobol.dependent import CopulaPpf, dependent_sets, merge_groups
from mcpot.sensitivity.sobol.replicates import ReplicateIndices

GROUPINGS: tuple[str, ...] = ("parameter", "category", "kind")
KIND_LABELS = {"E": "emissions", "Q": "production", "RA": "RF", "EF": "RF"}
# Inputs (0..1 quantiles) and outputs named in drivers sentences.
BAND_OUTPUTS = {
    "band_low": "band low end (2025 contribution)",
    "band_high": "band high end (2035 contribution)",
}


def sobol_outputs(sector: str, horizon: int = 2035, per_year: bool = False) -> list[str]:
    """Outputs analysed: totals in 2025/2030/2035 (or every year) and the two band ends."""
    years = model_years(horizon) if per_year else SCENARIO_YEARS
    return [f"{sector}.total.{y}" for y in years] + [f"{sector}.band_low.2025", f"{sector}.band_high.2035"]


@dataclass(frozen=True)
class SectorModel:
    """One sector's outputs as a picklable vectorised function ``f(X[N, D]) -> Y[N, M]``.

    With several readings, the last input column is a discrete factor: ``u`` in [0, 1) picks
    reading ``floor(u * k)``, so its share of the variance is measured like any other input's.

    Attributes
    ----------
    spaces : tuple of ParameterSpace
        One single-sector space per reading.
    outputs : tuple of str
        Output names (see :func:`mcpot.model.space.output_columns`).
    horizon : int
        Last model year.
    names : tuple of str
        Input names: the union of the readings' free inputs, then ``"reading"`` if several.
    """

    spaces: tuple[ParameterSpace, ...]
    outputs: tuple[str, ...]
    horizon: int = 2035
    names: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        union = list(dict.fromkeys(n for s in self.spaces for n in s.names))
        object.__setattr__(self, "names", tuple(union + (["reading"] if len(self.spaces) > 1 else [])))

    @classmethod
    def build(cls, priors, sector: str, readings=("report",), horizon: int = 2035, outputs=None):
        spaces = tuple(ParameterSpace({sector: priors[sector]}, r) for r in readings)
        return cls(spaces, tuple(outputs or sobol_outputs(sector, horizon)), horizon)

    @property
    def readings(self) -> tuple[str, ...]:
        return tuple(s.reading for s in self.spaces)

    @property
    def dim(self) -> int:
        return len(self.names)

    def ppf(self, U: np.ndarray) -> np.ndarray:
        """Unit cube -> inputs through each prior's ppf (the reading factor stays on [0, 1))."""
        X = np.empty_like(U, dtype=float)
        priors = {n: p for s in self.spaces for n, p in s.all_priors.items()}
        for j, name in enumerate(self.names):
            X[:, j] = U[:, j] if name == "reading" else priors[name].ppf(U[:, j])
        return X

    def medians(self) -> np.ndarray:
        return self.ppf(np.full((1, self.dim), 0.5))

    def __call__(self, X: np.ndarray) -> np.ndarray:
        k = len(self.spaces)
        which = np.minimum((X[:, -1] * k).astype(int), k - 1) if k > 1 else np.zeros(len(X), int)
        Y = np.empty((len(X), len(self.outputs)))
        for r, space in enumerate(self.spaces):
            rows = which == r
            if rows.any():
                cols = [self.names.index(n) for n in space.names]
                out = output_columns(space, self.horizon, space.reading)
                pick = [int(np.flatnonzero(out.output == o)[0]) for o in self.outputs]
                Y[rows] = evaluate(space, X[np.ix_(rows, cols)], self.horizon, space.reading)[:, pick]
        return Y

    def rank_correlation(self) -> np.ndarray:
        """Spearman rank correlations ``[D, D]`` of the inputs, from the priors' ``[[correlation]]``.

        Entries naming an input that is not free under these readings are left out.
        """
        R = np.eye(self.dim)
        index = {n: i for i, n in enumerate(self.names)}
        pairs = dict.fromkeys(c for s in self.spaces for sp in s.sectors.values() for c in sp.correlations)
        for a, b, rho in pairs:
            if a in index and b in index:
                R[index[a], index[b]] = R[index[b], index[a]] = rho
        return R

    @property
    def dependent_sets(self) -> list[tuple[int, ...]]:
        """Connected sets of correlated inputs (column indices); empty for independent priors."""
        return dependent_sets(self.rank_correlation())

    @property
    def sobol_ppf(self) -> Ppf:
        """Unit cube -> inputs for Sobol designs: :meth:`ppf` behind the priors' Gaussian copula, if any.

        Raises
        ------
        McpotError
            If the ``[[correlation]]`` entries do not form a positive-definite matrix.
        """
        if not self.dependent_sets:
            return self.ppf
        try:
            return CopulaPpf(self.ppf, self.rank_correlation())
        except ValueError as err:
            sector = next(iter(self.spaces[0].sectors))
            raise McpotError(f"{sector} priors: {err}") from None

    def group_labels(self, grouping: str) -> list[str] | None:
        """Group of each input: by technology ``category`` or by ``kind`` of parameter.

        For ``parameter``: None (one factor per input) unless some inputs are correlated; then each
        dependent set is one group named ``sector.a+b`` and the other inputs keep their names. In every
        grouping the groups a dependent set spans are merged (:func:`merge_groups`), so that the
        groups stay independent of each other.
        """
        sets = self.dependent_sets
        if grouping == "parameter":
            if not sets:
                return None
            merged = merge_groups(self.names, sets)
            return [_dependent_label(x) if "+" in x else x for x in merged]
        priors = {n: p for s in self.spaces for n, p in s.all_priors.items()}
        labels = []
        for name in self.names:
            if name == "reading":
                labels.append("reading")
            elif grouping == "category":
                labels.append(priors[name].category or KIND_LABELS.get(priors[name].kind, priors[name].kind))
            else:
                labels.append(KIND_LABELS.get(priors[name].kind, priors[name].kind))
        return merge_groups(labels, sets)


def _dependent_label(joined: str) -> str:
    """``steel.a.K0+steel.b.K0`` -> ``steel.a.K0+b.K0``: one sector prefix for a dependent set."""
    members = joined.split("+")
    return "+".join([members[0], *(short(m) for m in members[1:])])


def short(name: str) -> str:
    """``steel.automatic_control.K_max`` -> ``automatic_control.K_max`` (drop the sector)."""
    return name.split(".", 1)[1] if "." in name else name


SOBOL_COLUMNS: dict[str, str] = {
    "sector": "sector analysed (sectors share no inputs)",
    "grouping": "parameter (one factor per input or dependent set) | category | kind",
    "output": "sector.quantity[.category].year",
    "parameter": "input, group, or set of correlated inputs joined by '+' (analysed as one factor)",
    "index": "S1 (first order), ST (total), S2 (second order, 'a|b')",
    "value": "index estimate: mean over the R replicate designs (fraction of output variance, 0..1)",
    "conf": "replicate-t 95% half-width: t_{R-1} x sd(replicate estimates) / sqrt(R); THE interval",
    "low": "value - conf",
    "high": "value + conf",
    "conf_bootstrap": "bootstrap normal half-width on the pooled rows (--bootstrap; treats the Sobol' "
    "points as i.i.d., so it is several times too wide: for comparison only)",
    "low_bootstrap": "bootstrap percentile lower bound (--bootstrap; comparison only)",
    "high_bootstrap": "bootstrap percentile upper bound (--bootstrap; comparison only)",
    "reading": "reading(s) of equation (2)",
}
"""What every column of ``sobol.csv`` holds (the confidence level is ``conf_level``, 0.95 by default)."""


def sobol_table(results: dict[str, ReplicateIndices], sector: str, reading: str) -> pd.DataFrame:
    """Tidy indices of every grouping, columns as :data:`SOBOL_COLUMNS` describes."""
    frames = []
    for grouping, res in results.items():
        f = res.to_frame()
        f.insert(0, "grouping", grouping)
        frames.append(f)
    table = pd.concat(frames, ignore_index=True)
    table.insert(0, "sector", sector)
    table["reading"] = reading
    return table


def drivers(table: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """What explains most variance of each output: ranked total indices with CIs and a sentence.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`sobol_table` (one or several sectors).
    top : int
        Parameters listed per output.

    Returns
    -------
    pandas.DataFrame
        One row per sector and output: sector, output, top parameters, top category, top kind (each
        with ST and its CI half-width), and ``sentence`` in plain words.
    """
    st = table[table["index"] == "ST"]
    rows = []
    for (sector, output), g in st.groupby(["sector", "output"], sort=False):
        ranked = {k: g[g.grouping == k].sort_values("value", ascending=False) for k in GROUPINGS}
        params = ranked["parameter"].head(top)
        best = {k: ranked[k].iloc[0] for k in ("category", "kind") if len(ranked[k])}

        def cite(r):
            return f"{short(r.parameter)} (ST {plus_minus(r.value, r.conf)})"

        what = output.split(".", 1)[1]
        label = BAND_OUTPUTS.get(what.split(".")[0], what.replace(".", " "))
        sentence = (
            f"{sector} {label}: {cite(params.iloc[0])} explains the most variance"
            + (
                f", then {', '.join(cite(r) for r in params.iloc[1:].itertuples())}"
                if len(params) > 1
                else ""
            )
            + "."
        )
        if best:
            sentence += (
                " By group: "
                + "; ".join(f"{k} {b.parameter} (ST {plus_minus(b.value, b.conf)})" for k, b in best.items())
                + "."
            )
        rows.append(
            {
                "sector": sector,
                "output": output,
                "top_parameters": "; ".join(short(p) for p in params.parameter),
                "top_ST": params.value.iloc[0],
                "top_ST_conf": params.conf.iloc[0],
                "top_category": best["category"].parameter if "category" in best else None,
                "top_kind": best["kind"].parameter if "kind" in best else None,
                "sentence": sentence,
            }
        )
    return pd.DataFrame(rows)


def tornado(model: SectorModel, output: str, quantiles: tuple[float, float] = (0.05, 0.95)) -> pd.DataFrame:
    """One-at-a-time swings of ``output`` with each input at two prior quantiles, the rest at medians.

    Returns
    -------
    pandas.DataFrame
        One row per input, sorted by swing (largest first): output, unit, parameter, input_low,
        input_high (the input at the two quantiles), output_at_low, output_at_high, baseline (all
        inputs at their medians), swing = ``abs(output_at_high - output_at_low)``.
    """
    lo, hi = quantiles
    if not 0 <= lo < hi <= 1:
        raise ValueError(f"tornado quantiles must satisfy 0 <= low < high <= 1, got {quantiles}")
    one = SectorModel(model.spaces, (output,), model.horizon)
    d = one.dim
    U = np.full((2 * d + 1, d), 0.5)
    for j in range(d):
        U[1 + 2 * j, j], U[2 + 2 * j, j] = lo, hi
    X = one.ppf(U)
    y = one(X)[:, 0]
    unit = output_columns(one.spaces[0], one.horizon).set_index("output").loc[output, "unit"]
    frame = pd.DataFrame(
        {
            "output": output,
            "unit": unit,
            "parameter": one.names,
            "input_low": X[1::2, :].diagonal() if d else [],
            "input_high": X[2::2, :].diagonal() if d else [],
            "output_at_low": y[1::2],
            "output_at_high": y[2::2],
            "baseline": y[0],
        }
    )
    frame["swing"] = (frame.output_at_high - frame.output_at_low).abs()
    frame["low_quantile"], frame["high_quantile"] = lo, hi
    return frame.sort_values("swing", ascending=False, ignore_index=True)


def morris_table(res: morris.MorrisIndices, sector: str, reading: str) -> pd.DataFrame:
    """Tidy Morris statistics with the sector and reading."""
    f = res.to_frame()
    f.insert(0, "sector", sector)
    f["reading"] = reading
    return f
