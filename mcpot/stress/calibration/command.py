"""``mcpot calibrate``: each sector's priors conditioned on the report's published totals and shares.

Per sector: a pilot of prior draws (is the target realistic?), independent replenishment SMC populations
with the full budget each, drawn in batches of ``replicates`` until every verdict is settled (or
``max_replicates`` are drawn), pooled; verdicts with Monte Carlo intervals; the posterior
predictive of the key outputs; and, per replicate, the target, the tolerance reached, the acceptance,
the effective sample and why it stopped.
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

from mcpot import progress
from mcpot.engine import runs
from mcpot.engine.chunks import RunConfig
from mcpot.engine.evaluate import map_ordered
from mcpot.engine.sampling import unit_samples
from mcpot.errors import McpotError
from mcpot.model.overrides import apply_overrides
from mcpot.model.priors import load_priors
from mcpot.model.space import ParameterSpace, evaluate, output_columns
from mcpot.stress.compare import key_outputs

from .adapters import model_simulator, priors_from_space, report_targets
from .core import weighted_quantile
from .rejection import feasibility
from .smc_mcmc import smc_mcmc
from .verdicts import UNDECIDED, pool, replicate, settled, verdicts

DISTANCE = (
    "Euclidean norm of relative differences (model - report) / report over the totals 2025/2030/2035 "
    "and the 2035 shares"
)
FIT_COLUMNS = [
    "sector",
    "replicate",
    "target_epsilon",
    "epsilon",
    "reached",
    "stop",
    "stop_reason",
    "simulations",
    "acceptance_rate",
    "ess",
    "unique",
    "generations",
]


@dataclass(frozen=True)
class CalibrationResult:
    """The priors conditioned on the report's published totals and shares (ABC, replenishment SMC).

    Attributes
    ----------
    posterior : pandas.DataFrame
        Pooled posterior samples: sector, replicate, weight, then one column per input of that sector.
    constraint : pandas.DataFrame
        Per sector and input (:func:`mcpot.stress.calibration.verdicts`): prior and posterior 90% widths and
        sds, their ratios with Monte Carlo intervals, the posterior median with its interval, the
        effective sample and the verdict (constrained / not constrained / undecided).
    predictive : pandas.DataFrame
        Per sector and key output: p5/p50/p95 under the prior and the pooled posterior.
    fit : pandas.DataFrame
        Per sector and replicate: target_epsilon, epsilon reached, reached (bool), stop (code),
        stop_reason, simulations, acceptance_rate, ess (effective sample), unique (distinct particles),
        generations.
    pilot : pandas.DataFrame
        Per sector: distance quantiles of the pilot prior draws (probability, distance), the number of
        draws and the share within the target.
    history : pandas.DataFrame
        Per sector, replicate and generation: epsilon, simulations, acceptance, ess, unique, sweeps, scale.
    run_dir : pathlib.Path or None
    """

    posterior: pd.DataFrame
    constraint: pd.DataFrame
    predictive: pd.DataFrame
    fit: pd.DataFrame
    pilot: pd.DataFrame
    history: pd.DataFrame
    run_dir: Path | None


def run_calibrate(
    base: RunConfig,
    *,
    particles: int = 1000,
    max_simulations: int = 200_000,
    target_epsilon: float = 0.05,
    replicates: int = 8,
    max_replicates: int = 64,
    resolution: float = 0.05,
    min_acceptance: float = 0.0,
    move_failure: float = 0.05,
    pilot: int = 20_000,
    confidence: float = 0.99,
    priors_dir=None,
    out_dir=None,
    runs_root="runs",
    write: bool = True,
    figures: Callable[..., None] | None = None,
) -> CalibrationResult:
    """Condition each sector's priors on the report's totals and shares.

    Parameters
    ----------
    base : RunConfig
        Sectors, reading, horizon, seed and overrides (its sampling fields are not used).
    particles : int
        SMC particles per population.
    max_simulations : int
        Model runs per population (the ``replicates`` populations each get this budget).
    target_epsilon : float
        Target tolerance of the distance (relative differences).
    replicates : int
        Independent populations per sector drawn at first and then per batch (>= 2), for the Monte Carlo
        intervals of the verdicts.
    max_replicates : int
        Most populations per sector: batches are added until every verdict is settled
        (:func:`mcpot.stress.calibration.settled`) or this many are drawn; then the ``settled`` column
        says which verdicts are not, and those are reported as undecided.
    resolution : float
        Half-width of a width-ratio interval at which an undecided verdict is final (the ratio is at the
        threshold to within this).
    min_acceptance : float
        Optional MCMC acceptance floor (fraction 0..1; 0: none).
    move_failure : float
        Probability that a copy is never moved in a generation (see
        :func:`mcpot.stress.calibration.smc_mcmc`).
    pilot : int
        Prior draws of the feasibility pilot (not counted in the budget).
    confidence : float
        Level of the Monte Carlo intervals that decide the verdicts (0.99: an input whose true ratio sits
        on the threshold is declared constrained or not in about 1% of seeds rather than 5%).
    figures : callable, optional
        ``figures(result, priors, seed, run_dir)`` draws into the run folder (the CLI passes
        :func:`mcpot.report.figures.prior_posterior_figures`).
    """
    if replicates < 2:
        raise McpotError(
            f"replicates (--replicates) must be >= 2 to give the verdicts an interval, got {replicates}"
        )
    if not 0 < move_failure < 1:
        raise McpotError(f"move_failure (--move-failure) must be in (0, 1), got {move_failure}")
    if not 0 < confidence < 1:
        raise McpotError(f"confidence (--confidence) must be in (0, 1), got {confidence}")
    if not 0 <= min_acceptance < 1:
        raise McpotError(f"min_acceptance (--min-acceptance) must be in [0, 1), got {min_acceptance}")
    t0, started = time.perf_counter(), runs.utc_now()
    base = base.with_seed()
    priors = apply_overrides(load_priors(priors_dir, base.sectors), base.overrides)
    samples, constraint, predictive, fit, pilots, history = [], [], [], [], [], []
    for i, sector in enumerate(base.sectors):
        space = ParameterSpace({sector: priors[sector]}, base.reading)
        targets = report_targets(space)
        if targets.empty:
            raise McpotError(
                f"{sector}: no published figures ([reference] in its prior file) to calibrate against"
            )
        simulate = model_simulator(space, list(targets.index), horizon=base.horizon)
        prior = priors_from_space(space)
        s_obs = targets.to_numpy()
        feas = feasibility(
            simulate, prior, s_obs, target_epsilon=target_epsilon, n=pilot,
            seed=np.random.SeedSequence(base.seed, spawn_key=(i, 1)),
        )  # fmt: skip
        pilots.append(
            feas.quantiles.reset_index().assign(
                sector=sector, draws=feas.n, within_target=feas.within_target, fraction=feas.fraction_within
            )
        )
        prior_X = space.ppf(unit_samples("lhs", base.seed, space.dim, 0, 20_000))
        posts, table = _populations(
            functools.partial(
                replicate, smc_mcmc, simulate, prior, s_obs, seed=base.child_seed(i), n_particles=particles,
                max_simulations=max_simulations, target_epsilon=target_epsilon, min_acceptance=min_acceptance,
                move_failure=move_failure, mapper=functools.partial(_map_threads, n_jobs=base.jobs),
            ),
            prior_X, batch=replicates, most=max(max_replicates, replicates), confidence=confidence,
            resolution=resolution, desc=f"mcpot calibrate {sector}", runs_per_population=max_simulations,
        )  # fmt: skip
        post = pool(posts)
        constraint.append(table.reset_index().assign(sector=sector))
        replicate_ids = np.repeat(np.arange(len(posts)), [p.X.shape[0] for p in posts])
        samples.append(
            pd.DataFrame(post.X, columns=space.names).assign(
                sector=sector, replicate=replicate_ids, weight=post.weights
            )
        )
        history.append(post.history.assign(sector=sector))
        for r, p in enumerate(posts):
            fit.append(
                (sector, r, p.target_epsilon, p.epsilon, p.reached, p.stop, p.stop_reason, p.n_simulations,
                 p.acceptance_rate, p.ess, int(p.history["unique"].iloc[-1]), len(p.history) - 1)
            )  # fmt: skip
        names = list(output_columns(space, base.horizon, base.reading).output)
        keys = [k for k in key_outputs(sector, base.horizon) if k in names]
        cols = [names.index(k) for k in keys]
        for which, X, w in (("prior", prior_X, None), ("posterior", post.X, post.weights)):
            Y = evaluate(space, X, base.horizon, base.reading)[:, cols]
            q = weighted_quantile(Y, np.full(len(X), 1 / len(X)) if w is None else w, [0.05, 0.5, 0.95])
            predictive += [(sector, k, which, *q[:, j]) for j, k in enumerate(keys)]
    result = CalibrationResult(
        pd.concat(samples, ignore_index=True),
        pd.concat(constraint, ignore_index=True),
        pd.DataFrame(predictive, columns=["sector", "output", "distribution", "p5", "p50", "p95"]),
        pd.DataFrame(fit, columns=FIT_COLUMNS),
        pd.concat(pilots, ignore_index=True),
        pd.concat(history, ignore_index=True),
        None,
    )
    if not write:
        return result
    tables = {"posterior.parquet": result.posterior} | {
        f"{name}.csv": getattr(result, name)
        for name in ("constraint", "predictive", "fit", "pilot", "history")
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
        replicates=replicates,
        max_replicates=max_replicates,
        resolution=resolution,
        min_acceptance=min_acceptance,
        move_failure=move_failure,
        pilot=pilot,
        confidence=confidence,
        distance=DISTANCE,
        calibration=manifest_summary(result),
    )
    return dataclasses.replace(result, run_dir=run_dir)


def _populations(draw, prior_X, *, batch, most, confidence, resolution, desc, runs_per_population):
    """Populations in batches of ``batch`` (``draw(replicates=, start=, on_generation=)``) until every
    verdict is :func:`settled` or ``most`` populations are drawn: ``(populations, verdict table)``."""
    posts: tuple = ()
    with progress.bar(total=batch * runs_per_population, desc=desc, unit="run") as bar:
        while True:
            size = min(batch, most - len(posts))
            posts += draw(replicates=size, start=len(posts), on_generation=functools.partial(_advance, bar))
            table = verdicts(posts, prior_X, confidence=confidence)
            done = settled(table, resolution=resolution)
            if done.all() or len(posts) >= most:
                # at the cap, a decision that clears the threshold by less than a standard error is one
                # another seed may not repeat: it is reported as undecided (and marked unsettled)
                table.loc[~done, "verdict"] = UNDECIDED
                bar.total = bar.n  # the budget was an upper bound: populations may stop early
                bar.refresh()
                return posts, table.assign(settled=done)
            bar.total += min(batch, most - len(posts)) * runs_per_population
            bar.refresh()


def _advance(bar, row: dict) -> None:
    """A generation of some population ended: its runs onto the bar, its tolerance and acceptance beside."""
    bar.update(row["n_simulations"])
    bar.set_postfix(
        epsilon=f"{row['epsilon']:.4f}", acceptance=f"{row['acceptance_rate']:.3f}", refresh=False
    )


def _map_threads(fn, tasks, *, n_jobs: int):
    """Populations on threads: numpy releases the GIL in the model, and nothing needs pickling."""
    return list(map_ordered(fn, list(tasks), n_jobs=n_jobs, backend="threading"))


def manifest_summary(result: CalibrationResult) -> dict:
    """Per sector, what the manifest records: target, epsilon reached (worst replicate), whether every
    replicate reached the target, stop codes, acceptance, effective sample, pilot share within target,
    and the verdict counts."""
    out = {}
    for sector, f in result.fit.groupby("sector", sort=False):
        c = result.constraint[result.constraint.sector == sector]
        p = result.pilot[result.pilot.sector == sector].iloc[0]
        out[sector] = {
            "target_epsilon": float(f.target_epsilon.iloc[0]),
            "epsilon_reached": float(f.epsilon.max()),
            "epsilon_by_replicate": [float(e) for e in f.epsilon],
            "target_reached": bool(f.reached.all()),
            "stop": sorted(set(f.stop)),
            "simulations": int(f.simulations.sum()),
            "acceptance_rate": float(f.acceptance_rate.mean()),
            "effective_sample": float(f.ess.sum()),
            "effective_sample_replicate_scatter": float(c.ess.median()),
            "replicates": len(f),
            "verdicts_settled": bool(c.settled.all()),
            "unsettled_inputs": [str(n) for n in c.loc[~c.settled, "input"]],
            "pilot_draws": int(p.draws),
            "pilot_fraction_within_target": float(p.fraction),
            "verdicts": {k: int(v) for k, v in c.verdict.value_counts().items()},
        }
    return out
