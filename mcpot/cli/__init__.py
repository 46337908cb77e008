"""The ``mcpot`` command line: parses arguments, calls the API, prints. Nothing imports it.

One module per command group (:mod:`~mcpot.cli.model`, :mod:`~mcpot.cli.run`,
:mod:`~mcpot.cli.sensitivity`, :mod:`~mcpot.cli.stress`), the parser in :mod:`~mcpot.cli.parser`, shared
options in :mod:`~mcpot.cli.common`. Heavy libraries are imported by the commands, not here. User errors
(:class:`~mcpot.errors.McpotError`) print one message and exit with status 2, with no traceback.
"""

from __future__ import annotations

import os
import sys

from mcpot import progress
from mcpot.cli import dependence, model, run, sensitivity, stress  # noqa: F401  (registers the commands)
from mcpot.cli.common import COMMANDS, resolve_sectors
from mcpot.cli.parser import build_parser
from mcpot.errors import McpotError

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        import pandas as pd

        pd.set_option("display.width", 160)
        resolve_sectors(args)
        progress.set_enabled(not getattr(args, "quiet", False))
        return COMMANDS[args.command](args)
    except McpotError as exc:
        print(f"mcpot: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mcpot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
