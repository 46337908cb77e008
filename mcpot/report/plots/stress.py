"""Figures of the stress tests: prior vs posterior densities, scenarios side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from mcpot.report.plots.common import _PALETTE, _axes, _finish


# ------------------------------------------------------------------------------- stress and priors
def prior_posterior(
    frame: pd.DataFrame, parameter: str, ax: Axes | None = None, *, unit: str | None = None
) -> Axes:
    """Draw the prior and posterior densities of one parameter, overlaid (kernel density estimates).

    Parameters
    ----------
    frame : pandas.DataFrame
        Long table with columns ``parameter``, ``value``, ``which`` (``"prior"`` | ``"posterior"``) and
        optionally ``weight`` (sample weights, e.g. importance weights; missing weights count as 1)
        and ``unit``.
    parameter : str
        Parameter to draw.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    unit : str, optional
        Unit for the axis label (default: the frame's ``unit`` column, if any).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (one density curve per ``which`` present).
    """
    ax = _axes(ax, (6.4, 4.0))
    rows = frame[frame["parameter"] == parameter]
    if rows.empty:
        raise ValueError(f"prior_posterior: no rows for parameter {parameter!r}")
    for which, color in (("prior", _PALETTE[7]), ("posterior", _PALETTE[0])):
        sub = rows[rows["which"] == which]
        if sub.empty:
            continue
        weights = sub["weight"].fillna(1.0).to_numpy(dtype=float) if "weight" in sub else None
        sns.kdeplot(
            x=sub["value"].to_numpy(dtype=float),
            weights=weights,
            ax=ax,
            color=color,
            fill=True,
            alpha=0.3,
            linewidth=1.6,
            label=which,
            cut=0,
            warn_singular=False,
        )
    if unit is None and "unit" in rows and rows["unit"].notna().any():
        unit = str(rows["unit"].dropna().iloc[0])
    ax.set_xlabel(f"{parameter}" + (f" ({unit})" if unit else ""))
    per = unit and not unit.startswith(("dimensionless", "fraction"))  # "per fraction (0-1)" reads oddly
    ax.set_ylabel("probability density" + (f" (per {unit})" if per else ""))
    ax.set_title(f"{parameter}: prior and posterior")
    ax.legend(frameon=False, fontsize="small")
    return _finish(ax)


def scenario_comparison(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Draw each scenario's median and 90% interval (p5-p95) of one or more outputs sharing a unit.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``scenario``, ``output``, ``unit``, ``p5``, ``p50``, ``p95``; scenarios are drawn top
        to bottom in order of appearance, outputs side by side within a scenario.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (one point-interval per scenario and output).

    Raises
    ------
    ValueError
        If the outputs do not share one unit.
    """
    units = list(dict.fromkeys(frame["unit"].astype(str)))
    if len(units) != 1:
        raise ValueError(f"scenario_comparison: outputs must share one unit, got {units}")
    scenarios = list(dict.fromkeys(frame["scenario"]))
    outputs = list(dict.fromkeys(frame["output"]))
    ax = _axes(ax, (6.4, 1.4 + 0.45 * len(scenarios) * max(1, len(outputs) / 2)))
    y0 = {s: len(scenarios) - 1 - i for i, s in enumerate(scenarios)}
    step = 0.6 / max(len(outputs), 1)
    for k, out in enumerate(outputs):
        sub = frame[frame["output"] == out]
        y = np.array([y0[s] for s in sub["scenario"]]) + ((len(outputs) - 1) / 2 - k) * step
        err = np.clip(np.stack([sub["p50"] - sub["p5"], sub["p95"] - sub["p50"]]), 0.0, None)
        ax.errorbar(sub["p50"], y, xerr=err, fmt="o", capsize=3, color=_PALETTE[k % len(_PALETTE)], label=out)
    ax.set_yticks([y0[s] for s in scenarios])
    ax.set_yticklabels([str(s) for s in scenarios])
    ax.set_ylim(-0.7, len(scenarios) - 0.3)
    ax.set_xlabel(f"median and 90% interval ({units[0]})")
    ax.set_title("scenarios: median and 5-95% interval")
    ax.legend(frameon=False, fontsize="small")
    return _finish(ax)
