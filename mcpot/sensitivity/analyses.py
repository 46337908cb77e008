"""Thin orchestrators of the sensitivity analyses: priors -> design -> engine -> indices -> run folder.

Each ``run_*`` returns a typed result and, unless ``write=False``, stores its tables in a run folder
with a manifest like :func:`mcpot.engine.run.run`.
"""

from __future__ import annotations

import functools
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from mcpot import progress
from mcpot.engine import runs
from mcpot.engine.chunks import check_run_settings
from mcpot.engine.evaluate import check_backend, rows_evaluator
from mcpot.engine.sampling import Seeded
from mcpot.errors import McpotError
from mcpot.model.kernel import READINGS
from mcpot.model.overrides import apply_overrides
from mcpot.model.priors import available_sectors, load_priors
from mcpot.sensitivity import morris
from mcpot.sensitivity.sector import (
    GROUPINGS,
    SectorModel,
    drivers,
    morris_table,
    sobol_outputs,
    sobol_table,
    tornado,
)
from mcpot.sensitivity.sobol.convergence import converge_replicates
from mcpot.sensitivity.sobol.replicates import analyze_replicates


@dataclass(frozen=True)
class SensitivityConfig(Seeded):
    """Settings shared by ``mcpot sobol``, ``morris`` and ``tornado``.

    Attributes
    ----------
    sectors : tuple of str
    samples : int
        Sobol: total base points N over all replicates (``N / replicates`` a power of two; the
        model runs N (G + 2) times per grouping of G factors).
        Morris: trajectories.
    seed : int or None
        Root seed (None: drawn and recorded).
    readings : tuple of str
        One reading, or several to enter the analysis as a discrete factor ``reading``.
    horizon : int
        Last model year.
    per_year : bool
        Sobol: analyse the total of every year, not only 2025/2030/2035.
    second_order : bool
        Sobol: second-order indices too.
    replicates : int
        Sobol: independently scrambled Saltelli designs sharing the ``samples`` base points (>= 2;
        ``samples / replicates`` must be a power of two); their spread gives the Student-t interval.
    bootstrap : bool
        Sobol: also the pooled-rows bootstrap interval beside it (``*_bootstrap`` columns).
    resamples, conf_level :
        Bootstrap resamples (Morris; Sobol with ``bootstrap``) and confidence level of the intervals.
    target_ci, max_samples :
        Sobol convergence: add replicates, or double their points, until every S1/ST replicate
        half-width is below ``target_ci`` or the next design would exceed ``max_samples`` model runs
        (per sector and grouping; :func:`mcpot.sensitivity.sobol.convergence.next_step`).
    jobs, backend, scheduler, chunk :
        Execution only (a dask scheduler address with backend "dask").
    overrides : tuple of str
        ``--set`` overrides applied to the priors.
    """

    sectors: tuple[str, ...] = field(default_factory=available_sectors)
    samples: int = 2**12
    seed: int | None = None
    readings: tuple[str, ...] = ("report",)
    horizon: int = 2035
    per_year: bool = False
    second_order: bool = False
    replicates: int = 8
    bootstrap: bool = False
    resamples: int = 1000
    conf_level: float = 0.95
    target_ci: float | None = None
    max_samples: int = 2_000_000
    jobs: int = -1
    backend: str = "loky"
    scheduler: str | None = None
    chunk: int = 16384
    overrides: tuple[str, ...] = ()

    def __post_init__(self):
        check_backend(self.backend, self.scheduler)
        check_run_settings(self.seed, self.jobs, self.horizon)
        unknown = [r for r in self.readings if r not in READINGS]
        if unknown or not self.readings:
            raise McpotError(f"unknown reading {', '.join(unknown)}; choose from {', '.join(READINGS)}")

    @property
    def reading_label(self) -> str:
        return "+".join(self.readings)


@dataclass(frozen=True)
class SobolResult:
    """Sobol indices of every sector, grouping and output, with drivers sentences.

    Attributes
    ----------
    config : SensitivityConfig
    indices : pandas.DataFrame
        Tidy (:data:`mcpot.sensitivity.sector.SOBOL_COLUMNS` describes every column): sector,
        grouping (parameter | category | kind), output, parameter (an input, a group, or a dependent
        set ``a+b``), index (S1 | ST | S2), value, conf, low, high (the replicate Student-t
        interval), with ``cfg.bootstrap`` also conf_bootstrap, low_bootstrap, high_bootstrap; reading.
    drivers : pandas.DataFrame
        See :func:`mcpot.sensitivity.sector.drivers`.
    convergence : pandas.DataFrame or None
        With ``target_ci``: one row per sector, grouping and step: n (total base points),
        evaluations (model runs so far), widest_conf (largest S1/ST replicate half-width), replicates,
        target_ci, reached, reason.
    run_dir : pathlib.Path or None
    notes : tuple of str
        What was analysed differently: dependent sets, groupings skipped.
    """

    config: SensitivityConfig
    indices: pd.DataFrame
    drivers: pd.DataFrame
    convergence: pd.DataFrame | None
    run_dir: Path | None
    notes: tuple[str, ...] = ()


def _models(cfg: SensitivityConfig, priors_dir, warn: bool = False) -> tuple[dict, dict[str, SectorModel]]:
    priors = apply_overrides(load_priors(priors_dir, cfg.sectors), cfg.overrides)
    if warn:
        _warn_correlations(priors, "Morris")
    outputs = {s: sobol_outputs(s, cfg.horizon, cfg.per_year) for s in cfg.sectors}
    return priors, {
        s: SectorModel.build(priors, s, cfg.readings, cfg.horizon, outputs[s]) for s in cfg.sectors
    }


def _warn_correlations(priors, what: str) -> None:
    pairs = [f"{a}~{b}" for sp in priors.values() for a, b, _ in sp.correlations]
    if pairs:
        warnings.warn(
            f"[[correlation]] entries ({', '.join(pairs)}) are ignored: {what} moves one input at a time "
            "and assumes independent inputs (mcpot sobol honours them)",
            stacklevel=3,
        )


def _save(kind: str, cfg: SensitivityConfig, priors, tables, t0, started, out_dir, runs_root, write, **extra):
    """Store a finished analysis in a run folder (unless ``write`` is False); its path or None."""
    if not write:
        return None
    tables = {f"{name}.csv": frame for name, frame in tables.items()}
    return runs.save_analysis(
        kind,
        asdict(cfg),
        priors,
        tables,
        started=started,
        elapsed=time.perf_counter() - t0,
        out_dir=out_dir,
        runs_root=runs_root,
        **extra,
    )


def _sobol_one(model: SectorModel, cfg: SensitivityConfig, groups, seed: int, on_step=None):
    """Replicate-design Sobol indices of one sector and grouping; (result, convergence rows or None)."""
    common = dict(
        outputs=model.outputs,
        replicates=cfg.replicates,
        second_order=cfg.second_order,
        conf_level=cfg.conf_level,
        seed=seed,
        groups=groups,
        evaluate=rows_evaluator(cfg),
        names=model.names,
        num_resamples=cfg.resamples if cfg.bootstrap else 0,
        n_jobs=1 if cfg.backend == "dask" else cfg.jobs,
    )
    if cfg.target_ci is None:
        return analyze_replicates(model, model.sobol_ppf, model.dim, cfg.samples, **common), None
    conv = converge_replicates(
        model,
        model.sobol_ppf,
        model.dim,
        n_start=cfg.samples,
        target_ci=cfg.target_ci,
        max_samples=cfg.max_samples,
        on_step=on_step,
        **common,
    )
    steps = pd.DataFrame(conv.history, columns=["n", "evaluations", "widest_conf", "replicates"])
    return conv.result, steps.assign(target_ci=cfg.target_ci, reached=conv.reached, reason=conv.reason)


def run_sobol(
    cfg: SensitivityConfig, *, priors_dir=None, out_dir=None, runs_root="runs", write: bool = True
) -> SobolResult:
    """Sobol indices per sector for each grouping (parameters, categories, kinds), and drivers.

    Every analysis runs on ``cfg.replicates`` independently scrambled Saltelli designs sharing
    ``cfg.samples`` base points (:mod:`mcpot.sensitivity.sobol.replicates`); ``conf`` is the Student-t
    half-width from the replicate spread, and ``cfg.target_ci`` convergence uses it. With
    ``cfg.bootstrap`` the pooled-rows bootstrap is added beside it (``*_bootstrap`` columns), for
    comparison only. Correlated priors are analysed as groups of dependent inputs (see
    :mod:`mcpot.sensitivity.sobol.dependent`). A grouping with a single group is skipped, with a note.
    Results are bitwise identical for a seed whatever ``cfg.jobs``.
    """
    cfg = cfg.with_seed()
    t0, started = time.perf_counter(), runs.utc_now()
    priors, models = _models(cfg, priors_dir)
    tables, history, notes = [], [], []
    bar = progress.bar(total=len(models) * len(GROUPINGS), desc="mcpot sobol", unit="analysis")
    for i, (sector, model) in enumerate(models.items()):
        results = {}
        if model.dependent_sets:
            sets = [" + ".join(model.names[k] for k in s) for s in model.dependent_sets]
            notes.append(
                f"{sector}: correlated inputs analysed jointly, one index per dependent set "
                f"({'; '.join(sets)})"
            )
        for j, grouping in enumerate(GROUPINGS):
            bar.set_description(f"mcpot sobol {sector}/{grouping}")
            bar.update()
            groups = model.group_labels(grouping)
            if groups is not None and len(set(groups)) < 2:
                notes.append(
                    f"{sector}: by-{grouping} indices skipped: every free input is in one {grouping} "
                    f"({groups[0]}), whose index is trivially 1"
                )
                continue
            results[grouping], steps = _sobol_one(
                model,
                cfg,
                groups,
                cfg.child_seed(i, j),
                lambda n, widest: bar.set_postfix_str(f"N={n}, widest CI {widest:.3g}"),
            )
            if steps is not None:
                history.append(steps.assign(sector=sector, grouping=grouping))
        tables.append(sobol_table(results, sector, cfg.reading_label))
    bar.close()
    indices = pd.concat(tables, ignore_index=True)
    found = drivers(indices)
    convergence = pd.concat(history, ignore_index=True) if history else None
    tables = {"sobol": indices, "drivers": found, "convergence": convergence}
    run_dir = _save("sobol", cfg, priors, tables, t0, started, out_dir, runs_root, write, notes=notes)
    return SobolResult(cfg, indices, found, convergence, run_dir, tuple(notes))


@dataclass(frozen=True)
class MorrisResult:
    """Morris screening per sector: tidy mu, mu*, sigma and mu* CI per output and parameter."""

    config: SensitivityConfig
    indices: pd.DataFrame
    run_dir: Path | None


def run_morris(
    cfg: SensitivityConfig,
    *,
    priors_dir=None,
    out_dir=None,
    runs_root="runs",
    write: bool = True,
    levels: int = 4,
    quantile_range=(0.01, 0.99),
) -> MorrisResult:
    """Morris elementary effects of every input on each sector's outputs (``samples`` trajectories).

    The grid spans the priors' ``quantile_range`` (unbounded priors have infinite 0/1 quantiles);
    effects are per unit of quantile, so inputs with different units are comparable.
    """
    cfg = cfg.with_seed()
    t0, started = time.perf_counter(), runs.utc_now()
    priors, models = _models(cfg, priors_dir, warn=True)
    tables = []
    for i, (sector, model) in enumerate(progress.bar(models.items(), desc="mcpot morris", unit="sector")):
        res = morris.analyze(
            model,
            model.ppf,
            model.dim,
            cfg.samples,
            outputs=model.outputs,
            num_levels=levels,
            num_resamples=cfg.resamples,
            conf_level=cfg.conf_level,
            seed=cfg.child_seed(i),
            evaluate=rows_evaluator(cfg),
            names=model.names,
            quantile_range=quantile_range,
        )
        tables.append(morris_table(res, sector, cfg.reading_label))
    indices = pd.concat(tables, ignore_index=True)
    run_dir = _save(
        "morris",
        cfg,
        priors,
        {"morris": indices},
        t0,
        started,
        out_dir,
        runs_root,
        write,
        levels=levels,
        quantile_range=list(quantile_range),
    )
    return MorrisResult(cfg, indices, run_dir)


@dataclass(frozen=True)
class TornadoResult:
    """One-at-a-time swings (see :func:`mcpot.sensitivity.sector.tornado`) for each chosen output."""

    config: SensitivityConfig
    swings: pd.DataFrame
    run_dir: Path | None


def run_tornado(
    cfg: SensitivityConfig,
    outputs: list[str] | None = None,
    quantiles=(0.05, 0.95),
    *,
    priors_dir=None,
    out_dir=None,
    runs_root="runs",
    write: bool = True,
    figures: Callable[[pd.DataFrame, Path], None] | None = None,
) -> TornadoResult:
    """Tornado swings for ``outputs`` (default: each sector's band ends and 2035 total).

    ``figures(swings, run_dir)``, if given, draws into the run folder (the CLI passes
    :func:`mcpot.report.figures.tornado_figures`).
    """
    t0, started = time.perf_counter(), runs.utc_now()
    priors = apply_overrides(load_priors(priors_dir, cfg.sectors), cfg.overrides)
    _warn_correlations(priors, "tornado")
    if not outputs:
        outputs = [f"{s}.{o}" for s in cfg.sectors for o in ("band_low.2025", "band_high.2035", "total.2035")]
    frames = []
    for output in outputs:
        sector = output.split(".", 1)[0]
        if sector not in priors:
            raise McpotError(
                f"output {output!r}: sector {sector!r} is not among --sectors {','.join(cfg.sectors)}"
            )
        model = SectorModel.build(priors, sector, cfg.readings, cfg.horizon, [output])
        valid = _valid_outputs(model)
        if output not in valid:
            raise McpotError(
                f"--output: unknown output {output!r}; e.g. {', '.join(valid[:3])} ... "
                f"(any of {len(valid)} outputs named sector.quantity[.category].year)"
            )
        frames.append(tornado(model, output, quantiles).assign(reading=cfg.reading_label))
    swings = pd.concat(frames, ignore_index=True)
    run_dir = _save(
        "tornado",
        cfg,
        priors,
        {"tornado": swings},
        t0,
        started,
        out_dir,
        runs_root,
        write,
        figures=functools.partial(figures, swings) if figures else None,
        quantiles=list(quantiles),
    )
    return TornadoResult(cfg, swings, run_dir)


def _valid_outputs(model: SectorModel) -> list[str]:
    from mcpot.model.space import output_columns

    space = model.spaces[0]
    return list(output_columns(space, model.horizon, space.reading).output)
