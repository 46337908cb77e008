"""The result of a Sobol' analysis: :class:`SobolIndices` with tidy and square views."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mcpot.sensitivity.sobol.estimators import _pairs


# --------------------------------------------------------------------------------------- result
def _readonly(a: np.ndarray | None) -> np.ndarray | None:
    """Return ``a`` as a read-only float array (None stays None)."""
    if a is None:
        return None
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class SobolIndices:
    """Sobol' indices of ``M`` outputs with respect to ``D`` parameters (or groups).

    Attributes
    ----------
    names : tuple of str
        Parameter names, or group names when the analysis was grouped (length ``D``).
    outputs : tuple of str
        Output names (length ``M``).
    S1, ST : numpy.ndarray
        First-order (Saltelli 2010) and total (Jansen) indices, ``[M, D]``.
    S1_conf, ST_conf : numpy.ndarray
        Normal-approximation half-widths exactly as SALib reports them,
        ``norm.ppf(0.5 + conf_level / 2) * std(bootstrap, ddof=1)``; interval ``value +/- conf``.
    S1_low, S1_high, ST_low, ST_high : numpy.ndarray
        Percentile bootstrap bounds (``(1 - conf_level) / 2`` and ``(1 + conf_level) / 2``
        quantiles of the resampled estimates), ``[M, D]``.
    S2, S2_conf, S2_low, S2_high : numpy.ndarray or None
        Second-order indices and their intervals, ``[M, D, D]``, filled for ``j < k`` and NaN
        elsewhere (SALib's layout); None unless second order was requested.
    n : int
        Number of base points ``N``.
    num_resamples : int
        Number of bootstrap resamples.
    conf_level : float
        Confidence level of the intervals.
    seed : int
        Seed of the bootstrap.

    All arrays are read-only.
    """

    names: tuple[str, ...]
    outputs: tuple[str, ...]
    S1: np.ndarray
    S1_conf: np.ndarray
    S1_low: np.ndarray
    S1_high: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    ST_low: np.ndarray
    ST_high: np.ndarray
    S2: np.ndarray | None = None
    S2_conf: np.ndarray | None = None
    S2_low: np.ndarray | None = None
    S2_high: np.ndarray | None = None
    n: int = 0
    num_resamples: int = 0
    conf_level: float = 0.95
    seed: int = 0

    def __post_init__(self) -> None:
        """Freeze the arrays and check their shapes."""
        shape = (len(self.outputs), len(self.names))
        for key in ("S1", "S1_conf", "S1_low", "S1_high", "ST", "ST_conf", "ST_low", "ST_high"):
            value = _readonly(getattr(self, key))
            if value.shape != shape:
                raise ValueError(f"{key} must have shape {shape}, got {value.shape}")
            object.__setattr__(self, key, value)
        for key in ("S2", "S2_conf", "S2_low", "S2_high"):
            value = _readonly(getattr(self, key))
            if value is not None and value.shape != (*shape, shape[1]):
                raise ValueError(f"{key} must have shape {(*shape, shape[1])}, got {value.shape}")
            object.__setattr__(self, key, value)
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "outputs", tuple(self.outputs))

    def to_frame(self) -> pd.DataFrame:
        """Return the indices as a tidy long table.

        Returns
        -------
        pandas.DataFrame
            One row per output, parameter and index, with columns ``output``, ``parameter``,
            ``index`` (``'S1'``, ``'ST'`` or ``'S2'``), ``value``, ``conf`` (normal-approximation
            half-width), ``low`` and ``high`` (percentile bounds). S2 rows name the pair as
            ``"a|b"`` and exist for ``a`` before ``b`` only.
        """
        m, d = len(self.outputs), len(self.names)
        names = np.array(self.names, dtype=object)
        frames = []
        for key in ("S1", "ST"):
            frames.append(
                pd.DataFrame(
                    {
                        "output": np.repeat(np.array(self.outputs, dtype=object), d),
                        "parameter": np.tile(names, m),
                        "index": key,
                        "value": getattr(self, key).ravel(),
                        "conf": getattr(self, f"{key}_conf").ravel(),
                        "low": getattr(self, f"{key}_low").ravel(),
                        "high": getattr(self, f"{key}_high").ravel(),
                    }
                )
            )
        if self.S2 is not None:
            j, k = _pairs(d)
            pair_names = np.array([f"{a}|{b}" for a, b in zip(names[j], names[k], strict=True)])
            frames.append(
                pd.DataFrame(
                    {
                        "output": np.repeat(np.array(self.outputs, dtype=object), j.size),
                        "parameter": np.tile(pair_names.astype(object), m),
                        "index": "S2",
                        "value": self.S2[:, j, k].ravel(),
                        "conf": self.S2_conf[:, j, k].ravel(),
                        "low": self.S2_low[:, j, k].ravel(),
                        "high": self.S2_high[:, j, k].ravel(),
                    }
                )
            )
        frame = pd.concat(frames, ignore_index=True)
        order = {out: i for i, out in enumerate(self.outputs)}
        frame = frame.sort_values("output", key=lambda s: s.map(order), kind="stable")
        return frame.reset_index(drop=True)


def _pairs_to_square(values: np.ndarray, g: int) -> np.ndarray:
    """Scatter pair values ``[M, P]`` into ``[M, G, G]`` (upper triangle), NaN elsewhere."""
    out = np.full((values.shape[0], g, g), np.nan)
    j, k = _pairs(g)
    out[:, j, k] = values
    return out
