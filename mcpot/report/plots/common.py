"""What every figure shares: palette, axes and legend helpers, the report's marks, :func:`save`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mcpot.engine.runs import atomic_write
from mcpot.engine.summary import Grid, hist_quantiles, histogram_edges_cdf
from mcpot.model.priors import published
from mcpot.model.reference import Published
from mcpot.model.space import QUANTITY_UNITS

REPORT_LABEL = "report (CAICT 2024)"
"""Legend label of the report's published figures in every plot (tests look for it)."""
BUNDLED = "bundled"
"""``reference=BUNDLED``: mark the published figures of the bundled priors' sector of that name."""

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


def _histogram_quantiles(counts: np.ndarray, low: float, width: float, q: Sequence[float]) -> np.ndarray:
    """Quantiles ``q`` (fractions) of a histogram, linear within bins (as the run summaries read them)."""
    return hist_quantiles(counts[None, :], Grid(np.array([low]), np.array([width])), q)[0]


def _histogram_density(counts: np.ndarray, low: float, width: float, edges: np.ndarray) -> np.ndarray:
    """Probability density of a histogram re-binned onto ``edges`` (per unit of the output)."""
    raw_edges, cdf = histogram_edges_cdf(counts, low, width)
    mass = np.diff(np.interp(edges, raw_edges, cdf))
    return mass / np.diff(edges)


def _reference(sector: str, reference: Published | str | None) -> Published | None:
    """The published figures to mark: ``reference``, or the bundled priors' for :data:`BUNDLED`."""
    return published().get(sector) if isinstance(reference, str) else reference


def _mark_report(ax: Axes, x, y, *, label: str = REPORT_LABEL, **kw) -> None:
    """Draw the report's figures as red diamonds."""
    ax.scatter(x, y, marker="D", s=42, color=_REPORT_COLOR, edgecolor="white", zorder=5, label=label, **kw)


def _finish(ax: Axes) -> Axes:
    """Light grid and no top/right spines."""
    ax.grid(True, alpha=0.3, linewidth=0.6)
    ax.set_axisbelow(True)
    sns.despine(ax=ax)
    return ax


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
