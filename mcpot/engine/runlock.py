"""One writer per run folder: an OS file lock held for as long as a process writes the folder.

A run (or a resume, or a report written into the folder) takes ``RUN_DIR/.mcpot.lock`` with
:class:`RunLock` before it touches the manifest and keeps it until it ends. The lock is an OS lock
(``flock`` through :mod:`filelock`), so the kernel drops it when its process dies, even by SIGKILL:
a folder whose manifest says ``running`` while nobody holds its lock belongs to a process that was
killed (see :func:`mcpot.runs.settle`). Beside the lock, ``.mcpot.lock.json`` names the holder (PID,
host, start time, command) so that a second process can say whom it is waiting for; it refuses at once
rather than wait.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path

from filelock import FileLock, Timeout

from mcpot.errors import McpotError

LOCK = ".mcpot.lock"
INFO = ".mcpot.lock.json"


class RunLockedError(McpotError):
    """The run folder is held by another live process; the message names it."""


class RunLock:
    """The lock of one run folder, as a context manager (not re-entrant across instances).

    Parameters
    ----------
    run_dir : path
        The run folder; it must exist.

    Raises
    ------
    RunLockedError
        On :meth:`acquire` (or ``with``), if another process holds the folder: names its PID and start time.
    """

    def __init__(self, run_dir: str | Path):
        self.run_dir = Path(run_dir)
        self._lock = FileLock(self.run_dir / LOCK, thread_local=False)

    def acquire(self) -> RunLock:
        try:
            self._lock.acquire(blocking=False)
        except Timeout:
            raise RunLockedError(f"{self.run_dir}: in use by {holder(self.run_dir)}") from None
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "command": sys.argv,
        }
        try:
            _write_info(self.run_dir / INFO, info)
        except BaseException:
            self._lock.release()
            raise
        return self

    def release(self) -> None:
        if self._lock.is_locked:
            (self.run_dir / INFO).unlink(missing_ok=True)
            self._lock.release()

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def is_held(run_dir: str | Path) -> bool:
    """Whether some process (this one included, through another :class:`RunLock`) holds the folder."""
    if not (Path(run_dir) / LOCK).exists():
        return False
    probe = FileLock(Path(run_dir) / LOCK, thread_local=False)
    try:
        probe.acquire(blocking=False)
    except Timeout:
        return True
    probe.release()
    return False


def holder(run_dir: str | Path, wait: float = 0.5) -> str:
    """``"mcpot PID 123 on host (started ..., mcpot run ...)"``, from the lock-info file.

    The holder writes the file just after it takes the lock; a reader that comes in between waits up
    to ``wait`` seconds for it.
    """
    path = Path(run_dir) / INFO
    deadline = time.monotonic() + wait
    while True:
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
            break
        except (OSError, ValueError):
            if time.monotonic() > deadline:
                return "another mcpot process (PID unknown: it has not written its lock info yet)"
            time.sleep(0.05)
    command = " ".join(["mcpot", *info.get("command", [])[1:]])
    return (
        f"mcpot PID {info.get('pid')} on {info.get('host')} (started {info.get('started')}: {command}); "
        "wait for it to end or use another --out"
    )


def _write_info(path: Path, info: dict) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(info) + "\n", encoding="utf-8")
    os.replace(tmp, path)
