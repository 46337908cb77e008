"""``mcpot run``, ``mcpot report`` and ``mcpot bench``: the main job, its HTML report, speed here."""

from __future__ import annotations

import argparse
import sys

from mcpot.cli.common import command, run_config
from mcpot.errors import McpotError
from mcpot.precision import Z95, plus_minus


@command("run")
def cmd_run(args: argparse.Namespace) -> int:
    from mcpot.engine.run import resume, run

    if args.resume and args.out:
        raise McpotError("--out: not with --resume (a resumed run stays in its folder)")
    if args.resume:
        result = resume(
            args.resume, progress=not args.quiet, jobs=args.jobs, checkpoint_every=args.checkpoint_every
        )
    else:
        config = run_config(args, save_samples=args.save_samples)
        result = run(
            config,
            priors_dir=args.priors,
            out_dir=args.out,
            progress=not args.quiet,
            checkpoint_every=args.checkpoint_every,
        )
    print_run(result)
    if args.report and result.run_dir is not None:
        print(f"report: {report_into(result.run_dir)}")
    return 0


@command("report")
def cmd_report(args: argparse.Namespace) -> int:
    print(report_into(args.run_dir, args.output))
    return 0


def report_into(run_dir, output=None):
    """Write the report of a run folder, holding its lock; record the outcome in the manifest.

    A stale ``running`` manifest (its process was killed) is first recorded as ``interrupted``; the
    report of an unfinished run shows what the folder holds, with a note. The results' status is
    never changed by the report's outcome (``report: {status, path, error}`` in the manifest).
    """
    from pathlib import Path

    from mcpot.engine import runs
    from mcpot.engine.runlock import RunLock

    run_dir = Path(run_dir)
    runs.read_manifest(run_dir)  # not a run folder: say so before making a lock file in it
    from mcpot.report.html import write_report  # (matplotlib: seconds to import)

    with RunLock(run_dir):
        manifest = runs.settle(run_dir, runs.read_manifest(run_dir))
        if manifest["status"] != "complete":
            print(
                f"mcpot: note: {run_dir}: the run is {manifest['status']} ({manifest.get('error')}); the "
                f"report shows what it holds; `mcpot run --resume {run_dir}` finishes a Monte Carlo run",
                file=sys.stderr,
            )
        try:
            path = write_report(run_dir, output)
        except Exception as exc:
            reason = runs.stop_reason(exc)[1]
            runs.record_report(run_dir, "failed", error=reason)
            if runs.is_disk_full(exc):
                raise runs.disk_full(
                    exc,
                    f"no report (the results are kept): free space, then `mcpot report {run_dir}`",
                ) from None
            raise
        runs.record_report(run_dir, "complete", path)
    return path


def _interval(w, output: str, scale: float, unit: str) -> str:
    r = w.loc[output]
    return f"{scale * r.p50:6.1f}{unit} [{scale * r.p5:5.1f}, {scale * r.p95:5.1f}]"


def _probability(claim) -> str:
    """A claims-table row's probability ± its 95% MC error."""
    return plus_minus(claim.probability, Z95 * claim.mc_se)


def print_run(result) -> None:
    """The short table a finished run prints: medians and 90% intervals, and the band claims."""
    cfg = result.config
    w = result.wide().set_index("output")
    claims = result.claims
    print(f"\nmcpot run: N = {cfg.samples:,} ({cfg.design}), seed {cfg.seed}, reading: {cfg.reading}")
    print(
        "median [90% interval]; totals in Mt CO2/yr, band ends in % of sector emissions; "
        "probabilities ± their 95% Monte Carlo error"
    )
    head = f"{'sector':<14}{'total 2025':>26}{'total 2030':>26}{'total 2035':>26}"
    print(head + f"{'band low (2025)':>26}{'band high (2035)':>26}  P(band in report's)")
    for sector in cfg.sectors:
        band = claims[(claims.sector == sector) & (claims.quantity == "band")]
        claim = "  no published band"
        if len(band):
            p = _probability(band.iloc[0])
            claim = f"  {p} ({band.claim.iloc[0].removeprefix('band within the ')})"
        cells = [_interval(w, f"{sector}.total.{y}", 1, " ") for y in (2025, 2030, 2035)]
        cells += [
            _interval(w, f"{sector}.band_low.2025", 100, "%"),
            _interval(w, f"{sector}.band_high.2035", 100, "%"),
        ]
        print(f"{sector:<14}" + "".join(f"{c:>26}" for c in cells) + claim)
    from mcpot.model.kernel import GROWTH_YEARS  # numpy: imported when a run has finished

    if cfg.horizon >= GROWTH_YEARS[-1]:
        print_growth(result, w)
    if result.run_dir is not None:
        print(f"\nrun folder: {result.run_dir}  (summary.csv, claims.csv, diagnostics.csv, manifest.json)")


def print_growth(result, w) -> None:
    """Does growth slow after 2035? The growth outputs of a run with ``--horizon >= 2045``."""
    claims = result.claims
    print("\ngrowth after 2035: median [90% interval]")
    print(f"{'sector':<14}{'year of fastest growth':>28}{'growth 2035-45 / 2025-35':>30}  P(growth slows)")
    for sector in result.config.sectors:
        slows = claims[(claims.sector == sector) & (claims.quantity == "growth_ratio")]
        r, g = w.loc[f"{sector}.peak_growth_year"], w.loc[f"{sector}.growth_ratio"]
        p = "  n/a"
        if len(slows):
            p = f"  {_probability(slows.iloc[0])}"
        year = f"{r.p50:.0f} [{r.p5:.0f}, {r.p95:.0f}]"
        ratio = f"{g.p50:.2f} [{g.p5:.2f}, {g.p95:.2f}]"
        print(f"{sector:<14}{year:>28}{ratio:>30}{p}")


@command("bench")
def cmd_bench(args: argparse.Namespace) -> int:
    from mcpot.bench import load_average
    from mcpot.bench import main as bench

    bench(quick=args.quick, e2e=args.e2e)
    if not (args.no_sobol or args.quick or args.e2e):
        from mcpot.bench_sobol import report

        report(load_average)
    return 0
