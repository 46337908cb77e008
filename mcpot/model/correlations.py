"""The ``[[correlation]]`` entries of a prior file -> validated rank-correlation pairs.

Each entry names two free inputs of the sector (``between = ["<cat>.<param>", "<cat>.<param>"]``) and a
Spearman rank correlation ``rho`` in (-1, 1). The pairs together must give a positive definite Gaussian
copula matrix, as :mod:`mcpot.engine.sampling` builds it; every problem is a
:class:`~mcpot.errors.PriorError` naming the file and the entry.
"""

from __future__ import annotations

import difflib

import numpy as np

from mcpot.errors import PriorError
from mcpot.model.entries import _unknown


def _correlations(file, sector, entries, priors):
    """Validated ``[[correlation]]`` pairs: known free inputs, no self or repeated pairs, a valid matrix."""
    if not isinstance(entries, list):
        raise PriorError(file, "correlation", "must be an array of tables ([[correlation]])")
    pairs = []
    seen: dict[frozenset, tuple[int, float]] = {}
    for i, entry in enumerate(entries):
        where = f"correlation[{i}]"
        if not isinstance(entry, dict):
            raise PriorError(file, where, "must be a table with `between` and `rho`")
        _unknown(entry, {"between", "rho", "source"}, file, f"{where}.")
        between, rho = entry.get("between"), entry.get("rho")
        if not (isinstance(between, list) and len(between) == 2):
            raise PriorError(
                file,
                f"{where}.between",
                'must name two inputs, e.g. ["energy_management.K0", "automatic_control.K0"]',
            )
        names = [f"{sector}.{b}" for b in between]
        for b, name in zip(between, names, strict=True):
            if name not in priors:
                close = difflib.get_close_matches(name, priors, n=1)
                hint = f"; did you mean {close[0].split('.', 1)[1]!r}?" if close else ""
                raise PriorError(file, f"{where}.between", f"no input named {b!r}{hint}")
            if priors[name].fixed:
                raise PriorError(file, f"{where}.between", f"{b!r} is fixed: it cannot be correlated")
        if names[0] == names[1]:
            raise PriorError(file, f"{where}.between", f"correlates {between[0]!r} with itself")
        if isinstance(rho, bool) or not isinstance(rho, int | float) or not -1 < rho < 1:
            raise PriorError(file, f"{where}.rho", f"must be a number in (-1, 1), got {rho!r}")
        key = frozenset(names)
        if key in seen:
            j, other = seen[key]
            problem = (
                f"repeats the pair of correlation[{j}]"
                if other == rho
                else f"conflicts with correlation[{j}] (rho {rho:g} vs {other:g} for the same pair)"
            )
            raise PriorError(file, f"{where}.between", f"{between[0]} ~ {between[1]} {problem}")
        seen[key] = (i, float(rho))
        pairs.append((names[0], names[1], float(rho)))
    _check_positive_definite(file, sector, pairs)
    return tuple(pairs)


def _check_positive_definite(file, sector, pairs) -> None:
    """The rank correlations must give a positive definite copula matrix (as the sampler needs).

    When they do not, the message gives the smallest eigenvalue and the pairs within the block that
    its eigenvector spans (the inputs that cannot be correlated that way all at once).
    """
    if not pairs:
        return
    names = list(dict.fromkeys(n for a, b, _ in pairs for n in (a, b)))
    index = {n: i for i, n in enumerate(names)}
    R = np.eye(len(names))
    for a, b, rho in pairs:
        R[index[a], index[b]] = R[index[b], index[a]] = rho
    P = 2.0 * np.sin(np.pi * R / 6.0)  # the Gaussian copula's Pearson matrix, as the sampler builds it
    np.fill_diagonal(P, 1.0)
    try:
        np.linalg.cholesky(P)
        return
    except np.linalg.LinAlgError:
        pass
    values, vectors = np.linalg.eigh(P)
    v = np.abs(vectors[:, 0])
    block = {names[i] for i in np.flatnonzero(v >= 0.25 * v.max())}
    short = len(sector) + 1
    involved = [f"{a[short:]}~{b[short:]} ({rho:g})" for a, b, rho in pairs if a in block and b in block]
    raise PriorError(
        file,
        "correlation",
        f"the rho do not form a valid correlation matrix (not positive definite: smallest eigenvalue "
        f"{values[0]:.3g}); these pairs conflict: {', '.join(involved)}; lower some |rho|",
    )
