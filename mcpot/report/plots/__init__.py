"""Figures of runs and analyses: seaborn/matplotlib, ``ax=`` in, ``Axes`` out.

Every plotting function draws on ``ax`` (or on a new figure when ``ax`` is None) and returns the
``Axes``; none reads or writes files. :func:`save` is the one helper that writes (PNG and SVG).
Nothing here selects a matplotlib backend or calls ``plt.show``: a new figure comes from
:func:`matplotlib.pyplot.subplots` (headless machines fall back to Agg), and code that must not touch
pyplot's global state (e.g. :mod:`mcpot.report.html`) passes axes of a bare :class:`matplotlib.figure.Figure`.

Inputs are the tables mcpot writes:

* ``summary``: the tidy run summary (``summary.csv``; :attr:`mcpot.engine.run.RunResult.summary`) or its
  wide form (:meth:`mcpot.engine.run.RunResult.wide`);
* ``histograms``: :func:`mcpot.engine.runs.load_histograms` of a run folder (full distribution of every
  output);
* Sobol' indices: :meth:`mcpot.sensitivity.sobol.SobolIndices.to_frame`; Morris statistics:
  :meth:`mcpot.sensitivity.morris.MorrisIndices.to_frame`;
* tornado, prior/posterior and scenario tables as described in each function.

Units: totals in Mt CO2/yr; band ends and shares are stored as fractions and drawn in %.
"""

from mcpot.report.plots.common import BUNDLED, REPORT_LABEL, save
from mcpot.report.plots.runs import band_distribution, fan_chart, share_distributions
from mcpot.report.plots.sensitivity import morris_plot, sobol_bars, sobol_over_time, tornado
from mcpot.report.plots.stress import prior_posterior, scenario_comparison

__all__ = [
    "BUNDLED",
    "REPORT_LABEL",
    "band_distribution",
    "fan_chart",
    "morris_plot",
    "prior_posterior",
    "save",
    "scenario_comparison",
    "share_distributions",
    "sobol_bars",
    "sobol_over_time",
    "tornado",
]
