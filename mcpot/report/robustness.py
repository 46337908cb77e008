"""Report sections of ``mcpot robustness`` (``robustness.csv``) and ``mcpot shapley`` (drivers sentences).

:func:`robustness_context` reads the run folder into a plain dict; ``templates/robustness.html.j2``
(Jinja2, autoescaped) renders it; :func:`robustness_section` does both and returns "" when the folder
has neither table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mcpot.report.parts import render


def _csv(run_dir: Path, name: str) -> pd.DataFrame | None:
    path = run_dir / name
    return pd.read_csv(path) if path.exists() else None


def robustness_context(run_dir: str | Path) -> dict:
    """The template's variables: robustness rows per conclusion, variants, skipped notes, sentences."""
    run_dir = Path(run_dir)
    table = _csv(run_dir, "robustness.csv")
    ctx: dict = {"robustness": [], "variants": [], "skipped": [], "dependence": [], "reading": ""}
    if table is not None and not table.empty:
        others = [v for v in dict.fromkeys(table.variant) if v != "baseline"]
        ctx["variants"] = others
        ctx["reading"] = ", ".join(dict.fromkeys(table[table.variant == "baseline"].reading))
        for conclusion, g in table.groupby("conclusion", sort=False):
            by = g.set_index("variant")
            ctx["robustness"].append(
                {
                    "conclusion": conclusion,
                    "baseline": by.loc["baseline", "value"],
                    "verdict": g.verdict.iloc[0],
                    "cells": [
                        {"value": by.loc[v, "value"], "holds": bool(by.loc[v, "holds"])}
                        if v in by.index
                        else {"value": "", "holds": True}
                        for v in others
                    ],
                }
            )
        skipped = _csv(run_dir, "robustness_skipped.csv")
        if skipped is not None:
            ctx["skipped"] = skipped.to_dict(orient="records")
    drivers = _csv(run_dir, "dependence_drivers.csv")
    if drivers is not None:
        ctx["dependence"] = list(drivers.sentence)
    return ctx


def robustness_section(run_dir: str | Path) -> str:
    """HTML of the robustness and dependence sections of a run folder ("" if it has neither)."""
    ctx = robustness_context(run_dir)
    if not ctx["robustness"] and not ctx["dependence"]:
        return ""
    return render("robustness.html.j2", rb=ctx)
