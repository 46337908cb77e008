"""Figures of a Monte Carlo run: fan charts of the totals, band-end distributions, category shares."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from mcpot.engine.summary import histogram_row
from mcpot.model.kernel import CATEGORIES
from mcpot.model.reference import SHARE_YEAR, Published
from mcpot.report.plots.common import (
    _BAND_ENDS,
    _PALETTE,
    _TOTAL_UNIT,
    BUNDLED,
    _axes,
    _finish,
    _histogram_density,
    _histogram_quantiles,
    _mark_report,
    _reading_note,
    _reference,
    _summary_reading,
    _wide_stats,
)


# ------------------------------------------------------------------------------------- run outputs
def fan_chart(
    summary: pd.DataFrame, sector: str, ax: Axes | None = None, *, reference: Published | str | None = BUNDLED
) -> Axes:
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
    pub = _reference(sector, reference)
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
    reference: Published | str | None = BUNDLED,
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
    rows = {q: histogram_row(histograms, f"{sector}.{q}.{year}") for q, year, _ in _BAND_ENDS}
    span = np.concatenate([_histogram_quantiles(*rows[q], (0.001, 0.999)) for q, _, _ in _BAND_ENDS])
    edges = np.linspace(span.min(), span.max(), bins + 1)
    pub = _reference(sector, reference)
    if pub is not None and pub.band is None:
        pub = None
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
        prefix, suffix = f"{sector}.share.", f".{year}"
        for name in (str(n) for n in data["output"]):
            if name.startswith(prefix) and name.endswith(suffix):
                cat = name[len(prefix) : -len(suffix)]
                q = _histogram_quantiles(*histogram_row(data, name), (0.05, 0.25, 0.5, 0.75, 0.95))
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
    reference: Published | str | None = BUNDLED,
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
    pub = _reference(sector, reference)
    cats = [*stats, *(c for c in (pub.shares if pub is not None else ()) if c not in stats)]
    # the report's categories in the report's order; a sector's own categories after them, as found
    cats.sort(key=lambda c: CATEGORIES.index(c) if c in CATEGORIES else len(CATEGORIES))
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
    if ax.get_legend_handles_labels()[0]:  # nothing to label without published shares
        ax.legend(loc="lower right", frameon=False, fontsize="small")
    return _finish(ax)
