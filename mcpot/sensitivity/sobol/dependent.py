r"""Sobol' indices over groups of dependent inputs (a Gaussian copula between some inputs).

The pick-freeze estimators assume independent factors. When some inputs are correlated (the priors'
``[[correlation]]`` entries, a Gaussian copula, :func:`mcpot.engine.sampling.apply_copula`), each
connected set of correlated inputs becomes **one factor**: the Saltelli design moves its columns
together (SALib groups), and every design row is mapped to inputs through the copula, so the group is
sampled jointly. Different groups stay independent, so the variance decomposition over groups and its
estimators remain valid; the index of a group is the share of variance explained by the group as a
whole, and no index is reported for a member of a dependent group alone (that question has no
unique answer under dependence: see Shapley effects).

For a grouping of the inputs (by category, by kind), a dependent set that spans several groups merges
them: the merged group is named by its members joined with ``+`` (:func:`merge_groups`).

Check with a known answer: ``Y = X1 + X2 + X3`` with standard normal ``X`` and Pearson correlation
``r`` between ``X2`` and ``X3`` has :math:`\mathrm{Var}\,Y = 3 + 2r`, so
:math:`S_{\{2,3\}} = (2 + 2r)/(3 + 2r)` and :math:`S_1 = 1/(3 + 2r)` (tests/test_sobol_dependent.py).
No I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

from mcpot.engine.sampling import apply_copula, copula_factor
from mcpot.sensitivity.checks import Ppf

__all__ = ["CopulaPpf", "dependent_sets", "merge_groups"]


def dependent_sets(rank_corr: np.ndarray) -> list[tuple[int, ...]]:
    """Return the connected sets of inputs linked by a nonzero correlation, in input order.

    Parameters
    ----------
    rank_corr : numpy.ndarray
        Rank-correlation matrix ``[D, D]`` (ones on the diagonal).

    Returns
    -------
    list of tuple of int
        Every set of two or more inputs connected through nonzero off-diagonal entries, each sorted,
        ordered by its first input. Inputs correlated with nothing are not listed.
    """
    R = np.asarray(rank_corr, dtype=float)
    links = (R != 0) & ~np.eye(R.shape[0], dtype=bool)
    _, label = connected_components(csr_array(links.astype(np.int8)), directed=False)
    sets = [tuple(int(i) for i in np.flatnonzero(label == c)) for c in dict.fromkeys(label.tolist())]
    return [s for s in sets if len(s) > 1]


def merge_groups(labels: Sequence[str], sets: Sequence[Sequence[int]]) -> list[str]:
    """Merge the group labels touched by each dependent set into one group.

    Parameters
    ----------
    labels : sequence of str
        Group label of every input ``[D]`` (for a per-input analysis: the input names).
    sets : sequence of sequence of int
        Dependent sets of inputs (:func:`dependent_sets`).

    Returns
    -------
    list of str
        Label of every input; the labels of groups linked by a dependent set (directly or through a
        chain of sets) are replaced by their ``+``-joined list, in order of first appearance.
    """
    labels = [str(x) for x in labels]
    parent = {x: x for x in labels}

    def root(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for members in sets:
        roots = [root(labels[i]) for i in members]
        for r in roots[1:]:
            parent[r] = roots[0]
    merged: dict[str, list[str]] = {}
    for x in dict.fromkeys(labels):
        merged.setdefault(root(x), []).append(x)
    return ["+".join(merged[root(x)]) for x in labels]


@dataclass(frozen=True, eq=False)
class CopulaPpf:
    """``U -> ppf(copula(U))``: unit-cube points to inputs with the Gaussian copula applied row by row.

    Each row is transformed on its own and the copula is block-diagonal over the dependent sets, so
    a Saltelli row that takes a whole set from ``A`` or ``B`` gets that set's joint distribution.

    Attributes
    ----------
    ppf : callable
        Independent marginal map ``ppf(U[N, D]) -> X[N, D]``.
    rank_corr : numpy.ndarray
        Spearman rank-correlation matrix ``[D, D]`` of the copula.
    """

    ppf: Ppf
    rank_corr: np.ndarray

    def __post_init__(self) -> None:
        """Factor the copula once (raises ValueError if it is not positive definite)."""
        object.__setattr__(self, "_L", copula_factor(np.array(self.rank_corr, dtype=float)))

    def __call__(self, U: np.ndarray) -> np.ndarray:
        """Inputs ``X[N, D]`` for unit-cube points ``U[N, D]``."""
        return self.ppf(apply_copula(np.asarray(U, dtype=float), self._L))
