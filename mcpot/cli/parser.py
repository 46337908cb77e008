"""The argument parser of every command (``mcpot COMMAND --help``)."""

from __future__ import annotations

import argparse
import re

from mcpot._version import __version__
from mcpot.cli.choices import READINGS
from mcpot.cli.common import (
    _number,
    add_engine_options,
    add_model_options,
    add_sampling_options,
    add_sensitivity_options,
    fraction,
    non_negative,
    positive,
    positive_int,
    quantile_pair,
    reading_list,
    sector_list,
)


class Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line: ``mcpot run: error: --jobs: must be ...``."""

    def error(self, message: str):
        message = re.sub(r"^argument ([^:/ ]+)(/[^: ]+)?: ", r"\1: ", message)
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


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
    p.add_argument(
        "--samples",
        type=positive_int,
        default=2**12,
        help="total base points N over all replicates; N / R a power of 2 (4096)",
    )
    p.add_argument(
        "--replicates",
        type=positive_int,
        default=8,
        metavar="R",
        help="independently scrambled designs; their spread gives the Student-t interval (8)",
    )
    p.add_argument(
        "--bootstrap",
        action="store_true",
        help="also the bootstrap interval (*_bootstrap columns; too wide on Sobol' points, for comparison)",
    )
    p.add_argument("--per-year", action="store_true", help="also the total of every year (time-resolved)")
    p.add_argument("--second-order", action="store_true", help="second-order indices too")
    p.add_argument(
        "--target-ci",
        type=positive,
        default=None,
        metavar="W",
        help="add replicates (or double their points) until every S1/ST replicate-t half-width is below W "
        "(or --max-samples)",
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
    p.add_argument(
        "--quick", action="store_true", help="under a minute: no 10^7 run, no Sobol, plain numpy at 10^5"
    )
    p.add_argument(
        "--e2e",
        action="store_true",
        help="end-to-end figures only: 3 --jobs 1/2 pairs and plain numpy at 10^6, 10^7 samples",
    )
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
    p.add_argument(
        "--replicates",
        type=positive_int,
        default=8,
        help="independent populations per sector drawn at first and per added batch, each with the full "
        "--max-simulations, run on --jobs threads (8; >= 2): their scatter gives the verdicts' intervals",
    )
    p.add_argument(
        "--max-replicates",
        type=positive_int,
        default=64,
        help="most populations per sector: batches are added until every verdict is settled, i.e. "
        "decided by at least one standard error or undecided within --resolution (64)",
    )
    p.add_argument(
        "--resolution",
        type=positive,
        default=0.05,
        help="half-width of a width-ratio interval at which an undecided verdict is final (0.05)",
    )
    p.add_argument(
        "--confidence",
        type=fraction,
        default=0.99,
        help="level of the intervals that decide constrained / not constrained / undecided (0.99)",
    )
    p.add_argument(
        "--min-acceptance",
        type=float,
        default=0.0,
        help="stop when the MCMC acceptance falls below this fraction (default 0: budget or target only)",
    )
    p.add_argument(
        "--move-failure",
        type=fraction,
        default=0.05,
        help="probability that a particle is never moved in a generation; sets the MCMC sweeps (0.05)",
    )
    p.add_argument(
        "--pilot", type=positive_int, default=20_000, help="prior draws of the feasibility pilot (20000)"
    )
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
    p.add_argument("--sectors", type=sector_list, default=None)
    p.add_argument("--priors", metavar="DIR", default=None)
    p.add_argument("--k-mid", type=fraction, default=0.5, help="adoption midpoint of the logistic")
    p.add_argument("--reg", type=non_negative, default=0.01, help="weight pulling each midpoint to k_mid")
    p.add_argument("--reading", choices=READINGS, default="report", help="reading of (2) fitted (report)")

    p = sub.add_parser("priors", help="every input: distribution, 5/50/95%%, unit, source, elicitation fit")
    p.add_argument("--sectors", type=sector_list, default=None)
    p.add_argument("--priors", metavar="DIR", default=None)
    p.add_argument("--csv", metavar="FILE", default=None, help="also write the table as CSV")

    from mcpot.cli import dependence  # shapley, robustness

    dependence.add_parsers(sub)
    return parser
