"""How the default priors' central values of alpha and RF were obtained (and how to redo it).

The report publishes totals for 2025/2030/2035 and category shares, but none of the parameters. With
K0, K_max, S and beta held at their prior medians (literature-based, see ``docs/evidence.md``),
:func:`fit_central` finds, per category,

- alpha, by least squares on the relative errors of the 2025 and 2030 totals, regularised towards
  the adoption midpoint ``alpha_ref = -beta * k_mid`` (weight ``reg``) because four alphas are more than
  two totals pin down;
- RF, in closed form, so that the 2035 total and the 2035 shares are met exactly:
  ``RF_i = share_i * total_2035 / sigmoid(alpha_i + beta_i K_i(2035))``.

Uses the ``report`` reading of equation (2), the one the published figures imply.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import least_squares
from scipy.special import expit

from mcpot.model.kernel import BASE_YEAR, adoption, effective_ceiling
from mcpot.model.priors import SectorPriors
from mcpot.model.reference import Published


def fit_central(sp: SectorPriors, pub: Published, k_mid: float = 0.5, reg: float = 0.01) -> pd.DataFrame:
    """Fit alpha and RF per category to the published figures (report reading).

    Parameters
    ----------
    sp : SectorPriors
        The sector's priors; K0, K_max, S and beta are taken at their medians.
    pub : Published
        The sector's published figures.
    k_mid : float
        Adoption at which the logistic of (2) is centred in the regularisation, fraction 0..1.
    reg : float
        Weight of the regularisation towards ``alpha_ref = -beta * k_mid`` (per unit of alpha).

    Returns
    -------
    pandas.DataFrame
        One row per included category: K0, K_max, S, beta (medians used), alpha (fitted), RF
        (fitted, Mt CO2/yr), and the fitted potentials ER_2025/2030/2035 (Mt CO2/yr).
    """
    cats = [c for c, inc in zip(sp.categories, sp.included, strict=True) if inc]
    med = {
        k: np.array([sp.priors[f"{sp.sector}.{c}.{k}"].median() for c in cats])
        for k in ("K0", "K_max", "S", "beta")
    }
    years = np.array(sorted(pub.totals))
    K = adoption(
        (years - BASE_YEAR)[:, None],
        med["K0"],
        effective_ceiling(med["K0"], med["K_max"]),
        med["S"],
    )  # [years, cats]
    shares = np.array([pub.shares[c] for c in cats])
    shares = shares / shares.sum()
    targets = np.array([pub.totals[y] for y in years])
    alpha_ref = -med["beta"] * k_mid

    def rf(alpha):
        return shares * targets[-1] / expit(alpha + med["beta"] * K[-1])

    def residuals(alpha):
        er = expit(alpha + med["beta"] * K) * rf(alpha)
        return np.concatenate([er.sum(axis=1)[:-1] / targets[:-1] - 1, reg * (alpha - alpha_ref)])

    alpha = least_squares(residuals, alpha_ref).x
    er = expit(alpha + med["beta"] * K) * rf(alpha)
    table = pd.DataFrame({"category": cats, **med, "alpha": alpha, "RF": rf(alpha)})
    for j, y in enumerate(years):
        table[f"ER_{y}"] = er[j]
    return table
