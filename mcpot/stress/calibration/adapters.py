"""mcpot adapters: the ABC methods on :class:`mcpot.model.space.ParameterSpace` and the report's figures."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mcpot.engine.sampling import copula_factor
from mcpot.model.priors import published
from mcpot.model.reference import SHARE_YEAR
from mcpot.model.space import ParameterSpace, evaluate, output_columns

from .core import ScipyPriors, Simulator


def priors_from_space(space: ParameterSpace) -> ScipyPriors:
    """The free inputs of a :class:`~mcpot.model.space.ParameterSpace` as a :class:`PriorSet`.

    ``ppf`` is the space's own (same values as :meth:`ParameterSpace.ppf`, with the ``[[correlation]]``
    Gaussian copula applied as Monte Carlo runs apply it); ``logpdf`` adds the copula density.
    """
    names = space.names
    dists = tuple(space.all_priors[n].dist for n in names)
    R = space.rank_correlation()
    copula = None if np.array_equal(R, np.eye(len(names))) else copula_factor(R)
    return ScipyPriors(names, dists, copula)


def model_simulator(space: ParameterSpace, outputs: Sequence[str], *, horizon: int = 2035) -> Simulator:
    """``simulate(X) -> S`` returning the named model outputs under the space's reading.

    Parameters
    ----------
    space : ParameterSpace
        Inputs of the model and the reading of equation (2) (``space.reading``).
    outputs : sequence of str
        Output names (see :func:`mcpot.model.space.output_columns`), e.g. ``["cement.total.2025",
        "cement.share.automatic_control.2035"]``.
    horizon : int
        Last model year.
    """
    reading = space.reading
    names = list(output_columns(space, horizon, reading)["output"])
    missing = [o for o in outputs if o not in names]
    if missing:
        raise ValueError(f"unknown model outputs {missing}; see mcpot.model.space.output_columns")
    idx = np.array([names.index(o) for o in outputs])

    def simulate(X: np.ndarray) -> np.ndarray:
        return evaluate(space, X, horizon, reading)[:, idx]

    return simulate


def report_targets(space: ParameterSpace) -> pd.Series:
    """The report's published totals (2025/2030/2035, Mt CO2/yr) and shares (read as 2035 shares,
    fractions) for the sectors of ``space``, indexed by model output name.

    Shares of a category a sector does not have (cement by-product reuse, published as 0%) are left
    out: the model has no such output.
    """
    values: dict[str, float] = {}
    for sector, pub in published(space.sectors).items():
        if sector not in space.sectors:
            continue
        values |= {f"{sector}.total.{y}": v for y, v in pub.totals.items()}
        included = dict(zip(space.sectors[sector].categories, space.sectors[sector].included, strict=True))
        values |= {f"{sector}.share.{c}.{SHARE_YEAR}": v for c, v in pub.shares.items() if included[c]}
    return pd.Series(values, name="report")
