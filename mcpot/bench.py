"""``mcpot bench``: speed and memory figures measured on this machine, as ratios to baselines run now.

Nothing here is a test: it prints what it measures. Sections:

- kernel: sample-category-years per second of equations (1)-(2) vs a floor (``numpy.exp`` then in-place
  ``scipy.special.expit`` over as many elements) and vs a per-sample Python loop with ``math.exp``;
- parallel: ``--jobs 2`` vs ``--jobs 1`` at 10^6 samples (repeated), and the loky and threading backends;
- plain numpy: ``mcpot run`` vs the script a researcher would write (:mod:`mcpot.bench_plain`): wall time,
  peak memory, and the distance between the two sets of percentiles in Monte Carlo errors;
- scaling: wall time and peak memory (RSS of the process and its workers) at 10^5, 10^6, 10^7 samples;
- sobol: the full Sobol analysis (3 sectors x 5 outputs, N = 2^13, 1000 resamples) vs SALib's
  ``ProblemSpec`` (``sample_sobol`` -> ``evaluate(nprocs=2)`` -> ``analyze_sobol``) on the same design.
"""

from __future__ import annotations

import itertools
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings

import numpy as np
import psutil
from scipy.special import expit

from mcpot.model.kernel import BASE_YEAR, SectorParams, category_potentials, model_years


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _params(n: int, seed: int = 0) -> SectorParams:
    rng = np.random.default_rng(seed)
    shape = (n, 4)
    return SectorParams(
        K0=rng.uniform(0.1, 0.6, shape),
        K_max=rng.uniform(0.7, 1.0, shape),
        S=rng.uniform(5, 12, shape),
        alpha=rng.normal(-5, 1, shape),
        beta=rng.uniform(4, 12, shape),
        RF=rng.lognormal(3, 0.4, shape),
        emissions=np.full((n, 1), 1000.0),
        emission_years=(2025,),
    )


def _python_loop(p: SectorParams, years) -> list[float]:
    out = []
    for i in range(p.K0.shape[0]):
        for c in range(4):
            k0, km, s = p.K0[i, c], max(p.K_max[i, c], p.K0[i, c]), p.S[i, c]
            for y in years:
                k = km + (k0 - km) * math.exp(-((y - BASE_YEAR) ** 2) / (2 * s * s))
                x = p.alpha[i, c] + p.beta[i, c] * k
                out.append(p.RF[i, c] / (1 + math.exp(-x)))
    return out


def bench_kernel(n: int = 200_000) -> dict[str, float]:
    """Kernel throughput and its ratios to the exp+expit floor and to a per-sample Python loop."""
    years = model_years()
    p = _params(n)
    elements = n * 4 * years.size
    t_kernel = _best(lambda: category_potentials(p, years))
    x = np.random.default_rng(1).normal(size=elements)

    def floor():
        out = np.exp(x)
        expit(out, out=out)

    t_floor = _best(floor)
    m = 2000
    t_loop = _best(lambda: _python_loop(_params(m), years), repeat=1) * n / m
    return {
        "elements": elements,
        "kernel_s": t_kernel,
        "floor_s": t_floor,
        "loop_s": t_loop,
        "throughput": elements / t_kernel,
        "ratio_floor": t_floor / t_kernel,
        "ratio_loop": t_loop / t_kernel,
    }


def measure(code: str) -> tuple[float, float]:
    """Run Python ``code`` in a fresh process: (wall seconds, peak RSS of it and its children in MiB)."""
    wall, peak, _ = measure_output(code)
    return wall, peak


def measure_output(code: str) -> tuple[float, float, str]:
    """:func:`measure`, and what the process printed on stdout."""
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            try:
                procs = [ps, *ps.children(recursive=True)]
                peak[0] = max(peak[0], sum(q.memory_info().rss for q in procs if q.is_running()))
            except psutil.Error:
                pass
            done.wait(0.05)

    watcher = threading.Thread(target=sample, daemon=True)
    t = time.perf_counter()
    watcher.start()
    out, _ = proc.communicate()
    code_ = proc.returncode
    wall = time.perf_counter() - t
    done.set()
    watcher.join()
    if code_:
        raise RuntimeError(f"benchmark child failed with status {code_}")
    return wall, peak[0] / 2**20, out


def run_code(samples: int, jobs: int, backend: str | None = None, out: str | None = None) -> str:
    """Python code of a ``mcpot run`` (in memory); with ``out``, its summary is saved there (npz)."""
    backend_arg = "" if backend is None else f", backend={backend!r}"
    save = (
        f"; w = r.wide(); import numpy as np; np.savez({out!r}, output=w.output.to_numpy(str), "
        "value=w[['p2.5','p5','p25','p50','p75','p95','p97.5']].to_numpy(float), "
        "se=r.summary.pivot(index='output', columns='statistic', values='mc_se')"
        ".loc[w.output, ['p2.5','p5','p25','p50','p75','p95','p97.5']].to_numpy(float))"
        if out
        else ""
    )
    return (
        "import time; from mcpot.engine.run import RunConfig, run; t = time.perf_counter(); "
        f"r = run(RunConfig(samples={samples}, seed=1, jobs={jobs}{backend_arg}), write=False); "
        "print(time.perf_counter() - t)" + save
    )


def measure_run(samples: int, jobs: int) -> tuple[float, float, float]:
    """A ``mcpot run`` in a fresh process: wall seconds (start-up included), peak MiB, and the seconds
    of ``run()`` itself (after the imports: priors, set-up, sampling, tables)."""
    wall, peak, out = measure_output(run_code(samples, jobs))
    return wall, peak, float(out.split()[-1])


def bench_plain(samples: int, jobs: int = 2) -> dict[str, float]:
    """``mcpot run`` vs the plain-numpy script (:mod:`mcpot.bench_plain`) at ``samples``, both in fresh
    processes: wall times, peak memories, and how far apart their percentiles are in MC errors."""
    with tempfile.TemporaryDirectory() as tmp:
        ours, plain = f"{tmp}/ours.npz", f"{tmp}/plain.npz"
        t_ours, m_ours = measure(run_code(samples, jobs, out=ours))
        t_plain, m_plain = measure(f"from mcpot.bench_plain import main; main({samples}, {plain!r})")
        a, b = np.load(ours), np.load(plain)
        where = {str(n): i for i, n in enumerate(b["output"])}
        order = [where[str(n)] for n in a["output"]]
        z = np.abs(a["value"] - b["value"][order]) / (np.sqrt(2.0) * a["se"])
    return {
        "ours_s": t_ours,
        "ours_mib": m_ours,
        "plain_s": t_plain,
        "plain_mib": m_plain,
        "ratio": t_plain / t_ours,
        "max_z": float(np.nanmax(z)),
        "within_3": float(np.mean(z[np.isfinite(z)] < 3.0)),
        "compared": int(np.isfinite(z).sum()),
    }


def _load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def bench_sobol(n: int = 2**13, resamples: int = 1000, jobs: int = 2) -> dict[str, float]:
    """mcpot's Sobol analysis vs SALib's ProblemSpec pipeline on the same design (3 sectors x 5 outputs)."""
    from SALib import ProblemSpec

    from mcpot.model.priors import load_priors
    from mcpot.sensitivity import sobol
    from mcpot.sensitivity.analyses import SensitivityConfig, _engine
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
            evaluate=_engine(cfg),
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


def bench_startup(runs: int = 5) -> dict[str, float]:
    """Wall time (s) of ``python -m mcpot --help`` in a fresh interpreter: median and range of ``runs``."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mcpot", "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times)}


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
    from mcpot.model.priors import load_priors
    from mcpot.sensitivity import sobol
    from mcpot.sensitivity.analyses import SensitivityConfig, _engine, run_sobol
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
            evaluate=_engine(cfg),
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
) -> dict[str, float]:
    """The most any interval could save at ``--target-ci target``: an oracle that knows the spread.

    For every grouping of ``sector``, the widest S1/ST 95% half-width ``1.96 sd`` of one scrambled
    Saltelli design of ``N`` base points, ``sd`` measured over ``seeds`` independent scramblings at each
    ``N`` of ``sizes``; the oracle's N is where that half-width meets ``target`` (log-log interpolation
    between the two sizes around it; the largest size if none is below). Prints one line per grouping
    and the oracle's model runs, which the before/after lines of :func:`bench_sobol_target_ci` can be
    set against.
    """
    from mcpot.model.priors import load_priors
    from mcpot.sensitivity.sector import GROUPINGS, SectorModel
    from mcpot.sensitivity.sobol.design import design_rows, saltelli_design
    from mcpot.sensitivity.sobol.estimators import _point_estimates, _split

    model = SectorModel.build(load_priors(None, (sector,)), sector)
    print(f"sobol oracle ({sector}, target {target:g}; spread of one design over {seeds} seeds) [{_load()}]")
    runs = 0.0
    for grouping in GROUPINGS:
        groups = model.group_labels(grouping)
        g = len(dict.fromkeys(groups)) if groups else model.dim
        widest = []
        for n in sizes:
            est = []
            for s in range(seeds):
                U = saltelli_design(model.dim, n, second_order=False, seed=10_000 + s, groups=groups)
                s1, st, _ = _point_estimates(_split(model(model.sobol_ppf(U)), n, g, False))
                est.append(np.stack([s1, st]))
            widest.append(1.96 * float(np.array(est).std(axis=0, ddof=1).max()))
        n_star = float(sizes[0] if widest[0] <= target else sizes[-1])
        for (n0, w0), (n1, w1) in itertools.pairwise(zip(sizes, widest, strict=True)):
            if w0 > target >= w1:
                n_star = n0 * (n1 / n0) ** (math.log(w0 / target) / math.log(w0 / w1))
                break
        runs += n_star * design_rows(model.dim, 1, second_order=False, groups=groups)
        print(
            f"  {grouping:9s} widest 1.96 sd at N = {', '.join(map(str, sizes))}: "
            f"{', '.join(f'{w:.4f}' for w in widest)} -> oracle N = {n_star:.0f}"
        )
    print(f"  oracle model runs {runs:,.0f} (with the true spread known; no interval can need fewer)")
    return {"runs": runs}


def main(quick: bool = False, sobol: bool = True, e2e: bool = False, repeats: int = 3) -> None:
    """Print every section (each with the load average when it started).

    ``quick`` (under a minute on 2 idle cores): kernel, one ``--jobs 1``/``--jobs 2`` pair at 10^6,
    ``mcpot run`` vs plain numpy at 10^5, no 10^7 run, no Sobol. ``e2e``: the end-to-end figures only
    (``repeats`` pairs at 10^6, plain numpy at 10^6, 10^7 samples). Otherwise everything.
    """
    st = bench_startup()
    print("start-up (python -m mcpot --help in a subprocess, 5 runs)")
    print(f"  median {st['median_s']:.2f} s (range {st['min_s']:.2f}-{st['max_s']:.2f} s; target < 0.5 s)")
    if not e2e:
        k = bench_kernel()
        print(f"kernel (equations 1-2, 200,000 samples x 4 categories x 14 years) [{_load()}]")
        print(f"  throughput            {k['throughput']:.3e} sample-category-years/s")
        print(
            f"  floor exp+expit       {k['floor_s']:.4f} s vs kernel {k['kernel_s']:.4f} s -> ratio "
            f"{k['ratio_floor']:.2f} (target >= 0.5)"
        )
        print(
            f"  per-sample Python loop {k['loop_s']:.2f} s (extrapolated from 2,000 samples) -> kernel is "
            f"{k['ratio_loop']:.0f}x faster (target >= 100x)"
        )
    print(
        f"parallel (mcpot run, 3 sectors, 10^6 samples, LHS; wall time of the process, start-up included; "
        f"in brackets run() alone, after the imports) [{_load()}]"
    )
    for i in range(1 if quick else repeats):
        t1, m1, r1 = measure_run(10**6, 1)
        t2, m2, r2 = measure_run(10**6, 2)
        print(
            f"  [{i + 1}] --jobs 1 {t1:.1f} s ({m1:.0f} MiB), --jobs 2 {t2:.1f} s ({m2:.0f} MiB) -> speedup "
            f"{t1 / t2:.2f} (target >= 1.7) [run() {r1:.1f} s vs {r2:.1f} s: {r1 / r2:.2f}; start-up "
            f"{t1 - r1:.1f} s]  [{_load()}]"
        )
    if not (quick or e2e):
        for backend in ("loky", "threading"):
            t, m = measure(run_code(10**6, 2, backend))
            print(f"  --jobs 2 --backend {backend:<9} {t:.1f} s ({m:.0f} MiB) -> speedup {t1 / t:.2f}")
    n_plain = 10**5 if quick else 10**6
    p = bench_plain(n_plain)
    print(
        f"mcpot run --jobs 2 vs a plain-numpy script (exact scipy ppf, all outputs in memory, "
        f"np.percentile), {n_plain:,} samples [{_load()}]"
    )
    print(
        f"  mcpot {p['ours_s']:.1f} s (peak {p['ours_mib']:.0f} MiB), plain numpy {p['plain_s']:.1f} s "
        f"(peak {p['plain_mib']:.0f} MiB) -> mcpot {p['ratio']:.1f}x faster (target >= 10x at 10^6)"
    )
    print(
        f"  percentiles: {p['within_3']:.1%} of {p['compared']} within 3 MC errors of each other, largest "
        f"difference {p['max_z']:.1f} MC errors (independent draws: a few above 3 are expected)"
    )
    if not quick:
        print(
            f"scaling (3 sectors, --jobs 2; wall time, peak RSS of the process and its workers) [{_load()}]"
        )
        for n in (10**5, 10**7) if e2e else (10**5, 10**6, 10**7):
            t, m = measure(run_code(n, 2))
            print(f"  N = {n:>10,}  {t:7.1f} s  {t / n * 1e6:6.1f} us/sample  peak {m:7.0f} MiB  [{_load()}]")
    if sobol and not (quick or e2e):
        s = bench_sobol()
        print(f"sobol (3 sectors x 5 outputs, N = 2^13, 1000 resamples, S1 + ST, 2 workers) [{_load()}]")
        print(
            f"  mcpot {s['ours_s']:.1f} s, SALib ProblemSpec {s['salib_s']:.1f} s -> {s['speedup']:.1f}x "
            f"(target >= 3x); largest |S1/ST difference| {s['max_abs_diff']:.1e} (must be <= 1e-10)"
        )
        for message in s["warnings"]:
            print(f"  (SALib warned, once per sector: {message})")
        bench_sobol_target_ci()
        bench_sobol_oracle()


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
    from .sensitivity import sobol
    from .sensitivity import testfunctions as tf
    from .sensitivity.sobol_replicates import converge_replicates

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
