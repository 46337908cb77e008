r"""Model-independent Sobol' (variance-based) global sensitivity analysis.

The design is SALib's Saltelli/Sobol' design on the unit cube; the point estimates reproduce
:func:`SALib.analyze.sobol.analyze` (to rounding); the bootstrap is a vectorised, parallel and
seed-stable replacement for SALib's per-parameter loop. Nothing here does I/O or prints.

Design
------
:func:`saltelli_design` calls :func:`SALib.sample.sobol.sample` with bounds ``[0, 1]`` for every
input and ``scramble=True``. For ``N`` base points and ``G`` groups (``G = D`` without groups) the
design has ``N (G + 2)`` rows (``N (2G + 2)`` with second order), laid out point by point: row
``A_i``, the ``G`` rows ``AB_i^(j)`` (``A_i`` with the columns of group ``j`` taken from ``B_i``),
then (second order only) the ``G`` rows ``BA_i^(j)``, then row ``B_i``. Models map the design to
their inputs through a quantile function ``ppf(U) -> X``.

Because the scrambled Sobol' engine is seeded once and draws points in order, the design for
``2N`` starts with the design for ``N`` (same seed, same groups); :func:`converge` uses this to
reuse earlier model evaluations.

Estimators (as SALib 1.6 computes them)
---------------------------------------
Every output column is first standardised over all design rows,
:math:`y \leftarrow (y - \bar y) / \mathrm{sd}(y)` (population sd). With
:math:`V = \mathrm{var}([y_A; y_B])` (population variance of the ``2N`` values of ``A`` and ``B``):

.. math::

    S_j = \frac{\frac1N \sum_i y_{B,i} (y_{AB^{(j)},i} - y_{A,i})}{V}
    \quad\text{(Saltelli et al. 2010)}, \qquad
    S_{Tj} = \frac{\frac{1}{2N} \sum_i (y_{A,i} - y_{AB^{(j)},i})^2}{V}
    \quad\text{(Jansen)},

    S_{jk} = \frac{\frac1N \sum_i (y_{BA^{(j)},i}\, y_{AB^{(k)},i} - y_{A,i}\, y_{B,i})}{V}
             - S_j - S_k \quad\text{(Saltelli 2002)} .

As in SALib, an output whose ``[A; B]`` values are constant (range ``<= eps``) gets all indices 0,
and a variance ``<= eps`` gives 0 rather than a division by zero. ``S2[m, j, k]`` is filled for
``j < k`` only; other entries are NaN (SALib's layout).

Bootstrap
---------
SALib draws one index matrix ``r[N, R]`` and reuses it for every parameter (and every pair for
S2) of one output; called once per output with the same int seed it also reuses it across
outputs. This module does the same, for every parameter *and* output at once: resample ``b``
picks rows ``A[r_b], B[r_b], AB[r_b], BA[r_b]`` of the base points (whole Saltelli blocks, as
SALib does). A resample only enters through the count vector
:math:`c_{b,i} = \#\{t : r_{b,t} = i\}`, so every resampled mean is the contraction
:math:`\frac1N \sum_i c_{b,i} F_i` of a per-point quantity ``F``; that contraction is done with
:func:`numpy.einsum` (not BLAS, whose result may depend on the thread count) for a batch of
resamples, for all parameters and outputs, in bounded-size column blocks. The resample variance
is the one-pass :math:`\overline{y^2} - \bar y^2` of the standardised outputs.

The ``R`` resamples are cut into fixed-size batches (the size depends only on ``N``); batch ``k``
draws its indices from child ``k`` of ``numpy.random.SeedSequence(seed)``. Batches are spread
over joblib workers and re-assembled in order, so the bootstrap is bitwise identical for any
``n_jobs`` and backend.

Two intervals are reported for each index:

* ``*_conf``: SALib's normal-approximation half-width,
  ``scipy.stats.norm.ppf(0.5 + conf_level / 2) * std(resampled, ddof=1)``; the interval is
  ``value +/- conf``.
* ``*_low`` / ``*_high``: percentile bootstrap bounds, the ``(1 - conf_level) / 2`` and
  ``(1 + conf_level) / 2`` quantiles (numpy's default linear interpolation) of the resampled
  estimates.

The bootstrap treats the ``N`` base points as i.i.d.; with a scrambled Sobol' design the
estimator's actual error is usually smaller, so these intervals tend to be conservative.

Seeds: what SALib 1.6.0 does
----------------------------
* :func:`SALib.sample.sobol.sample` passes ``seed`` straight to ``scipy.stats.qmc.Sobol``, which
  builds ``numpy.random.default_rng(seed)``: ``seed=0`` is a proper seed and the same int always
  gives the same scrambled design. ``seed=None`` gives a fresh, irreproducible scramble.
  :func:`saltelli_design` therefore demands an explicit non-negative int.
* :func:`SALib.analyze.sobol.analyze` does ``if seed: rng = default_rng(seed).integers`` ``else:
  rng = np.random.randint``: **seed 0 is falsy and silently falls back to the global legacy numpy
  RNG**, so SALib's intervals are then neither reproducible nor independent of other code. This
  module never calls it (only the tests and the benchmark do, for comparison) and never touches
  the global RNG.
* SALib's sampler warns (scipy) when ``N`` is not a power of two and loses the Sobol' balance
  properties; :func:`saltelli_design` rejects such ``N``.
* With ``groups`` SALib treats a single group, or groups equal to the parameter names, as "no
  groups" when sampling but not when analysing; :func:`saltelli_design` rejects a single group.
"""

from mcpot.sensitivity.sobol.analysis import analyze, sobol_indices
from mcpot.sensitivity.sobol.convergence import Convergence, converge
from mcpot.sensitivity.sobol.design import design_rows, saltelli_design
from mcpot.sensitivity.sobol.indices import SobolIndices

__all__ = [
    "Convergence",
    "SobolIndices",
    "analyze",
    "converge",
    "design_rows",
    "saltelli_design",
    "sobol_indices",
]
