r"""Shapley effects for models with dependent inputs (Owen 2014; Song, Nelson & Staum 2016).

The Shapley effect of input :math:`i` shares :math:`\mathrm{Var}(Y)` among the inputs by the
Shapley value of the cost game :math:`c(J) = \mathrm{E}[\mathrm{Var}(Y \mid X_{-J})]`,

.. math::

    \mathrm{Sh}_i = \sum_{J \subseteq -i} \frac{|J|!\,(D - |J| - 1)!}{D!}
    \bigl(c(J \cup i) - c(J)\bigr), \qquad \sum_i \mathrm{Sh}_i = \mathrm{Var}(Y),

which equals the Shapley value of :math:`\mathrm{Var}(\mathrm{E}[Y \mid X_J])` (Song et al.,
Theorem 1). Unlike Sobol' indices the effects stay meaningful, non-negative and summing to one
when the inputs are correlated; the reported ``effects`` are :math:`\mathrm{Sh}_i / \mathrm{Var}(Y)`.

Inputs
------
``marginals`` (frozen scipy distributions, or a quantile map of the unit cube) joined by a
Gaussian copula with normal-score correlation ``corr``. Conditional draws are exact: in normal-score
space :math:`Z \sim N(0, R)`, and :math:`Z_J \mid Z_{-J} = z` is normal with mean
:math:`R_{J,-J} R_{-J,-J}^{-1} z` and covariance :math:`R_{JJ} - R_{J,-J} R_{-J,-J}^{-1} R_{-J,J}`;
the draws are then mapped through :math:`\Phi` and the marginals.

Estimators
----------
:math:`c(J)` is estimated as in Song et al.: ``n_outer`` draws of :math:`X_{-J}` from its marginal,
for each ``n_inner`` draws of :math:`X_J \mid X_{-J}`, and the mean over outer draws of the inner
sample variances (ddof 1, unbiased). :math:`\mathrm{Var}(Y)` comes from ``n_var`` independent draws.

* ``"exact"`` (when :math:`D! \le` ``max_exact_permutations``): all permutations. A cost depends
  only on the set, so each of the :math:`2^D - 2` proper subsets is estimated once and the subset
  formula above is applied (the same estimator as enumerating the :math:`D!` permutations, at lower
  cost). Standard error: the estimate is a linear combination of independent subset estimates, so
  its variance is :math:`\sum_J k_{iJ}^2\,\widehat{\mathrm{Var}}(\hat c_J)`, with
  :math:`\widehat{\mathrm{Var}}(\hat c_J)` the spread of the ``n_outer`` inner variances / ``n_outer``.
* ``"random"``: ``n_perm`` random permutations (Song et al.'s Algorithm 1; they advise
  ``n_outer = 1``, ``n_inner = 3``). Each permutation gives an independent increment
  :math:`\Delta_i(\pi)`; the standard error is their spread / :math:`\sqrt{m}`.

Both add, by the delta method, the error of :math:`\widehat{\mathrm{Var}}(Y)` in the normalisation
(:math:`\mathrm{Var}(\hat V) \approx (\hat\mu_4 - \hat V^2)/n_{var}`). The effects sum to one
exactly (the cost of the full set is :math:`\hat V`). All draws for a subset are made in one batch and
the model is called on blocks of up to ``batch`` rows. Nothing here does I/O or prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

from ..errors import McpotError

__all__ = ["ShapleyEffects", "linear_gaussian_shapley", "shapley_effects"]

Model = Callable[[np.ndarray], np.ndarray]
"""A vectorised model ``f(X[N, D]) -> Y[N]`` or ``Y[N, M]``."""

_U_CLIP = (2.0**-60, 1 - 2.0**-53)


@dataclass(frozen=True, eq=False)
class ShapleyEffects:
    """Shapley effects of ``M`` outputs with respect to ``D`` inputs.

    Attributes
    ----------
    names, outputs : tuple of str
        Input names (length ``D``) and output names (length ``M``).
    effects, se : numpy.ndarray
        :math:`\\mathrm{Sh}_i / \\mathrm{Var}(Y)` (fraction 0..1) and its Monte Carlo standard
        error, ``[M, D]``.
    shapley : numpy.ndarray
        Unnormalised effects :math:`\\mathrm{Sh}_i` (output unit squared), ``[M, D]``.
    variance, variance_se : numpy.ndarray
        :math:`\\widehat{\\mathrm{Var}}(Y)` and its standard error, ``[M]``.
    method : str
        ``"exact"`` (all permutations) or ``"random"``.
    n_perm, n_var, n_outer, n_inner, n_evaluations : int
        Permutations used (``D!`` when exact), sample sizes and total model evaluations.
    """

    names: tuple[str, ...]
    outputs: tuple[str, ...]
    effects: np.ndarray
    se: np.ndarray
    shapley: np.ndarray
    variance: np.ndarray
    variance_se: np.ndarray
    method: str
    n_perm: int
    n_var: int
    n_outer: int
    n_inner: int
    n_evaluations: int

    def __post_init__(self) -> None:
        for key in ("effects", "se", "shapley", "variance", "variance_se"):
            a = np.array(getattr(self, key), dtype=float)
            a.setflags(write=False)
            object.__setattr__(self, key, a)

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: columns ``output``, ``input``, ``effect``, ``se``, ``shapley``."""
        m, d = self.effects.shape
        return pd.DataFrame(
            {
                "output": np.repeat(np.array(self.outputs, dtype=object), d),
                "input": np.tile(np.array(self.names, dtype=object), m),
                "effect": self.effects.ravel(),
                "se": self.se.ravel(),
                "shapley": self.shapley.ravel(),
            }
        )


# ------------------------------------------------------------------------------ exact helper
def _weights(d: int) -> np.ndarray:
    """Shapley weight of a coalition of size ``s`` (not containing the player), ``s = 0..d-1``."""
    return np.array([math.factorial(s) * math.factorial(d - s - 1) / math.factorial(d) for s in range(d)])


def _coefficients(d: int) -> np.ndarray:
    """``K[i, mask]`` with :math:`\\mathrm{Sh}_i = \\sum_{mask} K[i, mask]\\, c(mask)`."""
    w = _weights(d)
    K = np.zeros((d, 2**d))
    for i in range(d):
        for mask in range(2**d):
            if not mask >> i & 1:
                s = mask.bit_count()
                K[i, mask | 1 << i] += w[s]
                K[i, mask] -= w[s]
    return K


def _members(mask: int, d: int) -> np.ndarray:
    return np.array([j for j in range(d) if mask >> j & 1], dtype=int)


def linear_gaussian_shapley(b: Sequence[float], cov: np.ndarray) -> np.ndarray:
    """Exact Shapley effects of ``Y = b^T X`` with ``X ~ N(mu, cov)`` (any ``mu``).

    Uses :math:`c(u) = \\mathrm{Var}(\\mathrm{E}[Y \\mid X_u]) = b^T \\Sigma_{:,u} \\Sigma_{uu}^{-1}
    \\Sigma_{u,:} b` and enumerates the :math:`2^D` subsets (small ``D``).

    Returns
    -------
    numpy.ndarray
        ``Sh_i / Var(Y)``, length ``D``; sums to 1.
    """
    b = np.asarray(b, dtype=float)
    cov = np.asarray(cov, dtype=float)
    d = b.size
    if cov.shape != (d, d):
        raise McpotError(f"cov: must be {d} x {d} to match b, got {cov.shape}")
    c = np.zeros(2**d)
    sb = cov @ b
    for mask in range(1, 2**d):
        u = _members(mask, d)
        c[mask] = sb[u] @ np.linalg.solve(cov[np.ix_(u, u)], sb[u])
    return _coefficients(d) @ c / c[-1]


# ---------------------------------------------------------------------------- Monte Carlo
def _check_corr(corr: np.ndarray | None, d: int) -> np.ndarray:
    if corr is None:
        return np.eye(d)
    R = np.array(corr, dtype=float)
    if R.shape != (d, d) or not np.allclose(R, R.T) or not np.allclose(np.diag(R), 1.0):
        raise McpotError(f"corr: must be a symmetric {d} x {d} matrix with unit diagonal")
    try:
        np.linalg.cholesky(R)
    except np.linalg.LinAlgError:
        raise McpotError("corr: not positive definite (lower some correlations)") from None
    return R


def _quantile_map(marginals, d: int | None) -> tuple[Callable[[np.ndarray], np.ndarray], int]:
    if callable(marginals):
        if d is None:
            raise McpotError("names: give the input names when marginals is a quantile function")
        return marginals, d
    dists = list(marginals)

    def ppf(U):
        return np.column_stack([dist.ppf(U[:, j]) for j, dist in enumerate(dists)])

    return ppf, len(dists)


class _Runner:
    """Map normal scores to inputs, run the model in blocks, count the evaluations."""

    def __init__(self, f: Model, ppf, d: int, batch: int) -> None:
        self.f, self.ppf, self.d, self.batch, self.count, self.m = f, ppf, d, batch, 0, None

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        shape = Z.shape[:-1]
        Z = Z.reshape(-1, self.d)
        out = []
        for start in range(0, Z.shape[0], self.batch):
            U = np.clip(ndtr(Z[start : start + self.batch]), *_U_CLIP)
            Y = np.asarray(self.f(self.ppf(U)), dtype=float)
            Y = Y.reshape(Y.shape[0], -1)
            if not np.all(np.isfinite(Y)):
                raise McpotError("model: returned NaN or inf for some inputs")
            out.append(Y)
        Y = np.concatenate(out)
        if self.m is None:
            self.m = Y.shape[1]
        elif Y.shape[1] != self.m:
            raise McpotError(f"model: returned {Y.shape[1]} outputs, earlier {self.m}")
        self.count += Z.shape[0]
        return Y.reshape(*shape, self.m)


def _conditional_costs(run, R, rng, mask: int, n_groups: int, n_outer: int, n_inner: int) -> np.ndarray:
    """Inner variances ``[n_groups, n_outer, M]`` for resampling ``X_J`` given ``X_{-J}``."""
    return np.var(run(_conditional_draws(R, rng, mask, n_groups, n_outer, n_inner)), axis=2, ddof=1)


def _conditional_draws(R, rng, mask: int, n_groups: int, n_outer: int, n_inner: int) -> np.ndarray:
    """Normal scores ``[n_groups, n_outer, n_inner, D]``: ``X_{-J}`` drawn, then ``X_J`` given it.

    Inputs correlated with no other (a zero row of ``R`` off the diagonal) are drawn as independent
    standard normals; the conditional-normal algebra runs only on the correlated ones, so the cost of
    a subset does not grow with the number of independent inputs.
    """
    d = R.shape[0]
    in_J = np.array([mask >> j & 1 for j in range(d)], dtype=bool)
    linked = np.any((R - np.eye(d)) != 0, axis=1)
    J, K = np.flatnonzero(in_J & linked), np.flatnonzero(~in_J & linked)
    Z = np.empty((n_groups, n_outer, n_inner, d))
    K_free, J_free = np.flatnonzero(~in_J & ~linked), np.flatnonzero(in_J & ~linked)
    Z[..., K_free] = rng.standard_normal((n_groups, n_outer, 1, K_free.size))
    Z[..., J_free] = rng.standard_normal((n_groups, n_outer, n_inner, J_free.size))
    zk = rng.standard_normal((n_groups, n_outer, K.size)) @ np.linalg.cholesky(R[np.ix_(K, K)]).T
    if J.size == 0:
        Z[..., K] = zk[:, :, None, :]
        return Z
    if K.size:
        A = np.linalg.solve(R[np.ix_(K, K)], R[np.ix_(K, J)]).T  # R_JK R_KK^-1
        L = np.linalg.cholesky(R[np.ix_(J, J)] - A @ R[np.ix_(K, J)])
        mean = (zk @ A.T)[:, :, None, :]
    else:
        L, mean = np.linalg.cholesky(R[np.ix_(J, J)]), 0.0
    Z[..., K] = zk[:, :, None, :]
    Z[..., J] = mean + rng.standard_normal((n_groups, n_outer, n_inner, J.size)) @ L.T
    return Z


def shapley_effects(
    f: Model,
    marginals: Sequence[object] | Callable[[np.ndarray], np.ndarray],
    corr: np.ndarray | None,
    rng: np.random.Generator,
    *,
    names: Sequence[str] | None = None,
    outputs: Sequence[str] | None = None,
    n_var: int = 10_000,
    n_perm: int = 2_000,
    n_outer: int | None = None,
    n_inner: int = 3,
    max_exact_permutations: int = 720,
    batch: int = 65_536,
) -> ShapleyEffects:
    """Estimate Shapley effects by Song et al.'s permutation algorithm.

    Parameters
    ----------
    f : callable
        Vectorised model ``f(X[N, D]) -> Y[N]`` or ``Y[N, M]``.
    marginals : sequence of frozen scipy distributions, or callable
        The inputs' marginal distributions, or a quantile map ``ppf(U[N, D]) -> X[N, D]`` (then
        ``names`` is required).
    corr : numpy.ndarray or None
        Gaussian-copula (normal-score) correlation matrix ``[D, D]``; None for independent inputs.
    rng : numpy.random.Generator
        Source of every draw; the result is bitwise reproducible for a given generator state.
    names, outputs : sequence of str, optional
        Input and output labels (default ``x0..``, ``y0..``).
    n_var : int
        Draws for :math:`\\mathrm{Var}(Y)`.
    n_perm : int
        Random permutations (ignored when exact).
    n_outer, n_inner : int
        Outer draws of :math:`X_{-J}` and inner draws of :math:`X_J \\mid X_{-J}` per cost
        estimate; ``n_outer`` defaults to 1 (random) or 2000 (exact).
    max_exact_permutations : int
        Enumerate all permutations when :math:`D! \\le` this.
    batch : int
        Largest number of rows per model call.

    Returns
    -------
    ShapleyEffects

    Raises
    ------
    McpotError
        For an invalid correlation matrix, sample sizes, or a model returning NaN/inf.
    """
    ppf, d = _quantile_map(marginals, None if names is None else len(names))
    names = tuple(names) if names is not None else tuple(f"x{j}" for j in range(d))
    if len(names) != d:
        raise McpotError(f"names: {len(names)} names for {d} inputs")
    if d < 2:
        raise McpotError("marginals: Shapley effects need at least 2 inputs")
    R = _check_corr(corr, d)
    exact = math.factorial(d) <= max_exact_permutations
    n_outer = (2000 if exact else 1) if n_outer is None else n_outer
    for key, value, least in (
        ("n_var", n_var, 2),
        ("n_inner", n_inner, 2),
        ("n_outer", n_outer, 2 if exact else 1),
    ):
        if not isinstance(value, int) or value < least:
            raise McpotError(f"{key}: must be an integer >= {least}, got {value!r}")
    if not exact and (not isinstance(n_perm, int) or n_perm < 2):
        raise McpotError(f"n_perm: must be an integer >= 2, got {n_perm!r}")
    run = _Runner(f, ppf, d, batch)

    Yv = run(rng.standard_normal((n_var, d)) @ np.linalg.cholesky(R).T)
    V = np.var(Yv, axis=0, ddof=1)
    var_V = np.maximum(np.mean((Yv - Yv.mean(axis=0)) ** 4, axis=0) - V**2, 0.0) / n_var
    if np.any(V <= 0):
        raise McpotError("model: an output has zero variance; its Shapley effects are undefined")
    full = 2**d - 1

    if exact:
        K = _coefficients(d)
        c = np.zeros((2**d, V.size))
        var_c = np.zeros((2**d, V.size))
        c[full] = V
        for mask in range(1, full):
            s2 = _conditional_costs(run, R, rng, mask, 1, n_outer, n_inner)[0]
            c[mask], var_c[mask] = s2.mean(axis=0), s2.var(axis=0, ddof=1) / n_outer
        sh = K @ c  # [D, M]
        rest = sh - np.outer(K[:, full], V)  # the part not from V itself
        var_eff = (K**2 @ var_c) / V**2 + rest**2 * var_V / V**4
        n_perm_used = math.factorial(d)
    else:
        perms = np.argsort(rng.random((n_perm, d)), axis=1)
        masks = np.zeros((n_perm, d + 1), dtype=np.int64)
        masks[:, 1:] = np.cumsum(1 << perms, axis=1)
        C = np.zeros((n_perm, d + 1, V.size))
        C[:, d] = V
        inner = masks[:, 1:d]
        # Draw every subset's conditional sample first (in subset order), then run the model on all of
        # them in blocks of ``batch`` rows: with D in the tens nearly every subset is new, and one model
        # call per subset would cost more than the model itself.
        places, draws = [], []
        masks_used, which = np.unique(inner.ravel(), return_inverse=True)
        order = np.argsort(which, kind="stable")  # positions of each subset, in row-major order
        bounds = np.searchsorted(which[order], np.arange(masks_used.size + 1))
        for k, mask in enumerate(masks_used):
            rows, cols = np.divmod(order[bounds[k] : bounds[k + 1]], d - 1)
            places.append((rows, cols))
            draws.append(_conditional_draws(R, rng, int(mask), rows.size, n_outer, n_inner).reshape(-1, d))
        Y = run(np.concatenate(draws)) if draws else np.zeros((0, V.size))
        start = 0
        for rows, cols in places:
            size = rows.size * n_outer * n_inner
            s2 = np.var(Y[start : start + size].reshape(rows.size, n_outer, n_inner, -1), axis=2, ddof=1)
            C[rows, cols + 1] = s2.mean(axis=1)
            start += size
        steps = np.diff(C, axis=1)  # [m, D, M]: increment of the element added at each position
        delta = np.empty_like(steps)
        delta[np.arange(n_perm)[:, None], perms] = steps
        sh = delta.mean(axis=0)  # [D, M]
        last = np.zeros((n_perm, d))
        last[np.arange(n_perm), perms[:, -1]] = 1.0
        rest = sh - np.outer(last.mean(axis=0), V)
        var_eff = (delta / V).var(axis=0, ddof=1) / n_perm + rest**2 * var_V / V**4
        n_perm_used = n_perm

    m = V.size
    outputs = tuple(outputs) if outputs is not None else tuple(f"y{k}" for k in range(m))
    if len(outputs) != m:
        raise McpotError(f"outputs: {len(outputs)} names for {m} model outputs")
    return ShapleyEffects(
        names=names,
        outputs=outputs,
        effects=(sh / V).T,
        se=np.sqrt(var_eff).T,
        shapley=sh.T,
        variance=V,
        variance_se=np.sqrt(var_V),
        method="exact" if exact else "random",
        n_perm=n_perm_used,
        n_var=n_var,
        n_outer=n_outer,
        n_inner=n_inner,
        n_evaluations=run.count,
    )
