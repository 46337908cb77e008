"""The scenario-discovery orchestrator, ``mcpot discover``.

:func:`run_discover` samples the priors and finds the input regions where an output passes a threshold
(:mod:`mcpot.stress.discovery`). ``mcpot calibrate`` lives with its machinery in
:mod:`mcpot.stress.calibration`.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mcpot.engine import runs
from mcpot.engine.chunks import RunConfig
from mcpot.errors import McpotError
from mcpot.model.overrides import apply_overrides
from mcpot.model.priors import load_priors


@dataclass(frozen=True)
class DiscoveryResult:
    """Which input regions give an output above (or below) a threshold.

    Attributes
    ----------
    output, condition : str
        The output and the condition, e.g. ``steel.band_high.2035 > 0.2``.
    share : float
        Fraction of samples meeting the condition.
    box : str
        The chosen PRIM box in plain words, with its coverage and density.
    trajectory : pandas.DataFrame
        PRIM's peeling/pasting trajectory (coverage, density, support, restricted inputs).
    rules : pandas.DataFrame
        The decision tree's leaf rules with coverage and density.
    run_dir : pathlib.Path or None
    """

    output: str
    condition: str
    share: float
    box: str
    trajectory: pd.DataFrame
    rules: pd.DataFrame
    run_dir: Path | None


def run_discover(
    base: RunConfig,
    output: str,
    threshold: float,
    above: bool = True,
    *,
    min_coverage: float = 0.5,
    priors_dir=None,
    out_dir=None,
    runs_root="runs",
    write: bool = True,
) -> DiscoveryResult:
    """Scenario discovery: PRIM boxes and decision-tree rules for ``output > threshold`` (or ``<``)."""
    from mcpot.engine.chunks import draw
    from mcpot.model.space import ParameterSpace, output_columns
    from mcpot.stress.discovery import prim, tree_rules

    t0, started = time.perf_counter(), runs.utc_now()
    if base.seed is None:
        base = dataclasses.replace(base, seed=int(np.random.SeedSequence().entropy))
    sector = output.split(".", 1)[0]
    if sector not in base.sectors:
        raise McpotError(
            f"output {output!r}: sector {sector!r} is not among --sectors {','.join(base.sectors)}"
        )
    base = dataclasses.replace(base, sectors=(sector,))
    priors = apply_overrides(load_priors(priors_dir, base.sectors), base.overrides)
    space = ParameterSpace(priors, base.reading)
    names = list(output_columns(space, base.horizon, base.reading).output)
    if output not in names:
        raise McpotError(
            f"--output: unknown output {output!r}; e.g. {sector}.band_high.2035, {sector}.total.2030"
        )
    X, Y = draw(base, space)
    y = Y[:, names.index(output)]
    hit = y > threshold if above else y < threshold
    condition = f"{output} {'>' if above else '<'} {threshold:g}"
    if hit.all() or not hit.any():
        raise McpotError(f"{condition} holds in {hit.mean():.0%} of the samples: nothing to discover")
    short = [n.split(".", 1)[1] for n in space.names]
    found = prim(X, hit, short)
    box = found.select(min_coverage=min_coverage)
    rules = tree_rules(X, hit, short, seed=0)
    stats = f"coverage {box.coverage:.2f}, density {box.density:.2f}, support {box.support:.2f}"
    text = f"{box.describe()} ({stats})"
    result = DiscoveryResult(
        output,
        condition,
        float(hit.mean()),
        text,
        found.trajectory,
        rules.drop(columns="box", errors="ignore"),
        None,
    )
    if not write:
        return result
    run_dir = runs.save_analysis(
        "discover",
        dataclasses.asdict(base),
        priors,
        {"prim_trajectory.csv": result.trajectory, "tree_rules.csv": result.rules},
        started=started,
        elapsed=time.perf_counter() - t0,
        out_dir=out_dir,
        runs_root=runs_root,
        condition=condition,
        box=text,
        share=result.share,
    )
    return dataclasses.replace(result, run_dir=run_dir)
