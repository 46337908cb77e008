"""Errors mcpot reports to users.

Every error a user can cause (a bad prior file, an unknown override, a model output that is NaN) derives
from :class:`McpotError`. The command line prints its message and exits with status 2, without a traceback;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class McpotError(Exception):
    """A problem with the user's input or request, explained in the message."""

    #: Exit status of the command line (2: the user's input or request).
    exit_code = 2


class PriorError(McpotError):
    """A prior file is malformed: the message names the file, the field and what is wrong."""

    def __init__(self, file: str, field: str, problem: str) -> None:
        self.file, self.field, self.problem = str(file), field, problem
        super().__init__(f"{self.file}: {field}: {problem}")


class ModelOutputError(McpotError):
    """The model produced NaN or inf; the message names the offending samples and their inputs."""


class DiskFullError(McpotError):
    """A write failed for lack of space (ENOSPC) or quota (EDQUOT); the message says what was kept.

    Not the user's mistake, but not a bug either: the command line prints the one-line message and
    exits with status 1.
    """

    exit_code = 1


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by a signal (SIGTERM, SIGHUP): handled like Ctrl-C."""

    def __init__(self, signal_name: str = "SIGTERM") -> None:
        self.signal_name = signal_name
        super().__init__(signal_name)
