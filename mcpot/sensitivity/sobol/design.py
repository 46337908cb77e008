"""Saltelli designs on the unit cube: radial A, B, AB_i (and BA_i) blocks from a scrambled Sobol' sequence.

:func:`saltelli_design` builds one design; :func:`replicate_design` stacks ``R`` independently scrambled
ones (seeds from :func:`replicate_seeds`) for the randomised-QMC intervals of
:mod:`mcpot.sensitivity.sobol.replicates`.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mcpot.errors import McpotError
from mcpot.sensitivity.checks import _check_power_of_two, _check_seed


def _group_names(d: int, groups: Sequence[str] | None) -> list[str] | None:
    """Return the unique group names in order of first appearance, or None without groups.

    Raises
    ------
    McpotError
        If ``groups`` does not have one entry per input, or puts every input in one group.
    """
    if groups is None:
        return None
    groups = [str(g) for g in groups]
    if len(groups) != d:
        raise McpotError(f"groups must name one group per input: got {len(groups)} for {d}")
    unique = list(dict.fromkeys(groups))
    if len(unique) < 2:
        raise McpotError(
            "groups must define at least two groups; with a single group the index is "
            "trivially 1 and SALib's sampler silently ignores the grouping"
        )
    return unique


def _n_factors(d: int, groups: Sequence[str] | None) -> int:
    """Return the number of factors analysed: the number of groups, or ``d`` without groups."""
    unique = _group_names(d, groups)
    return d if unique is None else len(unique)


def design_rows(d: int, n: int, *, second_order: bool, groups: Sequence[str] | None = None) -> int:
    """Return the number of rows (model evaluations) of the Saltelli design.

    Parameters
    ----------
    d : int
        Number of inputs.
    n : int
        Number of base points ``N``.
    second_order : bool
        Whether the design supports second-order indices.
    groups : list of str, optional
        Group label of every input (SALib semantics).

    Returns
    -------
    int
        ``N (2G + 2)`` with second order, ``N (G + 2)`` without, ``G`` the number of groups
        (``G = d`` without groups).
    """
    g = _n_factors(d, groups)
    return n * (2 * g + 2 if second_order else g + 2)


# --------------------------------------------------------------------------------------- design
def saltelli_design(
    d: int,
    n: int,
    *,
    second_order: bool,
    seed: int,
    groups: list[str] | None = None,
) -> np.ndarray:
    """Return SALib's Saltelli/Sobol' design on the unit cube.

    Calls :func:`SALib.sample.sobol.sample` with bounds ``[0, 1]`` for every input, scrambling on
    and ``seed`` passed through to ``scipy.stats.qmc.Sobol`` (so ``seed=0`` is a real seed; the
    same int always gives the same design). The design for ``2n`` begins with the design for
    ``n``.

    Parameters
    ----------
    d : int
        Number of inputs (columns).
    n : int
        Number of base points ``N``; must be a power of two.
    second_order : bool
        Whether to include the ``BA`` blocks needed for second-order indices.
    seed : int
        Non-negative seed of the scrambling.
    groups : list of str, optional
        Group label of every input. A group's columns move together; the indices are then per
        group. At least two distinct groups.

    Returns
    -------
    numpy.ndarray
        Points of the unit cube, shape ``[design_rows(d, n, ...), d]``, laid out as described in
        the module docstring.

    Raises
    ------
    McpotError
        If ``n`` is not a power of two, the seed is not a non-negative int, or the groups are
        invalid.
    """
    from SALib.sample import sobol as salib_sobol

    if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1:
        raise McpotError(f"d must be a positive integer, got {d!r}")
    n = _check_power_of_two(n, "n (number of base points)")
    seed = _check_seed(seed)
    _group_names(int(d), groups)
    problem = {
        "num_vars": int(d),
        "names": [f"x{i}" for i in range(d)],
        "bounds": [[0.0, 1.0]] * int(d),
        "groups": None if groups is None else [str(g) for g in groups],
    }
    return salib_sobol.sample(problem, n, calc_second_order=second_order, scramble=True, seed=seed)


# ----------------------------------------------------------------------------- replicate designs
_STREAM = 0x52514D43
"""First spawn-key entry of the replicate scrambling streams ("RQMC")."""


def replicate_seeds(seed: int, replicates: int) -> tuple[int, ...]:
    """Return the scrambling seed of each replicate, derived from ``seed`` by SeedSequence.

    Parameters
    ----------
    seed : int
        Non-negative master seed.
    replicates : int
        Number of replicates ``R``.

    Returns
    -------
    tuple of int
        ``R`` non-negative 63-bit seeds; entry ``r`` depends only on ``seed`` and ``r``.
    """
    seed = _check_seed(seed)
    return tuple(
        int(np.random.SeedSequence(seed, spawn_key=(_STREAM, r)).generate_state(1, np.uint64)[0] >> 1)
        for r in range(replicates)
    )


@dataclass(frozen=True, eq=False)
class ReplicateDesign:
    """``R`` independently scrambled Saltelli designs on the unit cube, stacked replicate-major.

    Attributes
    ----------
    U : numpy.ndarray
        Design points ``[R * rows, d]``; rows ``r * rows ... (r + 1) * rows - 1`` are replicate ``r``,
        laid out as :func:`mcpot.saltelli_design` lays out one design.
    d : int
        Number of inputs.
    n : int
        Base points per replicate (a power of two).
    replicates : int
        Number of replicates ``R``.
    second_order : bool
        Whether the designs carry the ``BA`` blocks for S2.
    groups : tuple of str or None
        Group label of every input, as given.
    seed : int
        Master seed.
    seeds : tuple of int
        Scrambling seed of every replicate (:func:`replicate_seeds`).
    """

    U: np.ndarray
    d: int
    n: int
    replicates: int
    second_order: bool
    groups: tuple[str, ...] | None
    seed: int
    seeds: tuple[int, ...]

    @property
    def rows(self) -> int:
        """Model evaluations per replicate, :func:`mcpot.design_rows` ``(d, n)``."""
        return design_rows(self.d, self.n, second_order=self.second_order, groups=self._groups)

    @property
    def n_total(self) -> int:
        """Total base points ``R * n``."""
        return self.replicates * self.n

    @property
    def _groups(self) -> list[str] | None:
        return None if self.groups is None else list(self.groups)


def _check_replicates(replicates: object) -> int:
    if isinstance(replicates, bool) or not isinstance(replicates, numbers.Integral) or replicates < 2:
        raise McpotError(
            f"replicates must be an integer >= 2 (the t interval needs a spread), got {replicates!r}"
        )
    return int(replicates)


def _per_replicate(n_total: object, replicates: int) -> int:
    """Return ``n_total / replicates``, which must be a power of two; raise otherwise."""
    if isinstance(n_total, bool) or not isinstance(n_total, numbers.Integral) or n_total % replicates:
        raise McpotError(
            f"n (total base points, --samples) must be a multiple of replicates={replicates} with "
            f"n / replicates a power of two, got {n_total!r}"
        )
    return _check_power_of_two(int(n_total) // replicates, "n / replicates (base points per replicate)")


def replicate_design(
    d: int,
    n: int,
    *,
    replicates: int = 8,
    second_order: bool = False,
    seed: int,
    groups: Sequence[str] | None = None,
) -> ReplicateDesign:
    """Build ``replicates`` independently scrambled Saltelli designs sharing ``n`` base points.

    Parameters
    ----------
    d : int
        Number of inputs.
    n : int
        Total base points ``N``; ``N / replicates`` must be a power of two.
    replicates : int, default 8
        Number of replicates ``R`` (>= 2).
    second_order : bool, default False
        Whether to include the ``BA`` blocks for S2.
    seed : int
        Non-negative master seed; replicate seeds come from :func:`replicate_seeds`.
    groups : sequence of str, optional
        Group label of every input (as in :func:`mcpot.saltelli_design`).

    Returns
    -------
    ReplicateDesign
        The stacked design; the model must be run on ``R * design_rows(d, N / R)`` rows.

    Raises
    ------
    McpotError
        If ``replicates``, ``n``, ``seed`` or ``groups`` are invalid.
    """
    replicates = _check_replicates(replicates)
    per = _per_replicate(n, replicates)
    seeds = replicate_seeds(seed, replicates)
    g = None if groups is None else [str(x) for x in groups]
    U = np.vstack([saltelli_design(d, per, second_order=second_order, seed=s, groups=g) for s in seeds])
    return ReplicateDesign(
        U, int(d), per, replicates, bool(second_order), None if g is None else tuple(g), int(seed), seeds
    )
