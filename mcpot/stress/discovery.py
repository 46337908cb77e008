"""Scenario discovery: which combinations of inputs lead to an outcome of interest?

Given Monte Carlo inputs ``X[N, D]`` and a boolean outcome ``y[N]`` (e.g. "the band's upper end is above
20%"), find simple boxes in input space, ``lower_j <= x_j <= upper_j`` on a few inputs, inside which the
outcome is common (high *density*) and which hold most cases of it (high *coverage*).

:func:`prim`
    The Patient Rule Induction Method (Friedman & Fisher 1999, Statistics and Computing 9:123-143), in
    the scenario-discovery form of Bryant & Lempert (2010) and the EMA Workbench: a peeling trajectory
    of ever smaller boxes, then pasting of the last one.
:func:`tree_rules`
    The leaves of a scikit-learn decision tree as boxes (needs scikit-learn, imported on use).

Terms, for a box B: *coverage* = ``#(y and in B) / #y`` (share of all cases of interest that B holds),
*density* = ``#(y and in B) / #(in B)`` (share of B that is of interest), *support* = ``#(in B) / N``
(the probability mass of B under the sampling distribution). Pure numpy and pandas, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

OBJECTIVES = ("lenient1", "original")


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in input space and how well it captures the outcome.

    Attributes
    ----------
    names : tuple of str
        Input names (the columns of ``X``).
    lower, upper : numpy.ndarray
        Bounds ``[D]`` in input units; an unrestricted side is ``-inf`` / ``inf``.
    coverage, density, support : float
        See the module docstring (fractions 0..1).
    n_points : int
        Samples inside the box.
    lower_strict : bool
        Whether the lower bounds are strict (``x > lower``, as a decision tree's splits) rather than
        inclusive (``x >= lower``, as PRIM's). Upper bounds are always inclusive.
    """

    names: tuple[str, ...]
    lower: np.ndarray
    upper: np.ndarray
    coverage: float
    density: float
    support: float
    n_points: int
    lower_strict: bool = False

    @property
    def restricted(self) -> tuple[str, ...]:
        """Names of the inputs the box restricts, in column order."""
        mask = np.isfinite(self.lower) | np.isfinite(self.upper)
        return tuple(n for n, m in zip(self.names, mask, strict=True) if m)

    def contains(self, X) -> np.ndarray:
        """Which rows of ``X[N, D]`` lie in the box: ``bool[N]``."""
        X = np.asarray(X, dtype=float)
        above = X > self.lower if self.lower_strict else X >= self.lower
        return np.all(above & (X <= self.upper), axis=1)

    def bounds(self) -> pd.DataFrame:
        """The restricted inputs with their bounds (``lower`` / ``upper``, NaN where a side is free)."""
        mask = np.isfinite(self.lower) | np.isfinite(self.upper)
        lower = np.where(np.isfinite(self.lower), self.lower, np.nan)[mask]
        upper = np.where(np.isfinite(self.upper), self.upper, np.nan)[mask]
        return pd.DataFrame({"lower": lower, "upper": upper}, index=pd.Index(self.restricted, name="input"))

    def describe(self) -> str:
        """The box in plain words, e.g. ``"automatic_control.K_max >= 0.93 and steel.emissions.2035 <= 1250"``
        (three significant digits); ``"all inputs"`` for an unrestricted box."""
        ge = ">" if self.lower_strict else ">="
        parts = []
        for j, name in enumerate(self.names):
            lo, hi = self.lower[j], self.upper[j]
            if np.isfinite(lo) and np.isfinite(hi):
                parts.append(f"{_fmt(lo)} {'<' if self.lower_strict else '<='} {name} <= {_fmt(hi)}")
            elif np.isfinite(lo):
                parts.append(f"{name} {ge} {_fmt(lo)}")
            elif np.isfinite(hi):
                parts.append(f"{name} <= {_fmt(hi)}")
        return " and ".join(parts) if parts else "all inputs"


def _fmt(value: float) -> str:
    return np.format_float_positional(value, precision=3, unique=False, fractional=False, trim="-")


@dataclass(frozen=True)
class PrimResult:
    """A PRIM peeling-and-pasting trajectory.

    Attributes
    ----------
    trajectory : pandas.DataFrame
        One row per box, in order: ``phase`` (start / peel / paste), ``coverage``, ``density``,
        ``support``, ``n_points``, ``n_restricted`` and ``description`` (:meth:`Box.describe`).
    boxes : tuple of Box
        The boxes, aligned with the rows of ``trajectory``.
    """

    trajectory: pd.DataFrame
    boxes: tuple[Box, ...]

    def select(self, min_coverage: float = 0.5) -> Box:
        """The box of highest density among those with coverage >= ``min_coverage`` (ties: the higher
        coverage, then the earlier box). The starting box (all inputs) always qualifies."""
        t = self.trajectory
        ok = t[t["coverage"] >= min_coverage]
        best = ok.sort_values(["density", "coverage"], ascending=False, kind="stable").index[0]
        return self.boxes[int(best)]


def _as_arrays(X, y, names, threshold) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    if names is None:
        if not isinstance(X, pd.DataFrame):
            raise ValueError("give names, or X as a DataFrame whose columns name the inputs")
        names = tuple(str(c) for c in X.columns)
    Xa = np.asarray(X, dtype=float)
    if Xa.ndim != 2 or Xa.shape[1] != len(names):
        raise ValueError(f"X must be [N, {len(names)}] to match names, got shape {Xa.shape}")
    ya = np.asarray(y)
    if ya.shape != (Xa.shape[0],):
        raise ValueError(f"y must have one value per row of X ({Xa.shape[0]}), got shape {ya.shape}")
    if threshold is not None:
        ya = ya > threshold
    elif ya.dtype != bool:
        raise ValueError("y must be boolean, or give a threshold (cases of interest: y > threshold)")
    if not ya.any():
        raise ValueError("no case of interest (y is False everywhere): nothing to discover")
    if not np.all(np.isfinite(Xa)):
        raise ValueError("X holds NaN or inf")
    return Xa, ya, tuple(names)


def _moved(best: tuple, lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply a chosen peel or paste ``(key, j, side, bound, inside)``: the rows inside the new box and
    copies of its bounds with input ``j``'s ``side`` moved to ``bound``."""
    _, j, side, bound, inside = best
    lower, upper = lower.copy(), upper.copy()
    (lower if side == "lower" else upper)[j] = bound
    return inside, lower, upper


def _box(names, X, y, inside, lower, upper) -> Box:
    """A PRIM box from the bounds and membership; sides at the data's range count as unrestricted."""
    lo = np.where(lower > X.min(axis=0), lower, -np.inf)
    hi = np.where(upper < X.max(axis=0), upper, np.inf)
    n_in, n_true = int(inside.sum()), int(y[inside].sum())
    return Box(names, lo, hi, n_true / int(y.sum()), n_true / max(n_in, 1), n_in / y.size, n_in)


def _peel_candidates(X, y, inside, alpha):
    """Every one-sided peel of the box holding ``inside``: ``(j, side, bound, keep)``, ``keep`` the new
    membership. Removes the points below the ``alpha`` (above the ``1 - alpha``) quantile of ``x_j``."""
    idx = np.flatnonzero(inside)
    Xin = X[idx]
    lows = np.quantile(Xin, alpha, axis=0)
    highs = np.quantile(Xin, 1.0 - alpha, axis=0)
    for j in range(X.shape[1]):
        for side, bound, stays in (
            ("lower", lows[j], Xin[:, j] >= lows[j]),
            ("upper", highs[j], Xin[:, j] <= highs[j]),
        ):
            if 0 < stays.sum() < idx.size:  # removes something, keeps something
                keep = np.zeros_like(inside)
                keep[idx[stays]] = True
                yield j, side, bound, keep


def _peel_score(objective, y, inside, keep) -> tuple[float, int]:
    n_old, n_new = int(inside.sum()), int(keep.sum())
    mean_old, mean_new = y[inside].mean(), y[keep].mean()
    score = mean_new if objective == "original" else (mean_new - mean_old) / (n_old - n_new)
    return float(score), n_new


def _paste_candidates(X, inside, lower, upper, alpha):
    """Every one-sided paste: extend one bound to take in ``ceil(alpha n)`` of the nearest points that
    lie outside the box on that input only. Yields ``(j, side, bound, keep)``."""
    n_add = max(1, math.ceil(alpha * inside.sum()))
    within = (X >= lower) & (X <= upper)  # [N, D]
    n_out = X.shape[1] - within.sum(axis=1)
    for j in range(X.shape[1]):
        only_j = (n_out == 1) & ~within[:, j]
        for side in ("lower", "upper"):
            outside = only_j & ((X[:, j] < lower[j]) if side == "lower" else (X[:, j] > upper[j]))
            values = np.sort(X[outside, j])
            if values.size == 0:
                continue
            bound = (
                values[-min(n_add, values.size)] if side == "lower" else values[min(n_add, values.size) - 1]
            )
            added = outside & ((X[:, j] >= bound) if side == "lower" else (X[:, j] <= bound))
            yield j, side, bound, inside | added


def prim(
    X,
    y,
    names: Sequence[str] | None = None,
    *,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    min_support: float = 0.05,
    threshold: float | None = None,
    objective: str = "lenient1",
) -> PrimResult:
    """Patient Rule Induction Method: a trajectory of boxes of rising density.

    Peeling: from the box spanning the data, repeatedly try removing the ``peel_alpha`` share of the
    box's points with the lowest (or highest) value of one input, for every input and side, and take the
    peel with the best ``objective``; stop when the next peel would leave less than ``min_support`` of
    the samples, or the density reaches 1. Pasting: then repeatedly extend one bound of the last box to
    take in ``paste_alpha`` x its points among those outside it on that input only, taking the paste of
    highest density while it does not lower the density (this widens a bound peeling overshot). Every
    box is kept: choose one with :meth:`PrimResult.select`.

    Parameters
    ----------
    X : array_like or pandas.DataFrame, shape (N, D)
        Input samples (in their units).
    y : array_like, shape (N,)
        Outcome: booleans (True = case of interest), or numbers with ``threshold``.
    names : sequence of str, optional
        Input names; default ``X.columns``.
    peel_alpha, paste_alpha : float
        Share of the box's points removed per peel / added per paste (0.05 in the literature).
    min_support : float
        Smallest box, as a share of all samples.
    threshold : float, optional
        Cases of interest are ``y > threshold``.
    objective : {"lenient1", "original"}
        Peel choice: ``"original"`` (Friedman & Fisher) maximises the new box's density;
        ``"lenient1"`` (EMA Workbench default) the density gain per point removed.

    Returns
    -------
    PrimResult
        The trajectory and its boxes.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    if not (0 < peel_alpha < 0.5 and 0 < paste_alpha < 1 and 0 < min_support < 1):
        raise ValueError("need 0 < peel_alpha < 0.5, 0 < paste_alpha < 1 and 0 < min_support < 1")
    X, y, names = _as_arrays(X, y, names, threshold)
    n = y.size
    lower, upper = X.min(axis=0), X.max(axis=0)
    inside = np.ones(n, dtype=bool)
    boxes, phases = [_box(names, X, y, inside, lower, upper)], ["start"]
    while boxes[-1].density < 1.0:
        best = None
        for j, side, bound, keep in _peel_candidates(X, y, inside, peel_alpha):
            score, n_new = _peel_score(objective, y, inside, keep)
            if n_new < min_support * n:
                continue
            if best is None or (score, n_new) > best[0]:
                best = ((score, n_new), j, side, bound, keep)
        if best is None:
            break
        inside, lower, upper = _moved(best, lower, upper)
        boxes.append(_box(names, X, y, inside, lower, upper))
        phases.append("peel")
    while True:
        best = None
        for j, side, bound, keep in _paste_candidates(X, inside, lower, upper, paste_alpha):
            key = (y[keep].mean(), int(keep.sum()))
            if key[0] >= boxes[-1].density and (best is None or key > best[0]):
                best = (key, j, side, bound, keep)
        if best is None:
            break
        inside, lower, upper = _moved(best, lower, upper)
        boxes.append(_box(names, X, y, inside, lower, upper))
        phases.append("paste")
    return PrimResult(_trajectory(boxes, phases), tuple(boxes))


def _trajectory(boxes: Sequence[Box], phases: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phase": phases,
            "coverage": [b.coverage for b in boxes],
            "density": [b.density for b in boxes],
            "support": [b.support for b in boxes],
            "n_points": [b.n_points for b in boxes],
            "n_restricted": [len(b.restricted) for b in boxes],
            "description": [b.describe() for b in boxes],
        }
    )


def tree_rules(
    X,
    y,
    names: Sequence[str] | None = None,
    *,
    max_depth: int = 3,
    min_samples_leaf: float = 0.01,
    threshold: float | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """The leaves of a classification tree as rules, with their coverage and density.

    Fits ``sklearn.tree.DecisionTreeClassifier`` (Gini, ``max_depth``) to ``y`` and turns each leaf's
    path into a box (``x > t`` / ``x <= t`` per split, merged per input). Coverage and density are
    counted on the leaves the tree assigns the samples to.

    Parameters
    ----------
    X, y, names, threshold
        As in :func:`prim`.
    max_depth : int
        Depth of the tree (at most ``max_depth`` conditions per rule).
    min_samples_leaf : float
        Smallest leaf, as a share of the samples (scikit-learn's fractional ``min_samples_leaf``).
    seed : int
        ``random_state`` of the tree (it only breaks ties between equally good splits).

    Returns
    -------
    pandas.DataFrame
        One row per leaf: ``rule`` (plain words), ``predicted`` (majority class), ``coverage``,
        ``density``, ``support``, ``n_points``, ``n_restricted`` and ``box`` (:class:`Box`). Leaves
        predicting the outcome come first, by density then coverage.

    Raises
    ------
    ImportError
        If scikit-learn is not installed.
    """
    try:
        from sklearn.tree import DecisionTreeClassifier
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("tree_rules needs scikit-learn: pip install scikit-learn") from exc
    X, y, names = _as_arrays(X, y, names, threshold)
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=min_samples_leaf, random_state=seed)
    tree.fit(X, y)
    leaf_of = tree.apply(X)
    rows = []
    for leaf, (lower, upper) in _leaf_bounds(tree.tree_, X.shape[1]).items():
        members = leaf_of == leaf
        n_in, n_true = int(members.sum()), int(y[members].sum())
        box = Box(names, lower, upper, n_true / int(y.sum()), n_true / n_in, n_in / y.size, n_in, True)
        rows.append(
            {
                "rule": box.describe(),
                "predicted": bool(box.density > 0.5),
                "coverage": box.coverage,
                "density": box.density,
                "support": box.support,
                "n_points": n_in,
                "n_restricted": len(box.restricted),
                "box": box,
            }
        )
    table = pd.DataFrame(rows)
    return table.sort_values(
        ["predicted", "density", "coverage"], ascending=False, kind="stable", ignore_index=True
    )


def _leaf_bounds(tree, dim: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Bounds of every leaf of a fitted sklearn ``tree_``: ``{leaf: (lower, upper)}`` (lower strict)."""
    out = {}
    stack = [(0, np.full(dim, -np.inf), np.full(dim, np.inf))]
    while stack:
        node, lower, upper = stack.pop()
        left, right = tree.children_left[node], tree.children_right[node]
        if left == right:  # a leaf
            out[node] = (lower, upper)
            continue
        j, t = tree.feature[node], tree.threshold[node]
        up = upper.copy()
        up[j] = min(up[j], t)
        lo = lower.copy()
        lo[j] = max(lo[j], t)
        stack += [(left, lower, up), (right, lo, upper)]
    return dict(sorted(out.items()))
