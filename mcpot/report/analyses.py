"""Report sections of the analyses: Sobol', tornado, Morris, stress tests, calibration, discovery."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from mcpot.engine import runs
from mcpot.report import plots
from mcpot.report.parts import MAX_FIGURES, TOTAL_YEARS, _esc, _figure, _fmt, _on_axes, _read_csv, _table


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
        "95% intervals from the spread of independently scrambled replicate designs (Student t; older "
        "runs: bootstrap): the share of an output's variance due to a parameter alone (S1) or "
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
        parts.append(_calibration(run_dir, constraint))
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


def _calibration(run_dir: Path, constraint: pd.DataFrame) -> str:
    """How far each population got (``fit.csv``, ``pilot.csv``) and a verdict per input with its interval."""
    fit, pilot = _read_csv(run_dir, "fit.csv"), _read_csv(run_dir, "pilot.csv")
    stop = ""
    if fit is not None:
        rows = [
            (r.sector, r.replicate, _fmt(r.target_epsilon, 3), _fmt(r.epsilon, 4), r.stop_reason,
             f"{r.simulations:,}", _fmt(r.acceptance_rate, 3), _fmt(r.ess, 0), r.unique)
            for r in fit.itertuples()
        ]  # fmt: skip
        missed = fit[~fit.reached.astype(bool)]
        warning = (
            f"<p><strong>Target not reached</strong> in {len(missed)} of {len(fit)} populations "
            f"({', '.join(sorted(set(missed.sector)))}): their posterior is that of the larger tolerance.</p>"
            if len(missed)
            else "<p>Every population reached its target tolerance.</p>"
        )
        stop = warning + _table(
            ["sector", "population", "target epsilon", "epsilon reached", "why it stopped", "model runs",
             "acceptance", "effective sample", "distinct particles"],
            rows, (2, 3, 5, 6, 7, 8),
        )  # fmt: skip
    if pilot is not None:
        first = pilot.groupby("sector", sort=False).first()
        stop += (
            "<p>Feasibility (prior pilot): "
            + "; ".join(
                f"{_esc(sector)}: {r.within_target:,} of {r.draws:,} prior draws within the target"
                for sector, r in first.iterrows()
            )
            + ".</p>"
        )
    has_ci = "width_ratio_low" in constraint
    ranked = constraint.sort_values("width_ratio").groupby("sector", sort=False).head(8)
    rows = [
        (r.sector, r.input, _fmt(r.width_ratio, 2)
         + (f" [{_fmt(r.width_ratio_low, 2)}, {_fmt(r.width_ratio_high, 2)}]" if has_ci else ""),
         _fmt(r.sd_ratio, 2), getattr(r, "verdict", ""))
        for r in ranked.itertuples()
    ]  # fmt: skip
    n_rep = int(constraint.replicates.iloc[0]) if "replicates" in constraint else None
    figs = "".join(_png_file(p) for p in sorted(run_dir.glob("prior_posterior-*.png")))
    return (
        '<h3 id="calibration">Calibration to the published figures</h3>'
        + stop
        + "<p>Posterior/prior ratio of 90% interval widths (with its Monte Carlo interval"
        + (f" from {n_rep} independent populations" if n_rep else "")
        + ") and of sds. An input is <em>constrained</em> only if the whole interval lies below 0.5, "
        "<em>not constrained</em> if it lies above, <em>undecided</em> otherwise.</p>"
        + _table(["sector", "input", "width ratio [interval]", "sd ratio", "verdict"], rows, (3,))
        + figs
    )


# ----------------------------------------------------------------------------- priors and manifest
