"""Helpers every command shares: the command registry, shared options, sectors, configs from arguments."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable

from mcpot.cli.choices import BAND_YEARS, BLOCK, DESIGNS, MAX_HORIZON, MAX_JOBS_PER_CORE, READINGS
from mcpot.errors import McpotError

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str):
    """Register ``fn`` as the handler of subcommand ``name``."""

    def register(fn):
        COMMANDS[name] = fn
        return fn

    return register


def sector_list(text: str) -> tuple[str, ...]:
    """``--sectors a,b``; each must have a prior file in ``--priors`` (checked once the priors are read)."""
    sectors = tuple(s.strip() for s in text.split(",") if s.strip())
    if not sectors:
        raise argparse.ArgumentTypeError(f"no sector named in {text!r}")
    return sectors


def resolve_sectors(args: argparse.Namespace) -> None:
    """Default ``--sectors``: every sector with a prior file in ``--priors``; unknown names fail here."""
    if not hasattr(args, "sectors"):
        return
    from mcpot.model.priors import available_sectors

    available = available_sectors(getattr(args, "priors", None))
    if args.sectors is None:
        args.sectors = available
    unknown = [s for s in args.sectors if s not in available]
    if unknown:
        where = getattr(args, "priors", None) or "the bundled priors"
        raise McpotError(
            f"--sectors: unknown sector {', '.join(unknown)} in {where}; choose from {', '.join(available)}"
        )


def add_model_options(p: argparse.ArgumentParser) -> None:
    """Options every model-evaluating command shares."""
    p.add_argument(
        "--sectors",
        type=sector_list,
        default=None,
        help="comma-separated sectors (default: every <sector>.toml in --priors)",
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
        default=None,
        choices=("loky", "threading", "multiprocessing", "sequential", "dask"),
        help="how chunks run in parallel: threading (threads of this process; the default of run, stress "
        "and discover), loky (worker processes; the default of sobol, morris, tornado), multiprocessing, "
        "sequential (no workers), or dask (a dask.distributed cluster, see --scheduler)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --backend dask; "
        "default: a LocalCluster on this machine)",
    )
    p.add_argument("--out", metavar="DIR", default=None, help="run folder (default: runs/<time>-<id>)")
    p.add_argument(
        "--quiet", "--no-progress", dest="quiet", action="store_true", help="no progress bar (stderr)"
    )


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
    p.add_argument(
        "--resamples",
        type=positive_int,
        default=1000,
        help="bootstrap resamples (1000; sobol: with --bootstrap)",
    )


def load_space(args: argparse.Namespace):
    """The parameter space of ``--priors``, ``--sectors``, ``--set`` and ``--reading``."""
    from mcpot.model.overrides import apply_overrides
    from mcpot.model.priors import load_priors
    from mcpot.model.space import ParameterSpace

    priors = apply_overrides(load_priors(args.priors, args.sectors), args.overrides)
    return ParameterSpace(priors, args.reading)


def shared_fields(args: argparse.Namespace) -> dict:
    """The config fields of the options every sampling command shares (:func:`add_model_options`,
    :func:`add_engine_options`); no ``--backend``: the config's own default."""
    return dict(
        sectors=args.sectors,
        seed=args.seed,
        jobs=args.jobs,
        chunk=args.chunk_size,
        **({"backend": args.backend} if args.backend else {}),
        scheduler=args.scheduler,
        overrides=tuple(args.overrides),
    )


def run_config(args: argparse.Namespace, **changes):
    from mcpot.engine.run import RunConfig

    fields = shared_fields(args) | dict(
        samples=args.samples,
        design=args.design,
        reading=args.reading,
        horizon=args.horizon,
        tolerance=args.tolerance,
    )
    return RunConfig(**(fields | changes))


def sensitivity_config(args: argparse.Namespace, samples: int):
    from mcpot.sensitivity.analyses import SensitivityConfig

    return SensitivityConfig(
        **shared_fields(args),
        samples=samples,
        readings=args.readings or (args.reading,),
        horizon=args.horizon,
        per_year=getattr(args, "per_year", False),
        second_order=getattr(args, "second_order", False),
        replicates=getattr(args, "replicates", 8),
        bootstrap=getattr(args, "bootstrap", False),
        resamples=args.resamples,
        target_ci=getattr(args, "target_ci", None),
        max_samples=getattr(args, "max_samples", 2_000_000),
    )


def _where(run_dir) -> None:
    if run_dir is not None:
        print(f"\nrun folder: {run_dir}")


def _fmt(value: float, quantity: str) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    return f"{value:8.1f} Mt" if quantity == "total" else f"{100 * value:7.1f} %"
