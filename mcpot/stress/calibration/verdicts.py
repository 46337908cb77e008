"""What the data say about each input: width ratios, their Monte Carlo intervals, and verdicts.

A verdict needs to know how precise the ratio is. :func:`replicate` runs a method on ``R`` independent
seeds (each with the full budget: the budget is multiplied, not split); the scatter of the ``R``
populations' width ratios, medians and means gives Student-t intervals of the pooled estimates, and
the effective sample per input (``R x W / B``: within-population over between-population variance of
the mean). A parameter is ``constrained`` only if its whole interval lies below the threshold,
``not constrained`` if it lies above, and ``undecided`` otherwise.

Eight populations leave an input whose ratio sits near (not on) the threshold at the mercy of the seed:
its interval ends near the threshold and the verdict flips between seeds. :func:`settled` says which
verdicts are safe from that: decided with a margin of at least one standard error, or undecided with an
interval already narrower than a resolution (the ratio is at the threshold to within that much). The
command adds populations until every verdict is settled; at its cap, it reports the unsettled ones as
undecided.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
from scipy import stats

from .core import Posterior, SeedLike, weighted_quantile

CONSTRAINED, NOT_CONSTRAINED, UNDECIDED = "constrained", "not constrained", "undecided"


def spread_ratio(posterior: Posterior, prior_samples: np.ndarray, level: float = 0.9) -> pd.DataFrame:
    """How much the data narrow each input: posterior / prior spread.

    Parameters
    ----------
    posterior : Posterior
        Weighted posterior sample.
    prior_samples : numpy.ndarray
        Equally weighted prior sample ``[M, D]`` (e.g. ``prior.ppf(U)``), columns as ``posterior.names``.
    level : float
        Central interval whose widths are compared (default the 90% interval).

    Returns
    -------
    pandas.DataFrame
        Rows: inputs (sorted by ``width_ratio``, most constrained first). Columns: ``prior_width``,
        ``posterior_width`` (central ``level`` interval, input units), ``width_ratio``, ``prior_sd``,
        ``posterior_sd``, ``sd_ratio``. A ratio near 1: the data say nothing about the input; << 1:
        the data pin it down.
    """
    prior_samples = np.asarray(prior_samples, dtype=float)
    if prior_samples.shape[1] != posterior.X.shape[1]:
        raise ValueError(
            f"prior_samples has {prior_samples.shape[1]} columns, the posterior {posterior.X.shape[1]}"
        )
    lo, hi = (1 - level) / 2, (1 + level) / 2
    prior_q = np.quantile(prior_samples, [lo, hi], axis=0)
    post_q = weighted_quantile(posterior.X, posterior.weights, [lo, hi])
    mean = posterior.weights @ posterior.X
    post_sd = np.sqrt(posterior.weights @ (posterior.X - mean) ** 2)
    prior_sd = prior_samples.std(axis=0)
    df = pd.DataFrame(
        {
            "prior_width": prior_q[1] - prior_q[0],
            "posterior_width": post_q[1] - post_q[0],
            "prior_sd": prior_sd,
            "posterior_sd": post_sd,
        },
        index=pd.Index(posterior.names, name="input"),
    )
    df.insert(2, "width_ratio", df["posterior_width"] / df["prior_width"])
    df["sd_ratio"] = df["posterior_sd"] / df["prior_sd"]
    return df.sort_values("width_ratio", kind="stable")


def replicate(
    method: Callable[..., Posterior],
    *args,
    seed: SeedLike,
    replicates: int = 4,
    start: int = 0,
    mapper: Callable[[Callable, list], Iterable] = map,
    **kwargs,
):
    """``method(*args, seed=child_r, **kwargs)`` for ``r`` = start..start+replicates-1: independent
    populations.

    Child ``r`` is the ``r``-th child of ``numpy.random.SeedSequence(seed)`` (what ``spawn`` gives), so
    populations 0..15 are the same whether drawn at once or as two batches of 8. Each run gets the full
    budget given in ``kwargs``. ``mapper(fn, children)`` runs them (the builtin ``map`` by default; the
    command passes :func:`mcpot.engine.evaluate.map_ordered` with threads): each population depends on
    its own child seed only, so the result is the same whatever the mapper. Returns a tuple of
    :class:`Posterior`.
    """
    if replicates < 1 or start < 0:
        raise ValueError(f"replicates must be >= 1 and start >= 0, got {replicates} and {start}")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    children = [
        np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, r), pool_size=ss.pool_size)
        for r in range(start, start + replicates)
    ]
    return tuple(mapper(functools.partial(_one, method, args, kwargs), children))


def _one(method, args, kwargs, child):
    return method(*args, seed=child, **kwargs)


def pool(posteriors: tuple[Posterior, ...]) -> Posterior:
    """One population from several: rows stacked, each population's weights divided by their number.

    ``epsilon`` is the largest reached, ``n_simulations`` and ``effective_sample`` are sums, ``stop``
    the common stop code (or the codes joined by ``" / "``); ``history`` gains a ``replicate`` column.
    """
    R = len(posteriors)
    first = posteriors[0]
    stops = list(dict.fromkeys(p.stop for p in posteriors))
    return Posterior(
        first.names,
        np.concatenate([p.X for p in posteriors]),
        np.concatenate([p.weights / R for p in posteriors]),
        np.concatenate([p.distances for p in posteriors]),
        np.concatenate([p.statistics for p in posteriors]),
        max(p.epsilon for p in posteriors),
        float(np.mean([p.acceptance_rate for p in posteriors])),
        sum(p.n_simulations for p in posteriors),
        first.method,
        "; ".join(f"replicate {r}: {p.stop_reason}" for r, p in enumerate(posteriors)),
        pd.concat([p.history.assign(replicate=r) for r, p in enumerate(posteriors)], ignore_index=True),
        stop=" / ".join(stops),
        target_epsilon=first.target_epsilon,
        effective_sample=float(sum(p.ess for p in posteriors)),
    )


def verdicts(
    posteriors: tuple[Posterior, ...],
    prior_samples: np.ndarray,
    *,
    level: float = 0.9,
    threshold: float = 0.5,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Width ratios with Monte Carlo intervals from independent populations, and a verdict per input.

    Parameters
    ----------
    posteriors : tuple of Posterior
        ``R >= 2`` independent populations of the same problem (see :func:`replicate`).
    prior_samples : numpy.ndarray
        Equally weighted prior sample ``[M, D]``.
    level : float
        Central interval whose widths are compared (fraction 0..1).
    threshold : float
        Width ratio below which an input is called constrained.
    confidence : float
        Coverage of the Monte Carlo intervals (fraction 0..1): pooled estimate
        ``+- t_{(1 + confidence) / 2, R - 1} x sd_r / sqrt(R)``, ``sd_r`` the scatter of the R estimates.

    Returns
    -------
    pandas.DataFrame
        Rows: inputs, most constrained first. Columns: ``prior_width``, ``posterior_width``,
        ``width_ratio``, ``width_ratio_low``, ``width_ratio_high``, ``prior_sd``, ``posterior_sd``,
        ``sd_ratio``, ``sd_ratio_low``, ``sd_ratio_high``, ``median``, ``median_low``, ``median_high``
        (input units), ``width_ratio_se`` (standard error of the pooled width ratio), ``ess`` (effective
        sample of the pooled populations for the input's mean), ``verdict`` and ``replicates``.
    """
    R = len(posteriors)
    if R < 2:
        raise ValueError("verdicts need at least 2 independent populations")
    pooled = pool(posteriors)
    table = spread_ratio(pooled, prior_samples, level).loc[list(pooled.names)]
    each = [spread_ratio(p, prior_samples, level).loc[list(pooled.names)] for p in posteriors]
    medians = np.array([weighted_quantile(p.X, p.weights, 0.5) for p in posteriors])
    t = stats.t.ppf(0.5 + confidence / 2, R - 1) / np.sqrt(R)
    for col, pooled_value, per in (
        ("width_ratio", table["width_ratio"].to_numpy(), np.array([e["width_ratio"] for e in each])),
        ("sd_ratio", table["sd_ratio"].to_numpy(), np.array([e["sd_ratio"] for e in each])),
        ("median", weighted_quantile(pooled.X, pooled.weights, 0.5), medians),
    ):
        half = t * per.std(axis=0, ddof=1)
        if col == "width_ratio":
            table["width_ratio_se"] = per.std(axis=0, ddof=1) / np.sqrt(R)
        table[col] = pooled_value
        table[f"{col}_low"], table[f"{col}_high"] = pooled_value - half, pooled_value + half
    means = np.array([p.weights @ p.X for p in posteriors])
    within = np.mean([p.weights @ (p.X - m) ** 2 for p, m in zip(posteriors, means, strict=True)], axis=0)
    between = np.maximum(means.var(axis=0, ddof=1), np.finfo(float).tiny)
    table["ess"] = R * within / between
    table["verdict"] = np.where(
        table["width_ratio_high"] < threshold,
        CONSTRAINED,
        np.where(table["width_ratio_low"] > threshold, NOT_CONSTRAINED, UNDECIDED),
    )
    table["replicates"] = R
    return table.sort_values("width_ratio", kind="stable")


def settled(table: pd.DataFrame, threshold: float = 0.5, resolution: float = 0.05, margin: float = 1.0):
    """Which verdicts of a :func:`verdicts` table more populations would not plausibly change.

    An input is settled when it is decided with room to spare, its interval clearing the threshold by at
    least ``margin`` standard errors of the ratio; or when it is undecided and the half-width of its
    interval is at most ``resolution`` (the ratio is at the threshold to within ``resolution``: more
    populations would only narrow an interval that already straddles it).

    Returns
    -------
    pandas.Series of bool, indexed like ``table``.
    """
    ratio, se = table["width_ratio"], table["width_ratio_se"]
    half = (table["width_ratio_high"] - table["width_ratio_low"]) / 2
    clear = (ratio - threshold).abs() - half >= margin * se
    return (table["verdict"].ne(UNDECIDED) & clear) | (table["verdict"].eq(UNDECIDED) & (half <= resolution))
