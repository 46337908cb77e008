"""Report parts of the analyses: Sobol', tornado, Morris, stress tests, calibration, discovery.

Plain data (table rows, figure data) for ``templates/sensitivity.html.j2`` and ``templates/stress.html.j2``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from mcpot.engine import runs
from mcpot.precision import Z95, plus_minus, signed
from mcpot.report import plots
from mcpot.report.parts import MAX_FIGURES, TOTAL_YEARS, _figure, _fmt, _on_axes, _png_uri, _read_csv


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


def _grid(figures: list[dict], omitted: int, what: str) -> dict:
    return {"figures": figures, "omitted": omitted, "what": what}


def _drivers(frame: pd.DataFrame) -> list[str] | None:
    if "sentence" not in frame.columns:
        return None
    if "output" in frame.columns:
        frame = frame[frame["output"].astype(str).isin(_scenario_outputs(frame["output"]))]
    return [str(s) for s in frame["sentence"].dropna()]


def _parameter_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the per-parameter analysis of a Sobol' table (all rows without groupings)."""
    return frame[frame["grouping"] == "parameter"] if "grouping" in frame.columns else frame


def _sobol_groups(frame: pd.DataFrame) -> list[dict]:
    """Tables of ST +/- conf per output for each grouping other than ``parameter``."""
    if "grouping" not in frame.columns:
        return []
    tables = []
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
                row.append("" if hit is None else plus_minus(hit["value"], hit["conf"]))
            rows.append(row)
        tables.append(
            {
                "grouping": grouping,
                "headers": ["output", *groups],
                "rows": rows,
                "numeric": range(1, len(groups) + 1),
            }
        )
    return tables


def _sobol(frame: pd.DataFrame) -> dict:
    params = _parameter_rows(frame)
    outputs, omitted = _pick_outputs(params["output"], MAX_FIGURES)
    figs = []
    for out in outputs:
        n = min(int(((params["output"] == out) & (params["index"] == "ST")).sum()), 15)
        figs.append(_figure(_on_axes(plots.sobol_bars, frame, out, top=15), (7.5, 1.3 + 0.33 * n), out))
    over_time = []
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
            over_time.append(_figure(draw, (9.5, 1.8 + 0.28 * n), f"{sector} ST over time"))
    return {"grid": _grid(figs, omitted, "sobol.csv"), "over_time": over_time, "groups": _sobol_groups(frame)}


def _tornado(frame: pd.DataFrame) -> dict:
    outputs = list(dict.fromkeys(frame["output"]))
    figs = []
    for out in outputs[:MAX_FIGURES]:
        n = int((frame["output"] == out).sum())
        figs.append(
            _figure(_on_axes(plots.tornado, frame, output=out, top=15), (7.5, 1.3 + 0.35 * min(n, 15)), out)
        )
    return _grid(figs, max(len(outputs) - MAX_FIGURES, 0), "tornado.csv")


def _morris(frame: pd.DataFrame) -> dict:
    outputs, omitted = _pick_outputs(frame["output"], MAX_FIGURES)
    figs = [_figure(_on_axes(plots.morris_plot, frame, out), (7.5, 5.0), out) for out in outputs]
    return _grid(figs, omitted, "morris.csv")


def _sensitivity(run_dir: Path) -> dict | None:
    """The sensitivity part: ``drivers``, ``sobol``, ``tornado``, ``morris`` (each None if absent)."""
    parts: dict = {}
    for name, section in (
        ("drivers", _drivers),
        ("sobol", _sobol),
        ("tornado", _tornado),
        ("morris", _morris),
    ):
        frame = _read_csv(run_dir, f"{name}.csv")
        parts[name] = section(frame) if frame is not None and not frame.empty else None
    return parts if any(v is not None for v in parts.values()) else None


def _png_file(path: Path) -> dict:
    """An image file already in the run folder, as the ``figure`` macro's data."""
    return {"src": _png_uri(path.read_bytes()), "alt": path.stem, "caption": path.name}


def _stress(run_dir: Path) -> dict | None:
    """Scenarios side by side (``stress.csv``), calibration (``constraint.csv``) and discovery results."""
    parts: dict = {"scenarios": None, "calibration": None, "discovery": None}
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
            for r in claims[claims.quantity == "band"].itertuples():
                half = Z95 * r.mc_se
                p = plus_minus(r.probability, half, least=3)
                rows.append((r.scenario, r.sector, p, signed(r.probability_change, half, least=3)))
        parts["scenarios"] = {"figures": figs, "rows": rows}
    constraint = _read_csv(run_dir, "constraint.csv")
    if constraint is not None:
        parts["calibration"] = _calibration(run_dir, constraint)
    rules = _read_csv(run_dir, "tree_rules.csv")
    if rules is not None:
        manifest = runs.read_manifest(run_dir)
        parts["discovery"] = {
            "condition": manifest.get("condition", ""),
            "box": manifest.get("box", ""),
            "rows": [(r.rule, _fmt(r.coverage, 2), _fmt(r.density, 2)) for r in rules.itertuples()],
        }
    return parts if any(v is not None for v in parts.values()) else None


def _calibration(run_dir: Path, constraint: pd.DataFrame) -> dict:
    """How far each population got (``fit.csv``, ``pilot.csv``) and a verdict per input with its interval."""
    fit, pilot = _read_csv(run_dir, "fit.csv"), _read_csv(run_dir, "pilot.csv")
    ctx: dict = {"fit": None, "missed": 0, "populations": 0, "missed_sectors": "", "pilot": []}
    if fit is not None:
        ctx["fit"] = [
            (r.sector, r.replicate, _fmt(r.target_epsilon, 3), _fmt(r.epsilon, 4), r.stop_reason,
             f"{r.simulations:,}", _fmt(r.acceptance_rate, 3), _fmt(r.ess, 0), r.unique)
            for r in fit.itertuples()
        ]  # fmt: skip
        missed = fit[~fit.reached.astype(bool)]
        ctx |= {
            "missed": len(missed),
            "populations": len(fit),
            "missed_sectors": ", ".join(sorted(set(missed.sector))),
        }
    if pilot is not None:
        first = pilot.groupby("sector", sort=False).first()
        ctx["pilot"] = [(sector, f"{r.within_target:,}", f"{r.draws:,}") for sector, r in first.iterrows()]
    has_ci = "width_ratio_low" in constraint
    ranked = constraint.sort_values("width_ratio").groupby("sector", sort=False).head(8)
    ctx["rows"] = [
        (r.sector, r.input, _fmt(r.width_ratio, 2)
         + (f" [{_fmt(r.width_ratio_low, 2)}, {_fmt(r.width_ratio_high, 2)}]" if has_ci else ""),
         _fmt(r.sd_ratio, 2), getattr(r, "verdict", ""))
        for r in ranked.itertuples()
    ]  # fmt: skip
    ctx["replicates"] = int(constraint.replicates.iloc[0]) if "replicates" in constraint else None
    settled = (
        constraint.settled.astype(bool) if "settled" in constraint else pd.Series(True, constraint.index)
    )
    ctx["unsettled"] = ", ".join(constraint.loc[~settled, "input"])
    ctx["figures"] = [_png_file(p) for p in sorted(run_dir.glob("prior_posterior-*.png"))]
    return ctx
