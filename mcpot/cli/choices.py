"""The names the parser offers as choices, here so that building the parser imports no numpy or scipy.

They mirror :data:`mcpot.model.kernel.READINGS`, :data:`mcpot.engine.sampling.DESIGNS` and
:data:`mcpot.engine.sampling.BLOCK`; ``tests/test_cli_startup.py`` checks that they are equal.
"""

from __future__ import annotations

READINGS: tuple[str, ...] = (
    "report",
    "incremental",
    "rescaled",
    "linear",
    "production",
    "overlap",
    "cumulative",
)
DESIGNS: tuple[str, ...] = ("mc", "lhs", "sobol")
BLOCK = 8192  # samples per seed-stream block
