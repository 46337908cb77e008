"""Every input of a set of priors as one tidy table: what ``mcpot priors`` prints.

For each input: its distribution and parameters, its 5/50/95% quantiles, unit and source, and for an
entry given by elicited quantiles the fitted parameters and the fit's maximum CDF error (how far the
fitted distribution is from what the expert stated, in probability). No I/O.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mcpot.model import distributions
from mcpot.model.entries import Prior
from mcpot.model.priors import SectorPriors

COLUMNS = [
    "sector",
    "name",
    "kind",
    "distribution",
    "p05",
    "p50",
    "p95",
    "unit",
    "elicited",
    "fit",
    "max_cdf_error",
    "source",
]


def describe(prior: Prior) -> str:
    """The prior's distribution in one line, e.g. ``pert(low=0.4, mode=0.6, high=0.8)`` or ``fixed 1018``."""
    if prior.fixed:
        return f"fixed {prior.value:g}"
    spec = prior.spec
    name = spec["dist"]
    if name in distributions.FORMS:
        params = {k: spec[k] for k in distributions.FORMS[name].required}
    else:
        params = dict(spec.get("params", {}))
    text = f"{name}({', '.join(f'{k}={v:.4g}' for k, v in params.items())})"
    if "lower" in spec or "upper" in spec:
        text += f" truncated to [{spec.get('lower', -np.inf):g}, {spec.get('upper', np.inf):g}]"
    return text


def prior_table(priors: dict[str, SectorPriors]) -> pd.DataFrame:
    """One row per input of every sector in ``priors`` (columns :data:`COLUMNS`).

    ``p05``/``p50``/``p95`` are in the input's ``unit``; ``elicited`` lists the stated quantiles
    (``p: x``) and ``fit``/``max_cdf_error`` the fitted family and max ``abs(F(x_k) - p_k)`` (probability),
    empty for entries not given by quantiles.
    """
    rows = []
    for sector, sp in priors.items():
        for name, prior in sp.priors.items():
            q = [prior.quantile(p) for p in (0.05, 0.5, 0.95)]
            fit = prior.elicited
            stated = (
                ", ".join(f"{p:g}: {x:g}" for p, x in zip(fit.probabilities, fit.values, strict=True))
                if fit is not None
                else ""
            )
            rows.append(
                (
                    sector,
                    name,
                    prior.kind,
                    describe(prior),
                    *q,
                    prior.unit,
                    stated,
                    fit.describe() if fit is not None else "",
                    fit.max_error if fit is not None else np.nan,
                    prior.source,
                )
            )
    return pd.DataFrame(rows, columns=COLUMNS)
