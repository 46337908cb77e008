"""Alternative prior choices as transformations of loaded priors (for ``mcpot robustness``).

Each function takes the loaded priors (``dict`` of sector to :class:`~mcpot.model.priors.SectorPriors`)
and returns new ones; files are never touched and fixed inputs stay fixed. Pure: no I/O.

* :func:`scale_widths`: every free input's spread scaled by ``factor`` about its median. The scaling is
  done in the coordinates of the input's domain (:data:`mcpot.model.entries.DOMAINS`): ``logit`` of the
  position in a bounded domain (adoption, overlap: [0, 1]), ``log`` of the distance to the lower end of
  a half-bounded one (S, beta, RF, RA, EF, Q, E: > 0), the value itself for an unbounded one (alpha):

  .. math:: x' = g^{-1}\\bigl(g(m) + k\\,(g(F^{-1}(u)) - g(m))\\bigr)

  with ``m`` the median. This is monotone in ``u``, so it is a quantile function; the median is kept
  exactly, every draw stays inside the domain, and for an unbounded domain the sd is scaled by exactly
  ``k``. For a lognormal prior the geometric sd becomes ``gsd ** k``.
* :func:`swap_families`: another family per prior, matched on the median and the 5-95% range
  (:data:`SWAP`): the bounded families (uniform, triangular, PERT, beta) become a normal with mean at
  the median and ``sd = (q95 - q05) / (2 * 1.645)``; normal and lognormal become a uniform centred on
  the median with ``width = (q95 - q05) / 0.9``. Where the new prior would leave the domain it is
  truncated to it (which moves the median slightly; e.g. a ceiling PERT(0.8, 0.9, 1.0)). Other scipy
  families are left as they are.
* :func:`drop_correlations`: the same priors with no ``[[correlation]]`` entries.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit

from mcpot.errors import McpotError
from mcpot.model import distributions
from mcpot.model.entries import DOMAINS, Prior
from mcpot.model.priors import SectorPriors

__all__ = ["SWAP", "SpreadScaled", "drop_correlations", "scale_widths", "swap_families"]

_Z95 = 1.6448536269514722
SWAP = {
    "uniform": "normal",
    "triangular": "normal",
    "pert": "normal",
    "beta": "normal",
    "normal": "uniform",
    "lognormal": "uniform",
}
"""The family each friendly form is swapped to by :func:`swap_families`."""


def _coords(lo: float, hi: float) -> str:
    if np.isfinite(lo) and np.isfinite(hi):
        return "logit"
    return "log" if np.isfinite(lo) else "identity"


@dataclass(frozen=True)
class SpreadScaled:
    """A distribution whose spread about its median is scaled by ``factor`` in domain coordinates.

    Attributes
    ----------
    base : frozen distribution
        The original prior's distribution (scipy frozen or :class:`~mcpot.model.distributions.Truncated`).
    factor : float
        Spread factor ``k > 0``.
    lo, hi : float
        The kind's domain (see module docstring for the coordinates used).
    """

    base: object
    factor: float
    lo: float
    hi: float

    def _to(self, x):
        kind = _coords(self.lo, self.hi)
        with np.errstate(divide="ignore"):
            if kind == "logit":
                return logit((np.asarray(x, dtype=float) - self.lo) / (self.hi - self.lo))
            if kind == "log":
                return np.log(np.asarray(x, dtype=float) - self.lo)
        return np.asarray(x, dtype=float)

    def _from(self, g):
        kind = _coords(self.lo, self.hi)
        if kind == "logit":
            return self.lo + (self.hi - self.lo) * expit(g)
        if kind == "log":
            return self.lo + np.exp(g)
        return g

    def ppf(self, u):
        """Quantile function: the base quantile moved ``factor`` times as far from the median."""
        gm = self._to(distributions.ppf(self.base, 0.5))
        g = self._to(distributions.ppf(self.base, u))
        with np.errstate(invalid="ignore"):
            out = self._from(gm + self.factor * (g - gm))
        return np.clip(np.where(np.isnan(out), g, out), self.lo, self.hi)

    def support(self):
        ends = self.ppf(np.array([0.0, 1.0]))
        return float(ends[0]), float(ends[1])

    def median(self) -> float:
        return float(self.ppf(0.5))


def _replace(priors: dict[str, SectorPriors], change) -> dict[str, SectorPriors]:
    out = {}
    for sector, sp in priors.items():
        new = {n: (p if p.fixed else change(p)) for n, p in sp.priors.items()}
        out[sector] = dataclasses.replace(sp, priors=new)
    return out


def _with(prior: Prior, dist, note: str, spec: dict | None = None) -> Prior:
    spec = spec if spec is not None else prior.spec
    return dataclasses.replace(prior, dist=dist, source=f"{note} (was: {prior.source})", spec=spec)


def scale_widths(priors: dict[str, SectorPriors], factor: float) -> dict[str, SectorPriors]:
    """Every free input's spread scaled by ``factor`` about its median (see the module docstring).

    Raises
    ------
    McpotError
        If ``factor`` is not a positive finite number.
    """
    if not (isinstance(factor, int | float) and np.isfinite(factor) and factor > 0):
        raise McpotError(f"widths factor: must be a positive number, got {factor!r}")

    def change(p: Prior) -> Prior:
        lo, hi, _ = DOMAINS[p.kind]
        lo = 0.0 if lo > 0 and lo < 1e-300 else lo  # "> 0" domains: log of the value itself
        return _with(p, SpreadScaled(p.dist, float(factor), float(lo), float(hi)), f"widths x{factor:g}")

    return _replace(priors, change)


def matched(prior: Prior) -> tuple[str, dict] | None:
    """The swapped family of ``prior`` and its parameters (see :data:`SWAP`), or None if not swapped."""
    form = prior.spec.get("dist")
    target = SWAP.get(form)
    if target is None:
        return None
    q05, q50, q95 = (prior.quantile(q) for q in (0.05, 0.5, 0.95))
    if target == "normal":
        return target, {"mean": q50, "sd": (q95 - q05) / (2 * _Z95)}
    half = (q95 - q05) / 0.9 / 2
    return target, {"low": q50 - half, "high": q50 + half}


def swap_families(priors: dict[str, SectorPriors]) -> dict[str, SectorPriors]:
    """Each free prior in another family matched on median and 5-95% range (see the module docstring)."""

    def change(p: Prior) -> Prior:
        new = matched(p)
        if new is None:
            return p
        form, params = new
        dist = distributions.build(form, params)
        lo, hi, _ = DOMAINS[p.kind]
        s_lo, s_hi = dist.support()
        if s_lo < lo or s_hi > hi:
            dist = distributions.Truncated(dist, float(max(s_lo, lo)), float(min(s_hi, hi)))
        spec = {"dist": form, **params, "unit": p.unit, "source": p.source}
        return _with(p, dist, f"family {p.spec['dist']} -> {form}", spec)

    return _replace(priors, change)


def drop_correlations(priors: dict[str, SectorPriors]) -> dict[str, SectorPriors]:
    """The same priors without ``[[correlation]]`` entries (independent inputs)."""
    return {s: dataclasses.replace(sp, correlations=()) for s, sp in priors.items()}
