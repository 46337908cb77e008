"""Numbers printed with their uncertainty: the half-width to one significant digit, the value to match.

``f"{v:.2f} ± {h:.2f}"`` prints an index known to ±0.004 as "0.07 ± 0.00", which reads as exact;
:func:`plus_minus` prints "0.070 ± 0.004".
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # the normal 97.5% quantile: a 95% half-width is Z95 standard errors


def decimals(half_width: float, least: int = 2, most: int = 6) -> int:
    """Decimals that show ``half_width`` to one significant digit (between ``least`` and ``most``)."""
    if not math.isfinite(half_width) or half_width <= 0:
        return least
    return min(most, max(least, -math.floor(math.log10(half_width))))


def plus_minus(value: float, half_width: float, least: int = 2) -> str:
    """``value ± half_width`` with the half-width to one significant digit and the value to as many
    decimals (at least ``least``): ``plus_minus(0.0703, 0.0041) == "0.070 ± 0.004"``."""
    d = decimals(half_width, least)
    return f"{value:.{d}f} ± {half_width:.{d}f}"


def signed(change: float, half_width: float, least: int = 2) -> str:
    """``change`` with its sign, to the decimals :func:`plus_minus` shows ``half_width`` with: a
    difference from a baseline printed beside ``plus_minus(value, half_width)``."""
    return f"{change:+.{decimals(half_width, least)}f}"


def probability_se(p, n):
    """Monte Carlo standard error of a probability ``p`` (a float or an array) estimated from ``n`` draws,
    from Agresti and Coull's adjusted estimate ``(n p + 2) / (n + 4)``: the binomial error where ``p`` is
    well inside (0, 1), and not zero at 0 or 1 (where no draw met the event, its 95% half-width
    ``Z95 * probability_se(p, n)`` is about ``2.8 / n``, not 0)."""
    adjusted = (n * p + 2) / (n + 4)
    return (adjusted * (1 - adjusted) / (n + 4)) ** 0.5
