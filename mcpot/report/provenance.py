"""Report parts on where the numbers come from: the priors with units and sources, the manifest.

Plain data for ``templates/provenance.html.j2``.
"""

from __future__ import annotations

import tomllib

from mcpot.model.priors import Prior, SectorPriors
from mcpot.report.parts import styled


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
                styled(short, "code"),
                _describe(prior),
                med,
                interval,
                prior.unit,
                styled(prior.source, "src"),
            )
        )
    return rows


def _priors_context(priors: dict[str, SectorPriors], manifest: dict, problem: str) -> dict:
    """The priors part: the reading problem (if any) and per sector its description, file hash, prior
    rows, excluded categories and rank correlations."""
    sectors = []
    for sector, sp in priors.items():
        sectors.append(
            {
                "name": sector,
                "description": tomllib.loads(sp.text).get("description", ""),
                "sha256": manifest.get("priors", {}).get(sector, {}).get("sha256", sp.sha256),
                "rows": _prior_rows(sp),
                "excluded": [(cat, table.get("source", "")) for cat, table in _excluded(sp).items()],
                "correlations": [
                    (a.removeprefix(f"{sector}."), b.removeprefix(f"{sector}."), f"{rho:g}")
                    for a, b, rho in sp.correlations
                ],
            }
        )
    return {"problem": problem, "sectors": sectors}


def _excluded(sp: SectorPriors) -> dict[str, dict]:
    """Categories a sector file marks ``included = false``, with their table."""
    doc = tomllib.loads(sp.text)
    return {k: v for k, v in doc.items() if isinstance(v, dict) and v.get("included", True) is False}


def _manifest_context(manifest: dict) -> dict:
    """The manifest part: settings, sessions, prior files and versions as table rows."""
    cfg = manifest.get("config", {})
    rows = [("kind", manifest.get("kind")), ("status", manifest.get("status"))]
    rows += [(k, v if not isinstance(v, list | tuple) else ", ".join(map(str, v))) for k, v in cfg.items()]
    rows += [
        ("samples done", manifest.get("samples_done")),
        ("started", manifest.get("started")),
        ("finished", manifest.get("finished")),
        ("elapsed (s)", manifest.get("elapsed_s")),
        ("git commit", manifest.get("git_commit")),
        ("command", styled(" ".join(map(str, manifest.get("command", []))), "code")),
    ]
    return {
        "settings": [r for r in rows if r[1] is not None],
        "sessions": [
            (i + 1, s.get("started"), s.get("finished"), s.get("elapsed_s"), s.get("resumed_from_block"))
            for i, s in enumerate(manifest.get("sessions", []))
        ],
        "priors": [
            (s, styled(p.get("sha256"), "mono"), p.get("path")) for s, p in manifest.get("priors", {}).items()
        ],
        "versions": sorted(manifest.get("versions", {}).items(), key=lambda kv: kv[0].lower()),
    }
