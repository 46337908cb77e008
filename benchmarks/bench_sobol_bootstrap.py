"""Time SALib's Sobol' analysis against mcpot's vectorised bootstrap.

Run with ``python benchmarks/bench_sobol_bootstrap.py``. Builds the Saltelli design for a synthetic
model with D=26 inputs, M=5 outputs and N=2^13 base points (first and total order, 229,376 model
rows), then times

* ``SALib.analyze.sobol.analyze`` (serial, 1000 resamples), once per output, and
* ``mcpot.sensitivity.sobol.sobol_indices`` (1000 resamples, all outputs at once) with ``n_jobs=1`` and
  ``n_jobs=2`` (loky; the first parallel call includes starting the workers),

checks that the point estimates agree to 1e-10 and prints the times, ratios and how far apart the
two bootstraps' normal-approximation half-widths are (they use different random resamples).
"""

from __future__ import annotations

import time

import numpy as np
from SALib.analyze import sobol as salib_sobol

from mcpot.sensitivity import sobol

D, M, N = 26, 5, 2**13
RESAMPLES = 1000
SEED = 12345


def synthetic_model(U: np.ndarray) -> np.ndarray:
    """Five outputs of 26 unit-cube inputs with decaying main effects and a few interactions."""
    j = np.arange(U.shape[1])
    outputs = []
    for m in range(M):
        weights = 1.0 / (1.0 + j) ** (0.5 + 0.25 * m)
        main = (U - 0.5) @ weights + 0.3 * np.sin(2 * np.pi * U[:, m])
        inter = (1.0 + m) * U[:, m] * U[:, m + 1] * U[:, 10 + m] + 0.2 * U[:, 20] ** 3
        outputs.append(np.exp(0.3 * main) + inter)
    return np.stack(outputs, axis=1)


def time_salib(Y: np.ndarray) -> tuple[float, list[dict]]:
    """Run SALib's serial analysis on every output; return the seconds and the results."""
    problem = {"num_vars": D, "names": [f"x{i}" for i in range(D)], "bounds": [[0.0, 1.0]] * D}
    start = time.perf_counter()
    results = [
        salib_sobol.analyze(problem, Y[:, m], calc_second_order=False, num_resamples=RESAMPLES, seed=SEED)
        for m in range(M)
    ]
    return time.perf_counter() - start, results


def time_mcpot(Y: np.ndarray, n_jobs: int) -> tuple[float, sobol.SobolIndices]:
    """Run mcpot's analysis of all outputs; return the seconds and the result."""
    start = time.perf_counter()
    res = sobol.sobol_indices(Y, d=D, n=N, num_resamples=RESAMPLES, seed=SEED, n_jobs=n_jobs)
    return time.perf_counter() - start, res


def main() -> None:
    """Build the design, run the three analyses, check agreement and print the figures."""
    start = time.perf_counter()
    U = sobol.saltelli_design(D, N, second_order=False, seed=SEED)
    Y = synthetic_model(U)
    print(f"design {U.shape[0]} rows x {D} inputs, {M} outputs: {time.perf_counter() - start:.1f} s")

    t_salib, ref = time_salib(Y)
    t_one, ours = time_mcpot(Y, 1)
    t_two_cold, ours_two = time_mcpot(Y, 2)
    t_two, ours_two_warm = time_mcpot(Y, 2)

    s1 = np.array([r["S1"] for r in ref])
    st = np.array([r["ST"] for r in ref])
    err = max(np.abs(ours.S1 - s1).max(), np.abs(ours.ST - st).max())
    if err > 1e-10:
        raise SystemExit(f"point estimates differ from SALib by {err:.3g} > 1e-10")
    for other in (ours_two, ours_two_warm):
        for key in ("S1_conf", "ST_conf", "S1_low", "ST_high"):
            if not np.array_equal(getattr(ours, key), getattr(other, key)):
                raise SystemExit(f"{key} differs between n_jobs=1 and n_jobs=2")
    conf_ratio = np.concatenate(
        [
            (ours.S1_conf / np.array([r["S1_conf"] for r in ref])).ravel(),
            (ours.ST_conf / np.array([r["ST_conf"] for r in ref])).ravel(),
        ]
    )

    print(f"point estimates agree with SALib: max |diff| = {err:.2e}")
    print("n_jobs=1 and n_jobs=2 intervals bitwise identical: yes")
    print(
        "half-width ratio mcpot/SALib over S1 and ST: "
        f"median {np.median(conf_ratio):.3f}, range {conf_ratio.min():.3f}-{conf_ratio.max():.3f}"
    )
    print(f"SALib analyze, serial, {M} outputs x {RESAMPLES} resamples: {t_salib:8.2f} s")
    print(f"mcpot sobol_indices n_jobs=1:                    {t_one:8.2f} s")
    print(f"mcpot sobol_indices n_jobs=2 (cold, with start): {t_two_cold:8.2f} s")
    print(f"mcpot sobol_indices n_jobs=2 (warm workers):     {t_two:8.2f} s")
    print(f"speed-up vs SALib: n_jobs=1 {t_salib / t_one:.1f}x, n_jobs=2 {t_salib / t_two:.1f}x")
    print(f"n_jobs=2 vs n_jobs=1: {t_one / t_two:.2f}x")


if __name__ == "__main__":
    main()
