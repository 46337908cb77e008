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

import pandas as pd

from mcpot import progress
from mcpot.engine import runs
from mcpot.engine.chunks import RunConfig
from mcpot.engine.run import RunResult, run
from mcpot.model.kernel import SCENARIO_YEARS
from mcpot.model.overrides import Scenario, apply_overrides, for_sectors
from mcpot.model.priors import load_priors, published
from mcpot.model.reference import SHARE_YEAR

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
    base = base.with_seed()
    every = [Scenario(BASELINE, "the priors as given"), *(for_sectors(sc, base.sectors) for sc in scenarios)]
    outputs, claims = [], []
    for sc in progress.bar(every, desc="mcpot stress", unit="scenario"):
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
    base = frame.loc[frame.scenario == BASELINE, [*keys, *cols]].rename(
        columns={c: f"{c}_default" for c in cols}
    )
    joined = frame.merge(base, on=keys, how="left", validate="many_to_one")
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


def compare_priors(
    base: RunConfig, sets: dict[str, tuple[str | None, str]], reference: str | Path | None = None
) -> PriorComparison:
    """Percentile of each published figure under each prior set.

    Parameters
    ----------
    base : RunConfig
        Samples, seed, design, sectors, jobs.
    sets : dict
        ``name -> (priors directory or None for the bundled priors, reading)``.
    reference : path, optional
        Priors directory whose ``[reference]`` tables hold the figures compared (default: the first
        set's), so a prior set without published figures (``priors-literature/``) is compared with the
        report's.
    """
    first = next(iter(sets.values()))[0] if reference is None else reference
    pubs = published(load_priors(first, base.sectors))
    rows = []
    for name, (directory, reading) in sets.items():
        res = run(dataclasses.replace(base, reading=reading), priors_dir=directory, write=False)
        wide = res.wide().set_index("output")
        for sector, pub in pubs.items():
            figures = [(f"{sector}.total.{y}", None, v) for y, v in pub.totals.items()]
            if pub.band is not None:
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
