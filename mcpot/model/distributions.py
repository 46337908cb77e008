"""One registry turning a prior entry into a frozen ``scipy.stats`` distribution.

Friendly forms (``uniform``, ``triangular``, ``normal``, ``lognormal``, ``beta``, ``pert``) take the
parameters a researcher thinks in; any other ``scipy.stats`` continuous distribution is available by
its scipy name with ``params = {...}``. Optional ``lower``/``upper`` truncate any of them.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import ndtri
from scipy.stats.sampling import NumericalInversePolynomial

#: scipy families whose ``ppf`` is closed-form and fast; others go through :func:`ppf`'s PINV.
CLOSED_FORM = {"uniform", "triang", "norm", "lognorm", "expon", "truncnorm", "logistic", "cauchy"}
U_RESOLUTION = 1e-12
_INVERSES: dict = {}


@dataclass(frozen=True)
class Form:
    """A friendly distribution form: required parameter names and a builder."""

    required: tuple[str, ...]
    build: Callable[..., object]
    check: Callable[..., str | None] = lambda **_: None


def _order(*names):
    def check(**kw):
        values = [kw[n] for n in names]
        if any(b <= a for a, b in itertools.pairwise(values)):
            return f"needs {' < '.join(names)}, got " + ", ".join(f"{n}={kw[n]}" for n in names)
        return None

    return check


def _positive(*names):
    def check(**kw):
        bad = [n for n in names if not kw[n] > 0]
        return f"{', '.join(bad)} must be > 0" if bad else None

    return check


def _mode_inside(**kw):
    if not kw["low"] <= kw["mode"] <= kw["high"] or kw["low"] >= kw["high"]:
        return f"needs low <= mode <= high and low < high, got {kw['low']}, {kw['mode']}, {kw['high']}"
    return None


def _triangular(low, mode, high):
    return stats.triang(c=(mode - low) / (high - low), loc=low, scale=high - low)


def _pert(low, mode, high):
    # Beta-PERT with the classic lambda = 4: mean = (low + 4 mode + high) / 6.
    a = 1 + 4 * (mode - low) / (high - low)
    b = 1 + 4 * (high - mode) / (high - low)
    return stats.beta(a, b, loc=low, scale=high - low)


FORMS: dict[str, Form] = {
    "uniform": Form(("low", "high"), lambda low, high: stats.uniform(low, high - low), _order("low", "high")),
    "triangular": Form(("low", "mode", "high"), _triangular, _mode_inside),
    "pert": Form(("low", "mode", "high"), _pert, _mode_inside),
    "normal": Form(("mean", "sd"), lambda mean, sd: stats.norm(mean, sd), _positive("sd")),
    "lognormal": Form(
        ("median", "gsd"),
        lambda median, gsd: stats.lognorm(s=np.log(gsd), scale=median),
        lambda **kw: (
            _positive("median")(**kw) or (None if kw["gsd"] > 1 else f"gsd must be > 1, got {kw['gsd']}")
        ),
    ),
    "beta": Form(
        ("a", "b", "low", "high"),
        lambda a, b, low, high: stats.beta(a, b, low, high - low),
        lambda **kw: _positive("a", "b")(**kw) or _order("low", "high")(**kw),
    ),
}


def build(name: str, params: dict) -> object:
    """Freeze the distribution ``name`` with ``params``; raise ``ValueError`` saying what is wrong.

    ``name`` is a friendly form from :data:`FORMS` (its parameters given by name) or the name of
    any continuous distribution in ``scipy.stats`` (its shape/loc/scale given in ``params``).
    """
    if name in FORMS:
        form = FORMS[name]
        missing = [k for k in form.required if k not in params]
        extra = [k for k in params if k not in form.required]
        if missing or extra:
            raise ValueError(
                f"distribution {name!r} takes {', '.join(form.required)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(extra)}" if extra else "")
            )
        if problem := form.check(**params):
            raise ValueError(f"{name}: {problem}")
        return form.build(**params)
    scipy_dist = getattr(stats, name, None)
    if not isinstance(scipy_dist, stats.rv_continuous):
        raise ValueError(
            f"unknown distribution {name!r}: use one of {', '.join(FORMS)} "
            "or the name of a continuous distribution in scipy.stats"
        )
    try:
        frozen = scipy_dist(**params)
        ok = np.isfinite(frozen.ppf(0.5))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad parameters for scipy.stats.{name}: {exc}") from None
    if not ok:
        raise ValueError(f"bad parameters for scipy.stats.{name}: {params}")
    return frozen


@dataclass(frozen=True)
class _BetaDensity:
    """A beta density on ``[loc, loc + scale]`` in plain ``math``, for UNU.RAN's set-up.

    PINV calls the density one point at a time, tens of thousands of times per distribution; scipy's
    frozen ``pdf`` costs ~3 us a call in argument handling, this ~0.3 us (the set-up of the bundled
    priors' 21 beta inverses: 0.56 s -> about 0.1 s). Points on or outside the support's ends go to
    scipy (the density's limits there depend on the shapes).
    """

    frozen: object
    a: float
    b: float
    loc: float
    scale: float
    log_norm: float  # log(B(a, b) * scale)

    @classmethod
    def of(cls, dist) -> _BetaDensity:
        (a, b), loc, scale = dist.dist._parse_args(*dist.args, **dist.kwds)
        a, b, scale = float(a), float(b), float(scale)
        log_norm = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b) + math.log(scale)
        return cls(dist, a, b, float(loc), scale, log_norm)

    def pdf(self, x: float) -> float:
        y = (x - self.loc) / self.scale
        if not 0.0 < y < 1.0:
            return float(self.frozen.pdf(x))
        return math.exp((self.a - 1.0) * math.log(y) + (self.b - 1.0) * math.log1p(-y) - self.log_norm)


def _inverse(dist):
    key = (dist.dist.name, dist.args, tuple(sorted(dist.kwds.items())))
    if key not in _INVERSES:
        density = _BetaDensity.of(dist) if dist.dist.name == "beta" else dist
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                _INVERSES[key] = NumericalInversePolynomial(
                    density, u_resolution=U_RESOLUTION, domain=dist.support()
                )
            except Exception:  # UNU.RAN cannot set up this one: use scipy's own ppf
                _INVERSES[key] = dist
    return _INVERSES[key]


def _triang_ppf(q, c):
    return np.where(q < c, np.sqrt(c * q), 1 - np.sqrt((1 - c) * (1 - q)))


#: ``_ppf`` of scipy's generic ``rv_continuous.ppf`` for families called with many points, without the
#: argument checks and masking that cost as much as the formula: ``_ppf(q, *shapes) * scale + loc``
#: on the open interval, term for term the expression scipy evaluates (so the values are identical).
_STANDARD_PPF: dict[str, Callable] = {
    "norm": ndtri,
    "lognorm": lambda q, s: np.exp(s * ndtri(q)),
    "uniform": lambda q: q,
    "triang": _triang_ppf,
}


def _closed_form(dist, u):
    formula = _STANDARD_PPF.get(dist.dist.name)
    u = np.asarray(u, dtype=float)
    if formula is None or u.ndim != 1 or not (np.all(u > 0) and np.all(u < 1)):
        return dist.ppf(u)
    shapes, loc, scale = dist.dist._parse_args(*dist.args, **dist.kwds)
    return formula(u, *shapes) * scale + loc


def ppf(dist, u):
    """Quantile function of a frozen scipy distribution, fast for every family.

    Closed-form families (:data:`CLOSED_FORM`) use scipy's ``ppf``; the others (beta and PERT above
    all, whose exact inverse is ~25x slower) use scipy's numerical inversion
    ``scipy.stats.sampling.NumericalInversePolynomial`` with u-resolution 1e-12 (``|F(x) - u| < 1e-12``),
    set up once per process and distribution. The choice depends on the family only, never on the
    number of points, so a sample gets the same value however it is batched.
    """
    if isinstance(dist, Truncated) or not hasattr(dist, "dist"):  # a wrapper with its own ppf
        return dist.ppf(u)
    if dist.dist.name in CLOSED_FORM:
        return _closed_form(dist, u)
    return _inverse(dist).ppf(u)


@dataclass(frozen=True)
class Truncated:
    """A frozen distribution restricted to ``[lower, upper]`` by inverse-CDF sampling."""

    base: object
    lower: float
    upper: float

    def __post_init__(self):
        if not self.lower < self.upper:
            raise ValueError(f"truncation needs lower < upper, got {self.lower}, {self.upper}")
        if not self.mass > 0:
            raise ValueError(f"no probability mass between {self.lower} and {self.upper}")

    @property
    def _cdf_bounds(self):
        return self.base.cdf(self.lower), self.base.cdf(self.upper)

    @property
    def mass(self) -> float:
        lo, hi = self._cdf_bounds
        return float(hi - lo)

    def ppf(self, u):
        lo, hi = self._cdf_bounds
        return np.clip(ppf(self.base, lo + np.asarray(u) * (hi - lo)), self.lower, self.upper)

    def cdf(self, x):
        lo, hi = self._cdf_bounds
        return np.clip((self.base.cdf(x) - lo) / (hi - lo), 0.0, 1.0)

    def support(self):
        blo, bhi = self.base.support()
        return max(blo, self.lower), min(bhi, self.upper)

    def median(self):
        return float(self.ppf(0.5))
