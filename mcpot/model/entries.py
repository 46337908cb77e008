"""One prior file entry: a fixed ``value`` or a ``dist`` with parameters, validated into a :class:`Prior`.

:data:`DOMAINS` holds the admissible range of each kind of input; :func:`_entry` reads an entry and
raises :class:`mcpot.errors.PriorError` naming the file, the field and the problem.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from mcpot.errors import PriorError
from mcpot.model import distributions
from mcpot.model.kernel import BASE_YEAR, MAX_HORIZON

ENTRY_KEYS = {"value", "dist", "params", "lower", "upper", "unit", "source"}

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
