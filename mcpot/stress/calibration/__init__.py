r"""Approximate Bayesian computation (ABC): what do published figures say about the inputs?

Generic over a vectorised simulator ``simulate(X[N, D]) -> S[N, K]`` of summary statistics, a prior
that can map the unit cube to inputs and evaluate its log-density (:class:`PriorSet`), observed
statistics ``s_obs[K]`` and a distance (default :class:`RelativeEuclidean`). Pure numpy/scipy, no
I/O; every random number comes from ``numpy.random.Generator`` objects built from the seed given.

Methods
-------
:func:`rejection` (``rejection.py``)
    ``n`` prior draws, keep those within a tolerance. :func:`feasibility`: distance quantiles of a pilot
    of prior draws and the share within the target (is the target realistic?).
:func:`smc_mcmc` (``smc_mcmc.py``)
    Replenishment SMC-ABC (Drovandi & Pettitt 2011) with an adaptive random-walk kernel; equally
    weighted particles and an effective sample that accounts for copies and MCMC autocorrelation. Use it
    for mcpot's model (~20 inputs per sector, 6 published figures).
:func:`smc` (``pmc.py``)
    ABC-PMC (Beaumont et al. 2009); raises :class:`mcpot.errors.McpotError` when its importance weights
    collapse (many free inputs), rather than returning a collapsed population.
:func:`replicate`, :func:`pool`, :func:`verdicts`, :func:`settled` (``verdicts.py``)
    Independent populations, their Monte Carlo intervals of width ratios and medians, and a verdict per
    input: constrained / not constrained / undecided.

:func:`priors_from_space`, :func:`model_simulator` and :func:`report_targets` (``adapters.py``) connect
the methods to :class:`mcpot.model.space.ParameterSpace` and the report's published figures;
:func:`run_calibrate` (``command.py``) is ``mcpot calibrate``.
"""

from .adapters import model_simulator, priors_from_space, report_targets
from .command import DISTANCE, CalibrationResult, run_calibrate
from .core import (
    ACCEPTANCE_FLOOR,
    ALL_DRAWS,
    BUDGET_EXHAUSTED,
    MAX_GENERATIONS,
    TARGET_REACHED,
    Distance,
    Posterior,
    PriorSet,
    RelativeEuclidean,
    ScipyPriors,
    SeedLike,
    Simulator,
    marginal_logpdf,
    perturbation_factor,
    weighted_quantile,
)
from .pmc import importance_weights, smc
from .rejection import Feasibility, feasibility, rejection
from .smc_mcmc import smc_mcmc, sweeps_needed
from .verdicts import (
    CONSTRAINED,
    NOT_CONSTRAINED,
    UNDECIDED,
    pool,
    replicate,
    settled,
    spread_ratio,
    verdicts,
)

__all__ = [
    "ACCEPTANCE_FLOOR",
    "ALL_DRAWS",
    "BUDGET_EXHAUSTED",
    "CONSTRAINED",
    "DISTANCE",
    "MAX_GENERATIONS",
    "NOT_CONSTRAINED",
    "TARGET_REACHED",
    "UNDECIDED",
    "CalibrationResult",
    "Distance",
    "Feasibility",
    "Posterior",
    "PriorSet",
    "RelativeEuclidean",
    "ScipyPriors",
    "SeedLike",
    "Simulator",
    "feasibility",
    "importance_weights",
    "marginal_logpdf",
    "model_simulator",
    "perturbation_factor",
    "pool",
    "priors_from_space",
    "rejection",
    "replicate",
    "report_targets",
    "run_calibrate",
    "settled",
    "smc",
    "smc_mcmc",
    "spread_ratio",
    "sweeps_needed",
    "verdicts",
    "weighted_quantile",
]
