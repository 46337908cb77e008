"""Streaming, mergeable statistics of model outputs: moments, percentiles, claim probabilities.

Memory does not grow with N. Each chunk of samples is reduced to

- moments (count, mean, sum of squared deviations) per *stream block*, folded in block order with
  Chan's formula, so the mean and sd are bitwise identical whatever the chunking;
- fixed-width histograms per output column (integer counts, so merging is exact and order-free), from
  which percentiles are read by linear interpolation within a bin; the bin range per column comes from a
  pilot (the first stream block), widened by half its span each way, with under/overflow bins;
- integer counts of samples satisfying each claim.

The Monte Carlo error of a percentile is distribution-free: the p-quantile of N samples has a standard error
of about ``(q(p + s) - q(p - s)) / 2`` with ``s = sqrt(p (1 - p) / N)`` (order-statistic interval read from
the same histogram); for LHS and Sobol designs this is conservative. The histogram's own resolution adds an
error that does not shrink with N (:func:`resolution_error`, added in quadrature): it matters where a
quantile sits in a bin that holds a pile-up, e.g. the low percentiles of a potential bunched near 0.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from mcpot.engine.reduce import bin_counts, block_moments

PERCENTILES: tuple[float, ...] = (2.5, 5.0, 25.0, 50.0, 75.0, 95.0, 97.5)
BINS = 2048


@dataclass(frozen=True)
class Claim:
    """A statement about the outputs: every ``(column, low, high)`` condition holds (bounds inclusive)."""

    conditions: tuple[tuple[int, float, float], ...]

    def holds(self, Y: np.ndarray) -> np.ndarray:
        ok = np.ones(Y.shape[0], dtype=bool)
        for col, low, high in self.conditions:
            ok &= (Y[:, col] >= low) & (Y[:, col] <= high)
        return ok


@dataclass(frozen=True)
class Grid:
    """Histogram bins per output column: ``BINS`` bins of width ``width`` from ``low``."""

    low: np.ndarray
    width: np.ndarray

    @classmethod
    def from_pilot(cls, Y: np.ndarray, bins: int = BINS) -> Grid:
        lo, hi = np.min(Y, axis=0), np.max(Y, axis=0)
        span = np.maximum(hi - lo, np.maximum(np.abs(hi), 1.0) * 1e-9)
        low = lo - 0.5 * span
        low = np.where((lo >= 0) & (low < 0), 0.0, low)  # nonnegative outputs keep a floor at 0
        return cls(low, (hi + 0.5 * span - low) / bins)

    def counts(self, Y: np.ndarray, bins: int = BINS) -> np.ndarray:
        """Counts ``[M, bins + 2]`` (int32): underflow, ``bins`` bins, overflow.

        The bin of ``y`` is ``floor(clip((y - low) / width + 1, 0, bins + 1))``, in one compiled pass
        over ``Y`` (:func:`mcpot.engine.reduce.bin_counts`).
        """
        counts = np.zeros((Y.shape[1], bins + 2), dtype=np.int32)  # one chunk's counts fit in int32
        bin_counts(np.ascontiguousarray(Y, dtype=float), self.low, self.width, bins, counts)
        return counts


@dataclass(frozen=True)
class ChunkResult:
    """One chunk reduced: per-block moments, histogram counts, claim and extra counts.

    ``extra`` holds integer diagnostics counted alongside (e.g. how often a rule binds).
    ``samples`` carries the chunk's inputs and outputs when a run keeps them, else None.
    """

    first_block: int
    block_n: np.ndarray
    block_mean: np.ndarray
    block_m2: np.ndarray
    hist: np.ndarray
    claims: np.ndarray
    extra: np.ndarray
    samples: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def next_block(self) -> int:
        return self.first_block + len(self.block_n)

    @classmethod
    def concat(cls, parts: list[ChunkResult], extra=(), samples=None) -> ChunkResult:
        """Consecutive results (e.g. one per stream block) as one chunk's result."""
        return cls(
            parts[0].first_block,
            np.concatenate([p.block_n for p in parts]),
            np.concatenate([p.block_mean for p in parts]),
            np.concatenate([p.block_m2 for p in parts]),
            np.sum([p.hist for p in parts], axis=0, dtype=np.int32),
            np.sum([p.claims for p in parts], axis=0, dtype=np.int64),
            np.asarray(extra, dtype=np.int64),
            samples,
        )


def reduce_chunk(
    Y: np.ndarray, block_sizes, first_block: int, grid: Grid, claims: list[Claim], extra=(), samples=None
) -> ChunkResult:
    """Reduce one chunk's outputs ``Y`` (whole stream blocks of ``block_sizes`` rows)."""
    bounds = np.cumsum([0, *block_sizes])
    means = np.empty((len(block_sizes), Y.shape[1]))
    m2s = np.empty_like(means)
    Y = np.ascontiguousarray(Y, dtype=float)
    for k, (a, b) in enumerate(itertools.pairwise(bounds)):
        block_moments(Y[a:b], means[k], m2s[k])
    counts = np.array([c.holds(Y).sum() for c in claims], dtype=np.int64)
    return ChunkResult(
        first_block,
        np.asarray(block_sizes),
        means,
        m2s,
        grid.counts(Y),
        counts,
        np.asarray(extra, dtype=np.int64),
        samples,
    )


@dataclass
class Stats:
    """Running statistics of ``M`` outputs over the stream blocks folded so far.

    ``next_block`` is the first stream block not yet included: chunks are folded in block order, which
    makes the moments independent of chunking. Histograms and counts are integers (order-free).
    """

    n: int
    mean: np.ndarray
    m2: np.ndarray
    hist: np.ndarray
    claims: np.ndarray
    extra: np.ndarray
    next_block: int = 0

    @classmethod
    def empty(cls, m: int, n_claims: int, n_extra: int, bins: int = BINS) -> Stats:
        return cls(
            0,
            np.zeros(m),
            np.zeros(m),
            np.zeros((m, bins + 2), np.int64),
            np.zeros(n_claims, np.int64),
            np.zeros(n_extra, np.int64),
        )

    @property
    def sd(self) -> np.ndarray:
        return np.sqrt(self.m2 / max(self.n - 1, 1))

    def add(self, chunk: ChunkResult) -> None:
        """Fold in a chunk that starts where these statistics end."""
        if chunk.first_block != self.next_block:
            raise ValueError(f"chunk starts at block {chunk.first_block}, expected {self.next_block}")
        for n, mean, m2 in zip(chunk.block_n, chunk.block_mean, chunk.block_m2, strict=True):
            total = self.n + int(n)  # Chan et al.'s pairwise update
            delta = mean - self.mean
            self.mean = self.mean + delta * (int(n) / total)
            self.m2 = self.m2 + m2 + delta**2 * (self.n * int(n) / total)
            self.n = total
        self.hist += chunk.hist
        self.claims += chunk.claims
        self.extra += chunk.extra
        self.next_block = chunk.next_block

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(v) for k, v in self.__dict__.items()}

    @classmethod
    def from_arrays(cls, a) -> Stats:
        return cls(int(a["n"]), a["mean"], a["m2"], a["hist"], a["claims"], a["extra"], int(a["next_block"]))


def hist_quantiles(hist: np.ndarray, grid: Grid, probs) -> np.ndarray:
    """Quantiles ``[M, len(probs)]`` from histogram counts; NaN where one falls outside the bins."""
    probs = np.atleast_1d(np.asarray(probs, dtype=float))
    m, nb2 = hist.shape
    cum = np.cumsum(hist, axis=1)
    n = cum[:, -1:]
    target = probs[None, :] * n  # [M, P]
    out = np.empty((m, probs.size))
    for i in range(m):
        j = np.searchsorted(cum[i], target[i], side="left")  # bin where the target count is reached
        j = np.clip(j, 0, nb2 - 1)
        before = np.where(j > 0, cum[i][j - 1], 0)
        within = np.divide(target[i] - before, hist[i, j], out=np.zeros(probs.size), where=hist[i, j] > 0)
        x = grid.low[i] + grid.width[i] * (j - 1 + within)
        out[i] = np.where((j == 0) | (j == nb2 - 1), np.nan, x)
    return out


def resolution_error(hist: np.ndarray, grid: Grid, probs) -> np.ndarray:
    """Standard error ``[M, P]`` of reading a quantile by linear interpolation inside its bin.

    Linear interpolation assumes the density is flat across the bin. Where the neighbouring bins' counts
    differ from the quantile's bin by less than a factor of 2, the error is the quadratic term,
    ``width * |c[j+1] - c[j-1]| / (16 c[j])``; where they differ more (a pile-up against a floor at 0, a
    spike), the bin does not resolve the density and the error is that of a value anywhere in the bin,
    ``width / sqrt(12)``.
    """
    probs = np.atleast_1d(np.asarray(probs, dtype=float))
    cum = np.cumsum(hist, axis=1)
    j = np.stack([np.searchsorted(c, probs * c[-1], side="left") for c in cum])
    j = np.clip(j, 1, hist.shape[1] - 2)
    rows = np.arange(hist.shape[0])[:, None]
    c, left, right = (hist[rows, j + k].astype(float) for k in (0, -1, 1))
    smooth = (left > c / 2) & (left < 2 * c) & (right > c / 2) & (right < 2 * c)
    quadratic = np.divide(np.abs(right - left), 16 * c, out=np.zeros_like(c), where=c > 0)
    return grid.width[:, None] * np.where(smooth, quadratic, 1 / np.sqrt(12))


def percentile_table(stats: Stats, grid: Grid, percentiles=PERCENTILES) -> tuple[np.ndarray, np.ndarray]:
    """Percentiles ``[M, P]`` and their standard errors ``[M, P]``: the Monte Carlo error (from the
    order-statistic interval) and the histogram's resolution error (:func:`resolution_error`), added in
    quadrature."""
    p = np.asarray(percentiles) / 100.0
    s = np.sqrt(p * (1 - p) / max(stats.n, 1))
    q = hist_quantiles(stats.hist, grid, p)
    lo = hist_quantiles(stats.hist, grid, np.clip(p - s, 0, 1))
    hi = hist_quantiles(stats.hist, grid, np.clip(p + s, 0, 1))
    return q, np.hypot((hi - lo) / 2.0, resolution_error(stats.hist, grid, p))


def histogram_row(histograms, output: str) -> tuple[np.ndarray, float, float]:
    """The counts ``[bins + 2]`` (under- and overflow first and last), bin ``low`` and ``width`` of one
    output of a run's histograms (:func:`mcpot.engine.runs.load_histograms`)."""
    names = [str(n) for n in histograms["output"]]
    if output not in names:
        raise ValueError(f"the histograms hold no output {output!r}")
    i = names.index(output)
    return (
        np.asarray(histograms["counts"][i], dtype=float),
        float(histograms["low"][i]),
        float(histograms["width"][i]),
    )


def histogram_edges_cdf(counts: np.ndarray, low: float, width: float) -> tuple[np.ndarray, np.ndarray]:
    """Bin edges and the empirical CDF at them (the underflow counted at the first edge)."""
    n = counts.sum()
    if n <= 0:
        raise ValueError("empty histogram")
    edges = low + width * np.arange(counts.size - 1)
    return edges, np.cumsum(counts[:-1]) / n  # counts[0] is the underflow; counts[-1] the overflow


def histogram_cdf(histograms: dict, output: str, value: float) -> float:
    """``P(output <= value)`` from a run's histograms (linear within a bin; NaN outside the bins)."""
    counts, low, width = histogram_row(histograms, output)
    x = (value - low) / width  # in bins from the grid's low end
    bins = counts.size - 2
    if x < 0:
        return 0.0 if counts[0] == 0 else float("nan")
    if x >= bins:
        return 1.0 if counts[-1] == 0 else float("nan")
    k = int(x)
    below = counts[0] + counts[1 : k + 1].sum() + (x - k) * counts[k + 1]
    return float(below / counts.sum())
