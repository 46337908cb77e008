"""The baseline of ``mcpot bench``: the script a researcher would write for the same model, in plain numpy.

Every input drawn at once by one Latin hypercube per sector and mapped through scipy's exact ``ppf``;
equations (1)-(2) of the report reading, totals, shares, contributions and band ends held in memory for
all samples; percentiles by ``numpy.percentile``. Only the priors are read with mcpot (the file format
is mcpot's); nothing else of mcpot is used.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm, qmc

PERCENTILES = (2.5, 5.0, 25.0, 50.0, 75.0, 95.0, 97.5)


def plain_run(samples: int, seed: int = 1, horizon: int = 2035) -> dict[str, np.ndarray]:
    """Percentiles (``PERCENTILES``) of every output of the report reading, by output name."""
    from mcpot.model.priors import load_priors

    years = np.arange(2022, horizon + 1)
    outputs = {}
    for s, (sector, sp) in enumerate(load_priors().items()):
        cats = [c for c, inc in zip(sp.categories, sp.included, strict=True) if inc]
        keys = ("K0", "K_max", "headroom", "S", "alpha", "beta", "midpoint", "steepness", "RF")
        names = [f"{sector}.{c}.{k}" for c in cats for k in keys if f"{sector}.{c}.{k}" in sp.priors]
        names += [f"{sector}.emissions.{y}" for y in sp.emission_years]
        free = [n for n in names if not sp.priors[n].fixed]
        U = qmc.LatinHypercube(d=len(free), rng=np.random.default_rng([seed, s])).random(samples)
        if sp.correlations:  # Gaussian copula on the rank correlations (Pearson of the normal scores)
            R = np.eye(len(free))
            for a, b, rho in sp.correlations:
                R[free.index(a), free.index(b)] = R[free.index(b), free.index(a)] = 2 * np.sin(
                    np.pi * rho / 6
                )
            U = norm.cdf(norm.ppf(U) @ np.linalg.cholesky(R).T)
        x = {n: sp.priors[n].dist.ppf(U[:, j]) for j, n in enumerate(free)}

        def value(name, x=x, sp=sp):
            return x[name] if name in x else np.full(samples, sp.priors[name].value)

        er = {}
        for c in cats:
            K0, S = value(f"{sector}.{c}.K0")[:, None], value(f"{sector}.{c}.S")[:, None]
            if f"{sector}.{c}.headroom" in sp.priors:  # K_max = K0 + headroom (1 - K0)
                K_max = K0 + value(f"{sector}.{c}.headroom")[:, None] * (1 - K0)
            else:
                K_max = np.maximum(value(f"{sector}.{c}.K_max")[:, None], K0)
            K = K_max + (K0 - K_max) * np.exp(-((years - 2022) ** 2) / (2 * S**2))
            if f"{sector}.{c}.midpoint" in sp.priors:  # alpha + beta K = steepness (K - midpoint)
                z = value(f"{sector}.{c}.steepness")[:, None] * (K - value(f"{sector}.{c}.midpoint")[:, None])
            else:
                z = value(f"{sector}.{c}.alpha")[:, None] + value(f"{sector}.{c}.beta")[:, None] * K
            er[c] = value(f"{sector}.{c}.RF")[:, None] / (1 + np.exp(-z))
        total = sum(er.values())
        E = np.column_stack([value(f"{sector}.emissions.{y}") for y in sp.emission_years])
        W = np.array([np.interp(years, sp.emission_years, row) for row in np.eye(len(sp.emission_years))])
        contribution = total / (E @ W)
        for c in cats:
            for t, y in enumerate(years):
                outputs[f"{sector}.er.{c}.{y}"] = er[c][:, t]
        for c in cats:
            for t, y in enumerate(years):
                outputs[f"{sector}.share.{c}.{y}"] = er[c][:, t] / total[:, t]
        for t, y in enumerate(years):
            outputs[f"{sector}.total.{y}"] = total[:, t]
        for t, y in enumerate(years):
            outputs[f"{sector}.contribution.{y}"] = contribution[:, t]
        outputs[f"{sector}.band_low.2025"] = contribution[:, 3]
        outputs[f"{sector}.band_high.2035"] = contribution[:, 13]
    return {name: np.percentile(v, PERCENTILES) for name, v in outputs.items()}


def main(samples: int, out: str, seed: int = 1) -> None:
    """Run :func:`plain_run` and save the percentiles to ``out`` (npz: output names, values)."""
    q = plain_run(samples, seed)
    np.savez(out, output=np.array(list(q)), value=np.array(list(q.values())))
