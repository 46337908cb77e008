"""Prior files of made-up sectors for the tests (a new sector from files alone)."""

from __future__ import annotations


def category(name: str, rf: float, k0: float) -> str:
    """The TOML tables of one category: K0 around ``k0``, RF (Mt CO2/yr) lognormal around ``rf``."""
    return f"""
[{name}.K0]
dist = "uniform"
low = {k0 - 0.05}
high = {k0 + 0.05}
unit = "fraction of capacity (0-1)"
source = "made up"

[{name}.K_max]
value = 0.9
unit = "fraction of capacity (0-1)"
source = "made up"

[{name}.S]
dist = "triangular"
low = 5.0
mode = 8.0
high = 12.0
unit = "years"
source = "made up"

[{name}.beta]
value = 8.0
unit = "dimensionless"
source = "made up"

[{name}.alpha]
dist = "normal"
mean = -4.0
sd = 0.5
unit = "dimensionless"
source = "made up"

[{name}.RF]
dist = "lognormal"
median = {rf}
gsd = 1.3
unit = "Mt CO2/yr"
source = "made up"
"""


EMISSIONS = "".join(
    f'\n[emissions.{y}]\nvalue = {e}\nunit = "Mt CO2/yr"\nsource = "made up"\n'
    for y, e in ((2022, 420.0), (2025, 400.0), (2035, 300.0))
)


def tiny_sector(name: str = "glass", rf: float = 4.0) -> str:
    """A whole prior file: two categories (furnace, kiln), emissions and a [reference] table."""
    cats = ("furnace", "kiln")
    body = f'sector = "{name}"\ncategories = {list(cats)!r}\n'.replace("'", '"')
    body += "".join(category(c, rf, k0) for c, k0 in zip(cats, (0.2, 0.3), strict=True))
    return (
        body
        + EMISSIONS
        + '\n[reference]\nsource = "made up"\ntotals = { 2035 = 3.0 }\nband = [0.003, 0.012]\n'
    )
