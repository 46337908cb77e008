"""The calibration and scenario-discovery orchestrators: ``mcpot calibrate`` and ``mcpot discover``.

:func:`run_calibrate` conditions each sector's priors on the published figures with the ABC machinery of
:mod:`mcpot.stress.calibration`; :func:`run_discover` samples the priors and finds the input regions where
an output passes a threshold (:mod:`mcpot.stress.discovery`).
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mcpot.engine import runs
from mcpot.engine.chunks import RunConfig
from mcpot.model.overrides import apply_overrides
from mcpot.model.priors import load_priors
from mcpot.stress.compare import key_outputs


@dataclass(frozen=True)
class CalibrationResult:
    """The priors conditioned on the report's published totals and shares (ABC, replenishment SMC).

    Attributes
    ----------
    posterior : pandas.DataFrame
        Posterior samples: sector, weight, then one column per input of that sector.
    constraint : pandas.DataFrame
        Per sector and input: prior and posterior 90% widths and sds and their ratios
        (``width_ratio`` < 0.5: the published figures constrain the input; ~1: they leave it free).
    predictive : pandas.DataFrame
        Per sector and key output: p5/p50/p95 under the prior and the posterior (posterior predictive).
    fit : pandas.DataFrame
        Per sector: epsilon reached, distance, simulations, acceptance rate, stop reason.
    run_dir : pathlib.Path or None
    """

    posterior: pd.DataFrame
    constraint: pd.DataFrame
    predictive: pd.DataFrame
    fit: pd.DataFrame
    run_dir: Path | None


DISTANCE = (
    "Euclidean norm of relative differences (model - report) / report over the totals 2025/2030/2035 "
    "and the 2035 shares"
)


def run_calibrate(
    base: RunConfig,
    *,
    particles: int = 1000,
    max_simulations: int = 200_000,
    target_epsilon: float = 0.05,
    priors_dir=None,
    out_dir=None,
    runs_root="runs",
    write: bool = True,
    figures: Callable[..., None] | None = None,
) -> CalibrationResult:
    """Condition each sector's priors on the report's totals and shares (ABC by replenishment SMC,
    :func:`mcpot.stress.calibration.smc_mcmc`): posterior, constrained inputs, posterior predictive.

    ``figures(result, priors, seed, run_dir)``, if given, draws into the run folder (the CLI passes
    :func:`mcpot.report.figures.prior_posterior_figures`)."""
    from mcpot.engine.sampling import unit_samples
    from mcpot.model.space import ParameterSpace, evaluate, output_columns
    from mcpot.stress import calibration

    t0, started = time.perf_counter(), runs.utc_now()
    if base.seed is None:
        base = dataclasses.replace(base, seed=int(np.random.SeedSequence().entropy))
    priors = apply_overrides(load_priors(priors_dir, base.sectors), base.overrides)
    samples, constraint, predictive, fit = [], [], [], []
    for i, sector in enumerate(base.sectors):
        space = ParameterSpace({sector: priors[sector]}, base.reading)
        targets = calibration.report_targets(space)
        simulate = calibration.model_simulator(space, list(targets.index), horizon=base.horizon)
        post = calibration.smc_mcmc(
            simulate,
            calibration.priors_from_space(space),
            targets.to_numpy(),
            seed=int(np.random.SeedSequence(base.seed, spawn_key=(i,)).generate_state(1)[0]),
            n_particles=particles,
            max_simulations=max_simulations,
            target_epsilon=target_epsilon,
        )
        prior_X = space.ppf(unit_samples("lhs", base.seed, space.dim, 0, 20_000))
        constraint.append(calibration.spread_ratio(post, prior_X).reset_index().assign(sector=sector))
        samples.append(pd.DataFrame(post.X, columns=space.names).assign(sector=sector, weight=post.weights))
        names = list(output_columns(space, base.horizon, base.reading).output)
        keys = [k for k in key_outputs(sector, base.horizon) if k in names]
        cols = [names.index(k) for k in keys]
        for which, X, w in (("prior", prior_X, None), ("posterior", post.X, post.weights)):
            Y = evaluate(space, X, base.horizon, base.reading)[:, cols]
            q = calibration.weighted_quantile(
                Y, np.full(len(X), 1 / len(X)) if w is None else w, [0.05, 0.5, 0.95]
            )
            predictive += [(sector, k, which, *q[:, j]) for j, k in enumerate(keys)]
        fit.append(
            (sector, post.epsilon, DISTANCE, post.n_simulations, post.acceptance_rate, post.stop_reason)
        )
    result = CalibrationResult(
        pd.concat(samples, ignore_index=True),
        pd.concat(constraint, ignore_index=True),
        pd.DataFrame(predictive, columns=["sector", "output", "distribution", "p5", "p50", "p95"]),
        pd.DataFrame(
            fit, columns=["sector", "epsilon", "distance", "simulations", "acceptance_rate", "stop_reason"]
        ),
        None,
    )
    if not write:
        return result
    tables = {"posterior.parquet": result.posterior} | {
        f"{name}.csv": getattr(result, name) for name in ("constraint", "predictive", "fit")
    }
    run_dir = runs.save_analysis(
        "calibrate",
        dataclasses.asdict(base),
        priors,
        tables,
        started=started,
        elapsed=time.perf_counter() - t0,
        out_dir=out_dir,
        runs_root=runs_root,
        figures=functools.partial(figures, result, priors, base.seed) if figures else None,
        particles=particles,
        max_simulations=max_simulations,
        target_epsilon=target_epsilon,
        distance=DISTANCE,
    )
    return dataclasses.replace(result, run_dir=run_dir)


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
    from mcpot.errors import McpotError
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
