"""Monte Carlo propagation of the priors through the model, chunk by chunk.

:class:`RunConfig` says what to run; :class:`ChunkTask` turns a range of stream blocks into reduced
statistics (a worker's whole job, given only the config: seeds travel, not samples); :func:`simulate`
folds the chunks in order; :func:`summary_table` and :func:`claims_table` turn the statistics into tidy
tables with units and the reading that produced them.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from mcpot import progress
from mcpot.engine.evaluate import check_backend, check_jobs, map_ordered
from mcpot.engine.sampling import BLOCK, DESIGNS, Seeded, apply_copula, copula_factor, unit_samples
from mcpot.engine.summary import PERCENTILES, ChunkResult, Claim, Grid, Stats, percentile_table, reduce_chunk
from mcpot.errors import McpotError, ModelOutputError
from mcpot.model.kernel import BAND_YEARS, MAX_HORIZON, READINGS
from mcpot.model.priors import available_sectors, published
from mcpot.model.reference import SHARE_YEAR, Published
from mcpot.model.space import ParameterSpace, evaluate, output_columns
from mcpot.precision import probability_se

if TYPE_CHECKING:  # pandas is imported where tables are built: chunk workers never load it
    import pandas as pd


@dataclass(frozen=True)
class RunConfig(Seeded):
    """What a Monte Carlo run computes.

    Attributes
    ----------
    sectors : tuple of str
        Sectors to run (default: every sector of the bundled priors).
    samples : int
        Number of samples N.
    design : {"mc", "lhs", "sobol"}
        Unit-cube design (see :mod:`mcpot.engine.sampling`).
    seed : int
        Root seed; the same seed gives bitwise-identical results for any ``jobs``/``chunk``.
    reading : str
        Reading of equation (2).
    horizon : int
        Last year evaluated (2035..2060).
    tolerance : float
        Relative tolerance of the "within +/- x of the published figure" claims (0.10 = 10%).
    jobs, chunk, backend, scheduler :
        Execution only (never change results): workers, samples per chunk (rounded up to whole
        stream blocks of 8192), backend ("threading", the default: the chunk work is numpy that
        releases the GIL, so threads skip the worker start-up and the pickling of tasks and results
        that "loky" processes pay; "loky", "dask", ...), dask scheduler address.
    save_samples : bool
        Keep per-sample inputs and outputs (Parquet, chunk by chunk).
    overrides : tuple of str
        ``--set`` overrides applied to the priors (see :mod:`mcpot.model.overrides`).
    """

    sectors: tuple[str, ...] = field(default_factory=available_sectors)
    samples: int = 100_000
    design: str = "lhs"
    seed: int | None = None
    reading: str = "report"
    horizon: int = 2035
    tolerance: float = 0.10
    jobs: int = -1
    chunk: int = 2 * BLOCK
    backend: str = "threading"
    scheduler: str | None = None
    save_samples: bool = False
    overrides: tuple[str, ...] = ()

    def __post_init__(self):
        if self.design not in DESIGNS:
            raise McpotError(f"unknown design {self.design!r}; choose one of {', '.join(DESIGNS)}")
        if self.reading not in READINGS:
            raise McpotError(f"unknown reading {self.reading!r}; choose one of {', '.join(READINGS)}")
        if self.samples < 2:
            raise McpotError(f"--samples must be at least 2, got {self.samples}")
        check_backend(self.backend, self.scheduler)
        check_run_settings(self.seed, self.jobs, self.horizon)
        if self.chunk < 1:
            raise McpotError(f"--chunk-size must be positive, got {self.chunk}")
        if self.design == "sobol" and self.samples & (self.samples - 1):
            warnings.warn(
                f"a Sobol design is balanced for N a power of 2; N = {self.samples} is not", stacklevel=3
            )
        if not 0 < self.tolerance < 1:
            raise McpotError(f"--tolerance must be in (0, 1), got {self.tolerance}")

    @property
    def blocks_per_chunk(self) -> int:
        return max(1, -(-self.chunk // BLOCK))

    def to_dict(self) -> dict:
        return asdict(self)


def check_run_settings(seed: int | None, jobs: int, horizon: int) -> None:
    """Check the settings every sampling command shares: seed >= 0, ``jobs``, horizon 2035..2060.

    Raises
    ------
    McpotError
        Naming the option and the admissible values.
    """
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise McpotError(f"--seed: must be a non-negative integer, got {seed!r}")
    check_jobs(jobs)
    if (
        isinstance(horizon, bool)
        or not isinstance(horizon, int)
        or not BAND_YEARS[1] <= horizon <= MAX_HORIZON
    ):
        raise McpotError(f"--horizon: must be a year from {BAND_YEARS[1]} to {MAX_HORIZON}, got {horizon!r}")


def block_sizes(n: int, first: int, count: int) -> list[int]:
    """Rows in stream blocks ``first`` to ``first + count - 1`` of an N-sample run."""
    return [min(BLOCK, n - b * BLOCK) for b in range(first, first + count) if b * BLOCK < n]


@dataclass(frozen=True)
class Claims:
    """Claims checked in a run: a description table (one row per claim) and the predicates."""

    table: pd.DataFrame
    predicates: list[Claim]


def build_claims(columns: pd.DataFrame, tolerance: float, pubs: dict[str, Published]) -> Claims:
    """The report's claims as predicates on the output columns.

    ``pubs``: the published figures by sector (:func:`mcpot.model.priors.published`); a sector without
    them has no claims.

    For every published figure: the model lands within ``+/- tolerance`` (relative) of it. For every
    sector: the model's band lies within the report's band (both ends inside).
    """
    import pandas as pd

    index = {
        (
            r.sector,
            r.quantity,
            r.category if isinstance(r.category, str) else None,
            None if pd.isna(r.year) else int(r.year),
        ): i
        for i, r in enumerate(columns.itertuples())
    }
    rows, predicates = [], []
    for sector, pub in pubs.items():
        if sector not in set(columns.sector):
            continue
        figures = [("total", None, y, v) for y, v in pub.totals.items()]
        figures += [("share", c, SHARE_YEAR, v) for c, v in pub.shares.items()]
        if pub.band is not None:
            figures += [("band_low", None, 2025, pub.band[0]), ("band_high", None, 2035, pub.band[1])]
        for quantity, category, year, value in figures:
            col = index.get((sector, quantity, category, year))
            if col is None:  # a category the sector does not have: its share is exactly 0
                continue
            lo, hi = value * (1 - tolerance), value * (1 + tolerance)
            rows.append((sector, quantity, category, year, value, f"within ±{tolerance:.0%}", col))
            predicates.append(Claim(((col, lo, hi),)))
        ratio = index.get((sector, "growth_ratio", None, None))
        if ratio is not None:
            rows.append(
                (sector, "growth_ratio", None, None, np.nan, "2035-2045 growth below 2025-2035 growth", ratio)
            )
            # strictly below 1: a flat total (ratio 1.0 by convention, kernel.growth_after_2035) does not slow
            predicates.append(Claim(((ratio, -np.inf, np.nextafter(1.0, 0.0)),)))
        if pub.band is None:
            continue
        low, high = index[(sector, "band_low", None, 2025)], index[(sector, "band_high", None, 2035)]
        rows.append(
            (
                sector,
                "band",
                None,
                None,
                np.nan,
                f"band within the report's {pub.band[0]:.0%}-{pub.band[1]:.0%}",
                -1,
            )
        )
        predicates.append(Claim(((low, pub.band[0], pub.band[1]), (high, pub.band[0], pub.band[1]))))
    table = pd.DataFrame(
        rows, columns=["sector", "quantity", "category", "year", "report", "claim", "column"]
    )
    return Claims(table, predicates)


def ceiling_pairs(space: ParameterSpace) -> list[tuple[str, str]]:
    """(sector, category) for every included category: the rows of ``diagnostics.csv``."""
    return [
        (s, c)
        for s, sp in space.sectors.items()
        for c, inc in zip(sp.categories, sp.included, strict=True)
        if inc
    ]


def diagnostic_counts(space: ParameterSpace, X: np.ndarray) -> list[int]:
    """Per category of :func:`ceiling_pairs`, how many draws have K_max < K0 (the saturation rule binds),
    then per category how many have the logistic midpoint ``-alpha / beta`` outside [0, 1]."""
    below, outside = [], []
    for s, c in ceiling_pairs(space):
        K0, K_max = (space.kernel_input(X, s, c, k) for k in ("K0", "K_max"))
        below.append(int(np.count_nonzero(K_max < K0)))
        alpha, beta = (space.kernel_input(X, s, c, k) for k in ("alpha", "beta"))
        with np.errstate(divide="ignore", invalid="ignore"):
            mid = -alpha / beta
        outside.append(int(np.count_nonzero(~((mid >= 0.0) & (mid <= 1.0)))))
    return below + outside


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to reduce a range of stream blocks (picklable, small)."""

    config: RunConfig
    space: ParameterSpace
    grid: Grid | None
    claims: list[Claim]
    column_names: list[str]

    def inputs(self, first_block: int, n_blocks: int) -> tuple[np.ndarray, list[int]]:
        """Inputs ``X`` of the samples in blocks ``first_block ..`` and the blocks' sizes."""
        cfg = self.config
        sizes = block_sizes(cfg.samples, first_block, n_blocks)
        start = first_block * BLOCK
        U = unit_samples(cfg.design, cfg.seed, self.space.dim, start, start + sum(sizes))
        R = self.space.rank_correlation()
        if not np.array_equal(R, np.eye(self.space.dim)):
            U = apply_copula(U, copula_factor(R))
        return self.space.ppf(U), sizes

    def outputs(self, first_block: int, n_blocks: int) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """Inputs ``X`` and outputs ``Y`` of the samples in blocks ``first_block ..``."""
        X, sizes = self.inputs(first_block, n_blocks)
        Y = evaluate(self.space, X, self.config.horizon, self.config.reading)
        self._guard(X, Y, first_block * BLOCK)
        return X, Y, sizes

    def __call__(self, blocks: tuple[int, int]) -> ChunkResult:
        """Reduce blocks ``blocks[0] ..`` (``blocks[1]`` of them): inputs for the whole chunk, then the
        model and the reduction one stream block at a time into one reused output buffer."""
        cfg = self.config
        X, sizes = self.inputs(*blocks)
        buffer = np.empty((max(sizes), len(self.column_names)))
        parts, kept = [], []
        for k, (a, b) in enumerate(itertools.pairwise(np.cumsum([0, *sizes]))):
            Y = evaluate(self.space, X[a:b], cfg.horizon, cfg.reading, out=buffer[: b - a])
            self._guard(X[a:b], Y, (blocks[0] + k) * BLOCK)
            parts.append(reduce_chunk(Y, [b - a], blocks[0] + k, self.grid, self.claims))
            if cfg.save_samples:
                kept.append(Y.copy())
        binds = diagnostic_counts(self.space, X)
        samples = (X, np.concatenate(kept)) if cfg.save_samples else None
        return ChunkResult.concat(parts, binds, samples)

    def _guard(self, X, Y, start):
        bad = ~np.isfinite(Y)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            sector = self.column_names[col].split(".", 1)[0]
            values = ", ".join(
                f"{n}={v:.6g}"
                for n, v in zip(self.space.names, X[row], strict=True)
                if n.startswith(sector + ".")
            )
            raise ModelOutputError(
                f"the model gave {Y[row, col]} for {self.column_names[col]} at sample {start + row} "
                f"({int(bad.any(axis=1).sum())} bad samples in this chunk; reading {self.config.reading}); "
                f"{sector} inputs of that sample: {values}"
            )


def make_task(config: RunConfig, space: ParameterSpace, grid: Grid | None = None) -> ChunkTask:
    """The chunk task of a run; without ``grid``, the histogram grid comes from the pilot block."""
    columns = output_columns(space, config.horizon, config.reading)
    claims = build_claims(columns, config.tolerance, published(space.sectors))
    task = ChunkTask(config, space, grid, claims.predicates, list(columns.output))
    if grid is None:
        _, Y, _ = task.outputs(0, 1)
        task = ChunkTask(config, space, Grid.from_pilot(Y), claims.predicates, task.column_names)
    return task


def chunks(config: RunConfig, start_block: int = 0) -> list[tuple[int, int]]:
    """``(first_block, n_blocks)`` per chunk from ``start_block`` to the end of the run."""
    n_blocks = -(-config.samples // BLOCK)
    k = config.blocks_per_chunk
    return [(b, min(k, n_blocks - b)) for b in range(start_block, n_blocks, k)]


def simulate(
    task: ChunkTask,
    stats: Stats | None = None,
    on_chunk: Callable[[Stats, ChunkResult], None] | None = None,
    progress: Callable[[Iterable], Iterable] = lambda it: it,
) -> Stats:
    """Evaluate every remaining chunk in parallel and fold the results in block order.

    Parameters
    ----------
    task : ChunkTask
        From :func:`make_task`.
    stats : Stats, optional
        Statistics of a run already partly done (resume); its ``next_block`` says where to go on.
    on_chunk : callable, optional
        Called after each chunk is folded (checkpointing, saving samples).
    progress : callable
        Wraps the iterator of chunk results (e.g. a tqdm bar).
    """
    cfg = task.config
    if stats is None:
        stats = Stats.empty(len(task.column_names), len(task.claims), 2 * len(ceiling_pairs(task.space)))
    todo = chunks(cfg, stats.next_block)
    for result in progress(
        map_ordered(task, todo, n_jobs=cfg.jobs, backend=cfg.backend, scheduler=cfg.scheduler)
    ):
        stats.add(result)
        if on_chunk is not None:
            on_chunk(stats, result)
    return stats


def summary_table(stats: Stats, task: ChunkTask) -> pd.DataFrame:
    """Tidy summary: one row per output column and statistic, with its Monte Carlo standard error.

    Columns: sector, quantity, category, year, unit, reading, statistic (mean | sd | p2.5 .. p97.5),
    value, mc_se. Units: Mt CO2/yr for er/total, fractions for share/contribution/band ends.
    """

    cfg = task.config
    columns = output_columns(task.space, cfg.horizon, cfg.reading)
    q, q_se = percentile_table(stats, task.grid)
    sd = stats.sd
    values = np.column_stack([stats.mean, sd, q])
    ses = np.column_stack([sd / np.sqrt(stats.n), sd / np.sqrt(2 * max(stats.n - 1, 1)), q_se])
    names = ["mean", "sd", *(f"p{p:g}" for p in PERCENTILES)]
    frame = columns.loc[columns.index.repeat(len(names))].reset_index(drop=True)
    frame["reading"] = cfg.reading
    frame["statistic"] = names * len(columns)
    frame["value"] = values.ravel()
    frame["mc_se"] = ses.ravel()
    return frame


def claims_table(stats: Stats, task: ChunkTask) -> pd.DataFrame:
    """Probability of each claim under the priors, with its MC error (:func:`mcpot.precision.probability_se`)
    and the model's 90% interval."""

    cfg = task.config
    columns = output_columns(task.space, cfg.horizon, cfg.reading)
    claims = build_claims(columns, cfg.tolerance, published(task.space.sectors)).table.copy()
    p = stats.claims / stats.n
    claims["probability"] = p
    claims["mc_se"] = probability_se(p, stats.n)
    q, _ = percentile_table(stats, task.grid)
    for pct in (5.0, 50.0, 95.0):
        values = q[:, PERCENTILES.index(pct)]
        claims[f"model_p{pct:g}"] = [values[c] if c >= 0 else np.nan for c in claims["column"]]
    claims["reading"] = cfg.reading
    return claims.drop(columns="column")


@dataclass(frozen=True)
class _Draw:
    task: ChunkTask

    def __call__(self, blocks: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        X, Y, _ = self.task.outputs(*blocks)
        return X, Y


def draw(config: RunConfig, space: ParameterSpace) -> tuple[np.ndarray, np.ndarray]:
    """Every sample's inputs ``X[N, D]`` and outputs ``Y[N, M]`` in memory (for modest N).

    The same samples as a run with this config (same seed, design, blocks), evaluated in parallel.
    """
    task = ChunkTask(
        config, space, None, [], list(output_columns(space, config.horizon, config.reading).output)
    )
    todo = chunks(config)
    X = np.empty((config.samples, space.dim))
    Y = np.empty((config.samples, len(task.column_names)))
    results = map_ordered(
        _Draw(task), todo, n_jobs=config.jobs, backend=config.backend, scheduler=config.scheduler
    )
    for (first, _), (x, y) in zip(
        todo, progress.bar(results, total=len(todo), desc="mcpot draw", unit="chunk"), strict=True
    ):
        X[first * BLOCK : first * BLOCK + len(x)], Y[first * BLOCK : first * BLOCK + len(y)] = x, y
    return X, Y
