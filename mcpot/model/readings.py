"""The logistic response of equation (2) and its readings, exact in both tails.

:func:`sigmoid` and :func:`sigmoid_difference` keep their relative precision for every argument in
[-745, 745] (no cancellation, no overflow); each reading of (2) (:data:`READING_TABLE`) names its
response ``L(K)`` (a fraction 0..1 of RF) and how RF is scaled or accumulated. Pure numpy, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .years import BAND_YEARS, BASE_YEAR

_EXP_OVERFLOW = 709.0
"""Above this, ``exp`` overflows (``log(max float) = 709.78``)."""


def _scaled_sigmoid(neg_z: np.ndarray, scale) -> np.ndarray:
    """Overwrite ``neg_z`` (holding ``-z``) with ``scale * s(z) = scale / (1 + exp(-z))``.

    ``exp(-z)`` is exact to rounding wherever it is finite, so the sum and the quotient are too,
    in the lower tail as well (unlike ``1/2 + tanh(z/2)/2``, whose relative error grows like
    ``eps e^{-z}``). Where ``-z > 709`` the exponential may overflow; there ``s(z) = e^z / (1 +
    e^z) = e^z`` to rounding, a subnormal number, and is computed so.
    """
    tail = neg_z > _EXP_OVERFLOW if neg_z.size and neg_z.max() > _EXP_OVERFLOW else None
    if tail is not None:
        low = np.exp(-neg_z[tail]) * np.broadcast_to(scale, neg_z.shape)[tail]
    with np.errstate(over="ignore"):
        np.exp(neg_z, out=neg_z)
    neg_z += 1.0
    np.divide(scale, neg_z, out=neg_z)
    if tail is not None:
        neg_z[tail] = low
    return neg_z


def sigmoid(z) -> np.ndarray:
    """The logistic ``s(z) = 1 / (1 + exp(-z))``, accurate to a few ulp (relative) for every z.

    Parameters
    ----------
    z : array_like
        Argument (dimensionless).

    Returns
    -------
    numpy.ndarray
        ``s(z)``, fraction 0..1; ``1 / (1 + exp(-z))``, or ``exp(z)`` where ``-z > 709`` (where
        ``exp(-z)`` could overflow and ``s(z)`` is subnormal).
    """
    neg_z = np.array(z, dtype=float)  # a copy, also for 0-d input
    np.negative(neg_z, out=neg_z)
    return _scaled_sigmoid(neg_z, 1.0)


def _difference_parts(a, b, d) -> tuple[np.ndarray, np.ndarray]:
    """``(f, m)`` with ``s(a) - s(b) = f exp(-m)``, ``|f| <= 1``, ``m >= 0`` (see sigmoid_difference)."""
    a, b, d = (np.asarray(x, dtype=float) for x in (a, b, d))
    abs_a, abs_b = np.abs(a), np.abs(b)
    m = np.where((a > 0) == (b > 0), np.minimum(abs_a, abs_b), 0.0)
    f = np.copysign(-np.expm1(-np.abs(d)), d) / ((1.0 + np.exp(-abs_a)) * (1.0 + np.exp(-abs_b)))
    return f, m


def sigmoid_difference(a, b, d) -> np.ndarray:
    """``s(a) - s(b)`` without cancellation, given ``d = a - b`` computed accurately by the caller.

    Uses ``s(a) - s(b) = sinh(d/2) / (2 cosh(a/2) cosh(b/2))`` with every exponential factored out:

    ``s(a) - s(b) = -sign(d) expm1(-|d|) exp(-m) / ((1 + exp(-|a|)) (1 + exp(-|b|)))``,

    where ``m = min(|a|, |b|)`` if a and b have the same sign and 0 otherwise (so that
    ``|d| - |a| - |b| = -2m``). Every exponent is <= 0, so nothing overflows, and each factor is
    exact to rounding: the result is accurate to a few ulp (relative) wherever it is a normal
    float (``|a|, |b|`` up to 745 and beyond).

    Parameters
    ----------
    a, b : array_like
        Arguments of the two sigmoids (dimensionless).
    d : array_like
        ``a - b``, computed without cancellation (e.g. ``beta * (K - K0)``).

    Returns
    -------
    numpy.ndarray
        ``s(a) - s(b)``, broadcast over the inputs.
    """
    f, m = _difference_parts(a, b, d)
    return f * np.exp(-m)


def _report(K, K0, alpha, beta, dK=None):
    return sigmoid(alpha + beta * K)


def _incremental(K, K0, alpha, beta, dK=None):
    dK = K - K0 if dK is None else dK
    return sigmoid_difference(alpha + beta * K, alpha + beta * K0, beta * dK)


def _rescaled(K, K0, alpha, beta, dK=None):
    # [s(alpha + beta K) - s(alpha)] / [s(alpha + beta) - s(alpha)], the two exp(-m) factors
    # divided in logs, so the ratio stays accurate even where both differences are subnormal
    f_num, m_num = _difference_parts(alpha + beta * K, alpha, beta * K)
    f_den, m_den = _difference_parts(alpha + beta, alpha, beta)
    return f_num / f_den * np.exp(m_den - m_num)


def _linear(K, K0, alpha, beta, dK=None):
    return K * np.ones_like(alpha)


#: Response functions L of equation (2): the fraction of RF realised at adoption K.
RESPONSES: dict[str, Callable] = {
    "report": _report,
    "incremental": _incremental,
    "rescaled": _rescaled,
    "linear": _linear,
}


@dataclass(frozen=True)
class Reading:
    """One reading of equation (2).

    Attributes
    ----------
    response : str
        Key of :data:`RESPONSES`.
    production : bool
        Scale RF with the sector's production trajectory, ``RF(t) = RF * Q(t) / Q(2022)``.
    overlap : bool
        Deduct the overlap of energy management with the other categories:
        ``ER_energy_management *= 1 - overlap``.
    cumulative : bool
        Read (2) as a year-by-year accumulation (see :func:`category_potentials`):
        ``ER(t) = sum_{y = t0+1..t} L(K(y)) * RF / (2035 - t0)``, 0 in the base year.
    description : str
        One line for tables and figure captions.
    """

    response: str
    production: bool = False
    overlap: bool = False
    cumulative: bool = False
    description: str = ""

    @property
    def zero_at_base(self) -> bool:
        """The potential is 0 in the base year (so are the totals: no shares there)."""
        return self.response == "incremental" or self.cumulative


#: The named readings a run can use (``--reading``).
READING_TABLE: dict[str, Reading] = {
    "report": Reading("report", description="ER = sigmoid(alpha + beta K) RF; ER(t0) = 0 in (2) (default)"),
    "incremental": Reading(
        "incremental", description="ER = [sigmoid(alpha + beta K) - sigmoid(alpha + beta K0)] RF; 0 in 2022"
    ),
    "rescaled": Reading(
        "rescaled", description="logistic rescaled to L(0) = 0, L(1) = 1: RF is the full-adoption saving"
    ),
    "linear": Reading("linear", description="L(K) = K: bottom-up linear in adoption; RF at full adoption"),
    "production": Reading(
        "report", production=True, description="report reading with RF scaled by production Q(t) / Q(2022)"
    ),
    "overlap": Reading(
        "report", overlap=True, description="report reading less an overlap deduction on energy management"
    ),
    "cumulative": Reading(
        "report",
        cumulative=True,
        description="ER(t) = sum over 2023..t of sigmoid(alpha + beta K(y)) RF / 13; 0 in 2022",
    ),
}
#: Years over which the cumulative reading spreads RF: its 2035 level is RF times the mean realised
#: share over 2023-2035.
CUMULATIVE_SPAN = BAND_YEARS[1] - BASE_YEAR
READINGS: tuple[str, ...] = tuple(READING_TABLE)


def get_reading(name: str) -> Reading:
    """The reading called ``name``; ``ValueError`` listing the valid names otherwise."""
    if name not in READING_TABLE:
        raise ValueError(f"unknown reading {name!r}; choose one of {', '.join(READINGS)}")
    return READING_TABLE[name]
