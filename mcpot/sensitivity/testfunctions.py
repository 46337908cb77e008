r"""Sensitivity-analysis test functions with analytic Sobol' indices.

These functions are used to check the global sensitivity machinery in :mod:`mcpot.sensitivity.sobol` and
:mod:`mcpot.sensitivity.morris` against known answers. Every model is vectorised, ``f(X[N, D]) -> Y[N]``, and
ships its analytic first-order and total indices.

Ishigami function
-----------------
Inputs :math:`x_1, x_2, x_3 \sim U(-\pi, \pi)` independent, and

.. math:: f(x) = \sin x_1 + a \sin^2 x_2 + b\, x_3^4 \sin x_1 .

With :math:`a = 7, b = 0.1` (Ishigami and Homma, 1990; the usual benchmark values)

.. math::

    V   &= \frac{a^2}{8} + \frac{b \pi^4}{5} + \frac{b^2 \pi^8}{18} + \frac12, \\
    V_1 &= \frac12 \left(1 + \frac{b \pi^4}{5}\right)^2, \quad V_2 = \frac{a^2}{8}, \quad V_3 = 0, \\
    V_{13} &= b^2 \pi^8 \left(\frac{1}{18} - \frac{1}{50}\right) = \frac{8 b^2 \pi^8}{225},

all other partial variances being zero, so :math:`S_i = V_i / V`, :math:`S_{13} = V_{13} / V`,
:math:`S_{T1} = (V_1 + V_{13}) / V`, :math:`S_{T2} = V_2 / V` and :math:`S_{T3} = V_{13} / V`.

Sobol' G function
-----------------
Inputs :math:`x_i \sim U(0, 1)` independent, coefficients :math:`a_i \ge 0`, and

.. math:: g(x) = \prod_{i=1}^{D} \frac{|4 x_i - 2| + a_i}{1 + a_i} .

Each factor has mean 1 and variance :math:`V_i = 1 / (3 (1 + a_i)^2)`, so

.. math::

    V = \prod_i (1 + V_i) - 1, \qquad S_i = \frac{V_i}{V}, \qquad
    S_{Ti} = \frac{V_i \prod_{j \ne i} (1 + V_j)}{V} .

Small :math:`a_i` means an important input; :math:`a_i = 99` makes an input nearly irrelevant.

References
----------
Ishigami, T. and Homma, T. (1990). An importance quantification technique in uncertainty analysis
for computer models. Proc. ISUMA '90, 398-403.

Saltelli, A. and Sobol', I. M. (1995). About the use of rank transformation in sensitivity analysis
of model output. Reliability Engineering & System Safety, 50(3), 225-239.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "ISHIGAMI_A",
    "ISHIGAMI_B",
    "ISHIGAMI_S1",
    "ISHIGAMI_S13",
    "ISHIGAMI_ST",
    "SOBOL_G_A",
    "ishigami",
    "ishigami_first_order",
    "ishigami_ppf",
    "ishigami_s13",
    "ishigami_total_order",
    "ishigami_variance",
    "sobol_g",
    "sobol_g_first_order",
    "sobol_g_ppf",
    "sobol_g_total_order",
    "sobol_g_variance",
]

ISHIGAMI_A: float = 7.0
"""Default Ishigami coefficient :math:`a`."""

ISHIGAMI_B: float = 0.1
"""Default Ishigami coefficient :math:`b`."""

SOBOL_G_A: tuple[float, ...] = (0.0, 1.0, 4.5, 9.0, 99.0, 99.0)
"""A common six-input coefficient vector for the Sobol' G function."""


def _as_2d(X: np.ndarray, d: int | None = None) -> np.ndarray:
    """Return ``X`` as a float ``[N, D]`` array, checking the number of columns if ``d`` is given."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array [N, D], got shape {X.shape}")
    if d is not None and X.shape[1] != d:
        raise ValueError(f"X must have {d} columns, got {X.shape[1]}")
    return X


# --------------------------------------------------------------------------------------- Ishigami
def ishigami(X: np.ndarray, a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> np.ndarray:
    r"""Evaluate the Ishigami function row by row.

    .. math:: f(x) = \sin x_1 + a \sin^2 x_2 + b\, x_3^4 \sin x_1

    Parameters
    ----------
    X : numpy.ndarray
        Inputs, shape ``[N, 3]``, on the model scale (each column in :math:`[-\pi, \pi]`).
    a, b : float
        Coefficients; defaults 7 and 0.1.

    Returns
    -------
    numpy.ndarray
        Outputs, shape ``[N]``.
    """
    X = _as_2d(X, 3)
    x1, x2, x3 = X[:, 0], X[:, 1], X[:, 2]
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


def ishigami_ppf(U: np.ndarray) -> np.ndarray:
    r"""Map unit-cube points to Ishigami inputs, :math:`x = -\pi + 2\pi u` (uniform quantiles).

    Parameters
    ----------
    U : numpy.ndarray
        Points of :math:`[0, 1]^3`, shape ``[N, 3]``.

    Returns
    -------
    numpy.ndarray
        Inputs on :math:`[-\pi, \pi]^3`, shape ``[N, 3]``.
    """
    return -np.pi + 2.0 * np.pi * _as_2d(U, 3)


def _ishigami_partial_variances(a: float, b: float) -> tuple[float, float, float]:
    """Return the Ishigami partial variances ``(V1, V2, V13)``; all others are zero."""
    v1 = 0.5 * (1.0 + b * np.pi**4 / 5.0) ** 2
    v2 = a**2 / 8.0
    v13 = 8.0 * b**2 * np.pi**8 / 225.0
    return v1, v2, v13


def ishigami_variance(a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> float:
    r"""Return the output variance of the Ishigami function.

    .. math:: V = \frac{a^2}{8} + \frac{b \pi^4}{5} + \frac{b^2 \pi^8}{18} + \frac12

    Parameters
    ----------
    a, b : float
        Coefficients; defaults 7 and 0.1.

    Returns
    -------
    float
        :math:`V`.
    """
    return a**2 / 8.0 + b * np.pi**4 / 5.0 + b**2 * np.pi**8 / 18.0 + 0.5


def ishigami_first_order(a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> np.ndarray:
    r"""Return the analytic first-order indices of the Ishigami function.

    :math:`S_1 = \tfrac12 (1 + b\pi^4/5)^2 / V`, :math:`S_2 = (a^2/8) / V`, :math:`S_3 = 0`.

    Parameters
    ----------
    a, b : float
        Coefficients; defaults 7 and 0.1.

    Returns
    -------
    numpy.ndarray
        ``[S1, S2, S3]``.
    """
    v1, v2, _ = _ishigami_partial_variances(a, b)
    return np.array([v1, v2, 0.0]) / ishigami_variance(a, b)


def ishigami_total_order(a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> np.ndarray:
    r"""Return the analytic total-order indices of the Ishigami function.

    :math:`S_{T1} = (V_1 + V_{13}) / V`, :math:`S_{T2} = V_2 / V`, :math:`S_{T3} = V_{13} / V`, with
    :math:`V_{13} = 8 b^2 \pi^8 / 225`.

    Parameters
    ----------
    a, b : float
        Coefficients; defaults 7 and 0.1.

    Returns
    -------
    numpy.ndarray
        ``[ST1, ST2, ST3]``.
    """
    v1, v2, v13 = _ishigami_partial_variances(a, b)
    return np.array([v1 + v13, v2, v13]) / ishigami_variance(a, b)


def ishigami_s13(a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> float:
    r"""Return the analytic second-order index :math:`S_{13} = 8 b^2 \pi^8 / (225 V)`.

    It is the only non-zero second-order index of the Ishigami function
    (:math:`S_{12} = S_{23} = 0`).

    Parameters
    ----------
    a, b : float
        Coefficients; defaults 7 and 0.1.

    Returns
    -------
    float
        :math:`S_{13}`.
    """
    return _ishigami_partial_variances(a, b)[2] / ishigami_variance(a, b)


ISHIGAMI_S1: np.ndarray = ishigami_first_order()
"""Analytic first-order indices for a=7, b=0.1 (about 0.3139, 0.4424, 0)."""

ISHIGAMI_ST: np.ndarray = ishigami_total_order()
"""Analytic total-order indices for a=7, b=0.1 (about 0.5576, 0.4424, 0.2437)."""

ISHIGAMI_S13: float = ishigami_s13()
"""Analytic second-order index S13 for a=7, b=0.1 (about 0.2437)."""


# ----------------------------------------------------------------------------------- Sobol' G
def sobol_g(X: np.ndarray, a: Sequence[float] | np.ndarray = SOBOL_G_A) -> np.ndarray:
    r"""Evaluate the Sobol' G function row by row.

    .. math:: g(x) = \prod_{i=1}^{D} \frac{|4 x_i - 2| + a_i}{1 + a_i}

    Parameters
    ----------
    X : numpy.ndarray
        Inputs on :math:`[0, 1]^D`, shape ``[N, D]``.
    a : sequence of float
        Non-negative coefficients, length ``D``.

    Returns
    -------
    numpy.ndarray
        Outputs, shape ``[N]``.
    """
    a = np.asarray(a, dtype=float)
    X = _as_2d(X, a.size)
    return np.prod((np.abs(4.0 * X - 2.0) + a) / (1.0 + a), axis=1)


def sobol_g_ppf(U: np.ndarray) -> np.ndarray:
    """Map unit-cube points to Sobol' G inputs; the inputs are U(0, 1), so this is the identity.

    Parameters
    ----------
    U : numpy.ndarray
        Points of :math:`[0, 1]^D`, shape ``[N, D]``.

    Returns
    -------
    numpy.ndarray
        A float copy of ``U``.
    """
    return np.array(_as_2d(U), dtype=float)


def _sobol_g_partial_variances(a: Sequence[float] | np.ndarray) -> np.ndarray:
    r"""Return :math:`V_i = 1 / (3 (1 + a_i)^2)` for every input."""
    a = np.asarray(a, dtype=float)
    return 1.0 / (3.0 * (1.0 + a) ** 2)


def sobol_g_variance(a: Sequence[float] | np.ndarray = SOBOL_G_A) -> float:
    r"""Return the output variance of the Sobol' G function, :math:`V = \prod_i (1 + V_i) - 1`.

    Parameters
    ----------
    a : sequence of float
        Coefficients.

    Returns
    -------
    float
        :math:`V`, with :math:`V_i = 1 / (3 (1 + a_i)^2)`.
    """
    return float(np.prod(1.0 + _sobol_g_partial_variances(a)) - 1.0)


def sobol_g_first_order(a: Sequence[float] | np.ndarray = SOBOL_G_A) -> np.ndarray:
    r"""Return the analytic first-order indices :math:`S_i = V_i / V` of the Sobol' G function.

    Parameters
    ----------
    a : sequence of float
        Coefficients.

    Returns
    -------
    numpy.ndarray
        :math:`S_i`, one per input, with :math:`V_i = 1 / (3 (1 + a_i)^2)`.
    """
    return _sobol_g_partial_variances(a) / sobol_g_variance(a)


def sobol_g_total_order(a: Sequence[float] | np.ndarray = SOBOL_G_A) -> np.ndarray:
    r"""Return the analytic total-order indices of the Sobol' G function.

    .. math:: S_{Ti} = \frac{V_i \prod_{j \ne i} (1 + V_j)}{V}
              = \frac{V_i}{1 + V_i} \cdot \frac{\prod_j (1 + V_j)}{V}

    Parameters
    ----------
    a : sequence of float
        Coefficients.

    Returns
    -------
    numpy.ndarray
        :math:`S_{Ti}`, one per input.
    """
    vi = _sobol_g_partial_variances(a)
    return vi / (1.0 + vi) * np.prod(1.0 + vi) / sobol_g_variance(a)
