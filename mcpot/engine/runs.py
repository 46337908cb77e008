"""Run folders: creation, manifests, atomic writes, checkpoints, and reading them back.

A run folder holds ``manifest.json`` (status ``running`` | ``complete`` | ``failed``), the priors copied
verbatim under ``priors/``, a ``checkpoint.npz`` while running, and the result tables. Every file is
written to a temporary name and renamed into place, so a crash never leaves a half-written file; the
manifest turns ``complete`` only after everything else is in the folder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from mcpot.errors import McpotError
from mcpot.model.priors import SectorPriors

DEPENDENCIES = (
    "numpy",
    "scipy",
    "SALib",
    "pandas",
    "joblib",
    "seaborn",
    "matplotlib",
    "pyarrow",
    "tqdm",
    "dask",
    "distributed",
)
MANIFEST = "manifest.json"
_UMASK = os.umask(0)
os.umask(_UMASK)
CHECKPOINT = "checkpoint.npz"


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_json(path: Path, obj) -> Path:
    return write_text(path, json.dumps(obj, indent=1, default=_json_default) + "\n")


def integer_years(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every float ``year`` column that holds whole numbers as nullable integers.

    Concatenating tables with and without a year (a total per year beside a band) turns the years into
    floats with NaN; written as such they read ``2025.0``. Columns named ``year`` or ``*_year`` whose
    values are all whole numbers (or missing) become ``Int64``, so a CSV says ``2025`` and an empty cell.
    """
    cols = [
        c
        for c in frame.columns
        if isinstance(c, str)
        and (c == "year" or c.endswith("_year"))
        and pd.api.types.is_float_dtype(frame[c])
        and bool(np.all(np.isnan(v := frame[c].to_numpy(float)) | (v == np.round(v))))
    ]
    return frame.astype({c: "Int64" for c in cols}) if cols else frame


def write_table(path: Path, frame: pd.DataFrame) -> Path:
    """Write a DataFrame as CSV or Parquet (by suffix), atomically; whole-number years as integers."""
    frame = integer_years(frame)
    if Path(path).suffix == ".parquet":
        return atomic_write(path, lambda p: frame.to_parquet(p, index=False))
    return atomic_write(path, lambda p: frame.to_csv(p, index=False))


def _json_default(obj):
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, Path | tuple):
        return str(obj) if isinstance(obj, Path) else list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def versions() -> dict[str, str | None]:
    """Versions of Python, mcpot and its dependencies (None if not installed)."""
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in ("mcpot", *DEPENDENCIES):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit() -> str | None:
    """The commit of the source tree mcpot runs from, if it is a git checkout."""
    try:
        res = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout.strip() or None if res.returncode == 0 else None


def new_run_dir(out: str | Path | None = None, root: str | Path = "runs") -> Path:
    """``out`` if given (must not hold a run already), else ``<root>/<UTC timestamp>-<short id>``."""
    if out is None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        out = Path(root) / f"{stamp}-{secrets.token_hex(3)}"
    out = Path(out)
    if (out / MANIFEST).exists():
        raise McpotError(f"{out} already holds a run (use --resume {out} to finish it, or another --out)")
    out.mkdir(parents=True, exist_ok=True)
    return out


def start(run_dir: Path, kind: str, config: dict, priors: dict[str, SectorPriors], **extra) -> dict:
    """Copy the priors and write the initial manifest (status ``running``)."""
    for sector, sp in priors.items():
        write_text(run_dir / "priors" / f"{sector}.toml", sp.text)
    manifest = {
        "kind": kind,
        "status": "running",
        "command": sys.argv,
        "config": config,
        "priors": {
            s: {"path": str(sp.path), "copy": f"priors/{s}.toml", "sha256": sp.sha256, "text": sp.text}
            for s, sp in priors.items()
        },
        "versions": versions(),
        "git_commit": git_commit(),
        "started": utc_now(),
        "sessions": [{"started": utc_now()}],
        **extra,
    }
    write_json(run_dir / MANIFEST, manifest)
    return manifest


def read_manifest(run_dir: str | Path) -> dict:
    path = Path(run_dir) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise McpotError(f"{run_dir}: not a run folder (no {MANIFEST})") from None
    except json.JSONDecodeError as exc:
        raise McpotError(f"{path}: unreadable manifest ({exc})") from None


def finish(run_dir: Path, manifest: dict, status: str, elapsed: float, **extra) -> dict:
    """Mark the run ``complete`` or ``failed``: the manifest is written last."""
    manifest = {**manifest, **extra, "status": status, "finished": utc_now()}
    manifest["sessions"][-1].update(finished=manifest["finished"], elapsed_s=round(elapsed, 3))
    manifest["elapsed_s"] = round(sum(s.get("elapsed_s", 0.0) for s in manifest["sessions"]), 3)
    write_json(run_dir / MANIFEST, manifest)
    return manifest


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez`` written atomically."""

    def write(tmp: Path) -> None:
        with tmp.open("wb") as f:
            np.savez(f, **arrays)

    atomic_write(path, write)


def load_histograms(run_dir: str | Path) -> dict[str, np.ndarray]:
    """``output`` names ``[M]``, ``counts [M, bins + 2]`` (underflow first, overflow last), bin ``low``
    and ``width`` ``[M]``: counts column ``k`` (1..bins) covers ``low + (k - 1) * width`` onwards."""
    with np.load(Path(run_dir) / "histograms.npz") as data:
        return {k: data[k] for k in data.files}


def save_checkpoint(run_dir: Path, arrays: dict[str, np.ndarray]) -> None:
    save_arrays(run_dir / CHECKPOINT, arrays)


def load_checkpoint(run_dir: Path) -> dict[str, np.ndarray] | None:
    path = run_dir / CHECKPOINT
    if not path.exists():
        return None
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def save_analysis(
    kind: str,
    config: dict,
    priors: dict[str, SectorPriors],
    tables: dict[str, pd.DataFrame | None],
    *,
    started: str,
    elapsed: float,
    out_dir=None,
    runs_root="runs",
    figures: Callable[[Path], None] | None = None,
    **extra,
) -> Path:
    """Store a finished (non-resumable) analysis: folder, manifest, tables (by file name), figures.

    The folder is made only once the analysis has succeeded; the manifest says ``complete`` last.
    """
    run_dir = new_run_dir(out_dir, runs_root)
    manifest = start(run_dir, kind, config, priors, **extra)
    manifest["started"] = manifest["sessions"][0]["started"] = started
    for name, frame in tables.items():
        if frame is not None:
            write_table(run_dir / name, frame)
    if figures is not None:
        figures(run_dir)
    finish(run_dir, manifest, "complete", elapsed)
    return run_dir
