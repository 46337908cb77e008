"""The names the parser offers as choices, here so that building the parser imports no numpy or scipy.

They mirror :data:`mcpot.model.kernel.READINGS`, ``BAND_YEARS`` and ``MAX_HORIZON`` there,
:data:`mcpot.engine.sampling.DESIGNS` and ``BLOCK``, and :data:`mcpot.engine.evaluate.MAX_JOBS_PER_CORE`;
``tests/test_cli_startup.py`` checks that they are equal.
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
BAND_YEARS: tuple[int, int] = (2025, 2035)  # years of the band ends
MAX_HORIZON = 2060  # last year the model evaluates (years)
MAX_JOBS_PER_CORE = 4  # --jobs above this many per core is refused
