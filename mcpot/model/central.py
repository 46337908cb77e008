"""How the default priors' central values of the logistic and RF were obtained (and how to redo it).

The report publishes totals for 2025/2030/2035 and category shares, but none of the parameters. With
K0, K_max (or headroom) and S held at their prior medians (literature-based, see ``docs/evidence.md``),
:func:`fit_central` finds

- per sector, one steepness ``k`` (beta, per unit of adoption), bounded to ``steepness_bounds``
  (default 4-12, the evidence range of the slope);
- per category, the logistic midpoint ``K*`` (adoption at which half of RF is realised; ``alpha =
  -k K*``), bounded to ``midpoint_bounds`` (default [0.05, 0.95]);

by bounded least squares (:func:`scipy.optimize.least_squares`, trust-region reflective) on the
relative errors of the 2025 and 2030 totals, regularised towards ``K* = k_mid`` (weight ``reg`` per
unit of midpoint) because C + 1 unknowns are more than two totals pin down; and

- per category RF, in closed form, so that the 2035 total and the 2035 shares are met exactly:
  ``RF_i = share_i * total_2035 / L_i(2035)``, with ``L_i`` the fraction of RF the chosen reading
  realises (every reading is linear in RF).

Any reading can be fitted (``mcpot fit-central --reading cumulative``); the default priors use the
``report`` reading, the one the published figures imply.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from mcpot.model.kernel import category_potentials
from mcpot.model.priors import SectorPriors
from mcpot.model.reference import Published


def fit_central(
    sp: SectorPriors,
    pub: Published,
    reading: str = "report",
    k_mid: float = 0.5,
    reg: float = 0.01,
    steepness_bounds: tuple[float, float] = (4.0, 12.0),
    midpoint_bounds: tuple[float, float] = (0.05, 0.95),
) -> pd.DataFrame:
    """Fit one steepness per sector, a midpoint and an RF per category to the published figures.

    Parameters
    ----------
    sp : SectorPriors
        The sector's priors; K0, K_max (or headroom), S and the sector's emissions, production and
        overlap are taken at their medians.
    pub : Published
        The sector's published figures (totals in Mt CO2/yr, shares as fractions).
    reading : str
        Reading of equation (2) fitted.
    k_mid : float
        Midpoint the regularisation pulls towards, fraction 0..1.
    reg : float
        Weight of the regularisation towards ``K* = k_mid`` (per unit of midpoint).
    steepness_bounds, midpoint_bounds : (float, float)
        Bounds of the steepness (per unit of adoption) and of the midpoints (fraction 0..1).

    Returns
    -------
    pandas.DataFrame
        One row per included category: K0, K_max, S (medians used), steepness (fitted, the same for
        every category), midpoint (fitted), alpha = -steepness * midpoint and beta = steepness, RF
        (fitted, Mt CO2/yr), and the fitted potentials ER_<year> (Mt CO2/yr).
    """
    from mcpot.model.space import ParameterSpace  # space imports priors; keep this module light

    space = ParameterSpace({sp.sector: sp}, reading)
    X = space.medians()
    base = space.sector_params(X, sp.sector)
    present = np.asarray(sp.included)
    cats = [c for c, inc in zip(sp.categories, sp.included, strict=True) if inc]
    years = np.array(sorted(pub.totals))
    shares = np.array([pub.shares[c] for c in cats])
    shares = shares / shares.sum()
    targets = np.array([pub.totals[y] for y in years])

    def unit_potentials(theta):
        k, mid = theta[0], np.zeros(present.size)
        mid[present] = theta[1:]
        p = dataclasses.replace(
            base,
            alpha=np.where(present, -k * mid, base.alpha),
            beta=np.where(present, k, base.beta),
            RF=present[None, :].astype(float),
        )
        return category_potentials(p, years, reading)[0][present]  # [cats, years]

    def fitted(theta):
        L = unit_potentials(theta)
        rf = shares * targets[-1] / L[:, -1]
        return rf, L * rf[:, None]

    def residuals(theta):
        er = fitted(theta)[1]
        return np.concatenate([er.sum(axis=0)[:-1] / targets[:-1] - 1, reg * (theta[1:] - k_mid)])

    lower = [steepness_bounds[0]] + [midpoint_bounds[0]] * len(cats)
    upper = [steepness_bounds[1]] + [midpoint_bounds[1]] * len(cats)
    start = np.array([np.sqrt(steepness_bounds[0] * steepness_bounds[1])] + [k_mid] * len(cats))
    theta = least_squares(residuals, start, bounds=(lower, upper), x_scale=[4.0] + [0.1] * len(cats)).x
    rf, er = fitted(theta)
    table = pd.DataFrame(
        {
            "category": cats,
            "K0": base.K0[0, present],
            "K_max": base.K_max[0, present],
            "S": base.S[0, present],
            "steepness": theta[0],
            "midpoint": theta[1:],
            "alpha": -theta[0] * theta[1:],
            "beta": theta[0],
            "RF": rf,
        }
    )
    for j, y in enumerate(years):
        table[f"ER_{y}"] = er[:, j]
    return table
