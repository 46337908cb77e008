"""``mcpot stress``, ``mcpot calibrate`` and ``mcpot discover``: which assumptions hold under stress."""

from __future__ import annotations

import argparse

from mcpot.cli.common import _where, command, run_config


@command("stress")
def cmd_stress(args: argparse.Namespace) -> int:
    import numpy as np

    from mcpot.engine import runs
    from mcpot.model.overrides import Scenario, load_scenarios
    from mcpot.stress.compare import compare_priors, run_stress

    seed = args.seed if args.seed is not None else int(np.random.SeedSequence().entropy)
    base = run_config(args, overrides=(), seed=seed)
    scenarios = load_scenarios(args.scenarios) if args.scenarios else []
    if args.overrides:
        scenarios.append(Scenario("--set", " ".join(args.overrides), tuple(args.overrides)))
    scenarios += [Scenario(f"reading:{r}", "", (), r) for r in args.readings or ()]
    res = run_stress(base, scenarios, priors_dir=args.priors, out_dir=args.out)
    print(
        f"Stress test: N = {base.samples:,} per scenario, seed {base.seed}; "
        "median [90% interval]; totals Mt CO2/yr, band ends % of sector emissions; change = median vs default"
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
            p = claims.loc[(sc.name, sector)] if (sc.name, sector) in claims.index else None
            print(
                f"  {sector:<14} "
                + "; ".join(cells)
                + (
                    f"; P(band in report's) {p.probability:.2f} ({p.probability_change:+.2f})"
                    if p is not None
                    else ""
                )
            )
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
    from mcpot.stress.runners import run_calibrate

    res = run_calibrate(
        run_config(args, samples=2),
        particles=args.particles,
        max_simulations=args.max_simulations,
        target_epsilon=args.epsilon,
        priors_dir=args.priors,
        out_dir=args.out,
        figures=prior_posterior_figures,
    )
    print(
        f"Priors conditioned on the report's totals and 2035 shares (ABC, replenishment SMC; reading "
        f"{args.reading}; distance: relative differences, Euclidean)"
    )
    for f in res.fit.itertuples():
        c = res.constraint[res.constraint.sector == f.sector]
        tight = c[c.width_ratio < 0.5].sort_values("width_ratio")
        free = c[c.width_ratio > 0.9]
        print(f"\n{f.sector}: epsilon {f.epsilon:.3f} after {f.simulations:,} simulations ({f.stop_reason})")
        print(
            "  constrained (posterior/prior 90% width): "
            + (
                ", ".join(f"{r.input.split('.', 1)[1]} {r.width_ratio:.2f}" for r in tight.itertuples())
                or "none"
            )
        )
        print(f"  left free (ratio > 0.9): {len(free)} of {len(c)} inputs")
        p = res.predictive[(res.predictive.sector == f.sector) & res.predictive.output.str.contains("band")]
        for r in p.itertuples():
            interval = f"{100 * r.p50:5.1f}% [{100 * r.p5:.1f}, {100 * r.p95:.1f}]"
            print(f"  {r.distribution:<9} {r.output:<28} {interval}")
    _where(res.run_dir)
    return 0


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
