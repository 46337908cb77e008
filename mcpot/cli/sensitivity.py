"""``mcpot sobol``, ``mcpot morris`` and ``mcpot tornado``: what drives the bands."""

from __future__ import annotations

import argparse

from mcpot.cli.common import _where, command, sensitivity_config


@command("sobol")
def cmd_sobol(args: argparse.Namespace) -> int:
    from mcpot.sensitivity.analyses import run_sobol

    res = run_sobol(sensitivity_config(args, args.samples), priors_dir=args.priors, out_dir=args.out)
    cfg = res.config
    design = (
        f"N = {cfg.samples} base points in {cfg.replicates} independently scrambled designs"
        if cfg.target_ci is None
        else f"from N = {cfg.samples} base points in {cfg.replicates} independently scrambled designs, "
        f"grown per grouping until every half-width is below {cfg.target_ci:g} (see the convergence lines)"
    )
    print(
        f"Sobol indices ({design}, seed {cfg.seed}, reading: {cfg.reading_label}); ST = total index ± its "
        f"{cfg.conf_level:.0%} half-width from the spread of the replicate estimates (Student t)"
        + (
            "; sobol.csv has the bootstrap beside it (*_bootstrap, too wide: it treats Sobol' points "
            "as i.i.d.)"
            if cfg.bootstrap
            else ""
        )
    )
    for note in res.notes:
        print(f"note: {note}")
    for sentence in res.drivers.sentence:
        print(f"- {sentence}")
    if res.convergence is not None:
        for (sector, grouping), g in res.convergence.groupby(["sector", "grouping"], sort=False):
            print(f"  convergence {sector}/{grouping}: {g.reason.iloc[-1]}")
    _where(res.run_dir)
    return 0


@command("morris")
def cmd_morris(args: argparse.Namespace) -> int:
    from mcpot.sensitivity.analyses import run_morris

    res = run_morris(sensitivity_config(args, args.trajectories), priors_dir=args.priors, out_dir=args.out)
    print(
        f"Morris screening ({args.trajectories} trajectories, reading: {res.config.reading_label}); "
        "mu* per unit of prior quantile, in the output's unit"
    )
    for output, g in res.indices.groupby("output", sort=False):
        top = g.sort_values("mu_star", ascending=False).head(4)
        print(f"- {output}: " + ", ".join(f"{r.parameter} {r.mu_star:.3g}" for r in top.itertuples()))
    _where(res.run_dir)
    return 0


@command("tornado")
def cmd_tornado(args: argparse.Namespace) -> int:
    from mcpot.sensitivity.analyses import run_tornado

    q = args.quantiles
    from mcpot.report.figures import tornado_figures

    res = run_tornado(
        sensitivity_config(args, 1),
        args.output,
        q,
        priors_dir=args.priors,
        out_dir=args.out,
        figures=tornado_figures,
    )
    print(
        f"Tornado: each input at its P{100 * q[0]:g} and P{100 * q[1]:g}, others at their medians "
        f"(reading: {res.config.reading_label})"
    )
    for output, g in res.swings.groupby("output", sort=False):
        print(
            f"- {output} [{g.unit.iloc[0]}], baseline {g.baseline.iloc[0]:.4g}: "
            + ", ".join(
                f"{r.parameter.split('.', 1)[1]} {r.output_at_low:.3g}..{r.output_at_high:.3g}"
                for r in g.head(4).itertuples()
            )
        )
    _where(res.run_dir)
    return 0
