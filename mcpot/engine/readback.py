"""Reading run folders back: the manifest (checked), the histograms and the checkpoint of a run.

The writing side is :mod:`mcpot.engine.runs`, which re-exports these names.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from mcpot.errors import McpotError

MANIFEST = "manifest.json"
CHECKPOINT = "checkpoint.npz"
STATUSES = ("running", "complete", "failed", "interrupted")

CHECKPOINT_KEYS = ("n", "mean", "m2", "hist", "claims", "extra", "next_block", "grid_low", "grid_width")

"""The arrays every checkpoint holds."""


def read_manifest(run_dir: str | Path) -> dict:
    """The manifest of a run folder, checked for the fields every manifest has.

    Raises
    ------
    McpotError
        No manifest, not JSON, or a manifest of the wrong shape (the message names the field).
    """
    path = Path(run_dir) / MANIFEST
    if Path(run_dir).exists() and not Path(run_dir).is_dir():
        raise McpotError(f"{run_dir}: not a run folder (a file)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise McpotError(f"{run_dir}: not a run folder (no {MANIFEST})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise McpotError(f"{path}: -: unreadable manifest ({exc})") from None
    except OSError as exc:
        raise McpotError(f"{path}: -: cannot read the manifest ({exc.strerror})") from None
    if not isinstance(manifest, dict):
        raise McpotError(f"{path}: -: must be a JSON object, got {type(manifest).__name__}")
    for key, kind in (("kind", str), ("status", str), ("config", dict), ("sessions", list)):
        if not isinstance(manifest.get(key), kind):
            raise McpotError(f"{path}: {key}: missing or not a {kind.__name__} (not a manifest mcpot wrote?)")
    if manifest["status"] not in STATUSES:
        raise McpotError(f"{path}: status: {manifest['status']!r} is none of {', '.join(STATUSES)}")
    if not manifest["sessions"] or not all(isinstance(s, dict) for s in manifest["sessions"]):
        raise McpotError(f"{path}: sessions: must be a non-empty list of objects")
    return manifest


def load_histograms(run_dir: str | Path) -> dict[str, np.ndarray]:
    """``output`` names ``[M]``, ``counts [M, bins + 2]`` (underflow first, overflow last), bin ``low``
    and ``width`` ``[M]``: counts column ``k`` (1..bins) covers ``low + (k - 1) * width`` onwards."""
    with np.load(Path(run_dir) / "histograms.npz") as data:
        return {k: data[k] for k in data.files}


def load_checkpoint(run_dir: Path) -> dict[str, np.ndarray] | None:
    """The arrays of ``checkpoint.npz``, or None if there is none (the run resumes from the start).

    Raises
    ------
    McpotError
        The checkpoint is damaged (truncated, not an npz, arrays missing): it names the file and how to
        start over. (Checkpoints are written atomically, so only outside damage does this.)
    """
    path = run_dir / CHECKPOINT
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        missing = [k for k in CHECKPOINT_KEYS if k not in arrays]
        if missing:
            raise ValueError(f"no {', '.join(missing)}")
    except Exception as exc:  # BadZipFile, "pickled data", truncated members, missing arrays, ...
        raise McpotError(
            f"{path}: damaged checkpoint ({type(exc).__name__}: {exc}); no good state is left to resume "
            "from: start the run over with another --out (or delete the checkpoint to redo this run "
            "from its first sample)"
        ) from None
    return arrays
