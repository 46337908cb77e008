"""Pieces of the HTML report: the template environment, figure data, number formats, run-folder reading."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Sequence
from pathlib import Path

import jinja2
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


# -------------------------------------------------------------------------------------- templates
def _text(value: object) -> str:
    """``value`` as text for a template (missing values as an empty string); the template escapes it."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("mcpot.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
"""The report's templates (``templates/*.html.j2``), autoescaped: every value they print is escaped."""
TEMPLATES.filters["text"] = _text


def render(name: str, **context: object) -> str:
    """Render ``templates/<name>`` with ``context``."""
    return TEMPLATES.get_template(name).render(**context)


def styled(text: object, style: str) -> dict[str, str]:
    """A table cell the ``table`` macro of ``macros.html.j2`` wraps: ``code``, ``bold``, ``flag``,
    ``src`` or ``mono`` (the text itself is escaped)."""
    return {"text": _text(text), "style": style}


def _figure(
    draw: Callable[[Figure], None], size: tuple[float, float], alt: str, caption: str = ""
) -> dict[str, str]:
    """Draw on a new bare figure; return the ``figure`` macro's data (base64 PNG data URI, alt, caption)."""
    with rc_context({"font.size": _FONT_SIZE}):
        fig = Figure(figsize=size, layout="constrained")
        draw(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=_DPI)
    return {"src": _png_uri(buf.getvalue()), "alt": alt, "caption": caption}


def _png_uri(data: bytes) -> str:
    """PNG bytes as a ``data:`` URI."""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


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
