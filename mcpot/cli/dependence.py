"""``mcpot shapley`` and ``mcpot robustness``: parsers and handlers (registered by :func:`add_parsers`)."""

from __future__ import annotations

import argparse

from mcpot.cli.common import (
    _where,
    add_engine_options,
    add_model_options,
    command,
    positive_int,
    shared_fields,
)


def add_parsers(sub) -> None:
    """Add the two subcommands to ``mcpot``'s subparsers."""
    p = sub.add_parser("shapley", help="dependence-aware sensitivity: Shapley effects, delta and PAWN")
    add_model_options(p)
    add_engine_options(p)
    p.add_argument(
        "--samples", type=positive_int, default=2048, help="joint-prior MC rows for delta/PAWN (2048)"
    )
    p.add_argument(
        "--permutations", type=positive_int, default=3000, help="Shapley random permutations (3000; se ~0.02)"
    )
    p.add_argument("--delta-resamples", type=positive_int, default=10, help="SALib delta bootstrap (10)")

    p = sub.add_parser("robustness", help="do the key conclusions hold under other prior choices?")
    add_model_options(p)
    add_engine_options(p)
    p.add_argument(
        "--samples", type=positive_int, default=1024, help="Sobol base points, a power of 2 (1024)"
    )
    p.add_argument("--report", action="store_true", help="write RUN_DIR/report.html")


@command("shapley")
def cmd_shapley(args: argparse.Namespace) -> int:
    from mcpot.sensitivity.dependent import DependenceConfig, run_dependence

    cfg = DependenceConfig(
        **shared_fields(args),
        samples=args.samples,
        permutations=args.permutations,
        delta_resamples=args.delta_resamples,
        reading=args.reading,
    )
    res = run_dependence(cfg, priors_dir=args.priors, out_dir=args.out)
    cfg = res.config
    pairs = ", ".join(f"{r.between}~{r['and']} {r.rho:+.2f}" for _, r in res.correlated.iterrows())
    print(
        f"Dependence-aware sensitivity (seed {cfg.seed}, reading: {cfg.reading}; copula: {pairs or 'none'})\n"
        f"Shapley effects: {cfg.permutations} random permutations, fraction of the output variance ± se; "
        f"delta (delta_raw) from {cfg.samples} joint-prior draws ± se"
    )
    for sentence in res.drivers.sentence:
        print(f"- {sentence}")
    _where(res.run_dir)
    return 0


@command("robustness")
def cmd_robustness(args: argparse.Namespace) -> int:
    from mcpot.sensitivity.robustness import RobustnessConfig, run_robustness

    cfg = RobustnessConfig(**shared_fields(args), samples=args.samples, reading=args.reading)
    res = run_robustness(cfg, priors_dir=args.priors, out_dir=args.out)
    print(
        f"Key conclusions under alternative priors (N = {res.config.samples} Sobol base points, "
        f"{8 * res.config.samples} MC draws, seed {res.config.seed}, reading: {args.reading}; "
        "band ends in % of sector emissions)"
    )
    for r in res.table[res.table.variant == "baseline"].itertuples():
        print(f"- {r.conclusion}: {r.value} -> {r.verdict}")
    for r in res.skipped.itertuples():
        print(f"  (skipped {r.variant}: {r.note})")
    _where(res.run_dir)
    if args.report and res.run_dir is not None:
        from mcpot.report.html import write_report

        print(f"report: {write_report(res.run_dir)}")
    return 0
