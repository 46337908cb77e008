"""Published figures as data: the ``[reference]`` table of a sector's prior file.

A sector's prior file may carry the figures a report publishes for it; mcpot then compares the model
with them (``mcpot reproduce``, claims of ``mcpot run``). A sector without a ``[reference]`` table simply
has no claims. The table, with totals in Mt CO2/yr and shares and band ends as fractions::

    [reference]
    source = "report section 3(2)"
    totals = { 2025 = 110.0, 2030 = 170.0, 2035 = 230.0 }     # Mt CO2/yr, any years
    shares = { automatic_control = 0.41, energy_management = 0.59 }  # optional, of the sector's categories
    band = [0.05, 0.20]                                        # optional: contribution in 2025 and 2035

Reports state shares once per sector without a year: mcpot compares them with the model's 2035 shares
(:data:`SHARE_YEAR`). The published figures of loaded priors: :func:`mcpot.model.priors.published`.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcpot.errors import PriorError
from mcpot.model.kernel import BAND_YEARS

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
        Category shares of the total potential, fractions (compared at 2035); may be empty.
    band : tuple of float or None
        Contribution band ``(low, high)`` in 2025 and 2035, fractions of sector emissions.
    source : str
        Where in the report the figures stand.
    """

    sector: str
    totals: dict[int, float]
    shares: dict[str, float]
    band: tuple[float, float] | None
    source: str

    def implied_denominators(self) -> dict[int, float]:
        """Sector emissions the report implies, Mt CO2/yr: published total / published band end."""
        if self.band is None:
            return {}
        ends = zip(BAND_YEARS, self.band, strict=True)
        return {y: self.totals[y] / end for y, end in ends if y in self.totals}


def _number(file: str, where: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise PriorError(file, where, f"must be a number >= 0, got {value!r}")
    return float(value)


def parse_reference(file: str, sector: str, table, categories: tuple[str, ...]) -> Published:
    """Validate a ``[reference]`` table (see the module docstring) and return its figures.

    Raises
    ------
    PriorError
        Naming the file and field, for an unknown key, a year that is not a year, a share of a category
        the sector does not have, shares that do not sum to 1 (within 0.02) or a band with low > high.
    """
    if not isinstance(table, dict):
        raise PriorError(file, "reference", "must be a table")
    for key in table:
        if key not in {"source", "totals", "shares", "band"}:
            raise PriorError(file, f"reference.{key}", "unknown key; expected source, totals, shares, band")
    totals_in = table.get("totals", {})
    if not isinstance(totals_in, dict):
        raise PriorError(file, "reference.totals", "must be a table of year = Mt CO2/yr")
    totals = {}
    for year, value in totals_in.items():
        if not year.isdigit():
            raise PriorError(file, f"reference.totals.{year}", "not a year")
        totals[int(year)] = _number(file, f"reference.totals.{year}", value)
    shares_in = table.get("shares", {})
    if not isinstance(shares_in, dict):
        raise PriorError(file, "reference.shares", "must be a table of category = fraction")
    shares = {}
    for cat, value in shares_in.items():
        if cat not in categories:
            raise PriorError(file, f"reference.shares.{cat}", f"not a category of {sector}: {categories}")
        shares[cat] = _number(file, f"reference.shares.{cat}", value)
    if shares and abs(sum(shares.values()) - 1.0) > 0.02:
        raise PriorError(file, "reference.shares", f"sum to {sum(shares.values()):.3f}, not 1")
    if shares and SHARE_YEAR not in totals:
        raise PriorError(file, f"reference.totals.{SHARE_YEAR}", "missing: shares are read at 2035")
    band = table.get("band")
    if band is not None:
        if not (isinstance(band, list) and len(band) == 2):
            raise PriorError(file, "reference.band", "must be [low, high] (fractions in 2025 and 2035)")
        band = tuple(_number(file, "reference.band", v) for v in band)
        if band[0] > band[1]:
            raise PriorError(file, "reference.band", f"low {band[0]} is above high {band[1]}")
    source = table.get("source", "")
    if not isinstance(source, str):
        raise PriorError(file, "reference.source", "must be a string")
    return Published(sector, totals, shares, band, source)
