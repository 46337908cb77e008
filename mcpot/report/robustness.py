"""Report sections of ``mcpot robustness`` (``robustness.csv``) and ``mcpot shapley`` (drivers sentences).

:func:`robustness_context` reads the run folder into a plain dict; :data:`TEMPLATE` (Jinja2, autoescaped)
renders it; :func:`robustness_section` does both and returns "" when the folder has neither table.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import pandas as pd

TEMPLATE = """
{% if robustness %}<h3 id="robustness">Robustness of the key conclusions</h3>
<p>Each conclusion re-derived under alternative prior choices (reading {{ reading }}). Top-3 drivers by
Sobol ST (± 95% replicate half-width); probabilities ± binomial se; medians of the band ends in % of sector
emissions. A conclusion is <b>robust</b> if it holds under every variant: the same top-3 set (or ties within
the intervals), a probability within max(0.05, 3 se), a median within 10% (+ 3 se).</p>
<table><tr><th>conclusion</th><th>baseline</th><th>verdict</th>
{% for v in variants %}<th>{{ v }}</th>{% endfor %}</tr>
{% for c in robustness %}<tr><td>{{ c.conclusion }}</td><td>{{ c.baseline }}</td>
<td><b>{{ c.verdict }}</b></td>{% for cell in c.cells %}
<td{% if not cell.holds %} style="color:#a00"{% endif %}>{{ cell.value }}</td>{% endfor %}
</tr>{% endfor %}</table>
{% for s in skipped %}<p class="note">Skipped {{ s.variant }}: {{ s.note }}.</p>{% endfor %}{% endif %}
{% if dependence %}<h3 id="dependence">Dependence-aware sensitivity (Shapley effects, delta)</h3>
<ul>{% for s in dependence %}<li>{{ s }}</li>{% endfor %}</ul>{% endif %}
"""


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
    return jinja2.Environment(autoescape=True).from_string(TEMPLATE).render(**ctx)
