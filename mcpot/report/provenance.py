"""Report sections on where the numbers come from: the priors with units and sources, the manifest."""

from __future__ import annotations

import tomllib

from mcpot.model.priors import Prior, SectorPriors
from mcpot.report.parts import _esc, _Raw, _table


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
