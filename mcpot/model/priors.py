"""Prior files (``priors/<sector>.toml``) -> validated priors with units and sources.

A prior entry is a TOML table with ``unit`` and ``source`` and either ``value = x`` (fixed) or
``dist = "<form>"`` with that form's parameters (see :mod:`mcpot.model.distributions`), optionally
truncated by ``lower``/``upper``. Every problem is reported as a :class:`~mcpot.errors.PriorError`
naming the file, the field and what is wrong.

Layout of a sector file::

    sector = "steel"
    [<category>]            # one per category in mcpot.model.kernel.CATEGORIES
    included = false        # optional: the sector does not have this category (then only `source`)
    [<category>.K0]  [<category>.S]
    [<category>.K_max]      # the adoption ceiling, or instead [<category>.headroom]: the fraction of
                            # the gap 1 - K0 that adoption closes, K_max = K0 + headroom (1 - K0)
    [<category>.midpoint]  [<category>.steepness]   # the logistic of (2): alpha = -steepness * midpoint,
                            # beta = steepness; or instead [<category>.alpha]  [<category>.beta]
    [<category>.RF]         # Mt CO2/yr, or instead
    [<category>.RA.<energy>] # saved energy per t product, with [emission_factors.<energy>] and
                             # [production.2022] (Mt product/yr): RF = Q * sum_w RA_w EF_w
    [emissions.<year>]      # sector emissions, Mt CO2/yr; 2025 and 2035 required
    [[correlation]]         # optional: between = ["<cat>.<param>", "<cat>.<param>"], rho = ...
"""

from __future__ import annotations

import difflib
import hashlib
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from mcpot.errors import PriorError
from mcpot.model.correlations import _check_positive_definite, _correlations  # noqa: F401 (re-export)
from mcpot.model.entries import Prior, _entry, _table, _unknown, _year
from mcpot.model.kernel import BAND_YEARS, BASE_YEAR, CATEGORIES
from mcpot.model.reference import SHARE_YEAR, Published, parse_reference

# The kernel's inputs per category (mcpot.model.kernel.SectorParams); a prior file may give K_max and
# (alpha, beta) through the alternative forms below, from which the space derives them.
CATEGORY_PARAMS: tuple[str, ...] = ("K0", "K_max", "S", "alpha", "beta")
CEILING_FORMS: tuple[tuple[str, ...], ...] = (("K_max",), ("headroom",))
LOGISTIC_FORMS: tuple[tuple[str, ...], ...] = (("midpoint", "steepness"), ("alpha", "beta"))
ENTRY_PARAMS: tuple[str, ...] = ("K0", "S", *(k for f in CEILING_FORMS + LOGISTIC_FORMS for k in f))
DEFAULT_PRIORS_DIR = Path(__file__).resolve().parents[2] / "priors"
#: Largest prior file read (bytes): the bundled ones are ~10 kB; anything near this is not a prior file.
MAX_PRIOR_BYTES = 1_000_000

# Top-level keys that are not categories; every other table of a prior file is a technology category.
TOP_KEYS = {
    "sector",
    "description",
    "order",
    "categories",
    "emissions",
    "production",
    "emission_factors",
    "correlation",
    "overlap",
    "reference",
}


# Admissible range of each kind of parameter and what to say when a prior leaves it.
@dataclass(frozen=True)
class SectorPriors:
    """The validated priors of one sector.

    Attributes
    ----------
    sector : str
        Sector name.
    path : pathlib.Path
        File read.
    text : str
        The file's text, verbatim (copied into run manifests).
    priors : dict of str to Prior
        Every input, keyed by qualified name, in file order.
    included : tuple of bool
        Whether the sector has each of ``categories``.
    emission_years : tuple of int
        Years at which sector emissions are given.
    correlations : tuple of (str, str, float)
        Rank correlations between pairs of inputs (qualified names).
    categories : tuple of str
        The sector's technology categories, in file order (or as its ``categories = [...]`` lists them).
    reference : Published or None
        The figures a report publishes for the sector (its ``[reference]`` table), if any.
    """

    sector: str
    path: Path
    text: str
    priors: dict[str, Prior]
    included: tuple[bool, ...]
    emission_years: tuple[int, ...]
    correlations: tuple[tuple[str, str, float], ...] = ()
    categories: tuple[str, ...] = CATEGORIES
    reference: Published | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def years_of(self, table: str) -> tuple[int, ...]:
        """Years at which ``production`` (or ``emissions``) entries are given."""
        prefix = f"{self.sector}.{table}."
        return tuple(sorted(int(n[len(prefix) :]) for n in self.priors if n.startswith(prefix)))

    def rf_mode(self, category: str) -> str:
        """``"RF"`` when the reduction factor is given directly, ``"RA"`` when built by (3)."""
        return "RF" if f"{self.sector}.{category}.RF" in self.priors else "RA"

    def logistic_form(self, category: str) -> str:
        """``"midpoint"`` (midpoint, steepness) or ``"alpha"`` (alpha, beta): how (2)'s logistic is given."""
        return "midpoint" if f"{self.sector}.{category}.midpoint" in self.priors else "alpha"

    def ceiling_form(self, category: str) -> str:
        """``"K_max"`` or ``"headroom"``: how the adoption ceiling is given."""
        return "headroom" if f"{self.sector}.{category}.headroom" in self.priors else "K_max"


def load_sector(path: str | Path) -> SectorPriors:
    """Read and validate one sector's prior file.

    Raises
    ------
    PriorError
        Naming the file, the field and the problem, for any malformed or implausible entry.
    """
    path = Path(path)
    file = str(path)
    text = _read_text(path)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PriorError(file, "-", f"not valid TOML: {exc}") from None
    sector = doc.get("sector")
    if not isinstance(sector, str) or not sector:
        raise PriorError(file, "sector", 'missing: name the sector, e.g. sector = "steel"')

    priors: dict[str, Prior] = {}

    def add(where, kind, category, spec):
        priors[f"{sector}.{where}"] = _entry(file, where, f"{sector}.{where}", kind, category, spec)

    categories = _categories(file, doc)
    included = []
    energies: set[str] = set()
    for cat in categories:
        table = doc[cat]
        if table.get("included", True) is False:
            _unknown(table, {"included", "source"}, file, f"{cat}.")
            if not isinstance(table.get("source"), str):
                raise PriorError(file, f"{cat}.source", "say why the category is excluded")
            included.append(False)
            continue
        if table.get("included", True) is not True:
            raise PriorError(file, f"{cat}.included", "must be true or false")
        _unknown(table, {"included", *ENTRY_PARAMS, "RF", "RA"}, file, f"{cat}.")
        params = ["K0", "S", *_one_form(file, cat, table, CEILING_FORMS)]
        params += _one_form(file, cat, table, LOGISTIC_FORMS)
        for param in params:
            if param not in table:
                raise PriorError(file, f"{cat}.{param}", "missing")
            add(f"{cat}.{param}", param, cat, table[param])
        if ("RF" in table) == ("RA" in table):
            raise PriorError(file, f"{cat}.RF", "give either RF (Mt CO2/yr) or RA.<energy> tables")
        if "RF" in table:
            add(f"{cat}.RF", "RF", cat, table["RF"])
        else:
            if not isinstance(table["RA"], dict) or not table["RA"]:
                raise PriorError(file, f"{cat}.RA", "must hold one table per energy type")
            for energy, spec in table["RA"].items():
                add(f"{cat}.RA.{energy}", "RA", cat, spec)
                energies.add(energy)
        k0, kmax = priors[f"{sector}.{cat}.K0"], priors.get(f"{sector}.{cat}.K_max")
        if kmax is not None and k0.fixed and kmax.fixed and kmax.value < k0.value:
            raise PriorError(
                file,
                f"{cat}.K_max",
                f"fixed K_max {kmax.value} is below fixed K0 "
                f"{k0.value}: the ceiling cannot be under today's adoption",
            )
        included.append(True)
    if not any(included):
        raise PriorError(file, "-", "every category is excluded")

    emissions = _table(file, doc, "emissions")
    years = sorted(_year(file, "emissions", k) for k in emissions)
    for y in BAND_YEARS:
        if y not in years:
            raise PriorError(file, f"emissions.{y}", "missing: the contribution band needs it")
    for y in years:
        add(f"emissions.{y}", "E", None, emissions[str(y)])

    factors = _table(file, doc, "emission_factors")
    production = _table(file, doc, "production")
    for energy in sorted(energies):
        if energy not in factors:
            raise PriorError(file, f"emission_factors.{energy}", "missing: an RA entry uses this energy")
    _unknown(factors, energies, file, "emission_factors.")
    for energy, spec in factors.items():
        add(f"emission_factors.{energy}", "EF", None, spec)
    for key in production:
        _year(file, "production", key)
    if energies and str(BASE_YEAR) not in production:
        raise PriorError(file, f"production.{BASE_YEAR}", "missing: RF from RA needs base-year output")
    for key, spec in production.items():
        add(f"production.{key}", "Q", None, spec)
    if "overlap" in doc:
        add("overlap", "overlap", None, doc["overlap"])

    correlations = _correlations(file, sector, doc.get("correlation", []), priors)
    reference = parse_reference(file, sector, doc["reference"], categories) if "reference" in doc else None
    return SectorPriors(
        sector, path, text, priors, tuple(included), tuple(years), correlations, categories, reference
    )


def _one_form(file: str, cat: str, table: dict, forms: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    """The one form of ``forms`` the category's table uses (e.g. midpoint/steepness or alpha/beta)."""
    used = [f for f in forms if any(k in table for k in f)]
    names = " or ".join("/".join(f) for f in forms)
    if not used:
        raise PriorError(file, f"{cat}.{forms[0][0]}", f"missing: give {names}")
    if len(used) > 1:
        given = [k for f in used for k in f if k in table]
        raise PriorError(
            file,
            f"{cat}.{given[-1]}",
            f"mixes {' and '.join('/'.join(f) for f in used)}: give exactly one of {names}",
        )
    return used[0]


def _categories(file: str, doc: dict) -> tuple[str, ...]:
    """The sector's categories: every table that is not a reserved key, checked against ``categories``."""
    tables = tuple(k for k, v in doc.items() if k not in TOP_KEYS and isinstance(v, dict))
    _unknown([k for k in doc if k not in tables], TOP_KEYS, file, "")
    listed = doc.get("categories")
    for table in tables:  # a near miss of a reserved key or of the report's categories is a typo
        close = difflib.get_close_matches(table, sorted({*TOP_KEYS, *CATEGORIES} - {table}), n=1, cutoff=0.9)
        if close and (listed is None or table not in listed):
            raise PriorError(file, table, f"unknown key; did you mean {close[0]!r}?")
    if listed is None:
        if not tables:
            raise PriorError(file, "-", "no category tables (e.g. [energy_management.K0])")
        return tables
    if not (isinstance(listed, list) and listed and all(isinstance(c, str) for c in listed)):
        raise PriorError(file, "categories", "must be a list of category names")
    for cat in listed:
        if cat not in tables:
            raise PriorError(
                file,
                cat,
                "missing category (write `included = false` and a `source` if the sector does not have it)",
            )
    extra = [t for t in tables if t not in listed]
    if extra:
        raise PriorError(file, extra[0], f"a table that is not among categories = {listed}")
    return tuple(listed)


def _read_text(path: Path) -> str:
    """The file's text: at most :data:`MAX_PRIOR_BYTES`, UTF-8, no NUL bytes (else a PriorError)."""
    file = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_PRIOR_BYTES:
            raise PriorError(
                file, "-", f"{size:,} bytes is too large for a prior file (limit {MAX_PRIOR_BYTES:,} bytes)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise PriorError(file, "-", f"cannot read the file ({exc.strerror})") from None
    if b"\0" in data:
        raise PriorError(file, "-", f"a binary file, not TOML text (NUL byte at offset {data.index(0)})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PriorError(
            file, "-", f"not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); save it as UTF-8"
        ) from None


def _order(path: Path) -> tuple[float, str]:
    try:
        order = tomllib.loads(_read_text(path)).get("order", math.inf)
    except (PriorError, tomllib.TOMLDecodeError):
        order = math.inf  # reported when the file is loaded
    return (order if isinstance(order, int | float) else math.inf, path.stem)


def available_sectors(directory: str | Path | None = None) -> tuple[str, ...]:
    """The sectors of a priors directory: one per ``<sector>.toml``, by their ``order`` key, then name."""
    directory = Path(directory) if directory is not None else DEFAULT_PRIORS_DIR
    if not directory.is_dir():
        raise PriorError(str(directory), "-", "priors directory not found")
    found = tuple(p.stem for p in sorted(directory.glob("*.toml"), key=_order))
    if not found:
        raise PriorError(str(directory), "-", "no prior file (<sector>.toml) in the priors directory")
    return found


def __getattr__(name: str):
    if name == "SECTORS":  # the bundled sectors, read from the files on first use
        return available_sectors()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_priors(
    directory: str | Path | None = None, sectors: tuple[str, ...] | list[str] | None = None
) -> dict[str, SectorPriors]:
    """Load ``<directory>/<sector>.toml`` for each requested sector.

    ``directory`` defaults to the bundled priors, ``sectors`` to every sector in it
    (:func:`available_sectors`).
    """
    directory = Path(directory) if directory is not None else DEFAULT_PRIORS_DIR
    if sectors is None:
        sectors = available_sectors(directory)
    if not directory.is_dir():
        raise PriorError(str(directory), "-", "priors directory not found")
    out = {}
    for sector in sectors:
        path = directory / f"{sector}.toml"
        if not path.is_file():
            found = sorted(p.stem for p in directory.glob("*.toml"))
            raise PriorError(
                str(path),
                "-",
                f"no prior file for sector {sector!r} (found: {', '.join(found) or 'none'})",
            )
        loaded = load_sector(path)
        if loaded.sector != sector:
            raise PriorError(str(path), "sector", f"says {loaded.sector!r} but the file is for {sector!r}")
        out[sector] = loaded
    return out


def published(priors: dict[str, SectorPriors] | None = None) -> dict[str, Published]:
    """The published figures of every sector that has them (default: the bundled priors), by sector."""
    priors = load_priors() if priors is None else priors
    return {s: sp.reference for s, sp in priors.items() if sp.reference is not None}


def figures(priors: dict[str, SectorPriors] | None = None):
    """Every published figure as a tidy :class:`pandas.DataFrame`.

    Columns: sector, quantity (total | share | band_low | band_high), year (int, or missing for band
    ends), category (missing unless quantity is share), report (Mt CO2/yr or fraction).
    """
    import pandas as pd

    rows = []
    for sector, pub in published(priors).items():
        rows += [(sector, "total", y, None, v) for y, v in pub.totals.items()]
        rows += [(sector, "share", SHARE_YEAR, c, v) for c, v in pub.shares.items()]
        if pub.band is not None:
            rows += [
                (sector, "band_low", None, None, pub.band[0]),
                (sector, "band_high", None, None, pub.band[1]),
            ]
    df = pd.DataFrame(rows, columns=["sector", "quantity", "year", "category", "report"])
    df["year"] = df["year"].astype("Int64")
    return df
