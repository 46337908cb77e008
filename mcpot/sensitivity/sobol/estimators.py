"""Point estimates of first-, second-order and total Sobol' indices from the blocks of a Saltelli design."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_EPS = float(np.finfo(float).eps)


@dataclass(frozen=True)
class _Blocks:
    """Standardised outputs split into Saltelli blocks, outputs first: ``A[M, N]``, ``AB[M, G, N]``."""

    A: np.ndarray
    B: np.ndarray
    AB: np.ndarray
    BA: np.ndarray | None

    @property
    def shape(self) -> tuple[int, int, int]:
        """Return ``(M, G, N)``."""
        return self.AB.shape


def _standardise(Yt: np.ndarray) -> np.ndarray:
    """Centre and scale every row of ``Yt[M, rows]`` by its mean and population sd (SALib).

    A constant row becomes zeros (SALib produces NaN there and then reports zero indices).
    """
    mean = Yt.mean(axis=1, keepdims=True)
    sd = Yt.std(axis=1, keepdims=True)
    return np.divide(Yt - mean, sd, out=np.zeros_like(Yt), where=sd > 0)


def _split(Y: np.ndarray, n: int, g: int, second_order: bool) -> _Blocks:
    """Standardise ``Y[rows, M]`` per output and split it into the Saltelli blocks."""
    step = 2 * g + 2 if second_order else g + 2
    Yt = _standardise(np.ascontiguousarray(Y.T)).reshape(Y.shape[1], n, step)
    A = np.ascontiguousarray(Yt[:, :, 0])
    B = np.ascontiguousarray(Yt[:, :, step - 1])
    AB = np.ascontiguousarray(Yt[:, :, 1 : g + 1].transpose(0, 2, 1))
    BA = np.ascontiguousarray(Yt[:, :, g + 1 : 2 * g + 1].transpose(0, 2, 1)) if second_order else None
    return _Blocks(A, B, AB, BA)


def _ratio(num: np.ndarray, var: np.ndarray) -> np.ndarray:
    """Return ``num / var`` (``var`` broadcast over the factor axis), 0 where ``var <= eps``."""
    var = np.broadcast_to(var[..., None], num.shape)
    return np.divide(num, var, out=np.zeros_like(num), where=var > _EPS)


def _pairs(g: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the factor pairs ``j < k`` in SALib's order, as two index arrays."""
    j, k = np.triu_indices(g, k=1)
    return j, k


# ------------------------------------------------------------------------------ point estimates
def _point_estimates(
    blk: _Blocks,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Return S1 and ST ``[M, G]`` and S2 ``[M, P]`` (pairs ``j < k``), as SALib computes them."""
    A, B, AB, BA = blk.A, blk.B, blk.AB, blk.BA
    y = np.concatenate([A, B], axis=1)
    var = np.var(y, axis=1)
    constant = np.ptp(y, axis=1) <= _EPS
    s1 = _ratio(np.mean(B[:, None, :] * (AB - A[:, None, :]), axis=-1), var)
    st = _ratio(0.5 * np.mean((A[:, None, :] - AB) ** 2, axis=-1), var)
    s2 = None
    if BA is not None:
        j, k = _pairs(AB.shape[1])
        ab = A * B
        vjk = np.empty((A.shape[0], j.size))
        for p, (jj, kk) in enumerate(zip(j, k, strict=True)):
            vjk[:, p] = np.mean(BA[:, jj, :] * AB[:, kk, :] - ab, axis=-1)
        s2 = _ratio(vjk, var) - s1[:, j] - s1[:, k]
        s2[constant] = 0.0
    s1[constant] = 0.0
    st[constant] = 0.0
    return s1, st, s2
