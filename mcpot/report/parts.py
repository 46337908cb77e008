"""Pieces of the HTML report: escaping, tables, embedded figures, number formats, run-folder reading."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mcpot.engine import runs
from mcpot.errors import McpotError
from mcpot.model.priors import SectorPriors, load_priors

REPORT_NAME = "report.html"
MAX_FIGURES = 9
"""Most figures drawn per sensitivity table (Sobol' bars, tornados, Morris plots)."""
TOTAL_YEARS = (2025, 2030, 2035)
_DPI = 100
_FONT_SIZE = 11


# ---------------------------------------------------------------------------------- HTML helpers
def _esc(value: object) -> str:
    """Return ``value`` as escaped HTML text (missing values as an empty string)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value))


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: Sequence[int] = ()) -> str:
    """Return an HTML table; cells are escaped unless given as :class:`_Raw`."""
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            cls = ' class="num"' if i in numeric else ""
            text = cell.html if isinstance(cell, _Raw) else _esc(cell)
            cells.append(f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class _Raw:
    """HTML that :func:`_table` inserts as is (already escaped)."""

    def __init__(self, text: str) -> None:
        self.html = text


def _figure(draw: Callable[[Figure], None], size: tuple[float, float], alt: str, caption: str = "") -> str:
    """Draw on a new bare figure and return it as an embedded base64 PNG ``<figure>``."""
    with rc_context({"font.size": _FONT_SIZE}):
        fig = Figure(figsize=size, layout="constrained")
        draw(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=_DPI)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    cap = f"<figcaption>{_esc(caption)}</figcaption>" if caption else ""
    return f'<figure><img alt="{_esc(alt)}" src="data:image/png;base64,{data}">{cap}</figure>'


def _on_axes(plot: Callable[..., Axes], *args, **kwargs) -> Callable[[Figure], None]:
    """Return a drawer calling ``plot(*args, ax=<one axes>, **kwargs)``."""
    return lambda fig: plot(*args, ax=fig.subplots(), **kwargs)


def _fmt(value: float, digits: int = 1) -> str:
    return "" if value is None or not np.isfinite(value) else f"{value:,.{digits}f}"


def _pct(value: float, digits: int = 1) -> str:
    return "" if value is None or not np.isfinite(value) else f"{100 * value:.{digits}f}%"


# ------------------------------------------------------------------------------------- reading in
def _read_csv(run_dir: Path, name: str) -> pd.DataFrame | None:
    path = run_dir / name
    return pd.read_csv(path) if path.is_file() else None


def _histograms(run_dir: Path) -> dict[str, np.ndarray] | None:
    return runs.load_histograms(run_dir) if (run_dir / "histograms.npz").is_file() else None


def _priors(run_dir: Path, sectors: Sequence[str]) -> tuple[dict[str, SectorPriors], str]:
    """Load the priors copied into the run folder; on failure return no priors and the reason."""
    try:
        return load_priors(run_dir / "priors", tuple(sectors)), ""
    except McpotError as exc:
        return {}, str(exc)


# --------------------------------------------------------------------------------------- sections
def _readings(manifest: dict) -> list[str]:
    """Readings a run used: ``config.reading`` (Monte Carlo runs) or ``config.readings`` (analyses)."""
    cfg = manifest.get("config", {})
    if cfg.get("reading"):
        return [str(cfg["reading"])]
    return [str(r) for r in cfg.get("readings", [])] or ["report"]
