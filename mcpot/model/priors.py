"""Prior files (``priors/<sector>.toml``) -> validated priors with units and sources.

A prior entry is a TOML table with ``unit`` and ``source`` and either ``value = x`` (fixed) or
``dist = "<form>"`` with that form's parameters (see :mod:`mcpot.model.distributions`), optionally
truncated by ``lower``/``upper``. Every problem is reported as a :class:`~mcpot.errors.PriorError`
naming the file, the field and what is wrong.

Layout of a sector file::

    sector = "steel"
    [<category>]            # one per category in mcpot.model.kernel.CATEGORIES
    included = false        # optional: the sector does not have this category (then only `source`)
    [<category>.K0]  [<category>.K_max]  [<category>.S]  [<category>.alpha]  [<category>.beta]
    [<category>.RF]         # Mt CO2/yr, or instead
    [<category>.RA.<energy>] # saved energy per t product, with [emission_factors.<energy>] and
                             # [production.2022] (Mt product/yr): RF = Q * sum_w RA_w EF_w
    [emissions.<year>]      # sector emissions, Mt CO2/yr; 2025 and 2035 required
    [[correlation]]         # optional: between = ["<cat>.<param>", "<cat>.<param>"], rho = ...
"""

from __future__ import annotations

import difflib
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import stats

from mcpot.errors import PriorError
from mcpot.model import distributions
from mcpot.model.kernel import BAND_YEARS, BASE_YEAR, CATEGORIES, MAX_HORIZON

SECTORS: tuple[str, ...] = ("steel", "petrochemical", "cement")
CATEGORY_PARAMS: tuple[str, ...] = ("K0", "K_max", "S", "alpha", "beta")
DEFAULT_PRIORS_DIR = Path(__file__).resolve().parents[2] / "priors"
#: Largest prior file read (bytes): the bundled ones are ~10 kB; anything near this is not a prior file.
MAX_PRIOR_BYTES = 1_000_000

ENTRY_KEYS = {"value", "dist", "params", "lower", "upper", "unit", "source"}
TOP_KEYS = {
    "sector",
    "description",
    *CATEGORIES,
    "emissions",
    "production",
    "emission_factors",
    "correlation",
    "overlap",
}

# Admissible range of each kind of parameter and what to say when a prior leaves it.
DOMAINS: dict[str, tuple[float, float, str]] = {
    "K0": (0.0, 1.0, "adoption must lie in [0, 1]"),
    "K_max": (0.0, 1.0, "adoption must lie in [0, 1]"),
    "S": (np.nextafter(0.0, 1.0), np.inf, "S must be > 0 years"),
    "alpha": (-np.inf, np.inf, ""),
    "beta": (0.0, np.inf, "beta must be >= 0 (more adoption, more reduction)"),
    "RF": (0.0, np.inf, "a reduction factor must be >= 0 Mt CO2/yr"),
    "RA": (0.0, np.inf, "a unit saving must be >= 0"),
    "EF": (0.0, np.inf, "an emission factor must be >= 0"),
    "Q": (np.nextafter(0.0, 1.0), np.inf, "production must be > 0"),
    "E": (np.nextafter(0.0, 1.0), np.inf, "sector emissions must be > 0 Mt CO2/yr"),
    "overlap": (0.0, 1.0, "an overlap fraction must lie in [0, 1]"),
}


@dataclass(frozen=True)
class Prior:
    """One model input: a fixed value or a frozen distribution, with unit and source.

    Attributes
    ----------
    name : str
        Qualified name, e.g. ``"steel.automatic_control.K_max"``.
    kind : str
        One of the keys of :data:`DOMAINS` (K0, K_max, S, alpha, beta, RF, RA, EF, Q, E).
    category : str or None
        Technology category, or None for sector-level inputs (emissions, production, factors).
    unit, source : str
        As written in the prior file.
    dist : frozen scipy distribution or None
        None when the input is fixed.
    value : float or None
        The fixed value, or None.
    spec : dict
        The TOML entry as written.
    """

    name: str
    kind: str
    category: str | None
    unit: str
    source: str
    dist: object | None
    value: float | None
    spec: dict = field(repr=False, compare=False)

    @property
    def fixed(self) -> bool:
        return self.dist is None

    def ppf(self, u):
        """Quantile function (see :func:`mcpot.model.distributions.ppf`); a fixed input returns its value."""
        if self.fixed:
            return np.full(np.shape(u), self.value, dtype=float)
        return distributions.ppf(self.dist, u)

    def quantile(self, q: float) -> float:
        return float(self.ppf(q))

    def median(self) -> float:
        return self.quantile(0.5)

    def support(self) -> tuple[float, float]:
        if self.fixed:
            return self.value, self.value
        lo, hi = self.dist.support()
        return float(lo), float(hi)


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
        Whether the sector has each category of :data:`mcpot.model.kernel.CATEGORIES`.
    emission_years : tuple of int
        Years at which sector emissions are given.
    correlations : tuple of (str, str, float)
        Rank correlations between pairs of inputs (qualified names).
    """

    sector: str
    path: Path
    text: str
    priors: dict[str, Prior]
    included: tuple[bool, ...]
    emission_years: tuple[int, ...]
    correlations: tuple[tuple[str, str, float], ...] = ()

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


def _unknown(keys, allowed, file, where):
    for key in keys:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of {sorted(allowed)}"
            raise PriorError(file, f"{where}{key}", f"unknown key{hint}")


def _entry(file, where: str, name: str, kind: str, category, spec) -> Prior:
    if not isinstance(spec, dict):
        raise PriorError(file, where, "must be a table with `value` or `dist`, `unit` and `source`")
    _unknown(spec, ENTRY_KEYS | set(_form_params(file, where, spec)), file, f"{where}.")
    for key in ("unit", "source"):
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            raise PriorError(file, f"{where}.{key}", "missing (every prior says its unit and source)")
    if ("value" in spec) == ("dist" in spec):
        raise PriorError(file, where, "give exactly one of `value` (fixed) or `dist` (a distribution)")
    lo, hi, why = DOMAINS[kind]
    if "value" in spec:
        value = spec["value"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
            raise PriorError(file, f"{where}.value", f"must be a finite number, got {value!r}")
        if not lo <= value <= hi:
            raise PriorError(file, f"{where}.value", f"{why}, got {value}")
        dist, value = None, float(value)
    else:
        dist = _distribution(file, where, spec)
        s_lo, s_hi = (float(v) for v in dist.support())
        if s_lo < lo or s_hi > hi:
            raise PriorError(
                file,
                f"{where}.dist",
                f"{why}, but this prior's support is [{s_lo:g}, {s_hi:g}]"
                + ("; truncate it with `lower`/`upper`" if spec.get("dist") else ""),
            )
        value = None
    return Prior(name, kind, category, spec["unit"], spec["source"], dist, value, spec)


def _form_params(file, where, spec) -> tuple[str, ...]:
    """Parameter keys the entry's ``dist`` takes (checking the name first)."""
    if "dist" not in spec:
        return ()
    name = spec["dist"]
    if name in distributions.FORMS:
        return distributions.FORMS[name].required
    if not isinstance(getattr(stats, str(name), None), stats.rv_continuous):
        raise PriorError(
            file,
            f"{where}.dist",
            f"unknown distribution {name!r}: use one of "
            f"{', '.join(distributions.FORMS)} or a continuous scipy.stats name",
        )
    return ()


def _distribution(file, where, spec):
    name = spec["dist"]
    if not isinstance(name, str):
        raise PriorError(file, f"{where}.dist", f"must be a distribution name, got {name!r}")
    if name in distributions.FORMS:
        params = {k: spec[k] for k in spec if k in distributions.FORMS[name].required}
        if "params" in spec:
            raise PriorError(file, f"{where}.params", f"{name!r} takes its parameters by name")
    else:
        params = spec.get("params", {})
        if not isinstance(params, dict):
            raise PriorError(file, f"{where}.params", "must be a table of scipy.stats arguments")
    for k, v in params.items():
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
            raise PriorError(file, f"{where}.{k}", f"must be a finite number, got {v!r}")
    try:
        dist = distributions.build(name, params)
        if "lower" in spec or "upper" in spec:
            dist = distributions.Truncated(
                dist, float(spec.get("lower", -np.inf)), float(spec.get("upper", np.inf))
            )
    except ValueError as exc:
        raise PriorError(file, f"{where}.dist", str(exc)) from None
    return dist


def _year(file, where, key) -> int:
    try:
        year = int(key)
    except ValueError:
        year = None
    if year is None or not BASE_YEAR <= year <= MAX_HORIZON:
        raise PriorError(file, f"{where}.{key}", f"must be a year between {BASE_YEAR} and {MAX_HORIZON}")
    return year


def _table(file, doc, key) -> dict:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise PriorError(file, key, "must be a table")
    return value


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
    _unknown(doc, TOP_KEYS, file, "")
    sector = doc.get("sector")
    if not isinstance(sector, str) or not sector:
        raise PriorError(file, "sector", 'missing: name the sector, e.g. sector = "steel"')

    priors: dict[str, Prior] = {}

    def add(where, kind, category, spec):
        priors[f"{sector}.{where}"] = _entry(file, where, f"{sector}.{where}", kind, category, spec)

    included = []
    energies: set[str] = set()
    for cat in CATEGORIES:
        table = doc.get(cat)
        if not isinstance(table, dict):
            raise PriorError(
                file,
                cat,
                "missing category (write `included = false` and a `source` if the sector does not have it)",
            )
        if table.get("included", True) is False:
            _unknown(table, {"included", "source"}, file, f"{cat}.")
            if not isinstance(table.get("source"), str):
                raise PriorError(file, f"{cat}.source", "say why the category is excluded")
            included.append(False)
            continue
        if table.get("included", True) is not True:
            raise PriorError(file, f"{cat}.included", "must be true or false")
        _unknown(table, {"included", *CATEGORY_PARAMS, "RF", "RA"}, file, f"{cat}.")
        for param in CATEGORY_PARAMS:
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
        k0, kmax = priors[f"{sector}.{cat}.K0"], priors[f"{sector}.{cat}.K_max"]
        if k0.fixed and kmax.fixed and kmax.value < k0.value:
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
    return SectorPriors(sector, path, text, priors, tuple(included), tuple(years), correlations)


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


def _correlations(file, sector, entries, priors):
    """Validated ``[[correlation]]`` pairs: known free inputs, no self or repeated pairs, a valid matrix."""
    if not isinstance(entries, list):
        raise PriorError(file, "correlation", "must be an array of tables ([[correlation]])")
    pairs = []
    seen: dict[frozenset, tuple[int, float]] = {}
    for i, entry in enumerate(entries):
        where = f"correlation[{i}]"
        if not isinstance(entry, dict):
            raise PriorError(file, where, "must be a table with `between` and `rho`")
        _unknown(entry, {"between", "rho", "source"}, file, f"{where}.")
        between, rho = entry.get("between"), entry.get("rho")
        if not (isinstance(between, list) and len(between) == 2):
            raise PriorError(
                file,
                f"{where}.between",
                'must name two inputs, e.g. ["energy_management.K0", "automatic_control.K0"]',
            )
        names = [f"{sector}.{b}" for b in between]
        for b, name in zip(between, names, strict=True):
            if name not in priors:
                close = difflib.get_close_matches(name, priors, n=1)
                hint = f"; did you mean {close[0].split('.', 1)[1]!r}?" if close else ""
                raise PriorError(file, f"{where}.between", f"no input named {b!r}{hint}")
            if priors[name].fixed:
                raise PriorError(file, f"{where}.between", f"{b!r} is fixed: it cannot be correlated")
        if names[0] == names[1]:
            raise PriorError(file, f"{where}.between", f"correlates {between[0]!r} with itself")
        if isinstance(rho, bool) or not isinstance(rho, int | float) or not -1 < rho < 1:
            raise PriorError(file, f"{where}.rho", f"must be a number in (-1, 1), got {rho!r}")
        key = frozenset(names)
        if key in seen:
            j, other = seen[key]
            problem = (
                f"repeats the pair of correlation[{j}]"
                if other == rho
                else f"conflicts with correlation[{j}] (rho {rho:g} vs {other:g} for the same pair)"
            )
            raise PriorError(file, f"{where}.between", f"{between[0]} ~ {between[1]} {problem}")
        seen[key] = (i, float(rho))
        pairs.append((names[0], names[1], float(rho)))
    _check_positive_definite(file, sector, pairs)
    return tuple(pairs)


def _check_positive_definite(file, sector, pairs) -> None:
    """The rank correlations must give a positive definite copula matrix (as the sampler needs).

    When they do not, the message gives the smallest eigenvalue and the pairs within the block that
    its eigenvector spans (the inputs that cannot be correlated that way all at once).
    """
    if not pairs:
        return
    names = list(dict.fromkeys(n for a, b, _ in pairs for n in (a, b)))
    index = {n: i for i, n in enumerate(names)}
    R = np.eye(len(names))
    for a, b, rho in pairs:
        R[index[a], index[b]] = R[index[b], index[a]] = rho
    P = 2.0 * np.sin(np.pi * R / 6.0)  # the Gaussian copula's Pearson matrix, as the sampler builds it
    np.fill_diagonal(P, 1.0)
    try:
        np.linalg.cholesky(P)
        return
    except np.linalg.LinAlgError:
        pass
    values, vectors = np.linalg.eigh(P)
    v = np.abs(vectors[:, 0])
    block = {names[i] for i in np.flatnonzero(v >= 0.25 * v.max())}
    short = len(sector) + 1
    involved = [f"{a[short:]}~{b[short:]} ({rho:g})" for a, b, rho in pairs if a in block and b in block]
    raise PriorError(
        file,
        "correlation",
        f"the rho do not form a valid correlation matrix (not positive definite: smallest eigenvalue "
        f"{values[0]:.3g}); these pairs conflict: {', '.join(involved)}; lower some |rho|",
    )


def load_priors(
    directory: str | Path | None = None, sectors: tuple[str, ...] | list[str] = SECTORS
) -> dict[str, SectorPriors]:
    """Load ``<directory>/<sector>.toml`` for each requested sector (default: the bundled priors)."""
    directory = Path(directory) if directory is not None else DEFAULT_PRIORS_DIR
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
