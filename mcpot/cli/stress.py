"""``mcpot stress``, ``mcpot calibrate`` and ``mcpot discover``: which assumptions hold under stress."""

from __future__ import annotations

import argparse

from mcpot.cli.common import _where, command, run_config
from mcpot.precision import Z95, plus_minus, signed


@command("stress")
def cmd_stress(args: argparse.Namespace) -> int:
    from mcpot.engine import runs
    from mcpot.engine.sampling import fresh_seed
    from mcpot.model.overrides import Scenario, load_scenarios
    from mcpot.stress.compare import compare_priors, run_stress

    seed = args.seed if args.seed is not None else fresh_seed()
    base = run_config(args, overrides=(), seed=seed)
    scenarios = load_scenarios(args.scenarios) if args.scenarios else []
    if args.overrides:
        scenarios.append(Scenario("--set", " ".join(args.overrides), tuple(args.overrides)))
    scenarios += [Scenario(f"reading:{r}", "", (), r) for r in args.readings or ()]
    if args.compare_priors:  # a bad prior set is said at once, not after the scenarios have run
        from mcpot.model.priors import load_priors

        load_priors(args.compare_priors, args.sectors)
    res = run_stress(base, scenarios, priors_dir=args.priors, out_dir=args.out)
    print(
        f"Stress test: N = {base.samples:,} per scenario, seed {base.seed}; "
        "median [90% interval]; totals Mt CO2/yr, band ends % of sector emissions; change = median vs "
        "default; probabilities ± their 95% Monte Carlo error"
    )
    claims = res.claims[res.claims.quantity == "band"].set_index(["scenario", "sector"])
    for sc in res.scenarios:
        rows = res.outputs[res.outputs.scenario == sc.name]
        print(
            f"\n{sc.name} (reading: {rows.reading.iloc[0]}){': ' + sc.description if sc.description else ''}"
        )
        for sector in base.sectors:
            cells = []
            for r in rows[rows.sector == sector].itertuples():
                k = 100 if "band" in r.output else 1
                if r.output.endswith(("2035", "2025")) and (
                    "band" in r.output or r.output.endswith("total.2035")
                ):
                    cells.append(
                        f"{r.output.split('.', 1)[1]} {k * r.p50:.1f} [{k * r.p5:.1f}, {k * r.p95:.1f}] "
                        f"({k * r.p50_change:+.1f})"
                    )
            claim = ""
            if (sc.name, sector) in claims.index:
                p = claims.loc[(sc.name, sector)]
                half = Z95 * p.mc_se
                change = signed(p.probability_change, half)
                claim = f"; P(band in report's) {plus_minus(p.probability, half)} ({change})"
            print(f"  {sector:<14} " + "; ".join(cells) + claim)
    if args.compare_priors:
        cmp = compare_priors(
            base,
            {"default": (args.priors, args.reading), "compared": (args.compare_priors, args.compare_reading)},
        ).table
        print(
            f"\nWhere the report's figures sit (percentile of the model distribution; "
            f"compared = {args.compare_priors}, reading {args.compare_reading})"
        )
        piv = cmp.pivot_table(
            index=["sector", "output"], columns="prior_set", values="percentile", sort=False
        )
        for (_, output), r in piv.iterrows():
            print(f"  {output:<42} default P{r['default']:5.1f}   compared P{r['compared']:5.1f}")
        if res.run_dir is not None:
            runs.write_table(res.run_dir / "priors_comparison.csv", cmp)
    _where(res.run_dir)
    return 0


@command("calibrate")
def cmd_calibrate(args: argparse.Namespace) -> int:
    from mcpot.report.figures import prior_posterior_figures
    from mcpot.stress.calibration import run_calibrate

    res = run_calibrate(
        run_config(args, samples=2),
        particles=args.particles,
        max_simulations=args.max_simulations,
        target_epsilon=args.epsilon,
        replicates=args.replicates,
        max_replicates=args.max_replicates,
        resolution=args.resolution,
        min_acceptance=args.min_acceptance,
        move_failure=args.move_failure,
        pilot=args.pilot,
        confidence=args.confidence,
        priors_dir=args.priors,
        out_dir=args.out,
        figures=prior_posterior_figures,
    )
    print(
        f"Priors conditioned on the report's totals and 2035 shares (ABC, replenishment SMC; reading "
        f"{args.reading}; distance: relative differences, Euclidean; independent populations of "
        f"{args.particles} particles, {args.max_simulations:,} model runs each, in batches of "
        f"{args.replicates} until every verdict is settled or {max(args.max_replicates, args.replicates)} "
        "are drawn)"
    )
    for sector, fit in res.fit.groupby("sector", sort=False):
        _print_calibration(res, sector, fit, args)
    _where(res.run_dir)
    return 0


def _print_calibration(res, sector: str, fit, args: argparse.Namespace) -> None:
    """One sector of ``mcpot calibrate``: feasibility, how far each population got, verdicts, bands."""
    pilot = res.pilot[res.pilot.sector == sector]
    quantiles = ", ".join(f"{100 * r.probability:g}% {r.distance:.3g}" for r in pilot.itertuples())
    p0 = pilot.iloc[0]
    print(
        f"\n{sector}: target epsilon {args.epsilon:g}; prior pilot of {p0.draws:,} draws: distance "
        f"quantiles {quantiles}; {p0.within_target} within the target ({100 * p0.fraction:.3g}%)"
    )
    if len(fit) <= 8:
        for f in fit.itertuples():
            print(
                f"  population {f.replicate}: epsilon {f.epsilon:.4f} after {f.simulations:,} runs, "
                f"{f.stop} ({f.stop_reason}); acceptance {f.acceptance_rate:.3g}, effective sample "
                f"{f.ess:.0f} of {args.particles} ({f.unique} distinct)"
            )
    else:
        stops = ", ".join(f"{stop} {n}" for stop, n in fit.stop.value_counts().items())
        print(
            f"  {len(fit)} populations (each in fit.csv): epsilon "
            f"{fit.epsilon.min():.4f}-{fit.epsilon.max():.4f} after "
            f"{fit.simulations.min():,}-{fit.simulations.max():,} runs ({stops}); acceptance "
            f"{fit.acceptance_rate.min():.3g}-{fit.acceptance_rate.max():.3g}; effective sample median "
            f"{fit.ess.median():.0f} of {args.particles} ({fit.ess.min():.0f}-{fit.ess.max():.0f})"
        )
    if not fit.reached.all():
        print(
            f"  TARGET NOT REACHED: epsilon {fit.epsilon.max():.4f} > {args.epsilon:g} in "
            f"{int((~fit.reached).sum())} of {len(fit)} populations; the posterior is that of the larger "
            "tolerance (raise --max-simulations or --epsilon)"
        )
    c = res.constraint[res.constraint.sector == sector]
    print(
        f"  verdicts (posterior/prior 90% width < 0.5, decided by a {100 * args.confidence:g}% interval "
        f"over {c.replicates.iloc[0]} populations; effective sample per input, median {c.ess.median():.0f}):"
    )
    if not c.settled.all():
        loose = ", ".join(n.split(".", 1)[1] for n in c.loc[~c.settled, "input"])
        print(
            f"  NOT SETTLED after {c.replicates.iloc[0]} populations (--max-replicates): {loose}; reported "
            "as undecided, as another seed could call them otherwise (raise --max-replicates or --resolution)"
        )
    for verdict, rows in c.groupby("verdict", sort=False):
        items = [
            f"{r.input.split('.', 1)[1]} {r.width_ratio:.2f} "
            f"[{r.width_ratio_low:.2f}, {r.width_ratio_high:.2f}]"
            for r in rows.itertuples()
        ]
        print(f"    {verdict} ({len(rows)}): " + ", ".join(items))
    p = res.predictive[(res.predictive.sector == sector) & res.predictive.output.str.contains("band")]
    for r in p.itertuples():
        interval = f"{100 * r.p50:5.1f}% [{100 * r.p5:.1f}, {100 * r.p95:.1f}]"
        print(f"  {r.distribution:<9} {r.output:<28} {interval}  (fraction of sector emissions)")


@command("discover")
def cmd_discover(args: argparse.Namespace) -> int:
    from mcpot.stress.runners import run_discover

    res = run_discover(
        run_config(args),
        args.output,
        args.above if args.above is not None else args.below,
        above=args.above is not None,
        priors_dir=args.priors,
        out_dir=args.out,
    )
    print(
        f"Scenario discovery for {res.condition} ({res.share:.1%} of {args.samples:,} samples; reading "
        f"{args.reading})\nPRIM box: {res.box}\ndecision-tree rules where it mostly holds:"
    )
    for r in (
        res.rules[res.rules.density >= 0.5].sort_values("coverage", ascending=False).head(5).itertuples()
    ):
        print(f"  {r.rule}  (coverage {r.coverage:.2f}, density {r.density:.2f})")
    _where(res.run_dir)
    return 0
