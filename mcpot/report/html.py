"""The HTML report of a run folder: one self-contained file, readable offline in any browser.

:func:`write_report` reads what a run folder holds (``manifest.json``, ``summary.csv``, ``claims.csv``,
``diagnostics.csv``, ``histograms.npz``, ``priors/*.toml`` and, when present, ``drivers.csv``,
``sobol.csv``, ``tornado.csv``, ``morris.csv``) and writes ``report.html``: figures embedded as base64
PNG, tables, the manifest and the priors with units and sources. No network resource is referenced (no
CDN, no external CSS or JavaScript). Figures are drawn on bare :class:`matplotlib.figure.Figure`
objects, so pyplot's global state and backend are never touched.

>>> from mcpot.report.html import write_report
>>> write_report("runs/example")          # doctest: +SKIP
PosixPath('runs/example/report.html')
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mcpot.engine import runs
from mcpot.model.kernel import get_reading
from mcpot.model.priors import SectorPriors, published
from mcpot.model.reference import Published
from mcpot.precision import Z95, plus_minus
from mcpot.report import plots

__all__ = ["render_report", "write_report"]
from mcpot.report.analyses import _sensitivity, _stress
from mcpot.report.parts import (
    REPORT_NAME,
    TOTAL_YEARS,
    _figure,
    _fmt,
    _histograms,
    _pct,
    _priors,
    _read_csv,
    _readings,
    _text,
    render,
    styled,
)
from mcpot.report.provenance import _manifest_context, _priors_context
from mcpot.report.robustness import robustness_context


def _header(run_dir: Path, manifest: dict) -> dict:
    cfg = manifest.get("config", {})
    n = manifest.get("samples_done", cfg.get("samples"))
    return {
        "folder": str(run_dir.resolve()),
        "kind": manifest.get("kind", "run"),
        "samples": f"{n:,}" if isinstance(n, int) else _text(n),
        "design": cfg.get("design") or "",
        "seed": _text(cfg.get("seed")),
        "reading": " + ".join(_readings(manifest)),
        "finished": _text(manifest.get("finished", "-")),
        "status": _text(manifest.get("status", "unknown")),
    }


def _reading_items(manifest: dict) -> list[tuple[str, str]]:
    """(name, description) of each reading the run used."""
    items = []
    for name in _readings(manifest):
        try:
            description = get_reading(name).description
        except ValueError:
            description = "(not a reading this version of mcpot knows)"
        items.append((name, description))
    return items


def _key_results(summary: pd.DataFrame, pub: dict[str, Published]) -> list[tuple]:
    """Rows of the key-results table: sector, quantity, unit, report, median, 90% interval, MC se."""
    wide = summary.pivot_table(index="output", columns="statistic", values="value", aggfunc="first")
    se = summary[summary["statistic"] == "p50"].set_index("output")["mc_se"]
    rows = []
    for sector in dict.fromkeys(summary["sector"]):
        totals, band = (pub[sector].totals, pub[sector].band) if sector in pub else ({}, None)
        band = band or (np.nan, np.nan)
        items = [(f"total {y}", f"{sector}.total.{y}", totals.get(y, np.nan), False) for y in TOTAL_YEARS]
        items += [
            ("band low (2025)", f"{sector}.band_low.2025", band[0], True),
            ("band high (2035)", f"{sector}.band_high.2035", band[1], True),
        ]
        for label, output, report, is_pct in items:
            if output not in wide.index:
                continue
            fmt = _pct if is_pct else _fmt
            w = wide.loc[output]
            unit = "% of sector emissions" if is_pct else "Mt CO2/yr"
            interval = f"[{fmt(w['p5'])}, {fmt(w['p95'])}]"
            rows.append(
                (sector, label, unit, fmt(report), fmt(w["p50"]), interval, fmt(se.get(output, np.nan), 2))
            )
    return rows


def _claim_text(row) -> str:
    q = row.quantity
    if q == "total":
        return f"total {int(row.year)} {row.claim} of {row.report:g} Mt CO2/yr"
    if q == "share":
        return f"{row.category} share {int(row.year)} {row.claim} of {100 * row.report:g}%"
    if q in ("band_low", "band_high"):
        end = "low end (2025)" if q == "band_low" else "high end (2035)"
        return f"band {end} {row.claim} of {100 * row.report:g}%"
    return str(row.claim)


def _claims(claims: pd.DataFrame) -> list[tuple]:
    """Rows of the claims table: sector, claim (the band's in bold), probability ± its 95% Monte Carlo
    error, model median."""
    rows = []
    for row in claims.itertuples():
        pct = row.quantity in ("share", "band_low", "band_high")
        fmt = _pct if pct else _fmt
        interval = (
            ""
            if np.isnan(row.model_p50)
            else f"{fmt(row.model_p50)} [{fmt(row.model_p5)}, {fmt(row.model_p95)}]"
        )
        prob = plus_minus(row.probability, Z95 * row.mc_se, least=3)
        text = styled(_claim_text(row), "bold") if row.quantity == "band" else _claim_text(row)
        rows.append((row.sector, text, prob, interval))
    return rows


def _sector_figures(
    summary: pd.DataFrame, histograms, reading: str, pub: dict[str, Published]
) -> list[tuple[str, dict]]:
    """(sector, figure) per sector: fan chart, band-end distributions, 2035 shares."""
    figures = []
    for sector in dict.fromkeys(summary["sector"]):

        def draw(fig: Figure, sector: str = sector) -> None:
            ax = fig.subplots(1, 3, width_ratios=(1.0, 1.0, 1.05))
            ref = pub.get(sector)
            plots.fan_chart(summary, sector, ax=ax[0], reference=ref)
            if histograms is not None:
                plots.band_distribution(histograms, sector, ax=ax[1], reading=reading, reference=ref)
                plots.share_distributions(histograms, sector, ax=ax[2], reading=reading, reference=ref)
            else:
                ax[1].set_axis_off()
                ax[1].text(
                    0.5, 0.5, "no histograms.npz in the run folder", ha="center", transform=ax[1].transAxes
                )
                plots.share_distributions(summary, sector, ax=ax[2], reading=reading, reference=ref)

        caption = (
            f"{sector}: total potential over time (median, 50% and 90% intervals, Mt CO2/yr); "
            "distributions of the band ends (% of sector emissions); 2035 category shares. "
            "Red diamonds and dashed lines: the report's figures."
        )
        figures.append((sector, _figure(draw, (15.0, 4.6), f"{sector} figures", caption)))
    return figures


def _denominators(priors: dict[str, SectorPriors]) -> list[tuple]:
    """Rows: sector, year, emissions the report implies, the emission prior, inside/outside it."""
    pub = published(priors)
    rows = []
    for sector, sp in priors.items():
        if sector not in pub:
            continue
        for year, implied in pub[sector].implied_denominators().items():
            prior = sp.priors.get(f"{sector}.emissions.{year}")
            if prior is None:
                continue
            lo, med, hi = (prior.quantile(q) for q in (0.05, 0.5, 0.95))
            flag = styled("outside", "flag") if not lo <= implied <= hi else "inside"
            rows.append(
                (sector, year, _fmt(implied, 0), f"{_fmt(med, 0)} [{_fmt(lo, 0)}, {_fmt(hi, 0)}]", flag)
            )
    return rows


def _diagnostics(diagnostics: pd.DataFrame) -> list[tuple]:
    """Per category: P(K_max < K0) and, in run folders that record it, P(midpoint outside [0, 1])."""
    midpoint = "p_midpoint_outside_01" in diagnostics
    return [
        (r.sector, r.category, f"{r.p_kmax_below_k0:.4f}")
        + ((f"{r.p_midpoint_outside_01:.4f}",) if midpoint else ())
        for r in diagnostics.itertuples()
    ]


# ------------------------------------------------------------------------------------ sensitivity
# The page: report/templates/report.html.j2 (layout, style sheet, navigation) and one template per part.
NAV = (
    ("reading", "Model and reading"),
    ("results", "Key results"),
    ("claims", "Claims"),
    ("figures", "Figures"),
    ("sensitivity", "Sensitivity"),
    ("priors", "Priors"),
    ("manifest", "Manifest"),
)
"""The report's sections, by anchor, as the navigation bar lists them."""


# ------------------------------------------------------------------------------------------ public
def render_report(run_dir: str | Path) -> str:
    """Return the HTML report of a run folder as a string (see :func:`write_report`).

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A run folder written by :func:`mcpot.engine.run.run` (or an analysis writing the same files).

    Returns
    -------
    str
        A complete, self-contained HTML document.

    Raises
    ------
    McpotError
        If ``run_dir`` holds no readable ``manifest.json``.
    """
    run_dir = Path(run_dir)
    manifest = runs.read_manifest(run_dir)
    cfg = manifest.get("config", {})
    reading = " + ".join(_readings(manifest))
    summary, claims = _read_csv(run_dir, "summary.csv"), _read_csv(run_dir, "claims.csv")
    diagnostics = _read_csv(run_dir, "diagnostics.csv")
    sectors = cfg.get("sectors") or list(manifest.get("priors", {}))
    priors, problem = _priors(run_dir, sectors)
    analyses = {
        "sensitivity": _sensitivity(run_dir),
        "stress": _stress(run_dir),
        "robustness": robustness_context(run_dir),
    }
    has_robustness = bool(analyses["robustness"]["robustness"] or analyses["robustness"]["dependence"])
    has_analyses = bool(analyses["sensitivity"] or analyses["stress"] or has_robustness)
    nav = [
        (anchor, text)
        for anchor, text in NAV
        if {
            "results": summary is not None,
            "claims": claims is not None,
            "figures": summary is not None,
            "sensitivity": has_analyses,
        }.get(anchor, True)
    ]
    pub = published(priors)
    results = None
    if summary is not None:
        results = {
            "key": _key_results(summary, pub),
            "figures": _sector_figures(summary, _histograms(run_dir), reading, pub),
            "denominators": _denominators(priors),
            "diagnostics": None if diagnostics is None else _diagnostics(diagnostics),
        }
    return render(
        "report.html.j2",
        title=f"mcpot report: {run_dir.resolve().name}",
        nav=nav,
        header=_header(run_dir, manifest),
        readings=_reading_items(manifest),
        results=results,
        claims=None if claims is None else _claims(claims),
        has_robustness=has_robustness,
        **analyses,
        priors=_priors_context(priors, manifest, problem),
        manifest=_manifest_context(manifest),
        written=runs.utc_now(),
    )


def write_report(run_dir: str | Path, path: str | Path | None = None) -> Path:
    """Write the self-contained HTML report of a run folder, atomically.

    The report holds: the model and the reading used; key results (totals 2025/2030/2035 and band
    ends: median, 90% interval, MC error, the report's figures); the claims with their probabilities;
    per-sector figures (fan chart, band-end distributions, 2035 shares); the sector emissions the
    report implies; the saturation diagnostics; ``drivers.csv``, ``sobol.csv``, ``tornado.csv`` and
    ``morris.csv`` when present; the priors with units and sources; the manifest (seed, design, N,
    timing, versions, priors SHA-256). Figures are embedded PNG; nothing is loaded from the network.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        The run folder.
    path : str or pathlib.Path, optional
        Where to write (default ``<run_dir>/report.html``).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    run_dir = Path(run_dir)
    target = Path(path) if path is not None else run_dir / REPORT_NAME
    return runs.write_text(target, render_report(run_dir))
