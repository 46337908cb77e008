"""Elicited quantiles as a prior file writes them -> arrays of probabilities and values.

:func:`parse_quantiles` accepts all three of::

    quantiles = {"0.05" = 0.3, "0.5" = 0.5, "0.95" = 0.7}   # quoted keys
    quantiles = {0.05 = 0.3, 0.5 = 0.5, 0.95 = 0.7}         # bare keys
    quantiles = [[0.05, 0.3], [0.5, 0.5], [0.95, 0.7]]      # pairs

TOML reads a bare ``0.05`` key as the *dotted* key ``0`` -> ``05``, so the second form arrives from
:mod:`tomllib` as ``{"0": {"05": 0.3, "5": 0.5, "95": 0.7}}``; the nested tables are joined back
with ``.`` to recover the probabilities (``"0" + "." + "05"`` = 0.05).

Fitting a family to them is :mod:`mcpot.model.elicitation`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import McpotError

__all__ = ["ElicitationError", "parse_quantiles"]


class ElicitationError(McpotError):
    """Elicited quantiles that cannot be used: the message names the field and the problem."""


def _fail(where: str, problem: str) -> ElicitationError:
    return ElicitationError(f"{where}: {problem}")


# ------------------------------------------------------------------------------------ parsing
def _flatten(table: Mapping, prefix: str, out: list, where: str) -> None:
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            _flatten(value, name, out, where)
        else:
            out.append((name, value))


def _number(value: object, where: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise _fail(where, f"{what} must be a finite number, got {value!r}")
    return float(value)


def parse_quantiles(spec: object, where: str = "quantiles") -> tuple[np.ndarray, np.ndarray]:
    """Read elicited quantiles from a TOML value (any of the three forms in the module docstring).

    Parameters
    ----------
    spec : dict or list
        ``{"p": x, ...}`` (quoted keys), the dotted-key nesting TOML makes of bare keys, or a list
        of ``[p, x]`` pairs.
    where : str
        Field name used in error messages, e.g. ``"steel.energy_management.K_max.quantiles"``.

    Returns
    -------
    probabilities, values : numpy.ndarray
        Sorted by probability; probabilities (fraction 0..1) strictly inside (0, 1), values (the
        input's unit) strictly increasing with them.

    Raises
    ------
    ElicitationError
        Naming ``where`` and the problem.
    """
    pairs: list[tuple[object, object]] = []
    if isinstance(spec, Mapping):
        _flatten(spec, "", pairs, where)
        parsed = []
        for key, value in pairs:
            try:
                p = float(key)
            except ValueError:
                raise _fail(where, f"key {key!r} is not a probability") from None
            parsed.append((p, value))
    elif isinstance(spec, list | tuple):
        parsed = []
        for item in spec:
            if not isinstance(item, list | tuple) or len(item) != 2:
                raise _fail(where, f"each entry must be a [probability, value] pair, got {item!r}")
            parsed.append((_number(item[0], where, "probability"), item[1]))
    else:
        raise _fail(where, 'must be a table {"p" = value} or a list of [p, value] pairs')
    if not parsed:
        raise _fail(where, "no quantiles given")
    p = np.array([_number(pk, where, "probability") for pk, _ in parsed])
    x = np.array([_number(xk, where, f"value at probability {pk:g}") for pk, xk in parsed])
    for pk in p:
        if not 0.0 < pk < 1.0:
            raise _fail(where, f"probability {pk:g} is outside (0, 1)")
    order = np.argsort(p, kind="stable")
    p, x = p[order], x[order]
    dup = np.flatnonzero(np.diff(p) == 0)
    if dup.size:
        raise _fail(where, f"probability {p[dup[0]]:g} is given twice")
    bad = np.flatnonzero(np.diff(x) <= 0)
    if bad.size:
        k = bad[0]
        raise _fail(
            where,
            f"values must increase with probability: {x[k]:g} at {p[k]:g} but {x[k + 1]:g} at {p[k + 1]:g}",
        )
    return p, x
