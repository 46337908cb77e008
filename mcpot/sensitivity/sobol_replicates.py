"""Sobol' indices with randomised-QMC (replicate-spread Student-t) intervals: the public entry points.

The machinery lives in the :mod:`mcpot.sensitivity.sobol` package: designs and seeds in
:mod:`~mcpot.sensitivity.sobol.design`, estimation in :mod:`~mcpot.sensitivity.sobol.replicates` (see its
docstring for the method), convergence in :mod:`~mcpot.sensitivity.sobol.convergence`.
"""

from mcpot.sensitivity.sobol.convergence import ReplicateConvergence, converge_replicates
from mcpot.sensitivity.sobol.design import ReplicateDesign, replicate_design, replicate_seeds
from mcpot.sensitivity.sobol.replicates import ReplicateIndices, analyze_replicates, replicate_indices

__all__ = [
    "ReplicateConvergence",
    "ReplicateDesign",
    "ReplicateIndices",
    "analyze_replicates",
    "converge_replicates",
    "replicate_design",
    "replicate_indices",
    "replicate_seeds",
]
