"""Compiled one-pass reductions of a block of outputs: histogram counts and moments (numba, no GIL).

These are the hot loops of a run: every output of every sample is binned and summed. Compiled with
numba (``nogil=True``), each is a single pass over the block and releases the GIL, so chunks on
threads run them in parallel. They compute the same floating-point operations in the same order as
the numpy expressions in their docstrings (tests check equality with those expressions); the compiled
code is cached next to this module, so only a first run on a machine pays the compilation.
"""

from __future__ import annotations

import numba
import numpy as np

#: Columns binned together: the histogram rows of a tile stay in cache while its rows of ``Y`` stream by.
TILE = 8


@numba.njit(nogil=True, cache=True)
def bin_counts(Y: np.ndarray, low: np.ndarray, width: np.ndarray, bins: int, out: np.ndarray) -> None:
    """Add to ``out[M, bins + 2]`` the histogram counts of ``Y[N, M]`` (underflow, ``bins``, overflow).

    Bin of a value: ``floor(clip((y - low) / width + 1, 0, bins + 1))`` per column (NaN: underflow).
    Columns go in tiles of :data:`TILE`: a row-by-row pass would touch every histogram row (M x
    (bins + 2) counts, megabytes) for each sample; a tile's rows fit in the core's cache.
    """
    n, m = Y.shape
    top = bins + 1
    for j0 in range(0, m, TILE):
        j1 = min(j0 + TILE, m)
        for i in range(n):
            for j in range(j0, j1):
                z = (Y[i, j] - low[j]) / width[j] + 1.0
                if z >= top:
                    out[j, top] += 1
                elif z >= 0.0:
                    out[j, int(z)] += 1
                else:
                    out[j, 0] += 1


@numba.njit(nogil=True, cache=True)
def block_moments(Y: np.ndarray, mean: np.ndarray, m2: np.ndarray) -> None:
    """Column means and sums of squared deviations of ``Y[N, M]`` into ``mean[M]`` and ``m2[M]``:
    ``Y.mean(axis=0)`` and ``((Y - mean) ** 2).sum(axis=0)``, summed row by row as numpy does."""
    n, m = Y.shape
    mean[:] = 0.0
    for i in range(n):
        for j in range(m):
            mean[j] += Y[i, j]
    for j in range(m):
        mean[j] /= n
    m2[:] = 0.0
    for i in range(n):
        for j in range(m):
            d = Y[i, j] - mean[j]
            m2[j] += d * d
