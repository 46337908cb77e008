"""Progress bars of long commands: tqdm on stderr, shown only on a terminal.

A bar is shown when stderr is a TTY and the command did not get ``--quiet``/``--no-progress``
(:func:`set_enabled`) and ``MCPOT_NO_PROGRESS`` is unset: never in captured or piped output (tests,
logs), so the numbers a command prints are the same with or without bars.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from tqdm import tqdm

_STATE = {"enabled": True}


def set_enabled(flag: bool) -> None:
    """Turn progress bars on (default, if stderr is a terminal) or off (``--quiet``) for this process."""
    _STATE["enabled"] = bool(flag)


def enabled() -> bool:
    """Whether a bar would be shown now."""
    stream = sys.stderr
    return (
        _STATE["enabled"]
        and not os.environ.get("MCPOT_NO_PROGRESS")
        and hasattr(stream, "isatty")
        and stream.isatty()
    )


def bar(
    iterable: Iterable | None = None,
    *,
    total: float | None = None,
    desc: str = "",
    unit: str = "step",
    delay: float = 1.0,
    show: bool = True,
    **kwargs,
) -> tqdm:
    """A tqdm bar on stderr, disabled unless :func:`enabled` (and ``show``); appears after ``delay`` s."""
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        delay=delay,
        disable=not (show and enabled()),
        file=sys.stderr,
        leave=False,
        dynamic_ncols=True,
        **kwargs,
    )
