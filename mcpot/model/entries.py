"""One prior file entry: a fixed ``value``, a ``dist`` with parameters, or elicited ``quantiles`` with a
``family`` (fitted as SHELF does, :mod:`mcpot.model.elicitation`), validated into a :class:`Prior`.

:data:`DOMAINS` holds the admissible range of each kind of input; :func:`_entry` reads an entry and
raises :class:`mcpot.errors.PriorError` naming the file, the field and the problem.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from mcpot.errors import PriorError
from mcpot.model import distributions, elicitation
from mcpot.model.kernel import BASE_YEAR, MAX_HORIZON

ENTRY_KEYS = {"value", "dist", "params", "lower", "upper", "unit", "source"}
# An elicited entry: quantiles = {"0.05" = x, ...} and family; low/high fix a beta's support, df a t's.
ELICITED_KEYS = {"family", "quantiles", "low", "high", "df", "unit", "source"}

DOMAINS: dict[str, tuple[float, float, str]] = {
    "K0": (0.0, 1.0, "adoption must lie in [0, 1]"),
    "K_max": (0.0, 1.0, "adoption must lie in [0, 1]"),
    "S": (np.nextafter(0.0, 1.0), np.inf, "S must be > 0 years"),
    "alpha": (-np.inf, np.inf, ""),
    "beta": (0.0, np.inf, "beta must be >= 0 (more adoption, more reduction)"),
    "midpoint": (
        0.0,
        1.0,
        "a logistic midpoint (adoption at which half of RF is realised) must lie in [0, 1]",
    ),
    "steepness": (0.0, np.inf, "steepness must be >= 0 per unit of adoption"),
    "headroom": (0.0, 1.0, "headroom (share of the gap 1 - K0 that adoption closes) must lie in [0, 1]"),
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
    elicited : mcpot.model.elicitation.ElicitedFit or None
        For an entry given by quantiles: the fit (parameters, max CDF error); None otherwise.
    """

    name: str
    kind: str
    category: str | None
    unit: str
    source: str
    dist: object | None
    value: float | None
    spec: dict = field(repr=False, compare=False)
    elicited: object | None = field(default=None, repr=False, compare=False)

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


def _unknown(keys, allowed, file, where):
    for key in keys:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of {sorted(allowed)}"
            raise PriorError(file, f"{where}{key}", f"unknown key{hint}")


def _entry(file, where: str, name: str, kind: str, category, spec) -> Prior:
    if not isinstance(spec, dict):
        raise PriorError(file, where, "must be a table with `value` or `dist`, `unit` and `source`")
    if sum(k in spec for k in ("value", "dist", "quantiles")) != 1:
        raise PriorError(
            file,
            where,
            "give exactly one of `value` (fixed), `dist` (a distribution) "
            "or `quantiles` with `family` (elicited)",
        )
    elicited = "quantiles" in spec
    allowed = ELICITED_KEYS if elicited else ENTRY_KEYS | set(_form_params(file, where, spec))
    _unknown(spec, allowed, file, f"{where}.")
    for key in ("unit", "source"):
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            raise PriorError(file, f"{where}.{key}", "missing (every prior says its unit and source)")
    lo, hi, why = DOMAINS[kind]
    fit = None
    if elicited:
        fit = _elicit(file, where, spec, (lo, hi))
        # kept as the equivalent plain entry, so that overrides (e.g. NAME*=1.2) apply to it as usual
        spec = {"unit": spec["unit"], "source": spec["source"], **fit.entry()}
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
            field_ = f"{where}.family" if elicited else f"{where}.dist"
            hint = "; choose a family with bounded support (beta, pert, triangular)" if elicited else ""
            raise PriorError(
                file,
                field_,
                f"{why}, but this prior's support is [{s_lo:g}, {s_hi:g}]"
                + (hint or ("; truncate it with `lower`/`upper`" if spec.get("dist") else "")),
            )
        value = None
    return Prior(name, kind, category, spec["unit"], spec["source"], dist, value, spec, fit)


def _elicit(file, where, spec, domain):
    """Fit the entry's ``family`` to its ``quantiles``; a beta's support defaults to the domain if finite."""
    family = spec.get("family")
    if not isinstance(family, str):
        raise PriorError(
            file,
            f"{where}.family",
            f"name the family fitted to the quantiles ({', '.join(elicitation.FAMILIES)})",
        )
    lo, hi = (d if np.isfinite(d) else None for d in domain)
    low = spec.get("low", 0.0 if lo is None else lo)
    high = spec.get("high", 1.0 if hi is None else hi)
    for key, v in (("low", low), ("high", high), ("df", spec.get("df", 1.0))):
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
            raise PriorError(file, f"{where}.{key}", f"must be a finite number, got {v!r}")
    try:
        p, x = elicitation.parse_quantiles(spec["quantiles"], "quantiles")
        return elicitation.fit_quantiles(
            family, p, x, low=float(low), high=float(high), df=spec.get("df"), where="quantiles"
        )
    except elicitation.ElicitationError as exc:
        raise PriorError(file, f"{where}.{str(exc).split(':', 1)[0]}", str(exc).split(": ", 1)[-1]) from None


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
