"""The Sobol sections of ``mcpot bench``: speed against SALib, and the model runs ``--target-ci`` needs.

- :func:`bench_sobol`: the full Sobol analysis (3 sectors x 5 outputs, N = 2^13, 1000 resamples) vs
  SALib's ``ProblemSpec`` (``sample_sobol`` -> ``evaluate(nprocs=2)`` -> ``analyze_sobol``) on the same
  design;
- :func:`bench_sobol_target_ci`: model runs to a target half-width on the report model, bootstrap and
  doubling (before) vs replicate-t intervals grown by :func:`mcpot.sensitivity.sobol.convergence.next_step`;
- :func:`bench_sobol_oracle`: the fewest runs any interval could need (the spread of one design known),
  and what replicate-t intervals need with their spread known;
- :func:`bench_sobol_intervals`: the same before/after on Ishigami.

Nothing here is a test: it prints what it measures.
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from collections.abc import Callable

import numpy as np


def report(load: Callable[[], str]) -> None:
    """Print the Sobol sections of ``mcpot bench`` (``load()``: the load average, printed beside)."""
    s = bench_sobol()
    print(f"sobol (3 sectors x 5 outputs, N = 2^13, 1000 resamples, S1 + ST, 2 workers) [{load()}]")
    print(
        f"  mcpot {s['ours_s']:.1f} s, SALib ProblemSpec {s['salib_s']:.1f} s -> {s['speedup']:.1f}x "
        f"(target >= 3x); largest |S1/ST difference| {s['max_abs_diff']:.1e} (must be <= 1e-10)"
    )
    for message in s["warnings"]:
        print(f"  (SALib warned, once per sector: {message})")
    bench_sobol_target_ci()
    bench_sobol_oracle(load=load)


def bench_sobol(n: int = 2**13, resamples: int = 1000, jobs: int = 2) -> dict[str, float]:
    """mcpot's Sobol analysis vs SALib's ProblemSpec pipeline on the same design (3 sectors x 5 outputs)."""
    from SALib import ProblemSpec

    from mcpot.engine.evaluate import rows_evaluator
    from mcpot.model.priors import load_priors
    from mcpot.sensitivity import sobol
    from mcpot.sensitivity.analyses import SensitivityConfig
    from mcpot.sensitivity.sector import SectorModel

    priors = load_priors()
    cfg = SensitivityConfig(samples=n, seed=1, jobs=jobs)
    t_ours = t_salib = 0.0
    worst = 0.0
    messages: dict[str, None] = {}
    for i, sector in enumerate(priors):
        model = SectorModel.build(priors, sector)
        seed = cfg.child_seed(i, 0)
        t = time.perf_counter()
        ours = sobol.analyze(
            model,
            model.ppf,
            model.dim,
            n,
            outputs=model.outputs,
            num_resamples=resamples,
            seed=seed,
            n_jobs=jobs,
            evaluate=rows_evaluator(cfg),
            names=model.names,
        )
        t_ours += time.perf_counter() - t
        t = time.perf_counter()
        sp = ProblemSpec(
            {"names": list(model.names), "bounds": [[0.0, 1.0]] * model.dim, "outputs": list(model.outputs)}
        )
        with warnings.catch_warnings(record=True) as caught:  # the same warning for every sector
            warnings.simplefilter("always")
            sp.sample_sobol(n, calc_second_order=False, seed=seed)
            sp.evaluate(_UnitModel(model), nprocs=jobs)
            sp.analyze_sobol(calc_second_order=False, num_resamples=resamples, seed=seed + 1)
        messages.update({str(w.message).splitlines()[0]: None for w in caught})
        t_salib += time.perf_counter() - t
        for k, out in enumerate(model.outputs):
            ref = sp.analysis[out] if len(model.outputs) > 1 else sp.analysis
            worst = max(worst, np.abs(ours.S1[k] - ref["S1"]).max(), np.abs(ours.ST[k] - ref["ST"]).max())
    return {
        "ours_s": t_ours,
        "salib_s": t_salib,
        "speedup": t_salib / t_ours,
        "max_abs_diff": worst,
        "warnings": list(messages),
    }


class _UnitModel:
    """SALib evaluates on the unit cube: map through the priors, then run the sector model."""

    def __init__(self, model):
        self.model = model

    def __call__(self, U):
        return self.model(self.model.ppf(U))


def bench_sobol_target_ci(
    sector: str = "steel", target: float = 0.05, n_start: int = 2**12, seed: int = 1, jobs: int = 2
) -> dict[str, float]:
    """Model runs ``mcpot sobol --target-ci`` needs on the report model, bootstrap vs replicate intervals.

    Before: today's loop before this change (:func:`mcpot.sensitivity.sobol.converge`: one scrambled
    design, bootstrap normal half-widths, 1000 resamples). After: :func:`mcpot.sensitivity.analyses.run_sobol`
    with ``target_ci`` (8 replicate designs to start, Student-t half-widths, replicates added as needed by
    :func:`mcpot.sensitivity.sobol.convergence.next_step`). Both start at ``n_start`` base points, grow
    (before: by doubling) until every S1/ST half-width of every output is below ``target``, and run the
    three groupings (parameter, category, kind) of ``sector`` with the same child seeds. Prints one line;
    returns the totals.
    """
    from mcpot.engine.evaluate import rows_evaluator
    from mcpot.model.priors import load_priors
    from mcpot.sensitivity import sobol
    from mcpot.sensitivity.analyses import SensitivityConfig, run_sobol
    from mcpot.sensitivity.sector import GROUPINGS, SectorModel

    cfg = SensitivityConfig(
        sectors=(sector,), samples=n_start, seed=seed, jobs=jobs, target_ci=target, max_samples=2**24
    )
    model = SectorModel.build(load_priors(None, (sector,)), sector)
    t = time.perf_counter()
    before = []
    for j, grouping in enumerate(GROUPINGS):
        conv = sobol.converge(
            model,
            model.ppf,
            model.dim,
            outputs=model.outputs,
            n_start=n_start,
            target_ci=target,
            max_samples=cfg.max_samples,
            seed=cfg.child_seed(0, j),
            n_jobs=jobs,
            groups=model.group_labels(grouping),
            evaluate=rows_evaluator(cfg),
            names=model.names,
        )
        before.append((conv.evaluations, conv.n, conv.reached))
    t_before, t = time.perf_counter() - t, time.perf_counter()
    after = run_sobol(cfg, write=False).convergence.groupby("grouping", sort=False).last()
    t_after = time.perf_counter() - t
    b, a = sum(e for e, _, _ in before), int(after.evaluations.sum())
    print(
        f"sobol --target-ci {target:g} ({sector}, 3 groupings, N from {n_start}): model runs needed before "
        f"(bootstrap) {b:,} [N = {', '.join(str(n) for _, n, _ in before)}; {t_before:.0f} s], after "
        f"(replicate-t, grown) {a:,} [N = {', '.join(str(n) for n in after.n)}; {t_after:.0f} s] -> "
        f"{b / a:.1f}x fewer (target >= 4x)"
    )
    reached = all(r for _, _, r in before) and bool(after.reached.all())
    return {"before": b, "after": a, "ratio": b / a, "reached": reached}


def bench_sobol_oracle(
    sector: str = "steel",
    target: float = 0.05,
    sizes: tuple[int, ...] = (256, 512, 1024, 2048),
    seeds: int = 16,
    replicates: int = 8,
    load: Callable[[], str] | None = None,
) -> dict[str, float]:
    """The most any interval could save at ``--target-ci target``: oracles that know the spread.

    For every grouping of ``sector`` and each ``N`` of ``sizes``, the widest S1/ST spread (sd over
    ``seeds`` independent scramblings) of two estimates from ``N`` base points: one scrambled Saltelli
    design, and the mean of ``replicates`` designs of ``N / replicates`` points (what the replicate-t
    interval needs). The first oracle's N is where ``1.96 sd`` meets ``target``, the second's where
    ``t_{R-1}(0.975) sd`` does (log-log interpolation between the two sizes around it; the largest size
    if none is below): no interval can need fewer runs than the first, and a replicate-t interval,
    with its spread estimated rather than known, needs about the second. Prints one line per grouping
    and both model-run totals, which the before/after lines of :func:`bench_sobol_target_ci` can be set
    against; ``load()``, if given, is printed beside the heading.
    """
    from scipy.stats import t as student_t

    from mcpot.model.priors import load_priors
    from mcpot.sensitivity.sector import GROUPINGS, SectorModel
    from mcpot.sensitivity.sobol.design import design_rows, replicate_design, saltelli_design
    from mcpot.sensitivity.sobol.estimators import _point_estimates, _split

    model = SectorModel.build(load_priors(None, (sector,)), sector)
    t_r = float(student_t.ppf(0.975, replicates - 1))
    print(
        f"sobol oracles ({sector}, target {target:g}; spread over {seeds} seeds of one design of N points "
        f"and of the mean of {replicates} replicates of N / {replicates})" + (f" [{load()}]" if load else "")
    )

    def indices(U: np.ndarray, n: int, g: int) -> np.ndarray:
        return np.stack(_point_estimates(_split(model(model.sobol_ppf(U)), n, g, False))[:2])

    runs = {"one design": 0.0, "replicates": 0.0}
    for grouping in GROUPINGS:
        groups = model.group_labels(grouping)
        g = len(dict.fromkeys(groups)) if groups else model.dim
        sd_one, sd_rep = [], []
        for n in sizes:
            one, rep = [], []
            for s in range(seeds):
                U = saltelli_design(model.dim, n, second_order=False, seed=10_000 + s, groups=groups)
                one.append(indices(U, n, g))
                design = replicate_design(model.dim, n, replicates=replicates, seed=20_000 + s, groups=groups)
                parts = np.split(design.U, replicates)
                rep.append(np.mean([indices(U, n // replicates, g) for U in parts], axis=0))
            sd_one.append(float(np.array(one).std(axis=0, ddof=1).max()))
            sd_rep.append(float(np.array(rep).std(axis=0, ddof=1).max()))
        rows = design_rows(model.dim, 1, second_order=False, groups=groups)
        n_one = _crossing(sizes, [1.96 * v for v in sd_one], target)
        n_rep = _crossing(sizes, [t_r * v for v in sd_rep], target)
        runs["one design"] += n_one * rows
        runs["replicates"] += n_rep * rows
        widths = ", ".join(f"{v:.4f}" for v in sd_one), ", ".join(f"{v:.4f}" for v in sd_rep)
        print(
            f"  {grouping:9s} N = {', '.join(map(str, sizes))}: widest sd one design {widths[0]}; "
            f"mean of replicates {widths[1]}"
            f" -> N = {n_one:.0f} (1.96 sd), {n_rep:.0f} (t_{replicates - 1} sd)"
        )
    print(
        f"  model runs: {runs['one design']:,.0f} with one design's spread known (no interval can need "
        f"fewer); {runs['replicates']:,.0f} for {replicates} replicates with theirs known"
    )
    return runs


def _crossing(sizes: tuple[int, ...], widths: list[float], target: float) -> float:
    """The ``N`` where ``widths`` (at ``sizes``, falling) meets ``target``: log-log interpolation between
    the two sizes around it, the first size if it is already below, the last if none is."""
    if widths[0] <= target:
        return float(sizes[0])
    for (n0, w0), (n1, w1) in itertools.pairwise(zip(sizes, widths, strict=True)):
        if w0 > target >= w1:
            return n0 * (n1 / n0) ** (math.log(w0 / target) / math.log(w0 / w1))
    return float(sizes[-1])


def bench_sobol_intervals(
    targets: tuple[float, ...] = (0.02, 0.01, 0.005), seeds: tuple[int, ...] = (1, 2, 3), replicates: int = 8
) -> list[dict[str, float]]:
    """Print the model runs needed to reach a target Sobol CI half-width on Ishigami, before vs after.

    Before: :func:`mcpot.sensitivity.sobol.converge` (one scrambled design, bootstrap normal
    half-width, 1000 resamples). After: :func:`mcpot.sensitivity.sobol_replicates.converge_replicates`
    (``replicates`` scrambled designs, Student-t half-width). Both start at 256 total base points; before
    doubles, after adds replicates or doubles (:func:`mcpot.sensitivity.sobol.convergence.next_step`). The
    figure is the median over ``seeds`` of the model evaluations used when every S1 and
    ST half-width is below the target. Returns one dict per target.
    """
    from mcpot.sensitivity import sobol
    from mcpot.sensitivity import testfunctions as tf
    from mcpot.sensitivity.sobol_replicates import converge_replicates

    kw = {"outputs": ["y"], "max_samples": 2**24, "n_start": 2**8}
    print(
        "Sobol intervals on Ishigami: model runs to reach a 95% half-width target "
        f"(median of {len(seeds)} seeds)"
    )
    rows = []
    for target in targets:
        t = time.perf_counter()
        before = [
            sobol.converge(tf.ishigami, tf.ishigami_ppf, 3, target_ci=target, seed=s, **kw).evaluations
            for s in seeds
        ]
        after = [
            converge_replicates(
                tf.ishigami, tf.ishigami_ppf, 3, target_ci=target, seed=s, replicates=replicates, **kw
            ).evaluations
            for s in seeds
        ]
        b, a = float(np.median(before)), float(np.median(after))
        rows.append({"target": target, "before": b, "after": a, "ratio": b / a})
        print(
            f"  target {target:<6g} before (bootstrap) {b:>10,.0f}  "
            f"after ({replicates} replicates) {a:>9,.0f}"
            f"  -> {b / a:.1f}x fewer runs  [{time.perf_counter() - t:.0f} s; before {before}, after {after}]"
        )
    return rows
