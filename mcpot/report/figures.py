"""Figures the analyses write into their run folders (the CLI hands these to the orchestrators).

The orchestrators of :mod:`mcpot.sensitivity` and :mod:`mcpot.stress` take a ``figures=`` callable and
never import this layer; these are the callables. Bare :class:`matplotlib.figure.Figure` objects: no pyplot
state, nothing to close.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from mcpot.engine.sampling import unit_samples
from mcpot.model.priors import SectorPriors
from mcpot.report import plots


def tornado_figures(swings: pd.DataFrame, run_dir: Path) -> None:
    """``tornado-<output>.png/.svg`` for each output in ``swings`` (:func:`mcpot.run_tornado`)."""
    for output in dict.fromkeys(swings["output"]):
        fig = Figure(figsize=(8, 6), layout="constrained")
        plots.tornado(swings, output=output, ax=fig.subplots())
        plots.save(fig, run_dir / f"tornado-{output}")


def prior_posterior_figures(
    result, priors: dict[str, SectorPriors], seed: int, run_dir: Path, per_sector: int = 6
) -> None:
    """``prior_posterior-<sector>.png/.svg``: prior vs posterior densities of the most and
    least constrained inputs of each sector (``result``: a
    :class:`~mcpot.stress.calibration.CalibrationResult`)."""
    for sector, c in result.constraint.groupby("sector", sort=False):
        ranked = c.sort_values("width_ratio")
        chosen = list(ranked.input.head(per_sector - 2)) + list(ranked.input.tail(2))
        fig = Figure(figsize=(4 * 3, 3.2 * 2), layout="constrained")
        post = result.posterior[result.posterior.sector == sector]
        for ax, name in zip(fig.subplots(2, 3).ravel(), chosen, strict=False):
            prior = priors[sector].priors[name]
            draws = prior.ppf(unit_samples("mc", seed, 1, 0, 4000)[:, 0])
            frame = pd.concat(
                [
                    pd.DataFrame({"parameter": name, "value": draws, "which": "prior"}),
                    pd.DataFrame(
                        {"parameter": name, "value": post[name], "which": "posterior", "weight": post.weight}
                    ),
                ],
                ignore_index=True,
            )
            plots.prior_posterior(frame, name, ax=ax, unit=prior.unit)
            ax.set_title(name.split(".", 1)[1], fontsize=10)
        plots.save(fig, run_dir / f"prior_posterior-{sector}")
