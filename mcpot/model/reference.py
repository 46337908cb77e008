"""The report's published figures (``data/reference.toml``), as data.

Totals are in Mt CO2/yr; shares and band ends are fractions. The report states shares once per sector
without a year: mcpot compares them with the model's 2035 shares (:data:`SHARE_YEAR`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where tables are built: chunk workers never load it
    import pandas as pd


SHARE_YEAR = 2035


@dataclass(frozen=True)
class Published:
    """One sector's published figures.

    Attributes
    ----------
    sector : str
    totals : dict of int to float
        Total potential by year, Mt CO2/yr.
    shares : dict of str to float
        Category shares of the total potential, fractions (compared at 2035).
    band : tuple of float
        Contribution band ``(low, high)``, fractions of sector emissions.
    source : str
        Where in the report the figures stand.
    """

    sector: str
    totals: dict[int, float]
    shares: dict[str, float]
    band: tuple[float, float]
    source: str

    def implied_denominators(self) -> dict[int, float]:
        """Sector emissions the report implies, Mt CO2/yr: published total / published band end."""
        return {2025: self.totals[2025] / self.band[0], 2035: self.totals[2035] / self.band[1]}


def published() -> dict[str, Published]:
    """The published figures of every sector, keyed by sector name."""
    text = resources.files("mcpot.model").joinpath("data/reference.toml").read_text(encoding="utf-8")
    return {
        sector: Published(
            sector,
            {int(y): float(v) for y, v in d["totals"].items()},
            {c: float(v) for c, v in d["shares"].items()},
            (float(d["band"][0]), float(d["band"][1])),
            d["source"],
        )
        for sector, d in tomllib.loads(text).items()
    }


def figures(sectors=None) -> pd.DataFrame:
    """Every published figure as a tidy table.

    Columns: sector, quantity (total | share | band_low | band_high), year (int, or missing for band
    ends), category (missing unless quantity is share), report (Mt CO2/yr or fraction).
    """
    import pandas as pd

    rows = []
    for sector, pub in published().items():
        if sectors is not None and sector not in sectors:
            continue
        rows += [(sector, "total", y, None, v) for y, v in pub.totals.items()]
        rows += [(sector, "share", SHARE_YEAR, c, v) for c, v in pub.shares.items()]
        rows += [
            (sector, "band_low", None, None, pub.band[0]),
            (sector, "band_high", None, None, pub.band[1]),
        ]
    df = pd.DataFrame(rows, columns=["sector", "quantity", "year", "category", "report"])
    df["year"] = df["year"].astype("Int64")
    return df
