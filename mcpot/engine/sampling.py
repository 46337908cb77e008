"""Designs on the unit cube, seeded per fixed block of samples, and the Gaussian copula.

Reproducibility rests on one rule: sample ``i`` is drawn by stream block ``i // BLOCK`` from
``SeedSequence(seed, spawn_key=(block,))``, whatever the chunk size or number of workers. Evaluation
chunks are whole blocks, so a chunk only decides *which* blocks a worker draws, never *what* they are.

Designs
-------
``mc``
    Independent uniforms from each block's own stream (PCG64).
``lhs``
    A Latin hypercube per block (``scipy.stats.qmc.LatinHypercube``'s, computed without the GIL by
    :mod:`mcpot.engine.lhs`): stratified within each block of
    ``BLOCK`` samples, so memory stays bounded for any N (one global hypercube over 10^7 samples would
    need the whole permutation in memory).
``sobol``
    One scrambled Sobol sequence (``scipy.stats.qmc.Sobol``, scrambled by the seed), block ``b`` taking
    points ``[b * BLOCK, (b + 1) * BLOCK)``. Balanced when N is a power of two.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
from scipy.special import ndtr, ndtri

BLOCK = 8192


def fresh_seed() -> int:
    """A root seed from the operating system's entropy, for a run given none (the run records it)."""
    return int(np.random.SeedSequence().entropy)


def child_seed(seed: int, *key: int) -> int:
    """An independent 32-bit seed for part ``key`` (e.g. sector, grouping) of a run with root ``seed``."""
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1)[0])


class Seeded:
    """Mixin of the frozen configuration dataclasses that have a ``seed`` field (None: not chosen yet)."""

    def with_seed(self):
        """This configuration, with a fresh root seed (:func:`fresh_seed`) if it has none."""
        return self if self.seed is not None else dataclasses.replace(self, seed=fresh_seed())

    def child_seed(self, *key: int) -> int:
        """See :func:`child_seed`."""
        return child_seed(self.seed, *key)


DESIGNS: tuple[str, ...] = ("mc", "lhs", "sobol")


def block_generator(seed: int, block: int, salt: int = 0) -> np.random.Generator:
    """The random stream of one block of samples: ``SeedSequence(seed, spawn_key=(salt, block))``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(salt, block)))


def unit_block(design: str, seed: int, dim: int, block: int, size: int = BLOCK) -> np.ndarray:
    """The first ``size`` rows (<= BLOCK) of block ``block`` of a design: ``U[size, dim]`` in (0, 1)."""
    if design == "mc":
        return block_generator(seed, block).random((BLOCK, dim))[:size]
    if design == "lhs":
        from mcpot.engine.lhs import latin_hypercube  # numba: loaded only where a hypercube is drawn

        return latin_hypercube(block_generator(seed, block), BLOCK, dim)[:size]
    if design == "sobol":
        return sobol_points(seed, dim, block * BLOCK, block * BLOCK + size)
    raise ValueError(f"unknown design {design!r}; choose one of {', '.join(DESIGNS)}")


def sobol_points(seed: int, dim: int, start: int, stop: int) -> np.ndarray:
    """Points ``[start, stop)`` of the seed's scrambled Sobol sequence, kept inside (0, 1).

    ``fast_forward`` costs time linear in ``start`` (about 0.03 s per 10^6 points skipped here).
    """
    from scipy.stats import qmc

    engine = qmc.Sobol(d=dim, scramble=True, rng=block_generator(seed, 0, salt=1))
    if start:
        engine.fast_forward(start)
    with warnings.catch_warnings():  # a chunk need not be 2^k long; the run's N is what counts
        warnings.simplefilter("ignore", UserWarning)
        points = engine.random(stop - start)
    # A scrambled Sobol coordinate can be exactly 0; the priors' ppf needs (0, 1).
    return np.clip(points, 2.0**-60, 1 - 2.0**-53)


def unit_samples(design: str, seed: int, dim: int, start: int, stop: int) -> np.ndarray:
    """Rows ``[start, stop)`` of the design, independent of how a run is chunked.

    Column-major (Fortran order): each input's draws are contiguous, for the priors' ``ppf`` and the
    model, which read them input by input.
    """
    if design == "sobol":
        return np.asfortranarray(sobol_points(seed, dim, start, stop))
    first, last = start // BLOCK, (stop - 1) // BLOCK
    blocks = [unit_block(design, seed, dim, b) for b in range(first, last + 1)]
    return np.concatenate([b.T for b in blocks], axis=1)[:, start - first * BLOCK : stop - first * BLOCK].T


def spearman_to_pearson(rho: np.ndarray) -> np.ndarray:
    """Pearson correlation of a Gaussian copula with Spearman rank correlation ``rho``."""
    return 2.0 * np.sin(np.pi * np.asarray(rho) / 6.0)


def copula_factor(rank_corr: np.ndarray) -> np.ndarray:
    """Cholesky factor of the Gaussian copula for a target rank-correlation matrix.

    Raises
    ------
    ValueError
        If the implied correlation matrix is not positive definite.
    """
    R = spearman_to_pearson(rank_corr)
    np.fill_diagonal(R, 1.0)
    try:
        return np.linalg.cholesky(R)
    except np.linalg.LinAlgError:
        raise ValueError(
            "the [[correlation]] entries do not form a valid correlation matrix "
            "(not positive definite): lower some |rho|"
        ) from None


def apply_copula(U: np.ndarray, L: np.ndarray) -> np.ndarray:
    """Correlate uniform columns through a Gaussian copula with Cholesky factor ``L``.

    Only columns touched by a correlation are transformed; the sums run in a fixed order (no BLAS),
    so each sample's result does not depend on how many samples are transformed together.
    """
    active = np.flatnonzero(np.any(L != np.eye(L.shape[0]), axis=0) | np.any(L != np.eye(L.shape[0]), axis=1))
    if active.size == 0:
        return U
    Z = ndtri(U[:, active])
    out = U.copy(order="K")  # the layout of U
    Ls = L[np.ix_(active, active)]
    for i in range(active.size):
        acc = Z[:, 0] * Ls[i, 0]
        for j in range(1, i + 1):
            acc += Z[:, j] * Ls[i, j]
        out[:, active[i]] = ndtr(acc)
    return out
