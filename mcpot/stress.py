"""Stress tests of the report's assumptions: scenarios and readings side by side, and prior sets compared.

:func:`run_stress` runs the default priors and every scenario (overrides and/or another reading) with the
same seed and design, and tabulates the key outputs and claim probabilities with their differences to the
default. :func:`compare_priors` asks where the report's published figures sit in the distribution implied
by another prior set (e.g. ``priors-literature/``, built from engineering evidence), category by category.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import runs
from .kernel import SCENARIO_YEARS
from .montecarlo import RunConfig
from .overrides import Scenario, apply_overrides
from .pipeline import RunResult, run
from .priors import load_priors
from .reference import SHARE_YEAR, published

BASELINE = "default"


def key_outputs(sector: str, horizon: int) -> list[str]:
    """Totals 2025/2030/2035, band ends and (horizon >= 2045) the growth-after-2035 outputs."""
    outs = [f"{sector}.total.{y}" for y in SCENARIO_YEARS] + [
        f"{sector}.band_low.2025",
        f"{sector}.band_high.2035",
    ]
    if horizon >= 2045:
        outs += [f"{sector}.peak_growth_year", f"{sector}.growth_ratio"]
    return outs


def scenario_rows(name: str, result: RunResult) -> pd.DataFrame:
    """Key outputs of one run: scenario, reading, sector, output, unit, p5, p50, p95, mean."""
    wide = result.wide()
    keep = [o for s in result.config.sectors for o in key_outputs(s, result.config.horizon)]
    rows = wide[wide.output.isin(keep)][["output", "sector", "unit", "reading", "p5", "p50", "p95", "mean"]]
    return rows.assign(scenario=name)


@dataclass(frozen=True)
class StressResult:
    """Scenarios side by side.

    Attributes
    ----------
    scenarios : list of Scenario
        Including the baseline ``default`` first.
    outputs : pandas.DataFrame
        scenario, reading, sector, output, unit, p5, p50, p95, mean, and ``p50_change`` /
        ``mean_change``: the difference to the default (same unit as the output).
    claims : pandas.DataFrame
        The claim probabilities of every scenario with ``probability_change`` vs the default.
    run_dir : pathlib.Path or None
    """

    scenarios: list[Scenario]
    outputs: pd.DataFrame
    claims: pd.DataFrame
    run_dir: Path | None


def run_stress(
    base: RunConfig,
    scenarios: list[Scenario],
    *,
    priors_dir=None,
    out_dir=None,
    runs_root="runs",
    write: bool = True,
) -> StressResult:
    """Run the default and each scenario with the same seed and design; tabulate the differences."""
    t0, started = time.perf_counter(), runs.utc_now()
    if base.seed is None:
        base = dataclasses.replace(base, seed=int(np.random.SeedSequence().entropy))
    every = [Scenario(BASELINE, "the priors as given"), *scenarios]
    outputs, claims = [], []
    for sc in every:
        cfg = dataclasses.replace(
            base, overrides=base.overrides + sc.overrides, reading=sc.reading or base.reading
        )
        res = run(cfg, priors_dir=priors_dir, write=False)
        outputs.append(scenario_rows(sc.name, res))
        claims.append(res.claims.assign(scenario=sc.name))
    table = _with_change(pd.concat(outputs, ignore_index=True), ["output"], ["p50", "mean"])
    claim_table = _with_change(
        pd.concat(claims, ignore_index=True), ["sector", "quantity", "category", "year"], ["probability"]
    )
    run_dir = None
    if write:
        priors = apply_overrides(load_priors(priors_dir, base.sectors), base.overrides)
        run_dir = runs.save_analysis(
            "stress",
            dataclasses.asdict(base),
            priors,
            {"stress.csv": table, "stress_claims.csv": claim_table},
            started=started,
            elapsed=time.perf_counter() - t0,
            out_dir=out_dir,
            runs_root=runs_root,
            scenarios=[dataclasses.asdict(s) for s in every],
        )
    return StressResult(every, table, claim_table, run_dir)


def _with_change(frame: pd.DataFrame, keys: list[str], cols: list[str]) -> pd.DataFrame:
    base = frame[frame.scenario == BASELINE].set_index(keys)[cols]
    joined = frame.join(base, on=keys, rsuffix="_default")
    for c in cols:
        joined[f"{c}_change"] = joined[c] - joined[f"{c}_default"]
    return joined.drop(columns=[f"{c}_default" for c in cols])


@dataclass(frozen=True)
class PriorComparison:
    """Where the report's figures sit in each prior set's distribution.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per prior set and published figure: prior_set, reading, sector, output, category,
        report (Mt CO2/yr or fraction), p5, p50, p95 of the model, and ``percentile``: the share of
        samples at or below the report's figure (0-100). Category figures are the published share x
        published 2035 total, compared with that category's 2035 potential.
    """

    table: pd.DataFrame


def compare_priors(base: RunConfig, sets: dict[str, tuple[str | None, str]]) -> PriorComparison:
    """Percentile of each published figure under each prior set.

    Parameters
    ----------
    base : RunConfig
        Samples, seed, design, sectors, jobs.
    sets : dict
        ``name -> (priors directory or None for the bundled priors, reading)``.
    """
    rows = []
    for name, (directory, reading) in sets.items():
        res = run(dataclasses.replace(base, reading=reading), priors_dir=directory, write=False)
        wide = res.wide().set_index("output")
        for sector in base.sectors:
            pub = published()[sector]
            figures = [(f"{sector}.total.{y}", None, v) for y, v in pub.totals.items()]
            figures += [
                (f"{sector}.band_low.2025", None, pub.band[0]),
                (f"{sector}.band_high.2035", None, pub.band[1]),
            ]
            figures += [
                (f"{sector}.er.{c}.{SHARE_YEAR}", c, s * pub.totals[SHARE_YEAR])
                for c, s in pub.shares.items()
                if f"{sector}.er.{c}.{SHARE_YEAR}" in wide.index
            ]
            for output, category, value in figures:
                w = wide.loc[output]
                rows.append(
                    (
                        name,
                        reading,
                        sector,
                        output,
                        category,
                        value,
                        w.p5,
                        w.p50,
                        w.p95,
                        100 * res.cdf(output, value),
                    )
                )
    cols = [
        "prior_set",
        "reading",
        "sector",
        "output",
        "category",
        "report",
        "p5",
        "p50",
        "p95",
        "percentile",
    ]
    return PriorComparison(pd.DataFrame(rows, columns=cols))


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
) -> CalibrationResult:
    """Condition each sector's priors on the report's totals and shares (ABC by replenishment SMC,
    :func:`mcpot.calibration.smc_mcmc`): posterior, constrained inputs, posterior predictive."""
    from . import calibration
    from .model import ParameterSpace, evaluate, output_columns
    from .sampling import unit_samples

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
        figures=lambda d: _prior_posterior_figures(d, result, priors, base.seed),
        particles=particles,
        max_simulations=max_simulations,
        target_epsilon=target_epsilon,
        distance=DISTANCE,
    )
    return dataclasses.replace(result, run_dir=run_dir)


def _prior_posterior_figures(
    run_dir: Path, result: CalibrationResult, priors, seed: int, per_sector: int = 6
):
    """Prior vs posterior densities of the most and least constrained inputs of each sector."""
    from matplotlib.figure import Figure

    from . import plots
    from .sampling import unit_samples

    for sector, c in result.constraint.groupby("sector", sort=False):
        ranked = c.sort_values("width_ratio")
        chosen = list(ranked.input.head(per_sector - 2)) + list(ranked.input.tail(2))
        fig = Figure(figsize=(4 * 3, 3.2 * 2), layout="constrained")
        post = result.posterior[result.posterior.sector == sector]
        for ax, name in zip(fig.subplots(2, 3).ravel(), chosen, strict=False):
            prior = priors[sector].priors[name]
            draws = prior.ppf(unit_samples("mc", seed, 1, 0, 4000)[:, 0])
            frame = pd.concat(
                [
                    pd.DataFrame({"parameter": name, "value": draws, "which": "prior"}),
                    pd.DataFrame(
                        {"parameter": name, "value": post[name], "which": "posterior", "weight": post.weight}
                    ),
                ],
                ignore_index=True,
            )
            plots.prior_posterior(frame, name, ax=ax, unit=prior.unit)
            ax.set_title(name.split(".", 1)[1], fontsize=10)
        plots.save(fig, run_dir / f"prior_posterior-{sector}")


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
    from .discovery import prim, tree_rules
    from .errors import McpotError
    from .model import ParameterSpace, output_columns
    from .montecarlo import draw

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
