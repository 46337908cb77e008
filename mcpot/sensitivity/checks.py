"""Argument checks and output handling shared by the Sobol' and Morris analyses (no model code)."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import numpy as np

from mcpot.errors import McpotError, ModelOutputError

Model = Callable[[np.ndarray], np.ndarray]
"""A vectorised model ``f(X[N, D]) -> Y[N, M]`` (or ``Y[N]`` for one output)."""

Ppf = Callable[[np.ndarray], np.ndarray]
"""A map from unit-cube points ``U[N, D]`` to model inputs ``X[N, D]``."""

Evaluator = Callable[[Model, np.ndarray], np.ndarray]
"""``evaluate(f, X) -> Y``: how to run the model on a design (e.g. chunked and in parallel)."""

_SHOWN_ROWS = 5
"""How many offending rows an error message lists."""


# ----------------------------------------------------------------------------------- validation
def _check_seed(seed: object) -> int:
    """Return ``seed`` as an int, or raise if it is not a non-negative integer (bool excluded)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or int(seed) < 0:
        raise McpotError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def _check_power_of_two(n: object, what: str) -> int:
    """Return ``n`` as an int, or raise if it is not a positive power of two."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1 or n & (n - 1):
        raise McpotError(f"{what} must be a positive power of two (Sobol' balance properties), got {n!r}")
    return int(n)


def _check_conf_level(conf_level: float) -> float:
    """Return ``conf_level`` as a float in (0, 1), or raise."""
    if not 0.0 < float(conf_level) < 1.0:
        raise McpotError(f"conf_level must lie strictly between 0 and 1, got {conf_level!r}")
    return float(conf_level)


def _check_resamples(num_resamples: object) -> int:
    """Return ``num_resamples`` as an int >= 2, or raise."""
    if isinstance(num_resamples, bool) or not isinstance(num_resamples, numbers.Integral):
        raise McpotError(f"num_resamples must be an integer, got {num_resamples!r}")
    if num_resamples < 2:
        raise McpotError(f"num_resamples must be at least 2, got {num_resamples}")
    return int(num_resamples)


def _as_outputs(Y: np.ndarray, n_outputs: int | None = None) -> np.ndarray:
    """Return ``Y`` as a float ``[rows, M]`` array (a 1-D ``Y`` is one output)."""
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2:
        raise ValueError(f"model outputs must be [rows] or [rows, M], got shape {Y.shape}")
    if n_outputs is not None and Y.shape[1] != n_outputs:
        raise ValueError(f"expected {n_outputs} output columns, got {Y.shape[1]}")
    return Y


def _check_finite(
    Y: np.ndarray,
    outputs: Sequence[str],
    X: np.ndarray | None = None,
    names: Sequence[str] | None = None,
) -> None:
    """Raise :class:`ModelOutputError` if ``Y[rows, M]`` holds NaN or inf.

    The message gives the number of offending rows, the first few (0-based design rows), the
    outputs affected and, if ``X`` is given, the inputs of the first offending row.
    """
    bad = ~np.isfinite(Y)
    if not bad.any():
        return
    rows = np.flatnonzero(bad.any(axis=1))
    cols = [outputs[m] for m in np.flatnonzero(bad.any(axis=0))]
    shown = ", ".join(str(r) for r in rows[:_SHOWN_ROWS])
    more = f" (and {rows.size - _SHOWN_ROWS} more)" if rows.size > _SHOWN_ROWS else ""
    msg = (
        f"model output is NaN or infinite in {rows.size} of {Y.shape[0]} design rows; "
        f"rows (0-based): {shown}{more}; outputs: {', '.join(cols)}"
    )
    if X is not None:
        labels = names if names is not None else [f"x{j}" for j in range(X.shape[1])]
        first = ", ".join(f"{k}={v:.6g}" for k, v in zip(labels, X[rows[0]], strict=True))
        msg += f"; inputs of row {rows[0]}: {first}"
    raise ModelOutputError(msg)


def _labels(labels: Sequence[str] | str | None, count: int | None, prefix: str, what: str) -> tuple[str, ...]:
    """Return ``labels`` as a tuple of strings, defaulting to ``prefix0, prefix1, ...``.

    A single string is one label. With ``count`` given the number of labels must match it.
    """
    if labels is None:
        if count is None:
            raise ValueError(f"{what} are required")
        return tuple(f"{prefix}{i}" for i in range(count))
    labels = (labels,) if isinstance(labels, str) else tuple(str(x) for x in labels)
    if count is not None and len(labels) != count:
        raise ValueError(f"expected {count} {what}, got {len(labels)}: {labels}")
    return labels
