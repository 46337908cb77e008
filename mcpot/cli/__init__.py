"""The ``mcpot`` command line: parses arguments, calls the API, prints. Nothing imports it.

User errors (:class:`~mcpot.errors.McpotError`, and bad options) print one line naming the file/field
or the option and exit with status 2, with no traceback; a full disk prints one line and exits 1 (what was
kept, and how to resume); Ctrl-C exits 130 and SIGTERM 143, the run folder saying ``interrupted``.
"""

from __future__ import annotations

import argparse
import errno
import json
import math
import os
import re
import signal
import sys
from collections.abc import Callable

import numpy as np
import pandas as pd

from mcpot._version import __version__
from mcpot.engine import runs
from mcpot.engine.evaluate import MAX_JOBS_PER_CORE
from mcpot.engine.sampling import BLOCK, DESIGNS
from mcpot.errors import McpotError, Terminated
from mcpot.model.kernel import BAND_YEARS, MAX_HORIZON, READINGS
from mcpot.model.overrides import apply_overrides
from mcpot.model.priors import SECTORS, load_priors
from mcpot.model.space import ParameterSpace

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str):
    """Register ``fn`` as the handler of subcommand ``name``."""

    def register(fn):
        COMMANDS[name] = fn
        return fn

    return register


def sector_list(text: str) -> tuple[str, ...]:
    sectors = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in sectors if s not in SECTORS]
    if unknown or not sectors:
        raise argparse.ArgumentTypeError(
            f"unknown sector {', '.join(unknown) or text!r}; choose from {', '.join(SECTORS)}"
        )
    return sectors


def add_model_options(p: argparse.ArgumentParser) -> None:
    """Options every model-evaluating command shares."""
    p.add_argument(
        "--sectors",
        type=sector_list,
        default=SECTORS,
        help="comma-separated sectors (default: all three)",
    )
    p.add_argument(
        "--priors",
        metavar="DIR",
        default=None,
        help="directory of <sector>.toml prior files (default: the bundled priors/)",
    )
    p.add_argument(
        "--reading",
        choices=READINGS,
        default="report",
        help="reading of equation (2) (default: report)",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a prior: NAME=0.7, NAME=uniform(0.6,0.8) or NAME*=1.2 (repeatable), "
        "e.g. steel.automatic_control.K_max=0.7",
    )


class Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line: ``mcpot run: error: --jobs: must be ...``."""

    def error(self, message: str):
        message = re.sub(r"^argument ([^:/ ]+)(/[^: ]+)?: ", r"\1: ", message)
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _integer(text: str) -> int:
    try:
        return int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def positive_int(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def seed_value(text: str) -> int:
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text}")
    return value


def jobs_count(text: str) -> int:
    """-1 (all cores) or 1..cores; above the cores capped (with a note), above 4x the cores refused."""
    from joblib import cpu_count

    value, cores = _integer(text), cpu_count()
    if value == -1:
        return value
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"must be -1 (all cores) or a positive number of workers, got {text}"
        )
    if value > MAX_JOBS_PER_CORE * cores:
        raise argparse.ArgumentTypeError(
            f"{value} workers is more than {MAX_JOBS_PER_CORE} per core ({cores} cores here)"
        )
    if value > cores:
        print(
            f"mcpot: note: --jobs {value} is more than the {cores} cores here; using {cores}", file=sys.stderr
        )
        return cores
    return value


def horizon_year(text: str) -> int:
    value = _integer(text)
    if not BAND_YEARS[1] <= value <= MAX_HORIZON:
        raise argparse.ArgumentTypeError(f"must be a year from {BAND_YEARS[1]} to {MAX_HORIZON}, got {text}")
    return value


def non_negative(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def positive(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def fraction(text: str) -> float:
    value = _number(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {text}")
    return value


def reading_list(text: str) -> tuple[str, ...]:
    readings = tuple(r.strip() for r in text.split(",") if r.strip())
    unknown = [r for r in readings if r not in READINGS]
    if unknown or not readings:
        raise argparse.ArgumentTypeError(
            f"unknown reading {', '.join(unknown) or repr(text)}; choose from {', '.join(READINGS)}"
        )
    return readings


def quantile_pair(text: str) -> tuple[float, float]:
    try:
        q = tuple(float(x) for x in text.split(","))
    except ValueError:
        q = ()
    if len(q) != 2 or not 0 < q[0] < q[1] < 1:
        raise argparse.ArgumentTypeError(
            f"must be two quantiles 0 < low < high < 1, e.g. 0.05,0.95; got {text!r}"
        )
    return q


def add_engine_options(p: argparse.ArgumentParser) -> None:
    """Options of commands that sample and evaluate the model (none change the numbers but --seed)."""
    p.add_argument(
        "--seed", type=seed_value, default=None, help="root seed >= 0 (default: drawn and recorded)"
    )
    p.add_argument(
        "--jobs",
        type=jobs_count,
        default=-1,
        help=f"parallel workers (-1: all cores; more than the cores is capped, more than "
        f"{MAX_JOBS_PER_CORE} per core refused)",
    )
    p.add_argument(
        "--chunk-size",
        type=positive_int,
        default=2 * BLOCK,
        help=f"samples per chunk, rounded up to whole blocks of {BLOCK} ({2 * BLOCK})",
    )
    p.add_argument(
        "--backend",
        default="loky",
        choices=("loky", "threading", "multiprocessing", "sequential", "dask"),
        help="joblib backend: loky (default) or dask",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --backend dask; "
        "default: a LocalCluster on this machine)",
    )
    p.add_argument("--out", metavar="DIR", default=None, help="run folder (default: runs/<time>-<id>)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def load_space(args: argparse.Namespace) -> ParameterSpace:
    priors = apply_overrides(load_priors(args.priors, args.sectors), args.overrides)
    return ParameterSpace(priors, args.reading)


def _fmt(value: float, quantity: str) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    return f"{value:8.1f} Mt" if quantity == "total" else f"{100 * value:7.1f} %"


@command("reproduce")
def cmd_reproduce(args: argparse.Namespace) -> int:
    from mcpot.model.reproduce import reproduce

    space = load_space(args)
    rep = reproduce(space)
    if args.json:
        cols = ["sector", "quantity", "year", "category", "model", "report"]
        records = rep.comparison[cols].astype(object).where(rep.comparison[cols].notna(), None)
        print(json.dumps(records.to_dict(orient="records"), indent=1, default=int))
        return 0
    print(
        f"Model at the prior medians vs the report (reading: {args.reading}; totals in Mt CO2/yr,"
        " shares as % of the sector total in 2035, band as % of sector emissions)"
    )
    for sector, table in rep.comparison.groupby("sector", sort=False):
        print(f"\n{sector}")
        for r in table.itertuples():
            what = {
                "total": f"total {r.year}",
                "share": f"share {r.category}",
                "band_low": "band low (2025)",
                "band_high": "band high (2035)",
            }[r.quantity]
            if r.quantity == "total":
                diff = f"{r.diff:+7.1f} Mt ({100 * r.rel_diff:+.1f}%)"
            else:
                diff = f"{100 * r.diff:+6.1f} pp"
            print(
                f"  {what:<32} model {_fmt(r.model, r.quantity)}   report "
                f"{_fmt(r.report, r.quantity)}   diff {diff}"
            )
    d = rep.denominators
    print(
        "\nSector emissions behind the band (Mt CO2/yr): implied by the report "
        "(published total / band end) vs the emission prior"
    )
    for r in d.itertuples():
        flag = "  <- OUTSIDE the prior's 90% interval" if r.outside else ""
        print(
            f"  {r.sector:<14} {r.year}  implied {r.implied_by_report:7.0f}   prior median "
            f"{r.prior_median:7.0f}  90% [{r.prior_p05:.0f}, {r.prior_p95:.0f}]{flag}"
        )
    return 0


@command("fit-central")
def cmd_fit_central(args: argparse.Namespace) -> int:
    from mcpot.model.central import fit_central
    from mcpot.model.reference import published

    pub = published()
    print(
        "Central alpha and RF per category fitted to the published figures (report reading;\n"
        "K0, K_max, S, beta at their prior medians; RF in Mt CO2/yr, ER in Mt CO2/yr)"
    )
    for sector, sp in load_priors(args.priors, args.sectors).items():
        table = fit_central(sp, pub[sector], k_mid=args.k_mid, reg=args.reg)
        print(f"\n{sector}\n{table.round(3).to_string(index=False)}")
    return 0


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


def _interval(w: pd.DataFrame, output: str, scale: float, unit: str) -> str:
    r = w.loc[output]
    return f"{scale * r.p50:6.1f}{unit} [{scale * r.p5:5.1f}, {scale * r.p95:5.1f}]"


def print_run(result) -> None:
    """The short table a finished run prints: medians and 90% intervals, and the band claims."""
    cfg = result.config
    w = result.wide().set_index("output")
    claims = result.claims
    print(f"\nmcpot run: N = {cfg.samples:,} ({cfg.design}), seed {cfg.seed}, reading: {cfg.reading}")
    print("median [90% interval]; totals in Mt CO2/yr, band ends in % of sector emissions")
    head = f"{'sector':<14}{'total 2025':>26}{'total 2030':>26}{'total 2035':>26}"
    print(head + f"{'band low (2025)':>26}{'band high (2035)':>26}  P(band in report's)")
    for sector in cfg.sectors:
        band = claims[(claims.sector == sector) & (claims.quantity == "band")].iloc[0]
        cells = [_interval(w, f"{sector}.total.{y}", 1, " ") for y in (2025, 2030, 2035)]
        cells += [
            _interval(w, f"{sector}.band_low.2025", 100, "%"),
            _interval(w, f"{sector}.band_high.2035", 100, "%"),
        ]
        print(
            f"{sector:<14}"
            + "".join(f"{c:>26}" for c in cells)
            + f"  {band.probability:.3f} ({band.claim.removeprefix('band within the ')})"
        )
    if result.run_dir is not None:
        print(f"\nrun folder: {result.run_dir}  (summary.csv, claims.csv, diagnostics.csv, manifest.json)")


def sensitivity_config(args: argparse.Namespace, samples: int):
    from mcpot.sensitivity.analyses import SensitivityConfig

    return SensitivityConfig(
        sectors=args.sectors,
        samples=samples,
        seed=args.seed,
        readings=args.readings or (args.reading,),
        horizon=args.horizon,
        per_year=getattr(args, "per_year", False),
        second_order=getattr(args, "second_order", False),
        resamples=args.resamples,
        target_ci=getattr(args, "target_ci", None),
        max_samples=getattr(args, "max_samples", 2_000_000),
        jobs=args.jobs,
        backend=args.backend,
        scheduler=args.scheduler,
        chunk=args.chunk_size,
        overrides=tuple(args.overrides),
    )


def _where(run_dir) -> None:
    if run_dir is not None:
        print(f"\nrun folder: {run_dir}")


@command("sobol")
def cmd_sobol(args: argparse.Namespace) -> int:
    from mcpot.sensitivity.analyses import run_sobol

    res = run_sobol(sensitivity_config(args, args.samples), priors_dir=args.priors, out_dir=args.out)
    cfg = res.config
    print(
        f"Sobol indices (N = {cfg.samples} base points, seed {cfg.seed}, reading: {cfg.reading_label}); "
        "ST = total index with its 95% CI half-width"
    )
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


def add_sampling_options(p: argparse.ArgumentParser, samples: int) -> None:
    """--samples, --design, --horizon and --tolerance: what a Monte Carlo run (RunConfig) needs."""
    p.add_argument("--samples", type=positive_int, default=samples, help=f"number of samples ({samples})")
    p.add_argument("--design", choices=DESIGNS, default="lhs", help="unit-cube design (default: lhs)")
    p.add_argument("--horizon", type=horizon_year, default=2035, help="last year, 2035..2060 (2035)")
    p.add_argument(
        "--tolerance",
        type=fraction,
        default=0.10,
        help="relative tolerance of the 'within +/- x of a published figure' claims (0.10)",
    )


def add_sensitivity_options(p: argparse.ArgumentParser) -> None:
    add_model_options(p)
    add_engine_options(p)
    p.add_argument(
        "--readings",
        type=reading_list,
        default=None,
        help="several readings, entered as a discrete factor 'reading' (e.g. report,incremental)",
    )
    p.add_argument("--horizon", type=horizon_year, default=2035, help="last year, 2035..2060 (2035)")
    p.add_argument("--resamples", type=positive_int, default=1000, help="bootstrap resamples (1000)")


@command("bench")
def cmd_bench(args: argparse.Namespace) -> int:
    from mcpot.bench import main as bench

    bench(quick=args.quick, sobol=not args.no_sobol)
    return 0


def run_config(args: argparse.Namespace, **changes):
    from mcpot.engine.run import RunConfig

    fields = dict(
        sectors=args.sectors,
        samples=args.samples,
        design=args.design,
        seed=args.seed,
        reading=args.reading,
        horizon=args.horizon,
        tolerance=args.tolerance,
        jobs=args.jobs,
        chunk=args.chunk_size,
        backend=args.backend,
        scheduler=args.scheduler,
        overrides=tuple(args.overrides),
    )
    return RunConfig(**(fields | changes))


@command("stress")
def cmd_stress(args: argparse.Namespace) -> int:
    from mcpot.model.overrides import Scenario, load_scenarios
    from mcpot.stress.compare import compare_priors, run_stress

    seed = args.seed if args.seed is not None else int(np.random.SeedSequence().entropy)
    base = run_config(args, overrides=(), seed=seed)
    scenarios = load_scenarios(args.scenarios) if args.scenarios else []
    if args.overrides:
        scenarios.append(Scenario("--set", " ".join(args.overrides), tuple(args.overrides)))
    scenarios += [Scenario(f"reading:{r}", "", (), r) for r in args.readings or ()]
    if args.compare_priors:  # a bad prior set is said at once, not after the scenarios have run
        load_priors(args.compare_priors, args.sectors)
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
            p = claims.loc[(sc.name, sector)]
            print(
                f"  {sector:<14} "
                + "; ".join(cells)
                + f"; P(band in report's) {p.probability:.2f} ({p.probability_change:+.2f})"
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


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="mcpot",
        description="Monte Carlo uncertainty and sensitivity analysis of the digital-technology "
        "carbon-reduction model of CAICT's 2024 'Digital Carbon Neutrality: Industry'.",
    )
    parser.add_argument("--version", action="version", version=f"mcpot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("reproduce", help="the model at the prior medians vs the published figures")
    add_model_options(p)
    p.add_argument("--json", action="store_true", help="print tidy JSON records instead of tables")

    p = sub.add_parser("run", help="Monte Carlo: intervals and claim probabilities (the main job)")
    add_model_options(p)
    add_engine_options(p)
    add_sampling_options(p, samples=100_000)
    p.add_argument("--save-samples", action="store_true", help="keep per-sample inputs and outputs (Parquet)")
    p.add_argument("--report", action="store_true", help="write RUN_DIR/report.html when the run ends")
    p.add_argument("--resume", metavar="RUN_DIR", help="finish an interrupted run")
    p.add_argument(
        "--checkpoint-every",
        type=non_negative,
        default=2.0,
        metavar="SECONDS",
        help="seconds between checkpoints of finished chunks (2; 0: after every chunk)",
    )

    p = sub.add_parser("sobol", help="Sobol indices: what drives the totals and the bands")
    add_sensitivity_options(p)
    p.add_argument("--samples", type=positive_int, default=2**12, help="base points N, a power of 2 (4096)")
    p.add_argument("--per-year", action="store_true", help="also the total of every year (time-resolved)")
    p.add_argument("--second-order", action="store_true", help="second-order indices too")
    p.add_argument(
        "--target-ci",
        type=positive,
        default=None,
        metavar="W",
        help="double N until every S1/ST CI half-width is below W (or --max-samples)",
    )
    p.add_argument(
        "--max-samples",
        type=positive_int,
        default=2_000_000,
        help="most model runs per sector and grouping with --target-ci (2000000)",
    )

    p = sub.add_parser("morris", help="Morris elementary effects: cheap screening of every input")
    add_sensitivity_options(p)
    p.add_argument("--trajectories", "--samples", type=positive_int, default=100, help="trajectories (100)")

    p = sub.add_parser("tornado", help="one-at-a-time swings of chosen outputs")
    add_sensitivity_options(p)
    p.add_argument(
        "--output",
        action="append",
        metavar="NAME",
        help="output to swing, e.g. steel.band_high.2035 (repeatable; default: band ends and "
        "2035 total of each sector)",
    )
    p.add_argument(
        "--quantiles", type=quantile_pair, default=(0.05, 0.95), help="the two prior quantiles (0.05,0.95)"
    )

    p = sub.add_parser("bench", help="measure speed and memory on this machine (prints figures)")
    p.add_argument("--quick", action="store_true", help="skip the 10^7-sample run")
    p.add_argument("--no-sobol", action="store_true", help="skip the Sobol vs SALib comparison")

    p = sub.add_parser("stress", help="scenarios, readings and prior sets side by side")
    add_model_options(p)
    add_engine_options(p)
    add_sampling_options(p, samples=20_000)
    p.add_argument("--scenarios", metavar="FILE", help="TOML file of named scenarios")
    p.add_argument(
        "--readings",
        type=reading_list,
        default=None,
        help="also compare these readings, e.g. incremental,rescaled,linear",
    )
    p.add_argument("--compare-priors", metavar="DIR", help="another prior set, e.g. priors-literature")
    p.add_argument(
        "--compare-reading",
        default="rescaled",
        choices=READINGS,
        help="reading for --compare-priors (rescaled: RF is the full-adoption saving)",
    )

    p = sub.add_parser("report", help="one self-contained HTML report of a run folder")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--output", metavar="FILE", default=None, help="HTML file (default: RUN_DIR/report.html)")

    p = sub.add_parser("calibrate", help="condition the priors on the published figures (ABC)")
    add_model_options(p)
    add_engine_options(p)
    p.add_argument("--particles", type=positive_int, default=1000, help="SMC particles (1000)")
    p.add_argument(
        "--max-simulations", type=positive_int, default=200_000, help="model runs per sector (200000)"
    )
    p.add_argument("--epsilon", type=positive, default=0.05, help="target tolerance of the distance (0.05)")
    # ABC draws its own particles: the RunConfig fields it does not use get fixed values
    p.set_defaults(samples=2, design="lhs", horizon=2035, tolerance=0.10)

    p = sub.add_parser("discover", help="scenario discovery: which inputs push an output past a threshold")
    add_model_options(p)
    add_engine_options(p)
    p.add_argument("--output", required=True, help="e.g. steel.band_high.2035")
    side = p.add_mutually_exclusive_group(required=True)
    side.add_argument("--above", type=_number, help="threshold the output exceeds (e.g. 0.20)")
    side.add_argument("--below", type=_number, help="threshold the output falls below")
    add_sampling_options(p, samples=20_000)

    p = sub.add_parser("fit-central", help="redo the calibration of the default priors' centres")
    p.add_argument("--sectors", type=sector_list, default=SECTORS)
    p.add_argument("--priors", metavar="DIR", default=None)
    p.add_argument("--k-mid", type=fraction, default=0.5, help="adoption midpoint of the logistic")
    p.add_argument("--reg", type=non_negative, default=0.01, help="weight pulling alpha to -beta*k_mid")
    return parser


def _terminate(signum, frame):
    raise Terminated(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    pd.set_option("display.width", 160)
    previous = signal.signal(signal.SIGTERM, _terminate)  # a run folder records `interrupted`, as for ^C
    try:
        return COMMANDS[args.command](args)
    except McpotError as exc:
        print(f"mcpot: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Terminated as exc:
        print(f"mcpot: terminated ({exc.signal_name})", file=sys.stderr)
        return 128 + signal.Signals[exc.signal_name].value
    except KeyboardInterrupt:
        print("mcpot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # the machine, not mcpot: a full disk, a folder it may not write, ...
        if exc.filename is None and exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        print(f"mcpot: error: {exc.filename or 'a file'}: {exc.strerror}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
