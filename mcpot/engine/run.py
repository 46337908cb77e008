"""The main job, as a thin orchestrator: priors -> samples -> outputs -> summaries -> run folder.

>>> from mcpot.engine.run import RunConfig, run
>>> result = run(RunConfig(samples=20_000, seed=1), out_dir="runs/example")   # doctest: +SKIP
>>> result.claims.query("quantity == 'band'")                                  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mcpot import progress as progress_bars
from mcpot.engine import runs
from mcpot.engine.chunks import (
    ChunkTask,
    RunConfig,
    ceiling_pairs,
    claims_table,
    make_task,
    simulate,
    summary_table,
)
from mcpot.engine.runlock import RunLock
from mcpot.engine.sampling import BLOCK
from mcpot.engine.summary import BINS, Grid, Stats, histogram_cdf
from mcpot.errors import McpotError
from mcpot.model.overrides import apply_overrides
from mcpot.model.priors import load_priors
from mcpot.model.space import ParameterSpace, output_columns

__all__ = ["RunConfig", "RunResult", "resume", "run"]


@dataclass(frozen=True)
class RunResult:
    """What a Monte Carlo run found.

    Attributes
    ----------
    config : RunConfig
        The run's settings, with the seed actually used.
    summary : pandas.DataFrame
        Tidy statistics per output (see :func:`mcpot.engine.chunks.summary_table`).
    claims : pandas.DataFrame
        Probability of each published figure/band under the priors.
    diagnostics : pandas.DataFrame
        Per sector and category, the share of draws with K_max < K0 (the saturation rule bound) and
        with the logistic midpoint -alpha/beta outside [0, 1] (a curve that does not rise over
        feasible adoption; 0 by construction for priors on midpoint and steepness).
    run_dir : pathlib.Path or None
        Where the run was written, if it was.
    manifest : dict
        The run's manifest.
    histograms : dict of str to numpy.ndarray
        The full distribution of every output (as :func:`mcpot.engine.runs.load_histograms` returns it).
    phases : dict of str to float
        Seconds of this session by phase: ``setup`` (the chunk task and the pilot block that sets the
        histogram grid), ``chunks`` (sampling, the model and the reductions: the part ``jobs`` runs in
        parallel) and ``tables`` (the summary, claims and diagnostics tables; writing the files counts in the
        session's ``elapsed_s`` only). Also in the manifest's last session, as ``phases_s``.
    """

    config: RunConfig
    summary: pd.DataFrame
    claims: pd.DataFrame
    diagnostics: pd.DataFrame
    run_dir: Path | None
    manifest: dict
    histograms: dict = dataclasses.field(default_factory=dict, repr=False)
    phases: dict = dataclasses.field(default_factory=dict)

    def cdf(self, output: str, value: float) -> float:
        """Fraction of samples with ``output <= value`` (read from the histogram, interpolated in a bin)."""
        return histogram_cdf(self.histograms, output, value)

    def wide(self) -> pd.DataFrame:
        """The summary with one row per output and one column per statistic (values only)."""
        keys = ["output", "sector", "quantity", "category", "year", "unit", "reading"]
        values = self.summary.pivot(index="output", columns="statistic", values="value")
        meta = self.summary.drop_duplicates("output")[keys]
        stats = list(dict.fromkeys(self.summary["statistic"]))
        return meta.join(values[stats], on="output").reset_index(drop=True)


def run(
    config: RunConfig,
    *,
    priors_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    runs_root: str | Path = "runs",
    write: bool = True,
    progress: bool = False,
    checkpoint_every: float = 2.0,
) -> RunResult:
    """Run the Monte Carlo analysis and (unless ``write=False``) store it in a run folder.

    Parameters
    ----------
    config : RunConfig
        What to compute; ``seed=None`` draws a fresh seed from the OS and records it.
    priors_dir : path, optional
        Directory of ``<sector>.toml`` prior files (default: the bundled priors).
    out_dir, runs_root : path, optional
        Run folder (default: ``<runs_root>/<UTC timestamp>-<id>``).
    write : bool
        False keeps everything in memory (no folder, no checkpoints, no samples).
    progress : bool
        Show a progress bar (after one second).
    checkpoint_every : float
        Seconds between checkpoints of the folded statistics (0: after every chunk).
    """
    config = config.with_seed()
    if config.save_samples and not write:
        raise McpotError("save_samples needs a run folder (write=True)")
    priors = apply_overrides(load_priors(priors_dir, config.sectors), config.overrides)
    space = ParameterSpace(priors, config.reading)
    if not write:
        return _execute(config, space, None, {}, None, progress, checkpoint_every)
    with runs.new_run(out_dir, runs_root) as run_dir:  # the folder stays locked until the run ends
        manifest = runs.start(
            run_dir,
            "run",
            config.to_dict(),
            priors,
            stream_block=BLOCK,
            histogram_bins=BINS,
            parameters=list(space.names),
        )
        with runs.recorded(run_dir, manifest, _kept(run_dir)):
            return _execute(config, space, run_dir, manifest, None, progress, checkpoint_every)


def _kept(run_dir: Path) -> str:
    return f"the finished chunks are kept: free some space, then `mcpot run --resume {run_dir}`"


def resume(
    run_dir: str | Path, *, progress: bool = False, checkpoint_every: float = 2.0, jobs: int | None = None
) -> RunResult:
    """Finish an interrupted run from its checkpoint, with the priors copied into its folder.

    The numbers equal those of an uninterrupted run with the same seed. The folder is locked for the
    whole resume; a manifest still saying ``running`` whose lock was free (the run was killed) is first
    recorded as ``interrupted``.

    Raises
    ------
    RunLockedError
        The run is still going (another process holds the folder): names its PID and start time.
    McpotError
        Not a Monte Carlo run folder, already complete, a manifest of the wrong shape, priors changed
        since the run started, or a damaged checkpoint.
    """
    run_dir = Path(run_dir)
    runs.read_manifest(run_dir)  # "not a run folder" before anything is written into it
    with RunLock(run_dir):
        manifest = runs.settle(run_dir, runs.read_manifest(run_dir))
        if manifest["kind"] != "run":
            raise McpotError(f"{run_dir}: not a Monte Carlo run folder (kind {manifest['kind']!r})")
        if manifest["status"] == "complete":
            raise McpotError(f"{run_dir}: the run is already complete (nothing to resume)")
        config = _resumed_config(run_dir, manifest, jobs)
        priors = load_priors(run_dir / "priors", config.sectors)
        for sector, sp in priors.items():
            if sp.sha256 != (manifest.get("priors") or {}).get(sector, {}).get("sha256"):
                raise McpotError(f"{run_dir / 'priors' / (sector + '.toml')}: changed since the run started")
        space = ParameterSpace(apply_overrides(priors, config.overrides), config.reading)
        saved = runs.load_checkpoint(run_dir)
        state = None
        if saved is not None:
            state = _checked_state(run_dir, saved, config, space)
        manifest["sessions"].append(
            {"started": runs.utc_now(), "resumed_from_block": state and state[0].next_block}
        )
        manifest = {**manifest, "status": "running", "error": None}
        runs.write_json(run_dir / runs.MANIFEST, manifest)
        with runs.recorded(run_dir, manifest, _kept(run_dir)):
            return _execute(config, space, run_dir, manifest, state, progress, checkpoint_every)


def _resumed_config(run_dir: Path, manifest: dict, jobs: int | None) -> RunConfig:
    settings = manifest["config"] | ({"jobs": jobs} if jobs is not None else {})
    try:
        return RunConfig(
            **{
                **settings,
                "sectors": tuple(settings["sectors"]),
                "overrides": tuple(settings.get("overrides", ())),
            }
        )
    except (KeyError, TypeError) as exc:
        raise McpotError(
            f"{run_dir / runs.MANIFEST}: config: not the settings of an mcpot run "
            f"({type(exc).__name__}: {exc})"
        ) from None


def _checked_state(run_dir: Path, saved: dict, config: RunConfig, space: ParameterSpace):
    """The folded statistics and grid of a checkpoint, checked against the run they resume."""
    stats, grid = Stats.from_arrays(saved), Grid(saved["grid_low"], saved["grid_width"])
    m = len(output_columns(space, config.horizon, config.reading))
    n_blocks = -(-config.samples // BLOCK)
    if (
        stats.hist.shape != (m, BINS + 2)
        or grid.low.shape != (m,)
        or stats.extra.ndim != 1
        or not 0 <= stats.next_block <= n_blocks
        or stats.n != min(stats.next_block * BLOCK, config.samples)
    ):
        raise McpotError(
            f"{run_dir / runs.CHECKPOINT}: damaged checkpoint (its arrays do not fit this run); start the "
            "run over with another --out"
        )
    return stats, grid


def _execute(config, space, run_dir, manifest, state, progress, checkpoint_every) -> RunResult:
    t0 = time.perf_counter()
    stats, grid = state if state else (None, None)
    task = make_task(config, space, grid)
    t1 = time.perf_counter()
    stats = simulate(
        task, stats, _on_chunk(task, run_dir, checkpoint_every), _progress(config, stats, progress)
    )
    t2 = time.perf_counter()
    summary, claims = summary_table(stats, task), claims_table(stats, task)
    pairs = ceiling_pairs(space)
    below, outside = stats.extra[: len(pairs)], stats.extra[len(pairs) :]
    diagnostics = pd.DataFrame(
        [(s, c, b / stats.n, o / stats.n) for (s, c), b, o in zip(pairs, below, outside, strict=True)],
        columns=["sector", "category", "p_kmax_below_k0", "p_midpoint_outside_01"],
    )
    histograms = {
        "output": np.asarray(task.column_names),
        "counts": stats.hist,
        "low": task.grid.low,
        "width": task.grid.width,
    }
    phases = {"setup": t1 - t0, "chunks": t2 - t1, "tables": time.perf_counter() - t2}
    if run_dir is not None:
        for name, frame in (("summary", summary), ("claims", claims), ("diagnostics", diagnostics)):
            runs.write_table(run_dir / f"{name}.csv", frame)
            runs.write_table(run_dir / f"{name}.parquet", frame)
        runs.save_arrays(run_dir / "histograms.npz", histograms)
        manifest = runs.finish(
            run_dir, manifest, "complete", time.perf_counter() - t0, phases, samples_done=stats.n
        )
        (run_dir / runs.CHECKPOINT).unlink(missing_ok=True)
    return RunResult(config, summary, claims, diagnostics, run_dir, manifest, histograms, phases)


def _on_chunk(task: ChunkTask, run_dir: Path | None, every: float):
    if run_dir is None:
        return None
    last = [time.perf_counter()]
    total_blocks = -(-task.config.samples // BLOCK)

    def on_chunk(stats: Stats, chunk) -> None:
        if chunk.samples is not None:
            X, Y = chunk.samples
            first = chunk.first_block * BLOCK
            frame = pd.DataFrame(np.column_stack([X, Y]), columns=[*task.space.names, *task.column_names])
            frame.insert(0, "sample", np.arange(first, first + len(X)))
            runs.write_table(run_dir / "samples" / f"part-{chunk.first_block:08d}.parquet", frame)
        now = time.perf_counter()
        if now - last[0] >= every and stats.next_block < total_blocks:
            runs.save_checkpoint(
                run_dir, {**stats.to_arrays(), "grid_low": task.grid.low, "grid_width": task.grid.width}
            )
            last[0] = now

    return on_chunk


def _progress(config: RunConfig, stats: Stats | None, show: bool):
    def wrap(results):
        done = stats.n if stats else 0
        with progress_bars.bar(
            total=config.samples, initial=done, unit="sample", unit_scale=True, show=show, desc="mcpot run"
        ) as bar:
            for result in results:
                bar.update(int(result.block_n.sum()))
                yield result

    return wrap
