"""Errors mcpot reports to users.

Every error a user can cause (a bad prior file, an unknown override, a model output that is NaN) derives
from :class:`McpotError`. The command line prints its message and exits with status 2, without a traceback;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class McpotError(Exception):
    """A problem with the user's input or request, explained in the message."""


class PriorError(McpotError):
    """A prior file is malformed: the message names the file, the field and what is wrong."""

    def __init__(self, file: str, field: str, problem: str) -> None:
        self.file, self.field, self.problem = str(file), field, problem
        super().__init__(f"{self.file}: {field}: {problem}")


class ModelOutputError(McpotError):
    """The model produced NaN or inf; the message names the offending samples and their inputs."""
