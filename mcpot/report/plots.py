"""Figures of runs and analyses: seaborn/matplotlib, ``ax=`` in, ``Axes`` out.

Every plotting function draws on ``ax`` (or on a new figure when ``ax`` is None) and returns the
``Axes``; none reads or writes files. :func:`save` is the one helper that writes (PNG and SVG).
Nothing here selects a matplotlib backend or calls ``plt.show``: a new figure comes from
:func:`matplotlib.pyplot.subplots` (headless machines fall back to Agg), and code that must not touch
pyplot's global state (e.g. :mod:`mcpot.report.html`) passes axes of a bare :class:`matplotlib.figure.Figure`.

Inputs are the tables mcpot writes:

* ``summary``: the tidy run summary (``summary.csv``; :attr:`mcpot.engine.run.RunResult.summary`) or its
  wide form (:meth:`mcpot.engine.run.RunResult.wide`);
* ``histograms``: :func:`mcpot.engine.runs.load_histograms` of a run folder (full distribution of every
  output);
* Sobol' indices: :meth:`mcpot.sensitivity.sobol.SobolIndices.to_frame`; Morris statistics:
  :meth:`mcpot.sensitivity.morris.MorrisIndices.to_frame`;
* tornado, prior/posterior and scenario tables as described in each function.

Units: totals in Mt CO2/yr; band ends and shares are stored as fractions and drawn in %.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from mcpot.engine.runs import atomic_write
from mcpot.engine.summary import Grid, hist_quantiles
from mcpot.model.kernel import CATEGORIES
from mcpot.model.reference import SHARE_YEAR, published
from mcpot.model.space import QUANTITY_UNITS

__all__ = [
    "REPORT_LABEL",
    "band_distribution",
    "fan_chart",
    "morris_plot",
    "prior_posterior",
    "save",
    "scenario_comparison",
    "share_distributions",
    "sobol_bars",
    "sobol_over_time",
    "tornado",
]

REPORT_LABEL = "report (CAICT 2024)"
"""Legend label of the report's published figures in every plot (tests look for it)."""

_PALETTE = sns.color_palette("colorblind")
_REPORT_COLOR = "#c0392b"
_BAND_ENDS = (("band_low", 2025, 0), ("band_high", 2035, 1))
_TOTAL_UNIT = QUANTITY_UNITS["total"]


# ----------------------------------------------------------------------------------------- helpers
def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """Return ``ax``, or the axes of a new constrained-layout figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _reading_note(reading: str | None) -> str:
    """Return ``" (<reading> reading)"`` for titles, or an empty string when unknown."""
    return f" ({reading} reading)" if reading else ""


def _summary_reading(summary: pd.DataFrame) -> str | None:
    """Return the single reading named in a summary table, or None."""
    if "reading" not in summary.columns:
        return None
    readings = summary["reading"].dropna().unique()
    return str(readings[0]) if len(readings) == 1 else None


def _wide_stats(summary: pd.DataFrame, sector: str, quantity: str) -> pd.DataFrame:
    """Return one row per output of ``sector``/``quantity`` with one column per statistic.

    Accepts the tidy summary (a ``statistic`` column) or its wide form (``p50`` etc. as columns).
    """
    rows = summary[(summary["sector"] == sector) & (summary["quantity"] == quantity)]
    if rows.empty:
        raise ValueError(f"the summary has no {quantity!r} rows for sector {sector!r}")
    if "statistic" in rows.columns:
        keys = [c for c in ("output", "category", "year") if c in rows.columns]
        wide = rows.pivot_table(index="output", columns="statistic", values="value", aggfunc="first")
        meta = rows.drop_duplicates("output").set_index("output")[[k for k in keys if k != "output"]]
        rows = meta.join(wide).reset_index()
    return rows


def _short_names(names: Sequence[str]) -> list[str]:
    """Drop the dotted prefix all ``names`` share (e.g. ``steel.``), keeping at least one part."""
    parts = [str(n).split(".") for n in names]
    if len(parts) < 2:
        return [str(n) for n in names]
    common = 0
    while all(len(p) > common + 1 and p[common] == parts[0][common] for p in parts):
        common += 1
    return [".".join(p[common:]) for p in parts]


def _unit_of(output: str) -> str | None:
    """Guess the unit of an mcpot output name (``<sector>.<quantity>[.<category>].<year>``)."""
    parts = str(output).split(".")
    return QUANTITY_UNITS.get(parts[1]) if len(parts) > 1 else None


def _one_output(frame: pd.DataFrame, output: str | None, what: str) -> pd.DataFrame:
    """Return the rows of ``output`` (or of the frame's only output when None)."""
    outputs = list(dict.fromkeys(frame["output"]))
    if output is None:
        if len(outputs) != 1:
            raise ValueError(f"{what}: the frame holds {len(outputs)} outputs; name one with output=")
        output = outputs[0]
    rows = frame[frame["output"] == output]
    if rows.empty:
        raise ValueError(f"{what}: no rows for output {output!r} (outputs: {', '.join(map(str, outputs))})")
    return rows


def _grouping(frame: pd.DataFrame, grouping: str | None) -> tuple[pd.DataFrame, str | None]:
    """Keep one grouping of a Sobol' table that has a ``grouping`` column (default ``"parameter"``)."""
    if "grouping" not in frame.columns:
        return frame, None
    present = list(dict.fromkeys(frame["grouping"]))
    if grouping is None:
        grouping = "parameter" if "parameter" in present else present[0]
    if grouping not in present:
        raise ValueError(f"no grouping {grouping!r} in the table (groupings: {', '.join(map(str, present))})")
    return frame[frame["grouping"] == grouping], grouping


def _frame_reading(frame: pd.DataFrame) -> str | None:
    """Return the single reading a sensitivity table names in a ``reading`` column, or None."""
    return _summary_reading(frame)


def _histogram_row(histograms: Mapping[str, np.ndarray], output: str) -> tuple[np.ndarray, float, float]:
    """Return the counts ``[bins + 2]``, bin ``low`` and ``width`` of one output of a histograms file."""
    names = [str(n) for n in histograms["output"]]
    if output not in names:
        raise ValueError(f"the histograms hold no output {output!r}")
    i = names.index(output)
    return (
        np.asarray(histograms["counts"][i], dtype=float),
        float(histograms["low"][i]),
        float(histograms["width"][i]),
    )


def _histogram_cdf(counts: np.ndarray, low: float, width: float) -> tuple[np.ndarray, np.ndarray]:
    """Return bin edges and the empirical CDF at them (underflow counted at the first edge)."""
    n = counts.sum()
    if n <= 0:
        raise ValueError("empty histogram")
    edges = low + width * np.arange(counts.size - 1)
    cdf = np.cumsum(counts[:-1]) / n  # counts[0] is the underflow; counts[-1] the overflow
    return edges, cdf


def _histogram_quantiles(counts: np.ndarray, low: float, width: float, q: Sequence[float]) -> np.ndarray:
    """Quantiles ``q`` (fractions) of a histogram, linear within bins (as the run summaries read them)."""
    return hist_quantiles(counts[None, :], Grid(np.array([low]), np.array([width])), q)[0]


def _histogram_density(counts: np.ndarray, low: float, width: float, edges: np.ndarray) -> np.ndarray:
    """Probability density of a histogram re-binned onto ``edges`` (per unit of the output)."""
    raw_edges, cdf = _histogram_cdf(counts, low, width)
    mass = np.diff(np.interp(edges, raw_edges, cdf))
    return mass / np.diff(edges)


def _mark_report(ax: Axes, x, y, *, label: str = REPORT_LABEL, **kw) -> None:
    """Draw the report's figures as red diamonds."""
    ax.scatter(x, y, marker="D", s=42, color=_REPORT_COLOR, edgecolor="white", zorder=5, label=label, **kw)


def _finish(ax: Axes) -> Axes:
    """Light grid and no top/right spines."""
    ax.grid(True, alpha=0.3, linewidth=0.6)
    ax.set_axisbelow(True)
    sns.despine(ax=ax)
    return ax


# ------------------------------------------------------------------------------------- run outputs
def fan_chart(summary: pd.DataFrame, sector: str, ax: Axes | None = None) -> Axes:
    """Draw the sector's total reduction potential over the years as a fan chart.

    The median is a line, the 50% (p25-p75) and 90% (p5-p95) intervals are shaded bands, and the
    report's 2025/2030/2035 totals are red diamonds (legend label :data:`REPORT_LABEL`).

    Parameters
    ----------
    summary : pandas.DataFrame
        Run summary, tidy (``summary.csv``) or wide (:meth:`~mcpot.engine.run.RunResult.wide`), with
        ``total`` rows for ``sector`` (Mt CO2/yr) and statistics ``p5``, ``p25``, ``p50``, ``p75``,
        ``p95``.
    sector : str
        Sector to draw.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    ax = _axes(ax, (6.4, 4.0))
    stats = _wide_stats(summary, sector, "total").sort_values("year")
    years = stats["year"].to_numpy(dtype=float)
    color = _PALETTE[0]
    ax.fill_between(years, stats["p5"], stats["p95"], color=color, alpha=0.18, lw=0, label="90% interval")
    ax.fill_between(years, stats["p25"], stats["p75"], color=color, alpha=0.38, lw=0, label="50% interval")
    ax.plot(years, stats["p50"], color=color, lw=2, label="median")
    pub = published().get(sector)
    if pub is not None:
        _mark_report(ax, list(pub.totals), list(pub.totals.values()))
    ax.set_xlabel("year")
    ax.set_ylabel(f"total reduction potential ({_TOTAL_UNIT})")
    ax.set_title(f"{sector}: total{_reading_note(_summary_reading(summary))}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", frameon=False, fontsize="small")
    return _finish(ax)


def band_distribution(
    histograms: Mapping[str, np.ndarray],
    sector: str,
    ax: Axes | None = None,
    *,
    reading: str | None = None,
    bins: int = 60,
) -> Axes:
    """Draw the distributions of the sector's band ends with the report's band ends marked.

    The band is ``[contribution(2025), contribution(2035)]``, in % of sector emissions. Each end's
    density is a filled step curve; the report's ends are dashed vertical lines of the same colour
    (legend labels start with ``report``).

    Parameters
    ----------
    histograms : mapping
        :func:`mcpot.engine.runs.load_histograms` of a run folder: ``output``, ``counts``, ``low``, ``width``.
    sector : str
        Sector to draw.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    reading : str, optional
        Reading of equation (2) that produced the run, named in the title (the histograms do not
        record it).
    bins : int, default 60
        Number of bins drawn between the 0.1% and 99.9% quantiles of the two ends.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    ax = _axes(ax, (6.4, 4.0))
    rows = {q: _histogram_row(histograms, f"{sector}.{q}.{year}") for q, year, _ in _BAND_ENDS}
    span = np.concatenate([_histogram_quantiles(*rows[q], (0.001, 0.999)) for q, _, _ in _BAND_ENDS])
    edges = np.linspace(span.min(), span.max(), bins + 1)
    pub = published().get(sector)
    for (quantity, year, end), color in zip(_BAND_ENDS, (_PALETTE[0], _PALETTE[1]), strict=True):
        density = _histogram_density(*rows[quantity], edges) / 100.0  # per %-point
        ax.stairs(density, 100 * edges, fill=True, color=color, alpha=0.35, label=f"model, {year}")
        ax.stairs(density, 100 * edges, color=color, lw=1.2)
        if pub is not None:
            ax.axvline(
                100 * pub.band[end],
                color=color,
                ls="--",
                lw=1.6,
                label=f"report, {year}: {100 * pub.band[end]:g}%",
            )
    ax.set_xlabel("contribution (% of sector emissions)")
    ax.set_ylabel("probability density (per %-point)")
    ax.set_title(f"{sector}: band ends{_reading_note(reading)}")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, fontsize="small")
    return _finish(ax)


def _share_stats(data, sector: str, year: int) -> dict[str, dict[str, float]]:
    """Return p5/p25/p50/p75/p95 of each modelled category's share, from histograms or a summary."""
    out = {}
    if isinstance(data, pd.DataFrame):
        stats = _wide_stats(data, sector, "share")
        for row in stats[stats["year"] == year].itertuples():
            out[row.category] = {k: float(getattr(row, k)) for k in ("p5", "p25", "p50", "p75", "p95")}
    else:
        names = {str(n) for n in data["output"]}
        for cat in CATEGORIES:
            name = f"{sector}.share.{cat}.{year}"
            if name in names:
                q = _histogram_quantiles(*_histogram_row(data, name), (0.05, 0.25, 0.5, 0.75, 0.95))
                out[cat] = dict(zip(("p5", "p25", "p50", "p75", "p95"), map(float, q), strict=True))
    if not out:
        raise ValueError(f"no {year} share outputs for sector {sector!r}")
    return out


def share_distributions(
    data: Mapping[str, np.ndarray] | pd.DataFrame,
    sector: str,
    ax: Axes | None = None,
    *,
    year: int = SHARE_YEAR,
    reading: str | None = None,
) -> Axes:
    """Draw the category shares of the sector's total (2035 by default) against the published shares.

    One horizontal box per modelled category: box p25-p75, line at the median, whiskers p5-p95.
    The report's shares are red diamonds; a published category the model does not have (cement's
    by-product reuse, 0%) gets a row with the diamond only.

    Parameters
    ----------
    data : mapping or pandas.DataFrame
        :func:`mcpot.engine.runs.load_histograms` of a run folder, or the run summary (tidy or wide).
    sector : str
        Sector to draw.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    year : int, default 2035
        Year of the shares (the report states its shares without a year; mcpot compares 2035).
    reading : str, optional
        Reading named in the title (taken from the summary when ``data`` is one).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    ax = _axes(ax, (6.4, 3.6))
    stats = _share_stats(data, sector, year)
    if reading is None and isinstance(data, pd.DataFrame):
        reading = _summary_reading(data)
    pub = published().get(sector)
    cats = [c for c in CATEGORIES if c in stats or (pub is not None and c in pub.shares)]
    positions = {c: len(cats) - 1 - i for i, c in enumerate(cats)}  # first category on top
    boxes = [
        {
            "med": 100 * s["p50"],
            "q1": 100 * s["p25"],
            "q3": 100 * s["p75"],
            "whislo": 100 * s["p5"],
            "whishi": 100 * s["p95"],
            "fliers": [],
            "label": c,
        }
        for c, s in stats.items()
    ]
    ax.bxp(
        boxes,
        positions=[positions[c] for c in stats],
        orientation="horizontal",
        widths=0.55,
        patch_artist=True,
        manage_ticks=False,
        boxprops={"facecolor": mcolors.to_rgba(_PALETTE[0], 0.35), "edgecolor": _PALETTE[0]},
        medianprops={"color": _PALETTE[0], "lw": 2, "gid": "median"},
        whiskerprops={"color": _PALETTE[0]},
        capprops={"color": _PALETTE[0]},
    )
    if pub is not None:
        shown = [c for c in cats if c in pub.shares]
        _mark_report(ax, [100 * pub.shares[c] for c in shown], [positions[c] for c in shown])
    ax.set_yticks([positions[c] for c in cats])
    ax.set_yticklabels([c if c in stats else f"{c} (not modelled)" for c in cats])
    ax.set_ylim(-0.6, len(cats) - 0.4)
    ax.set_xlabel(f"share of the sector's total potential in {year} (%)\nbox 25-75%, whiskers 5-95%")
    ax.set_title(f"{sector}: shares {year}{_reading_note(reading)}")
    ax.legend(loc="lower right", frameon=False, fontsize="small")
    return _finish(ax)


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

    Parameters are sorted by ST, largest on top; error bars are the percentile-bootstrap interval
    (``low``-``high``), or ``value +/- conf`` where it is missing.

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


# ---------------------------------------------------------------------------------------- output
def save(fig: Figure, path_stem: str | Path, *, dpi: int = 150) -> tuple[Path, Path]:
    """Write ``fig`` as ``<path_stem>.png`` and ``<path_stem>.svg``, each atomically.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Figure to write (an ``Axes``' figure is taken as ``ax.figure``).
    path_stem : str or pathlib.Path
        Path without suffix; anything after the last slash is kept whole (dots included).
    dpi : int, default 150
        Resolution of the PNG.

    Returns
    -------
    tuple of pathlib.Path
        The PNG and SVG paths.
    """
    if isinstance(fig, Axes):
        fig = fig.figure
    stem = Path(path_stem)
    paths = (stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg"))
    for path, fmt in zip(paths, ("png", "svg"), strict=True):
        atomic_write(path, lambda tmp, fmt=fmt: fig.savefig(tmp, format=fmt, dpi=dpi))
    return paths
