"""Run folders: creation, locking, manifests, atomic writes, checkpoints (reading back: engine.readback).

A run folder holds ``manifest.json`` (status ``running`` | ``complete`` | ``failed`` | ``interrupted``,
with the reason in ``error``), the priors copied verbatim under ``priors/``, a ``checkpoint.npz`` while
running, and the result tables. Every file is written to a temporary name and renamed into place, so a
crash never leaves a half-written file; the manifest turns ``complete`` only after everything else is in
the folder. One process at a time writes a folder (:mod:`mcpot.runlock`); a run that stops records why
(:func:`recorded`), and one killed before it could (SIGKILL) is recognised by :func:`settle` as a
``running`` manifest whose lock nobody holds. A report's outcome is recorded apart from the results'
(``report: {status, path, error}``, :func:`record_report`).
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from mcpot.engine.readback import (  # noqa: F401 (re-exported: runs.read_manifest, runs.CHECKPOINT, ...)
    CHECKPOINT,
    CHECKPOINT_KEYS,
    MANIFEST,
    STATUSES,
    load_checkpoint,
    load_histograms,
    read_manifest,
)
from mcpot.engine.runlock import RunLock, RunLockedError, holder, is_held
from mcpot.errors import DiskFullError, McpotError, Terminated
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
_UMASK = os.umask(0)
os.umask(_UMASK)
#: Prior files up to this size (bytes) are also copied into manifest.json; all are copied under priors/.
MANIFEST_PRIOR_TEXT = 64 * 1024


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
    except OSError as exc:  # e.g. ENOSPC inside a writer that does not say which file it was writing
        Path(tmp).unlink(missing_ok=True)
        if exc.filename is None or exc.filename == tmp:
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
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
    """``out`` if given (must not hold a run already), else ``<root>/<UTC timestamp>-<short id>``.

    Raises
    ------
    McpotError
        ``--out`` names a file, a folder that already holds a run, or a path that cannot be made.
    """
    option = "--out" if out is not None else "runs folder"
    if out is None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        out = Path(root) / f"{stamp}-{secrets.token_hex(3)}"
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise McpotError(f"{option} {out}: exists and is not a folder")
    if (out / MANIFEST).exists() and is_held(out):
        raise RunLockedError(f"{option} {out}: in use by {holder(out)}")
    if (out / MANIFEST).exists():
        raise McpotError(f"{option} {out}: already holds a run (--resume {out} finishes it; or a new --out)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise McpotError(f"{option} {out}: cannot make the folder ({exc.strerror})") from None
    return out


@contextmanager
def new_run(out: str | Path | None = None, root: str | Path = "runs") -> Iterator[Path]:
    """A new run folder (see :func:`new_run_dir`), locked for the duration of the ``with`` block.

    Raises
    ------
    RunLockedError
        Another process holds the folder (a second run with the same ``--out``).
    McpotError
        The folder already holds a run (one that finished between the check and the lock, too).
    """
    run_dir = new_run_dir(out, root)
    with RunLock(run_dir):
        if (run_dir / MANIFEST).exists():
            raise McpotError(f"--out {run_dir}: already holds a run (another mcpot wrote it just now)")
        yield run_dir


def start(run_dir: Path, kind: str, config: dict, priors: dict[str, SectorPriors], **extra) -> dict:
    """Copy the priors and write the initial manifest (status ``running``).

    The manifest keeps each prior file's path, SHA-256 and size, and its text too if it is at most
    :data:`MANIFEST_PRIOR_TEXT` bytes; the verbatim copy is always under ``priors/``.
    """
    for sector, sp in priors.items():
        write_text(run_dir / "priors" / f"{sector}.toml", sp.text)
    manifest = {
        "kind": kind,
        "status": "running",
        "command": sys.argv,
        "config": config,
        "priors": {s: _prior_record(s, sp) for s, sp in priors.items()},
        "versions": versions(),
        "git_commit": git_commit(),
        "started": utc_now(),
        "sessions": [{"started": utc_now()}],
        **extra,
    }
    write_json(run_dir / MANIFEST, manifest)
    return manifest


def _prior_record(sector: str, sp: SectorPriors) -> dict:
    size = len(sp.text.encode())
    record = {"path": str(sp.path), "copy": f"priors/{sector}.toml", "sha256": sp.sha256, "bytes": size}
    if size <= MANIFEST_PRIOR_TEXT:
        return record | {"text": sp.text}
    return record | {"text": None, "text_omitted": f"larger than {MANIFEST_PRIOR_TEXT} bytes: see the copy"}


def finish(
    run_dir: Path, manifest: dict, status: str, elapsed: float, phases: dict | None = None, **extra
) -> dict:
    """Mark the run ``complete``, ``failed`` or ``interrupted``: the manifest is written last.

    ``phases``: seconds by phase of this session (e.g. set-up, chunks, tables), recorded with it.
    """
    manifest = {**manifest, **extra, "status": status, "finished": utc_now()}
    manifest["sessions"][-1].update(finished=manifest["finished"], elapsed_s=round(elapsed, 3))
    if phases:
        manifest["sessions"][-1]["phases_s"] = {k: round(v, 3) for k, v in phases.items()}
    manifest["elapsed_s"] = round(sum(s.get("elapsed_s", 0.0) for s in manifest["sessions"]), 3)
    write_json(run_dir / MANIFEST, manifest)
    return manifest


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez`` written atomically."""

    def write(tmp: Path) -> None:
        with tmp.open("wb") as f:
            np.savez(f, **arrays)

    atomic_write(path, write)


def save_checkpoint(run_dir: Path, arrays: dict[str, np.ndarray]) -> None:
    save_arrays(run_dir / CHECKPOINT, arrays)


def stop_reason(exc: BaseException) -> tuple[str, str]:
    """Status (``interrupted`` or ``failed``) and reason recorded for a run that ``exc`` ended."""
    if isinstance(exc, Terminated):
        return "interrupted", f"terminated by {exc.signal_name}"
    if isinstance(exc, KeyboardInterrupt | SystemExit):
        return "interrupted", "interrupted (KeyboardInterrupt, e.g. Ctrl-C)"
    if is_disk_full(exc):
        return "failed", f"disk full writing {exc.filename or 'a file'}: {exc.strerror}"
    if isinstance(exc, McpotError):
        return "failed", str(exc)
    return "failed", f"{type(exc).__name__}: {exc}"


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def disk_full(exc: OSError, what: str) -> DiskFullError:
    """The one-line error of a full disk: which file, and ``what`` was kept (e.g. how to resume)."""
    return DiskFullError(f"{exc.filename or 'a file'}: disk full ({exc.strerror}); {what}")


@contextmanager
def recorded(run_dir: Path, manifest: dict, kept: str = "nothing usable was kept: free space, run again"):
    """Record in the manifest how a run ends if an exception ends it: ``interrupted`` or ``failed``.

    A full disk (ENOSPC/EDQUOT) becomes a :class:`~mcpot.errors.DiskFullError` saying ``kept``. If the
    manifest itself cannot be written (the disk is full), it keeps saying ``running`` and the next
    resume or report reads that as interrupted (:func:`settle`): nobody holds the lock any more.
    """
    t0 = time.perf_counter()
    try:
        yield
    except BaseException as exc:
        status, reason = stop_reason(exc)
        with suppress(OSError):
            finish(run_dir, manifest, status, time.perf_counter() - t0, error=reason)
        if is_disk_full(exc):
            raise disk_full(exc, kept) from None
        raise


def settle(run_dir: Path, manifest: dict) -> dict:
    """Correct a stale ``running`` manifest, under the folder's lock: its process died without a word.

    Call with the lock held (so no live process can be writing the folder). Returns the manifest as
    it now stands (``interrupted``, with the reason, if it said ``running``).
    """
    if manifest.get("status") != "running":
        return manifest
    manifest = {
        **manifest,
        "status": "interrupted",
        "error": "the process ended without recording why (killed, e.g. SIGKILL or out of memory?)",
    }
    manifest["sessions"][-1].setdefault("finished", None)
    write_json(run_dir / MANIFEST, manifest)
    return manifest


def live_status(run_dir: str | Path, manifest: dict) -> str:
    """The manifest's status, reading a ``running`` one whose lock nobody holds as ``interrupted``."""
    status = manifest.get("status")
    return "interrupted" if status == "running" and not is_held(run_dir) else status


def record_report(run_dir: Path, status: str, path: Path | None = None, error: str | None = None) -> None:
    """Record a report's outcome in the manifest (``report: {status, path, error}``), best effort.

    The results' status is left alone: a report that failed does not make complete results fail.
    """
    with suppress(OSError, McpotError):
        manifest = read_manifest(run_dir)
        entry = {"status": status, "path": str(path) if path else None, "error": error, "at": utc_now()}
        write_json(Path(run_dir) / MANIFEST, manifest | {"report": entry})


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

    The folder is made only once the analysis has succeeded, and locked while it is written; the
    manifest says ``complete`` last (``failed``, with the reason, if writing fails).
    """
    with new_run(out_dir, runs_root) as run_dir:
        manifest = start(run_dir, kind, config, priors, **extra)
        manifest["started"] = manifest["sessions"][0]["started"] = started
        with recorded(run_dir, manifest, "the analysis is lost: free space and run it again"):
            for name, frame in tables.items():
                if frame is not None:
                    write_table(run_dir / name, frame)
            if figures is not None:
                figures(run_dir)
            finish(run_dir, manifest, "complete", elapsed)
    return run_dir
