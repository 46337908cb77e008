"""Saltelli designs on the unit cube: radial A, B, AB_i (and BA_i) blocks from a scrambled Sobol' sequence."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

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
