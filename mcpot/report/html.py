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

import jinja2
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mcpot.engine import runs
from mcpot.model.kernel import get_reading
from mcpot.model.priors import SectorPriors, published
from mcpot.model.reference import Published
from mcpot.report import plots

__all__ = ["render_report", "write_report"]
from mcpot.report.analyses import _sensitivity, _stress
from mcpot.report.parts import (
    REPORT_NAME,
    TOTAL_YEARS,
    _esc,
    _figure,
    _fmt,
    _histograms,
    _pct,
    _priors,
    _Raw,
    _read_csv,
    _readings,
    _table,
)
from mcpot.report.provenance import _manifest_section, _priors_section
from mcpot.report.robustness import robustness_section


def _header(run_dir: Path, manifest: dict) -> str:
    cfg = manifest.get("config", {})
    n = manifest.get("samples_done", cfg.get("samples"))
    status = manifest.get("status", "unknown")
    facts = [
        f"Run folder <code>{_esc(run_dir.resolve())}</code>",
        _esc(manifest.get("kind", "run")),
        f"N = {_esc(f'{n:,}' if isinstance(n, int) else n)}"
        + (f" ({_esc(cfg['design'])})" if cfg.get("design") else ""),
        f"seed {_esc(cfg.get('seed'))}",
        f"reading <b>{_esc(' + '.join(_readings(manifest)))}</b>",
        f"finished {_esc(manifest.get('finished', '-'))}",
    ]
    warn = (
        f'<p class="warn">This run is <b>{_esc(status)}</b>, not complete: figures and tables may be '
        "missing or partial.</p>"
        if status != "complete"
        else ""
    )
    return f"<h1>mcpot run report</h1><p class='lead'>{' &middot; '.join(facts)}</p>{warn}"


def _reading_section(manifest: dict) -> str:
    items = []
    for name in _readings(manifest):
        try:
            description = get_reading(name).description
        except ValueError:
            description = "(not a reading this version of mcpot knows)"
        items.append(f"<li><b>{_esc(name)}</b>: {_esc(description)}</li>")
    return (
        '<h2 id="reading">Model and reading</h2>'
        "<p>For each sector and technology category <i>i</i>, adoption follows "
        "<code>K_i(t) = K_max + (K0 - K_max) exp(-(t - 2022)&sup2; / (2 S&sup2;))</code>, the reduction "
        "potential is <code>ER_i(t) = sigmoid(alpha + beta K_i(t)) RF_i</code> (Mt CO2/yr), the sector "
        "total is <code>ER = &Sigma;_i ER_i</code>, and the contribution band is "
        "<code>[ER(2025)/E(2025), ER(2035)/E(2035)]</code> with <i>E</i> the sector's emissions.</p>"
        f"<p>Reading(s) of equation (2) used in this run (every number and figure below comes from "
        f"them):</p><ul>{''.join(items)}</ul>"
        '<p class="note">Monte Carlo error: each statistic carries its own standard error (MC se) from '
        "the finite number of samples. It measures how precisely this run estimates the statistic, not "
        "the uncertainty of the quantity itself (that is the interval). Two runs with different seeds "
        "typically differ by about 1-2 MC se.</p>"
    )


def _key_results(summary: pd.DataFrame, pub: dict[str, Published]) -> str:
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
    headers = ["sector", "quantity", "unit", "report", "median", "90% interval", "MC se of median"]
    return (
        '<h2 id="results">Key results</h2>'
        "<p>Median and 90% interval (5th-95th percentile) of the model under the priors, next to the "
        "report's published figures.</p>" + _table(headers, rows, numeric=(3, 4, 5, 6))
    )


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


def _claims(claims: pd.DataFrame) -> str:
    rows = []
    for row in claims.itertuples():
        pct = row.quantity in ("share", "band_low", "band_high")
        fmt = _pct if pct else _fmt
        interval = (
            ""
            if np.isnan(row.model_p50)
            else f"{fmt(row.model_p50)} [{fmt(row.model_p5)}, {fmt(row.model_p95)}]"
        )
        prob = f"{row.probability:.3f} ± {row.mc_se:.3f}"
        text = _Raw(f"<b>{_esc(_claim_text(row))}</b>") if row.quantity == "band" else _claim_text(row)
        rows.append((row.sector, text, prob, interval))
    return (
        '<h2 id="claims">Claims: how probable are the published figures?</h2>'
        "<p>Probability under the priors that the model lands on each published figure (± its Monte "
        "Carlo standard error), with the model's median [90% interval]. Totals in Mt CO2/yr, shares and "
        "band ends in %. Tolerances are relative to the published figure (41% ± 10% means 36.9%-45.1%).</p>"
        + _table(["sector", "claim", "probability ± MC se", "model median [90%]"], rows, (2, 3))
    )


def _sector_figures(summary: pd.DataFrame, histograms, reading: str, pub: dict[str, Published]) -> str:
    parts = ['<h2 id="figures">Figures</h2>']
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
        parts.append(f"<h3>{_esc(sector)}</h3>" + _figure(draw, (15.0, 4.6), f"{sector} figures", caption))
    return "".join(parts)


def _denominators(priors: dict[str, SectorPriors]) -> str:
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
            flag = _Raw('<span class="flag">outside</span>') if not lo <= implied <= hi else "inside"
            rows.append(
                (sector, year, _fmt(implied, 0), f"{_fmt(med, 0)} [{_fmt(lo, 0)}, {_fmt(hi, 0)}]", flag)
            )
    if not rows:
        return ""
    return (
        '<h3 id="denominators">Sector emissions the report implies</h3>'
        "<p>The band divides the total by sector emissions, which the report does not print. Dividing a "
        "published total by its band end gives the denominator the report implies; it is compared with the "
        "emission prior's median [90% interval] (Mt CO2/yr).</p>"
        + _table(
            ["sector", "year", "implied by report", "emission prior", "implied vs prior"], rows, (1, 2, 3)
        )
    )


def _diagnostics(diagnostics: pd.DataFrame) -> str:
    rows = [(r.sector, r.category, f"{r.p_kmax_below_k0:.4f}") for r in diagnostics.itertuples()]
    return (
        '<h3 id="diagnostics">Saturation rule</h3>'
        "<p>Share of draws with K_max &lt; K0, where adoption is held at K0 (K_max_eff = max(K_max, K0)).</p>"
        + _table(["sector", "category", "P(K_max < K0)"], rows, (2,))
    )


# ------------------------------------------------------------------------------------ sensitivity
# The page around the sections: report/templates/report.html.j2 (layout, style sheet, navigation).
_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("mcpot.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    keep_trailing_newline=True,
)
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
    sensitivity = _sensitivity(run_dir) + _stress(run_dir) + robustness_section(run_dir)
    nav = [
        (anchor, text)
        for anchor, text in NAV
        if {
            "results": summary is not None,
            "claims": claims is not None,
            "figures": summary is not None,
            "sensitivity": bool(sensitivity),
        }.get(anchor, True)
    ]
    body = [_header(run_dir, manifest), _reading_section(manifest)]
    if summary is not None:
        body.append(_key_results(summary, published(priors)))
    if claims is not None:
        body.append(_claims(claims))
    if summary is not None:
        body.append(_sector_figures(summary, _histograms(run_dir), reading, published(priors)))
        body.append(_denominators(priors))
        if diagnostics is not None:
            body.append(_diagnostics(diagnostics))
    body.append(sensitivity)
    body.append(_priors_section(priors, manifest, problem))
    body.append(_manifest_section(manifest))
    title = f"mcpot report: {run_dir.resolve().name}"
    return _TEMPLATES.get_template("report.html.j2").render(
        title=title,
        nav=nav,
        sections=[b for b in body if b],
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
