r"""Priors from elicited quantiles, fitted as SHELF does.

An expert gives a few quantiles :math:`(p_k, x_k)` ("there is a 5% chance the adoption ceiling is
below 0.3, even odds below 0.5, ..."). As in SHELF (Oakley & O'Hagan; ``SHELF::fitdist``), a
family's parameters :math:`\theta` are chosen by least squares between the elicited probabilities
and the fitted CDF at the elicited values,

.. math:: \hat\theta = \arg\min_\theta \sum_k \bigl(F_\theta(x_k) - p_k\bigr)^2 ,

here with :func:`scipy.optimize.least_squares`. Each family is fitted in unconstrained coordinates
(log of scales and shapes, a logistic for the mode of a triangle, ...), so every trial point is a
valid distribution, from starting values obtained by regressing the values on the family's
standard quantiles. The result carries the fit error: with exactly consistent quantiles
:math:`\max_k |F(x_k) - p_k|` is ~0; a clearly positive value means the family cannot honour
what the expert said, and should be reported.

Families and the prior entry a fit writes back (see :meth:`ElicitedFit.entry`):

============  ==================================  ============================================
family        fitted parameters                   entry
============  ==================================  ============================================
normal        mean, sd                            ``dist = "normal"``, mean, sd
lognormal     median, gsd (geometric sd, > 1)     ``dist = "lognormal"``, median, gsd
gamma         a (shape), scale (loc 0)            ``dist = "gamma"``, ``params = {a, scale}``
beta          a, b on fixed [low, high]           ``dist = "beta"``, a, b, low, high
student_t     loc, scale, fixed df                ``dist = "t"``, ``params = {df, loc, scale}``
triangular    low, mode, high                     ``dist = "triangular"``, low, mode, high
pert          low, mode, high (lambda = 4)        ``dist = "pert"``, low, mode, high
============  ==================================  ============================================

The TOML forms of the quantiles are read by :func:`mcpot.model.quantiles.parse_quantiles` (re-exported
here).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats
from scipy.special import betainc, expit, logit

from .quantiles import ElicitationError, _fail, _number, parse_quantiles

__all__ = ["FAMILIES", "ElicitationError", "ElicitedFit", "fit_entry", "fit_quantiles", "parse_quantiles"]


# ----------------------------------------------------------------------------------- families
@dataclass(frozen=True)
class _Family:
    n_free: int
    start: Callable[[np.ndarray, np.ndarray, dict], np.ndarray]  # (p, x, fixed) -> theta0
    params: Callable[[np.ndarray, dict], dict]  # (theta, fixed) -> friendly parameters
    freeze: Callable[[dict], object]  # friendly parameters -> frozen scipy distribution
    support: Callable[[dict], tuple[float, float]]  # fixed -> open support the values must lie in
    entry: Callable[[dict], dict]
    #: friendly parameters, values -> CDF, the same numbers as ``freeze(q).cdf(x)`` without building a
    #: frozen distribution (~0.5 ms each, paid at every residual evaluation of a fit); None: freeze
    cdf: Callable[[dict, np.ndarray], np.ndarray] | None = None

    def cdf_at(self, q: dict, x: np.ndarray) -> np.ndarray:
        return self.freeze(q).cdf(x) if self.cdf is None else self.cdf(q, x)


def _line(z: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """Least-squares ``x ~ centre + spread * z``; spread falls back to a positive value."""
    if z.size == 1:
        return float(x[0]), 1.0
    spread, centre = np.polyfit(z, x, 1)
    if not spread > 0:
        spread = float(np.ptp(x)) / max(float(np.ptp(z)), 1e-12) or 1.0
    return float(centre), float(spread)


def _norm_start(p, x, fixed):
    m, s = _line(stats.norm.ppf(p), x)
    return np.array([m, np.log(s)])


def _lognorm_start(p, x, fixed):
    m, s = _line(stats.norm.ppf(p), np.log(x))
    return np.array([m, np.log(s)])


def _gamma_start(p, x, fixed):
    mu, s = _line(stats.norm.ppf(p), np.log(x))  # lognormal moments -> gamma moments
    a = 1.0 / np.expm1(s**2)
    mean = np.exp(mu + s**2 / 2)
    return np.log([a, mean / a])


def _beta_start(p, x, fixed):
    y = (x - fixed["low"]) / (fixed["high"] - fixed["low"])
    m, s = _line(stats.norm.ppf(p), y)
    m = float(np.clip(m, 0.02, 0.98))
    v = min(s**2, 0.5 * m * (1 - m))
    k = m * (1 - m) / v - 1
    return np.log([m * k, (1 - m) * k])


def _t_start(p, x, fixed):
    m, s = _line(stats.t.ppf(p, fixed["df"]), x)
    return np.array([m, np.log(s)])


def _three_point_start(half_width_per_sd):
    def start(p, x, fixed):
        m, s = _line(stats.norm.ppf(p), x)
        span = float(x[-1] - x[0])
        low = min(m - half_width_per_sd * s, x[0] - 0.05 * span)
        high = max(m + half_width_per_sd * s, x[-1] + 0.05 * span)
        mode = float(np.clip(np.interp(0.5, p, x) if p.size > 1 else m, low + 0.01 * (high - low), high))
        frac = np.clip((mode - low) / (high - low), 0.01, 0.99)
        return np.array([np.log(x[0] - low), np.log(high - x[-1]), logit(frac)])

    return start


def _three_point_params(theta, fixed):
    low = fixed["x_min"] - np.exp(theta[0])
    high = fixed["x_max"] + np.exp(theta[1])
    return {"low": low, "mode": low + (high - low) * expit(theta[2]), "high": high}


def _triangular(low, mode, high):
    return stats.triang(c=(mode - low) / (high - low), loc=low, scale=high - low)


def _pert(low, mode, high):
    return stats.beta(
        1 + 4 * (mode - low) / (high - low), 1 + 4 * (high - mode) / (high - low), low, high - low
    )


_REAL = lambda fixed: (-np.inf, np.inf)  # noqa: E731
_POSITIVE = lambda fixed: (0.0, np.inf)  # noqa: E731

FAMILIES: dict[str, _Family] = {
    "normal": _Family(
        2,
        _norm_start,
        lambda t, f: {"mean": t[0], "sd": np.exp(t[1])},
        lambda q: stats.norm(q["mean"], q["sd"]),
        _REAL,
        lambda q: {"dist": "normal", **q},
    ),
    "lognormal": _Family(
        2,
        _lognorm_start,
        lambda t, f: {"median": np.exp(t[0]), "gsd": np.exp(np.exp(t[1]))},
        lambda q: stats.lognorm(s=np.log(q["gsd"]), scale=q["median"]),
        _POSITIVE,
        lambda q: {"dist": "lognormal", **q},
    ),
    "gamma": _Family(
        2,
        _gamma_start,
        lambda t, f: {"a": np.exp(t[0]), "scale": np.exp(t[1])},
        lambda q: stats.gamma(q["a"], scale=q["scale"]),
        _POSITIVE,
        lambda q: {"dist": "gamma", "params": dict(q)},
    ),
    "beta": _Family(
        2,
        _beta_start,
        lambda t, f: {"a": np.exp(t[0]), "b": np.exp(t[1]), "low": f["low"], "high": f["high"]},
        lambda q: stats.beta(q["a"], q["b"], q["low"], q["high"] - q["low"]),
        lambda fixed: (fixed["low"], fixed["high"]),
        lambda q: {"dist": "beta", **q},
        lambda q, x: betainc(q["a"], q["b"], np.clip((x - q["low"]) / (q["high"] - q["low"]), 0.0, 1.0)),
    ),
    "student_t": _Family(
        2,
        _t_start,
        lambda t, f: {"df": f["df"], "loc": t[0], "scale": np.exp(t[1])},
        lambda q: stats.t(q["df"], q["loc"], q["scale"]),
        _REAL,
        lambda q: {"dist": "t", "params": dict(q)},
    ),
    "triangular": _Family(
        3,
        _three_point_start(np.sqrt(6.0)),
        _three_point_params,
        lambda q: _triangular(**q),
        _REAL,
        lambda q: {"dist": "triangular", **q},
    ),
    "pert": _Family(
        3,
        _three_point_start(3.0),
        _three_point_params,
        lambda q: _pert(**q),
        _REAL,
        lambda q: {"dist": "pert", **q},
    ),
}


# ---------------------------------------------------------------------------------------- fit
@dataclass(frozen=True)
class ElicitedFit:
    """A distribution fitted to elicited quantiles.

    Attributes
    ----------
    family : str
        Key of :data:`FAMILIES`.
    params : dict of str to float
        Fitted parameters in the friendly form of :mod:`mcpot.distributions` (see the table in the
        module docstring), in the input's unit (shapes dimensionless).
    dist : frozen scipy distribution
        The fitted distribution.
    probabilities, values : numpy.ndarray
        The elicited quantiles, sorted by probability.
    fitted : numpy.ndarray
        ``dist.cdf(values)``: the probabilities the fit gives the elicited values.
    max_error : float
        :math:`\\max_k |F(x_k) - p_k|` (probability).
    sum_squares : float
        :math:`\\sum_k (F(x_k) - p_k)^2`, the minimised objective.
    """

    family: str
    params: dict[str, float]
    dist: object = field(repr=False)
    probabilities: np.ndarray = field(repr=False)
    values: np.ndarray = field(repr=False)
    fitted: np.ndarray = field(repr=False)
    max_error: float
    sum_squares: float

    def entry(self) -> dict:
        """The fit as an ordinary prior entry (``dist`` and parameters; add ``unit``/``source``)."""
        return FAMILIES[self.family].entry(self.params)

    def describe(self) -> str:
        """One line, e.g. ``"beta(a=2.1, b=3.4) on [0, 1], max CDF error 0.003"``."""
        q = dict(self.params)
        where = ""
        if self.family == "beta":
            where = f" on [{q.pop('low'):g}, {q.pop('high'):g}]"
        if self.family == "student_t":
            where = f" with df={q.pop('df'):g}"
        inner = ", ".join(f"{k}={v:.4g}" for k, v in q.items())
        return f"{self.family}({inner}){where}, max CDF error {self.max_error:.2g}"


def fit_quantiles(
    family: str,
    probabilities: np.ndarray,
    values: np.ndarray,
    *,
    low: float = 0.0,
    high: float = 1.0,
    df: float | None = None,
    where: str = "quantiles",
) -> ElicitedFit:
    """Fit ``family`` to elicited quantiles by least squares on the CDF (SHELF's criterion).

    Parameters
    ----------
    family : str
        One of :data:`FAMILIES`.
    probabilities, values : array_like
        As returned by :func:`parse_quantiles` (validated again here).
    low, high : float
        Fixed support of ``beta`` (ignored otherwise); default [0, 1] (fractions).
    df : float
        Degrees of freedom of ``student_t`` (required for it, ignored otherwise).
    where : str
        Field name for error messages.

    Returns
    -------
    ElicitedFit

    Raises
    ------
    ElicitationError
        Unknown family, too few quantiles for its free parameters, or a value outside its support.
    """
    if family not in FAMILIES:
        raise _fail(where, f"unknown family {family!r}: use one of {', '.join(FAMILIES)}")
    fam = FAMILIES[family]
    p, x = parse_quantiles([[float(a), float(b)] for a, b in zip(probabilities, values, strict=True)], where)
    if p.size < fam.n_free:
        raise _fail(where, f"{family} has {fam.n_free} free parameters but only {p.size} quantile(s) given")
    fixed: dict[str, float] = {"x_min": float(x[0]), "x_max": float(x[-1])}
    if family == "beta":
        if not low < high:
            raise _fail(where, f"beta needs lower < upper, got {low:g}, {high:g}")
        fixed.update(low=float(low), high=float(high))
    if family == "student_t":
        if df is None or not df > 0:
            raise _fail(where, f"student_t needs a fixed df > 0, got {df!r}")
        fixed["df"] = float(df)
    lo, hi = fam.support(fixed)
    for xk in x:
        if not lo < xk < hi:
            raise _fail(where, f"value {xk:g} is outside the {family} support ({lo:g}, {hi:g})")

    def residuals(theta):
        return fam.cdf_at(fam.params(theta, fixed), x) - p

    with np.errstate(all="ignore"):
        sol = optimize.least_squares(
            residuals, fam.start(p, x, fixed), method="trf", x_scale="jac", ftol=1e-15, xtol=1e-15, gtol=1e-15
        )
    params = {k: float(v) for k, v in fam.params(sol.x, fixed).items()}
    dist = fam.freeze(params)
    fitted = np.asarray(dist.cdf(x), dtype=float)
    err = fitted - p
    for a in (p, x, fitted):
        a.setflags(write=False)
    return ElicitedFit(family, params, dist, p, x, fitted, float(np.max(np.abs(err))), float(np.sum(err**2)))


def fit_entry(spec: Mapping, where: str = "prior") -> ElicitedFit:
    """Fit a TOML prior entry ``{elicit = "<family>", quantiles = ..., lower, upper, df}``.

    ``lower``/``upper`` give the beta support (default 0 and 1); ``df`` the student-t degrees of
    freedom. Errors name ``<where>.<key>``.
    """
    family = spec.get("elicit")
    if not isinstance(family, str):
        raise _fail(f"{where}.elicit", f"must name a family ({', '.join(FAMILIES)}), got {family!r}")
    if "quantiles" not in spec:
        raise _fail(f"{where}.quantiles", "missing")
    p, x = parse_quantiles(spec["quantiles"], f"{where}.quantiles")
    low = _number(spec.get("lower", 0.0), f"{where}.lower", "lower")
    high = _number(spec.get("upper", 1.0), f"{where}.upper", "upper")
    df = _number(spec["df"], f"{where}.df", "df") if "df" in spec else None
    return fit_quantiles(family, p, x, low=low, high=high, df=df, where=f"{where}.quantiles")
