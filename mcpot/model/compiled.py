"""The report reading of equations (1)-(2) and a sector's outputs, fused into three compiled passes.

:func:`report_sector` writes what :func:`mcpot.model.space.evaluate` writes for one sector under the
``report`` reading (potentials, shares, total, contribution, band), the same floating-point
operations in the same order, so the numbers are identical (tests compare them bitwise). The two
exponentials of a potential stay with numpy (its vectorised ``exp``, four times numba's); the
arithmetic around them and the writes into the output matrix run in numba with the GIL released.
The numpy version is hundreds of small operations per block, each a pass over memory and a call
through Python; here a block of a sector is five long passes (``mcpot bench``, "chunk stages", times both).
"""

from __future__ import annotations

import numba
import numpy as np

from .readings import _EXP_OVERFLOW

#: Samples per pass: a pass's buffer (ROWS x categories x years) stays in the core's own cache.
ROWS = 2048

_jit = numba.njit(nogil=True, cache=True, error_model="numpy")  # x / 0 gives inf or NaN, as in numpy


@_jit
def _gaussian_exponent(S: np.ndarray, half_dt2: np.ndarray, buf: np.ndarray) -> None:
    """``buf[n, c, t] = (1 / S^2) * (-(t - t0)^2 / 2)``: the exponent of equation (1)."""
    n, c = S.shape
    for i in range(n):
        for k in range(c):
            inv = 1.0 / (S[i, k] * S[i, k])
            for t in range(half_dt2.size):
                buf[i, k, t] = inv * half_dt2[t]


@_jit
def _negative_logit(K0, K_max, alpha, beta, buf) -> float:
    """``buf = -z = exp(...) * beta (K_max' - K0) - (alpha + beta K_max')``, K_max' = max(K_max, K0)
    (NaN if either is); returns the largest ``-z``."""
    n, c, T = buf.shape
    top = -np.inf
    for i in range(n):
        for k in range(c):
            k0, km = K0[i, k], K_max[i, k]
            k_max = km if (km >= k0 or km != km) else k0
            b = beta[i, k]
            scale, shift = b * (k_max - k0), alpha[i, k] + b * k_max
            for t in range(T):
                v = buf[i, k, t] * scale - shift
                buf[i, k, t] = v
                if v > top:
                    top = v
    return top


@_jit
def _write_outputs(buf, RF, present, emissions_at, band_at, view) -> None:
    """``ER = RF / (1 + exp(-z))`` (``buf`` holds ``exp(-z)``) into ``view``: the present categories'
    potentials, their shares of the total, the total, the contribution
    ``total / emissions_at`` and the band (contribution at the year indices ``band_at``)."""
    n, c, T = buf.shape
    k = present.size
    share0 = k * T
    j = 2 * k * T
    er = np.empty(c)
    for i in range(n):
        for t in range(T):
            total = 0.0
            for q in range(c):
                er[q] = RF[i, q] / (buf[i, q, t] + 1.0)
                total = er[q] if q == 0 else total + er[q]
            for m in range(k):
                view[i, m * T + t] = er[present[m]]
                view[i, share0 + m * T + t] = er[present[m]] / total
            view[i, j + t] = total
            view[i, j + T + t] = total / emissions_at[i, t]
        for b in range(band_at.size):
            view[i, j + 2 * T + b] = view[i, j + T + band_at[b]]


def report_sector(p, half_dt2: np.ndarray, present: np.ndarray, emissions_at, band_at, view) -> bool:
    """Write one sector's report-reading outputs into ``view[N, width]``; False where some ``-z > 709``
    (``exp(-z)`` would overflow: :func:`mcpot.model.readings._scaled_sigmoid`'s tail): the rows before
    that pass may be written, and the caller computes the whole sector with numpy instead.

    Parameters
    ----------
    p : SectorParams
        The sector's inputs ``[N, C]``.
    half_dt2 : numpy.ndarray
        ``-(year - 2022)^2 / 2`` per evaluated year ``[T]``, years^2.
    present : numpy.ndarray of int
        Indices of the categories the sector has (the columns written).
    emissions_at : numpy.ndarray
        Sector emissions interpolated to the years ``[N, T]``, Mt CO2/yr.
    band_at : numpy.ndarray of int
        Year indices of the band (2025, 2035).
    view : numpy.ndarray
        The sector's columns of the output matrix (see :func:`mcpot.model.space.output_columns`).
    """
    n, c = p.S.shape
    buf = np.empty((min(n, ROWS), c, half_dt2.size))
    for a in range(0, n, ROWS):
        rows = slice(a, a + ROWS)
        part = buf[: min(ROWS, n - a)]
        _gaussian_exponent(p.S[rows], half_dt2, part)
        np.exp(part, out=part)
        if _negative_logit(p.K0[rows], p.K_max[rows], p.alpha[rows], p.beta[rows], part) > _EXP_OVERFLOW:
            return False
        np.exp(part, out=part)
        _write_outputs(part, p.RF[rows], present, emissions_at[rows], band_at, view[rows])
    return True
