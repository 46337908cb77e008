"""The ``mcpot`` command line: parses arguments, calls the API, prints. Nothing imports it.

One module per command group (:mod:`~mcpot.cli.model`, :mod:`~mcpot.cli.run`,
:mod:`~mcpot.cli.sensitivity`, :mod:`~mcpot.cli.stress`), the parser in :mod:`~mcpot.cli.parser`, shared
options in :mod:`~mcpot.cli.common`. Heavy libraries are imported by the commands, not here. User errors
(:class:`~mcpot.errors.McpotError`, and bad options) print one line naming the file/field or the option
and exit with status 2, with no traceback; a full disk prints one line and exits 1 (what was kept, and how
to resume); Ctrl-C exits 130 and SIGTERM 143, the run folder saying ``interrupted``.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import warnings

from mcpot import progress
from mcpot.cli import dependence, model, run, sensitivity, stress  # noqa: F401  (registers the commands)
from mcpot.cli.common import COMMANDS, resolve_sectors
from mcpot.cli.parser import build_parser
from mcpot.errors import McpotError, Terminated

__all__ = ["main"]


def _terminate(signum, frame):
    raise Terminated(signal.Signals(signum).name)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Print a warning as the command line prints errors, ``mcpot: warning: ...``, without the source
    line Python would show; other kinds than UserWarning keep their name."""
    kind = "" if category is UserWarning else f" ({category.__name__})"
    print(f"mcpot: warning{kind}: {message}", file=sys.stderr if file is None else file)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate)  # a run folder records `interrupted`, as for ^C
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            import pandas as pd

            pd.set_option("display.width", 160)
            resolve_sectors(args)
            progress.set_enabled(not getattr(args, "quiet", False))
            return COMMANDS[args.command](args)
        except McpotError as exc:
            print(f"mcpot: error: {exc}", file=sys.stderr)
            return exc.exit_code
        except Terminated as exc:
            print(f"mcpot: terminated ({exc.signal_name})", file=sys.stderr)
            return 128 + signal.Signals[exc.signal_name].value
        except KeyboardInterrupt:
            print("mcpot: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except OSError as exc:  # the machine, not mcpot: a full disk, a folder it may not write, ...
            if exc.filename is None and exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            print(f"mcpot: error: {exc.filename or 'a file'}: {exc.strerror}", file=sys.stderr)
            return 1
        finally:
            signal.signal(signal.SIGTERM, previous)
