"""mcpot: Monte Carlo uncertainty and sensitivity analysis of the digital-technology
carbon-reduction model in CAICT's 2024 "Digital Carbon Neutrality: Industry" report.

The layers, each importing only those before it: :mod:`mcpot.errors` < :mod:`mcpot.model` (priors,
kernel, parameter space, published figures) < :mod:`mcpot.engine` (designs, parallel evaluation,
summaries, run folders) < :mod:`mcpot.sensitivity` and :mod:`mcpot.stress` < :mod:`mcpot.report` <
:mod:`mcpot.cli`. The names in ``__all__`` are imported on first use (PEP 562), so ``import mcpot`` stays
cheap.
"""

from __future__ import annotations

import importlib

from mcpot._version import __version__

# public name -> module that defines it
_EXPORTS = {
    "McpotError": "mcpot.errors",
    "PriorError": "mcpot.errors",
    "Prior": "mcpot.model.priors",
    "SectorPriors": "mcpot.model.priors",
    "load_priors": "mcpot.model.priors",
    "ParameterSpace": "mcpot.model.space",
    "published": "mcpot.model.reference",
    "reproduce": "mcpot.model.reproduce",
    "Scenario": "mcpot.model.overrides",
    "apply_overrides": "mcpot.model.overrides",
    "load_scenarios": "mcpot.model.overrides",
    "RunConfig": "mcpot.engine.run",
    "RunResult": "mcpot.engine.run",
    "run": "mcpot.engine.run",
    "resume": "mcpot.engine.run",
    "SensitivityConfig": "mcpot.sensitivity.analyses",
    "run_sobol": "mcpot.sensitivity.analyses",
    "run_morris": "mcpot.sensitivity.analyses",
    "run_tornado": "mcpot.sensitivity.analyses",
    "run_stress": "mcpot.stress.compare",
    "compare_priors": "mcpot.stress.compare",
    "run_calibrate": "mcpot.stress.calibration",
    "run_discover": "mcpot.stress.runners",
    "write_report": "mcpot.report.html",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mcpot' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
