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

import base64
import html
import io
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mcpot.engine import runs
from mcpot.errors import McpotError
from mcpot.model.kernel import get_reading
from mcpot.model.priors import Prior, SectorPriors, load_priors
from mcpot.model.reference import published
from mcpot.report import plots

__all__ = ["render_report", "write_report"]

REPORT_NAME = "report.html"
MAX_FIGURES = 9
"""Most figures drawn per sensitivity table (Sobol' bars, tornados, Morris plots)."""
TOTAL_YEARS = (2025, 2030, 2035)
_DPI = 100
_FONT_SIZE = 11

_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans",
       "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
       color: #222; max-width: 1280px; margin: 0 auto; padding: 1.5em 2em 4em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
p.lead { color: #555; margin-top: 0; }
nav { background: #f6f6f6; padding: 0.6em 1em; border-radius: 6px; font-size: 0.92em; }
nav a { margin-right: 1.1em; color: #2c5aa0; text-decoration: none; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.88em; }
th, td { border: 1px solid #ddd; padding: 0.28em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f3f7; }
tr:nth-child(even) td { background: #fafafa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.src { font-size: 0.92em; color: #444; max-width: 44em; }
code, .mono { font-family: SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.9em; }
.warn { background: #fff4e5; border-left: 4px solid #e67e22; padding: 0.6em 1em; }
.note { color: #555; font-size: 0.92em; }
figure { margin: 1em 0 1.6em; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 0.5em 1.5em; }
.flag { color: #b03a2e; font-weight: 600; }
"""


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


def _key_results(summary: pd.DataFrame) -> str:
    pub = published()
    wide = summary.pivot_table(index="output", columns="statistic", values="value", aggfunc="first")
    se = summary[summary["statistic"] == "p50"].set_index("output")["mc_se"]
    rows = []
    for sector in dict.fromkeys(summary["sector"]):
        totals, band = (pub[sector].totals, pub[sector].band) if sector in pub else ({}, (np.nan, np.nan))
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


def _sector_figures(summary: pd.DataFrame, histograms, reading: str) -> str:
    parts = ['<h2 id="figures">Figures</h2>']
    for sector in dict.fromkeys(summary["sector"]):

        def draw(fig: Figure, sector: str = sector) -> None:
            ax = fig.subplots(1, 3, width_ratios=(1.0, 1.0, 1.05))
            plots.fan_chart(summary, sector, ax=ax[0])
            if histograms is not None:
                plots.band_distribution(histograms, sector, ax=ax[1], reading=reading)
                plots.share_distributions(histograms, sector, ax=ax[2], reading=reading)
            else:
                ax[1].set_axis_off()
                ax[1].text(
                    0.5, 0.5, "no histograms.npz in the run folder", ha="center", transform=ax[1].transAxes
                )
                plots.share_distributions(summary, sector, ax=ax[2], reading=reading)

        caption = (
            f"{sector}: total potential over time (median, 50% and 90% intervals, Mt CO2/yr); "
            "distributions of the band ends (% of sector emissions); 2035 category shares. "
            "Red diamonds and dashed lines: the report's figures."
        )
        parts.append(f"<h3>{_esc(sector)}</h3>" + _figure(draw, (15.0, 4.6), f"{sector} figures", caption))
    return "".join(parts)


def _denominators(priors: dict[str, SectorPriors]) -> str:
    pub = published()
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
def _series_match(output: object) -> re.Match | None:
    """Match ``<sector>.total.<year>`` (groups: sector, year)."""
    return re.fullmatch(r"(.+)\.total\.(\d{4})", str(output))


def _scenario_outputs(outputs: Iterable[object]) -> list[str]:
    """Outputs in order of appearance, with yearly totals thinned to 2025, 2030 and 2035."""
    keep = []
    for out in dict.fromkeys(map(str, outputs)):
        m = _series_match(out)
        if m is None or int(m.group(2)) in TOTAL_YEARS:
            keep.append(out)
    return keep


def _pick_outputs(outputs: Iterable[object], limit: int) -> tuple[list[str], int]:
    """Outputs worth a figure: each sector's last-year total, then the others; at most ``limit``."""
    last: dict[str, str] = {}
    others = []
    for out in dict.fromkeys(map(str, outputs)):
        m = _series_match(out)
        if m:
            last[m.group(1)] = max(last.get(m.group(1), out), out)
        else:
            others.append(out)
    picked = []
    for sector, total in last.items():  # keep each sector's outputs together
        picked += [total, *(o for o in others if o.startswith(f"{sector}."))]
    picked += [o for o in others if o not in picked]
    return picked[:limit], max(len(picked) - limit, 0)


def _grid(figures: list[str], omitted: int, what: str) -> str:
    note = f'<p class="note">{omitted} more output(s) in {what} not drawn.</p>' if omitted else ""
    return f'<div class="grid">{"".join(figures)}</div>{note}'


def _drivers(frame: pd.DataFrame) -> str:
    if "sentence" not in frame.columns:
        return ""
    if "output" in frame.columns:
        frame = frame[frame["output"].astype(str).isin(_scenario_outputs(frame["output"]))]
    items = "".join(f"<li>{_esc(s)}</li>" for s in frame["sentence"].dropna())
    return f'<h3 id="drivers">What drives the results</h3><ul>{items}</ul>'


def _parameter_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the per-parameter analysis of a Sobol' table (all rows without groupings)."""
    return frame[frame["grouping"] == "parameter"] if "grouping" in frame.columns else frame


def _sobol_groups(frame: pd.DataFrame) -> str:
    """Tables of ST +/- conf per output for each grouping other than ``parameter``."""
    if "grouping" not in frame.columns:
        return ""
    parts = []
    for grouping in dict.fromkeys(frame["grouping"]):
        if grouping == "parameter":
            continue
        st = frame[(frame["grouping"] == grouping) & (frame["index"] == "ST")]
        groups = list(dict.fromkeys(st["parameter"]))
        cells = st.set_index(["output", "parameter"])
        rows = []
        for out in _scenario_outputs(st["output"]):
            row = [out]
            for g in groups:
                hit = cells.loc[(out, g)] if (out, g) in cells.index else None
                row.append("" if hit is None else f"{hit['value']:.2f} ± {hit['conf']:.2f}")
            rows.append(row)
        parts.append(
            f"<h4>Total indices (ST ± CI half-width) by {_esc(grouping)}</h4>"
            + _table(["output", *groups], rows, tuple(range(1, len(groups) + 1)))
        )
    return "".join(parts)


def _sobol(frame: pd.DataFrame) -> str:
    parts = [
        '<h3 id="sobol">Sobol\' indices</h3><p>First-order (S1) and total (ST) indices with '
        "bootstrap intervals: the share of an output's variance due to a parameter alone (S1) or "
        "including its interactions (ST). The 15 parameters with the largest ST are drawn.</p>"
    ]
    params = _parameter_rows(frame)
    outputs, omitted = _pick_outputs(params["output"], MAX_FIGURES)
    figs = []
    for out in outputs:
        n = min(int(((params["output"] == out) & (params["index"] == "ST")).sum()), 15)
        figs.append(_figure(_on_axes(plots.sobol_bars, frame, out, top=15), (7.5, 1.3 + 0.33 * n), out))
    parts.append(_grid(figs, omitted, "sobol.csv"))
    matches = [m for m in map(_series_match, params["output"].drop_duplicates()) if m]
    for sector in dict.fromkeys(m.group(1) for m in matches):
        if sum(m.group(1) == sector for m in matches) > 1:
            n = min(
                params.loc[
                    params["output"].astype(str).str.startswith(f"{sector}.total."), "parameter"
                ].nunique(),
                20,
            )
            draw = _on_axes(plots.sobol_over_time, frame, sector, top=20)
            parts.append(_figure(draw, (9.5, 1.8 + 0.28 * n), f"{sector} ST over time"))
    parts.append(_sobol_groups(frame))
    return "".join(parts)


def _tornado(frame: pd.DataFrame) -> str:
    outputs = list(dict.fromkeys(frame["output"]))
    figs = []
    for out in outputs[:MAX_FIGURES]:
        n = int((frame["output"] == out).sum())
        figs.append(
            _figure(_on_axes(plots.tornado, frame, output=out, top=15), (7.5, 1.3 + 0.35 * min(n, 15)), out)
        )
    intro = "<p>One parameter at a time moved to its low and high value, all others at their baseline.</p>"
    return (
        '<h3 id="tornado">Tornado</h3>'
        + intro
        + _grid(figs, max(len(outputs) - MAX_FIGURES, 0), "tornado.csv")
    )


def _morris(frame: pd.DataFrame) -> str:
    outputs, omitted = _pick_outputs(frame["output"], MAX_FIGURES)
    figs = [_figure(_on_axes(plots.morris_plot, frame, out), (7.5, 5.0), out) for out in outputs]
    intro = (
        "<p>Elementary effects per unit of each input's quantile scale: μ* ranks influence, "
        "σ shows non-linearity or interaction.</p>"
    )
    return '<h3 id="morris">Morris screening</h3>' + intro + _grid(figs, omitted, "morris.csv")


def _sensitivity(run_dir: Path) -> str:
    parts = []
    for name, section in (
        ("drivers.csv", _drivers),
        ("sobol.csv", _sobol),
        ("tornado.csv", _tornado),
        ("morris.csv", _morris),
    ):
        frame = _read_csv(run_dir, name)
        if frame is not None and not frame.empty:
            parts.append(section(frame))
    return '<h2 id="sensitivity">Sensitivity</h2>' + "".join(parts) if parts else ""


def _png_file(path: Path) -> str:
    """An image file already in the run folder, embedded as base64."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    img = f'<img alt="{_esc(path.stem)}" src="data:image/png;base64,{data}">'
    return f"<figure>{img}<figcaption>{_esc(path.name)}</figcaption></figure>"


def _stress(run_dir: Path) -> str:
    """Scenarios side by side (``stress.csv``), calibration (``constraint.csv``) and discovery results."""
    parts = []
    table = _read_csv(run_dir, "stress.csv")
    if table is not None:
        bands = table[table.output.str.contains("band_")]
        figs = [
            _figure(
                _on_axes(plots.scenario_comparison, g),
                (8, 0.5 * g.scenario.nunique() + 2),
                f"{sector} scenarios",
                f"{sector}: band ends per scenario, median and 90% interval",
            )
            for sector, g in bands.groupby("sector", sort=False)
        ]
        claims = _read_csv(run_dir, "stress_claims.csv")
        rows = []
        if claims is not None:
            band = claims[claims.quantity == "band"]
            rows = [
                (r.scenario, r.sector, _fmt(r.probability, 3), _fmt(r.probability_change, 3))
                for r in band.itertuples()
            ]
        parts.append(
            '<h3 id="scenarios">Scenarios</h3>'
            + "".join(figs)
            + _table(["scenario", "sector", "P(band inside the report's)", "change vs default"], rows, (2, 3))
        )
    constraint = _read_csv(run_dir, "constraint.csv")
    if constraint is not None:
        tight = constraint.sort_values("width_ratio").groupby("sector", sort=False).head(6)
        rows = [(r.sector, r.input, _fmt(r.width_ratio, 2), _fmt(r.sd_ratio, 2)) for r in tight.itertuples()]
        figs = "".join(_png_file(p) for p in sorted(run_dir.glob("prior_posterior-*.png")))
        parts.append(
            '<h3 id="calibration">Calibration to the published figures</h3>'
            "<p>Posterior/prior ratio of 90% interval widths and sds: below 0.5, the published figures "
            "constrain the input; near 1, they leave it free.</p>"
            + _table(["sector", "input", "width ratio", "sd ratio"], rows, (2, 3))
            + figs
        )
    rules = _read_csv(run_dir, "tree_rules.csv")
    if rules is not None:
        manifest = runs.read_manifest(run_dir)
        rows = [(r.rule, _fmt(r.coverage, 2), _fmt(r.density, 2)) for r in rules.itertuples()]
        parts.append(
            f'<h3 id="discovery">Scenario discovery: {_esc(manifest.get("condition", ""))}</h3>'
            f"<p>PRIM box: {_esc(manifest.get('box', ''))}</p>"
            + _table(["decision-tree rule", "coverage", "density"], rows, (1, 2))
        )
    return '<h2 id="stress">Stress tests</h2>' + "".join(parts) if parts else ""


# ----------------------------------------------------------------------------- priors and manifest
def _describe(prior: Prior) -> str:
    spec = prior.spec
    if prior.fixed:
        return f"fixed {prior.value:g}"
    name = spec["dist"]
    params = {
        k: v for k, v in spec.items() if k not in ("dist", "unit", "source", "lower", "upper", "params")
    }
    params |= spec.get("params", {})
    text = f"{name}(" + ", ".join(f"{k}={v:g}" for k, v in params.items()) + ")"
    if "lower" in spec or "upper" in spec:
        text += f" truncated to [{spec.get('lower', '-inf')}, {spec.get('upper', 'inf')}]"
    return text


def _prior_rows(sp: SectorPriors) -> list[tuple]:
    rows = []
    for name, prior in sp.priors.items():
        short = name.removeprefix(f"{sp.sector}.")
        if prior.fixed:
            med = interval = f"{prior.value:.4g}"
        else:
            med = f"{prior.median():.4g}"
            interval = f"[{prior.quantile(0.05):.4g}, {prior.quantile(0.95):.4g}]"
        rows.append(
            (
                _Raw(f"<code>{_esc(short)}</code>"),
                _describe(prior),
                med,
                interval,
                prior.unit,
                _Raw(f'<span class="src">{_esc(prior.source)}</span>'),
            )
        )
    return rows


def _priors_section(priors: dict[str, SectorPriors], manifest: dict, problem: str) -> str:
    parts = ['<h2 id="priors">Priors</h2>']
    if problem:
        parts.append(f'<p class="warn">The priors in the run folder could not be read: {_esc(problem)}</p>')
    for sector, sp in priors.items():
        sha = manifest.get("priors", {}).get(sector, {}).get("sha256", sp.sha256)
        description = tomllib.loads(sp.text).get("description", "")
        parts.append(
            f"<h3>{_esc(sector)}</h3><p>{_esc(description)}</p><p class='note'>File "
            f"<code>priors/{_esc(sector)}.toml</code> in the run folder, SHA-256 "
            f"<span class='mono'>{_esc(sha)}</span>.</p>"
        )
        parts.append(
            _table(
                ["parameter", "prior", "median", "90% interval", "unit", "source"], _prior_rows(sp), (2, 3)
            )
        )
        excluded = [(cat, table.get("source", "")) for cat, table in _excluded(sp).items()]
        if excluded:
            parts.append(_table(["category not included", "source"], excluded))
        if sp.correlations:
            rows = [
                (a.removeprefix(f"{sector}."), b.removeprefix(f"{sector}."), f"{rho:g}")
                for a, b, rho in sp.correlations
            ]
            parts.append(_table(["input", "input", "rank correlation"], rows, (2,)))
    return "".join(parts)


def _excluded(sp: SectorPriors) -> dict[str, dict]:
    """Categories a sector file marks ``included = false``, with their table."""
    doc = tomllib.loads(sp.text)
    return {k: v for k, v in doc.items() if isinstance(v, dict) and v.get("included", True) is False}


def _manifest_section(manifest: dict) -> str:
    cfg = manifest.get("config", {})
    rows = [("kind", manifest.get("kind")), ("status", manifest.get("status"))]
    rows += [(k, v if not isinstance(v, list | tuple) else ", ".join(map(str, v))) for k, v in cfg.items()]
    rows += [
        ("samples done", manifest.get("samples_done")),
        ("started", manifest.get("started")),
        ("finished", manifest.get("finished")),
        ("elapsed (s)", manifest.get("elapsed_s")),
        ("git commit", manifest.get("git_commit")),
        ("command", _Raw(f"<code>{_esc(' '.join(map(str, manifest.get('command', []))))}</code>")),
    ]
    sessions = [
        (i + 1, s.get("started"), s.get("finished"), s.get("elapsed_s"), s.get("resumed_from_block"))
        for i, s in enumerate(manifest.get("sessions", []))
    ]
    priors = [
        (s, _Raw(f"<span class='mono'>{_esc(p.get('sha256'))}</span>"), p.get("path"))
        for s, p in manifest.get("priors", {}).items()
    ]
    versions = sorted(manifest.get("versions", {}).items(), key=lambda kv: kv[0].lower())
    return (
        '<h2 id="manifest">Manifest</h2>'
        + _table(["setting", "value"], [r for r in rows if r[1] is not None])
        + "<h3>Sessions</h3>"
        + _table(["session", "started", "finished", "elapsed (s)", "resumed from block"], sessions, (3,))
        + "<h3>Prior files (SHA-256)</h3>"
        + _table(["sector", "SHA-256", "read from"], priors)
        + "<h3>Versions</h3>"
        + _table(["package", "version"], versions)
    )


def _nav(has: dict[str, bool]) -> str:
    links = [
        ("reading", "Model and reading"),
        ("results", "Key results"),
        ("claims", "Claims"),
        ("figures", "Figures"),
        ("sensitivity", "Sensitivity"),
        ("priors", "Priors"),
        ("manifest", "Manifest"),
    ]
    return "<nav>" + "".join(f'<a href="#{a}">{t}</a>' for a, t in links if has.get(a, True)) + "</nav>"


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
    sensitivity = _sensitivity(run_dir) + _stress(run_dir)
    body = [_header(run_dir, manifest)]
    body.append(
        _nav(
            {
                "results": summary is not None,
                "claims": claims is not None,
                "figures": summary is not None,
                "sensitivity": bool(sensitivity),
            }
        )
    )
    body.append(_reading_section(manifest))
    if summary is not None:
        body.append(_key_results(summary))
    if claims is not None:
        body.append(_claims(claims))
    if summary is not None:
        body.append(_sector_figures(summary, _histograms(run_dir), reading))
        body.append(_denominators(priors))
        if diagnostics is not None:
            body.append(_diagnostics(diagnostics))
    body.append(sensitivity)
    body.append(_priors_section(priors, manifest, problem))
    body.append(_manifest_section(manifest))
    body.append(f'<p class="note">Written by mcpot at {_esc(runs.utc_now())}.</p>')
    title = f"mcpot report: {run_dir.resolve().name}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(b for b in body if b)
        + "\n</body></html>\n"
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
