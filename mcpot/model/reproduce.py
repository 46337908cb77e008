"""Model at the prior medians vs the report's published figures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mcpot.model.kernel import BAND_YEARS, model_years
from mcpot.model.priors import figures, published
from mcpot.model.reference import SHARE_YEAR
from mcpot.model.space import ParameterSpace, evaluate_sectors


@dataclass(frozen=True)
class Reproduction:
    """The report reproduced at the prior medians.

    Attributes
    ----------
    reading : str
        Reading of equation (2) used.
    comparison : pandas.DataFrame
        One row per published figure: sector, quantity (total | share | band_low | band_high), year,
        category, model, report, diff (model - report), rel_diff (diff / report; NaN where the
        report's figure is 0). Totals in Mt CO2/yr, shares and band ends as fractions.
    denominators : pandas.DataFrame
        Per sector and band year: the sector emissions the report implies (published total /
        published band end, Mt CO2/yr) next to the emission prior's median and 90% interval, and
        ``outside`` flagging an implied figure outside that interval.
    """

    reading: str
    comparison: pd.DataFrame
    denominators: pd.DataFrame


def reproduce(space: ParameterSpace) -> Reproduction:
    """Evaluate the model (in ``space.reading``) with every prior at its median; compare with the report."""
    reading = space.reading
    years = model_years()
    outputs = evaluate_sectors(space, space.medians(), years, reading)
    table = figures(space.sectors).copy()
    table = table[table.year.isna() | table.year.isin(years)].reset_index(drop=True)
    model = []
    for row in table.itertuples():
        out = outputs[row.sector]
        if row.quantity == "total":
            model.append(out.total[0, years == row.year][0])
        elif row.quantity == "share":
            c = space.sectors[row.sector].categories.index(row.category)
            model.append(out.share[0, c, years == SHARE_YEAR][0])
        else:
            model.append(out.band[0, 0 if row.quantity == "band_low" else 1])
    table["model"] = np.asarray(model, dtype=float)
    table = table[["sector", "quantity", "year", "category", "model", "report"]]
    table["diff"] = table["model"] - table["report"]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["rel_diff"] = np.where(table["report"] != 0, table["diff"] / table["report"], np.nan)
    return Reproduction(reading, table, _denominators(space))


def _denominators(space: ParameterSpace) -> pd.DataFrame:
    pub = published(space.sectors)
    rows = []
    for sector in pub:
        implied = pub[sector].implied_denominators()
        for end, year in zip(("band_low", "band_high"), BAND_YEARS, strict=True):
            if year not in implied:
                continue
            prior = space.all_priors[f"{sector}.emissions.{year}"]
            lo, med, hi = (prior.quantile(q) for q in (0.05, 0.5, 0.95))
            rows.append((sector, end, year, implied[year], med, lo, hi, not lo <= implied[year] <= hi))
    return pd.DataFrame(
        rows,
        columns=[
            "sector",
            "band_end",
            "year",
            "implied_by_report",
            "prior_median",
            "prior_p05",
            "prior_p95",
            "outside",
        ],
    )
