"""Figures of the sensitivity analyses: Sobol' bars and heatmaps, tornado, Morris mu*-sigma."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from mcpot.report.plots.common import (
    _PALETTE,
    _TOTAL_UNIT,
    _axes,
    _finish,
    _frame_reading,
    _grouping,
    _one_output,
    _reading_note,
    _short_names,
    _unit_of,
)


# ------------------------------------------------------------------------------------ sensitivity
def _interval_errors(rows: pd.DataFrame) -> np.ndarray:
    """Return ``[2, n]`` error-bar lengths from percentile bounds, falling back to ``value +/- conf``."""
    value = rows["value"].to_numpy(dtype=float)
    low = rows["low"].to_numpy(dtype=float) if "low" in rows else np.full_like(value, np.nan)
    high = rows["high"].to_numpy(dtype=float) if "high" in rows else np.full_like(value, np.nan)
    conf = rows["conf"].to_numpy(dtype=float) if "conf" in rows else np.zeros_like(value)
    low = np.where(np.isfinite(low), low, value - conf)
    high = np.where(np.isfinite(high), high, value + conf)
    return np.nan_to_num(np.clip(np.stack([value - low, high - value]), 0.0, None))


def sobol_bars(
    frame: pd.DataFrame,
    output: str,
    ax: Axes | None = None,
    *,
    top: int | None = None,
    grouping: str | None = None,
) -> Axes:
    """Draw first-order (S1) and total (ST) Sobol' indices of one output as horizontal bars.

    Parameters are sorted by ST, largest on top; error bars are ``low``-``high`` (for
    ``mcpot sobol`` runs the replicate Student-t interval; in older runs the bootstrap percentile one), or
    ``value +/- conf`` where they are missing.

    Parameters
    ----------
    frame : pandas.DataFrame
        :meth:`mcpot.sensitivity.sobol.SobolIndices.to_frame` (columns ``output``, ``parameter``, ``index``,
        ``value``, ``conf``, ``low``, ``high``); grouped analyses name groups in ``parameter``.
        Extra columns are allowed: with ``grouping`` (tables of several groupings, as
        :func:`mcpot.sensitivity.sector.sobol_table` writes) one grouping is drawn; a single ``reading``
        is named in the title.
    output : str
        Output to draw.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    top : int, optional
        Draw only the ``top`` parameters by ST.
    grouping : str, optional
        Grouping to draw when the table has a ``grouping`` column (default ``"parameter"``).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (one bar per parameter and index).
    """
    frame, grouping = _grouping(frame, grouping)
    rows = _one_output(frame, output, "sobol_bars")
    rows = rows[rows["index"].isin(["S1", "ST"])]
    st = rows[rows["index"] == "ST"].set_index("parameter")["value"].sort_values(ascending=False)
    params = list(st.index[:top] if top else st.index)
    n = len(params)
    ax = _axes(ax, (6.4, 1.2 + 0.32 * n))
    y = np.arange(n)[::-1].astype(float)
    for k, (index, color) in enumerate((("S1", _PALETTE[0]), ("ST", _PALETTE[1]))):
        sub = rows[rows["index"] == index].set_index("parameter").reindex(params)
        ax.barh(
            y + (0.2 if k == 0 else -0.2),
            sub["value"],
            height=0.38,
            color=color,
            label=index,
            xerr=_interval_errors(sub),
            error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "0.25"},
        )
    ax.set_yticks(y)
    ax.set_yticklabels(_short_names(params))
    ax.axvline(0, color="0.3", lw=0.8)
    unit = _unit_of(output)
    ax.set_xlabel("Sobol' index (fraction of the output's variance)")
    by = f" by {grouping}" if grouping not in (None, "parameter") else ""
    ax.set_title(
        f"{output}" + (f" ({unit})" if unit else "") + f"\nS1 and ST{by}{_reading_note(_frame_reading(rows))}"
    )
    ax.legend(loc="lower right", frameon=False, fontsize="small")
    return _finish(ax)


def sobol_over_time(
    frame: pd.DataFrame,
    sector: str,
    index: str = "ST",
    ax: Axes | None = None,
    *,
    top: int | None = None,
    grouping: str | None = None,
) -> Axes:
    """Draw a time-resolved Sobol' index of the sector's total as a heatmap (parameters x years).

    Parameters
    ----------
    frame : pandas.DataFrame
        :meth:`mcpot.sensitivity.sobol.SobolIndices.to_frame` with outputs named ``<sector>.total.<year>``.
    sector : str
        Sector whose total is drawn.
    index : {"ST", "S1"}
        Which index to draw.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    top : int, optional
        Draw only the ``top`` parameters by their mean index over the years.
    grouping : str, optional
        Grouping to draw when the table has a ``grouping`` column (default ``"parameter"``).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (a ``QuadMesh`` with one cell per parameter and year).
    """
    frame, grouping = _grouping(frame, grouping)
    pattern = re.compile(rf"^{re.escape(sector)}\.total\.(\d{{4}})$")
    years = frame["output"].astype(str).str.extract(pattern, expand=False)
    rows = frame[years.notna() & (frame["index"] == index)].assign(year=years.astype(float))
    if rows.empty:
        raise ValueError(f"no {index} rows for outputs named {sector}.total.<year>")
    table = rows.pivot_table(index="parameter", columns="year", values="value", aggfunc="first")
    table.columns = [int(y) for y in table.columns]
    table = table.loc[table.mean(axis=1).sort_values(ascending=False).index]
    if top:
        table = table.iloc[:top]
    table.index = _short_names(list(table.index))
    ax = _axes(ax, (7.2, 1.4 + 0.3 * len(table)))
    vmax = float(np.nanmax(table.to_numpy(), initial=0.0))
    sns.heatmap(
        table,
        ax=ax,
        vmin=0.0,
        vmax=min(1.0, max(0.1, np.ceil(10 * vmax) / 10)),
        cmap="rocket_r",
        linewidths=0.3,
        cbar_kws={"label": f"{index} (fraction of variance)"},
    )
    ax.tick_params(axis="x", labelrotation=90)
    ax.set_xlabel("year")
    ax.set_ylabel(grouping or "parameter")
    ax.set_title(
        f"{sector}: {index} of the total ({_TOTAL_UNIT}) by year{_reading_note(_frame_reading(rows))}"
    )
    return ax


def tornado(
    frame: pd.DataFrame, ax: Axes | None = None, *, output: str | None = None, top: int | None = None
) -> Axes:
    """Draw a one-at-a-time tornado: the output at each parameter's low and high input value.

    Bars run from the baseline to the output at the parameter's low input (one colour) and at its
    high input (another), sorted by swing ``|output_at_high - output_at_low|``, largest on top; the
    input values are written at the bar ends and the baseline is a vertical line.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``output``, ``unit``, ``parameter``, ``input_low``, ``input_high``, ``output_at_low``,
        ``output_at_high``, ``baseline``; one output (or name it with ``output``).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    output : str, optional
        Output to draw when ``frame`` holds several.
    top : int, optional
        Draw only the ``top`` parameters by swing.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (two bars per parameter).
    """
    rows = _one_output(frame, output, "tornado")
    swing = (rows["output_at_high"] - rows["output_at_low"]).abs()
    rows = rows.assign(swing=swing).sort_values("swing", ascending=False, kind="stable")
    if top:
        rows = rows.iloc[:top]
    n = len(rows)
    ax = _axes(ax, (6.4, 1.2 + 0.34 * n))
    y = np.arange(n)[::-1].astype(float)
    base = float(rows["baseline"].iloc[0])
    for end, color in (("low", _PALETTE[0]), ("high", _PALETTE[1])):
        value = rows[f"output_at_{end}"].to_numpy(dtype=float)
        ax.barh(y, value - base, left=base, height=0.6, color=color, alpha=0.85, label=f"input at its {end}")
        for yi, xi, inp in zip(y, value, rows[f"input_{end}"], strict=True):
            ha = "left" if xi >= base else "right"
            ax.annotate(
                f"{inp:.4g}",
                (xi, yi),
                xytext=(3 if ha == "left" else -3, 0),
                textcoords="offset points",
                ha=ha,
                va="center",
                fontsize="x-small",
                color="0.25",
            )
    ax.axvline(base, color="0.15", lw=1.2, label=f"baseline {base:.4g}")
    ax.set_yticks(y)
    ax.set_yticklabels(_short_names(list(rows["parameter"])))
    ax.margins(x=0.12)
    name, unit = rows["output"].iloc[0], rows["unit"].iloc[0]
    ax.set_xlabel(f"{name} ({unit})")
    ax.set_title(f"{name}\none-at-a-time swings{_reading_note(_frame_reading(rows))}")
    ax.legend(loc="lower right", frameon=False, fontsize="small")
    return _finish(ax)


def morris_plot(
    frame: pd.DataFrame,
    output: str,
    ax: Axes | None = None,
    *,
    unit: str | None = None,
    labels: int = 10,
) -> Axes:
    """Draw Morris screening results of one output: mu* against sigma, labelled.

    Effects are per unit of the quantile scale of each input (see :mod:`mcpot.sensitivity.morris`), in the
    output's unit. Horizontal error bars are ``mu_star_conf``; dotted lines mark sigma/mu* = 0.1,
    0.5 and 1 (linear, monotonic, non-linear or interacting). Factors without sigma (groups of
    several parameters) are left out and counted in the title.

    Parameters
    ----------
    frame : pandas.DataFrame
        :meth:`mcpot.sensitivity.morris.MorrisIndices.to_frame` (columns ``output``, ``parameter``, ``mu``,
        ``mu_star``, ``sigma``, ``mu_star_conf``).
    output : str
        Output to draw.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    unit : str, optional
        The output's unit (guessed from mcpot output names when None).
    labels : int, default 10
        Label the ``labels`` parameters with the largest mu*.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (one point per parameter).
    """
    ax = _axes(ax, (6.4, 4.4))
    rows = _one_output(frame, output, "morris_plot")
    missing = int(rows["sigma"].isna().sum())
    rows = rows[rows["sigma"].notna()].sort_values("mu_star", ascending=False)
    ax.errorbar(
        rows["mu_star"],
        rows["sigma"],
        xerr=rows["mu_star_conf"].fillna(0).abs(),
        fmt="o",
        color=_PALETTE[0],
        ecolor="0.6",
        elinewidth=0.8,
        markersize=5,
        label="parameter",
    )
    top = float(np.nanmax([0.0, *rows["mu_star"], *rows["sigma"]])) * 1.08 or 1.0
    for ratio in (0.1, 0.5, 1.0):
        ax.plot([0, top], [0, ratio * top], ls=":", color="0.55", lw=0.9)
        ax.annotate(f"σ/μ* = {ratio:g}", (top, ratio * top), fontsize="x-small", color="0.45", ha="right")
    short = dict(zip(rows["parameter"], _short_names(list(rows["parameter"])), strict=True))
    for row in rows.head(labels).itertuples():
        ax.annotate(
            short[row.parameter],
            (row.mu_star, row.sigma),
            xytext=(4, 3),
            textcoords="offset points",
            fontsize="x-small",
        )
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    unit = unit or _unit_of(output)
    per = f"\n({unit} per unit quantile)" if unit else "\n(per unit quantile)"
    ax.set_xlabel("μ*, mean |elementary effect|" + per)
    ax.set_ylabel("σ, sd of elementary effects" + per)
    note = f"; {missing} grouped factor(s) without σ not shown" if missing else ""
    ax.set_title(f"{output}\nMorris screening{_reading_note(_frame_reading(rows))}{note}")
    return _finish(ax)
