"""``mcpot bench``: speed and memory figures measured on this machine, as ratios to baselines run now.

Nothing here is a test: it prints what it measures. Sections:

- kernel: sample-category-years per second of equations (1)-(2) vs a floor (``numpy.exp`` then in-place
  ``scipy.special.expit`` over as many elements) and vs a per-sample Python loop with ``math.exp``;
- chunk stages: the Latin hypercube and the model per stream block, scipy's/numpy's vs mcpot's compiled
  code, on one thread and in two (:func:`bench_stages`);
- parallel: ``--jobs 2`` vs ``--jobs 1`` at 10^6 samples (repeated), and the loky and threading backends;
- plain numpy: ``mcpot run`` vs the script a researcher would write (:mod:`mcpot.bench_plain`): wall time,
  peak memory, and the distance between the two sets of percentiles in Monte Carlo errors;
- scaling: wall time and peak memory (RSS of the process and its workers) at 10^5, 10^6, 10^7 samples;
- sobol: :mod:`mcpot.bench_sobol` (against SALib, and the model runs ``--target-ci`` needs).
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

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


def _per_call(fn, reps: int, repeat: int = 3) -> tuple[float, float]:
    """Seconds per call of ``fn`` on one thread, and per call while two threads call it at once (each
    the best of ``repeat`` timings of ``reps`` calls)."""
    fn()
    half = max(1, reps // 2)

    def two_threads():
        threads = [threading.Thread(target=lambda: [fn() for _ in range(half)]) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    one = _best(lambda: [fn() for _ in range(reps)], repeat) / reps
    return one, _best(two_threads, repeat) / (2 * half)


def bench_stages(reps: int = 24) -> tuple[int, list[tuple[str, float, float]]]:
    """Two stages of a chunk, each as scipy/numpy computes it and as mcpot's compiled code does (the
    same numbers): seconds per stream block of the 3-sector model on one thread and in two threads.

    Returns the number of inputs and ``(stage, one thread, two threads)`` rows.
    """
    from scipy.stats import qmc

    from mcpot.engine.lhs import latin_hypercube
    from mcpot.engine.sampling import BLOCK, block_generator, unit_samples
    from mcpot.model.priors import load_priors
    from mcpot.model.space import ParameterSpace, evaluate

    space = ParameterSpace(load_priors(), "report")
    d = space.dim
    X = space.ppf(unit_samples("lhs", 1, d, 0, BLOCK))
    local = threading.local()  # one output matrix per thread, reused as a chunk reuses its own

    def out() -> np.ndarray:
        if not hasattr(local, "Y"):
            local.Y = evaluate(space, X)
        return local.Y

    stages = {
        "Latin hypercube, scipy.stats.qmc": lambda: qmc.LatinHypercube(d=d, rng=block_generator(1, 0)).random(
            BLOCK
        ),
        "Latin hypercube, mcpot.engine.lhs": lambda: latin_hypercube(block_generator(1, 0), BLOCK, d),
        "model, numpy path": lambda: evaluate(space, X, out=out(), compiled=False),
        "model, compiled report reading": lambda: evaluate(space, X, out=out()),
    }
    return d, [(name, *_per_call(fn, reps)) for name, fn in stages.items()]


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
        "print(r.phases['chunks'], time.perf_counter() - t)" + save
    )


def ceiling(whole: float, inside: float) -> float:
    """Amdahl's bound on the ``--jobs 2`` speedup of a process that takes ``whole`` seconds on one
    thread, ``inside`` of them in ``run()``: what a perfect 2x on all of ``run()`` would give, the
    interpreter start-up and imports (``whole - inside``) being serial."""
    return whole / (whole - inside / 2)


def measure_run(samples: int, jobs: int) -> tuple[float, float, float, float]:
    """A ``mcpot run`` in a fresh process: wall seconds (start-up included), peak MiB, the seconds of
    ``run()`` itself (after the imports: priors, set-up, sampling, tables) and of its chunk phase
    (:attr:`mcpot.engine.run.RunResult.phases`: the part that runs in parallel)."""
    wall, peak, out = measure_output(run_code(samples, jobs))
    chunks, inside = (float(v) for v in out.split()[-2:])
    return wall, peak, inside, chunks


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


MACHINE_WORK = (
    "import time, numpy as np; x = np.random.default_rng(0).random(32768); y = np.empty_like(x); "
    "t = time.perf_counter(); [np.exp(x, out=y) for _ in range(50_000)]; print(time.perf_counter() - t)"
)


def bench_machine(repeats: int = 3) -> list[float]:
    """What two cores give two independent processes: the same numpy work (``np.exp`` in cache, about a
    second) alone, then twice at once; per repeat ``2 * alone / slower of the two``, 2.0 on two free cores.
    Nothing is shared between the two, so this is the ceiling of any ``--jobs 2`` speedup here."""
    ratios = []
    for _ in range(repeats):
        alone = float(
            subprocess.run([sys.executable, "-c", MACHINE_WORK], capture_output=True, text=True).stdout
        )
        procs = [
            subprocess.Popen([sys.executable, "-c", MACHINE_WORK], stdout=subprocess.PIPE, text=True)
            for _ in "ab"
        ]
        ratios.append(2 * alone / max(float(p.communicate()[0]) for p in procs))
    return ratios


def load_average() -> str:
    """``load average a b c`` (1, 5, 15 min), printed beside each measured figure."""
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def bench_startup(runs: int = 5) -> dict[str, float]:
    """Wall time (s) of ``python -m mcpot --help`` in a fresh interpreter: median and range of ``runs``."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mcpot", "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times)}


def main(quick: bool = False, e2e: bool = False, repeats: int = 3) -> None:
    """Print every section (each with the load average when it started).

    ``quick`` (under a minute on 2 idle cores): kernel, one ``--jobs 1``/``--jobs 2`` pair at 10^6,
    ``mcpot run`` vs plain numpy at 10^5, no 10^7 run. ``e2e``: the end-to-end figures only
    (``repeats`` pairs at 10^6, plain numpy at 10^6, 10^7 samples). Otherwise everything here; the
    Sobol sections are :func:`mcpot.bench_sobol.report` (``mcpot bench`` runs them after these).
    """
    st = bench_startup()
    print("start-up (python -m mcpot --help in a subprocess, 5 runs)")
    print(f"  median {st['median_s']:.2f} s (range {st['min_s']:.2f}-{st['max_s']:.2f} s; target < 0.5 s)")
    if not e2e:
        k = bench_kernel()
        print(f"kernel (equations 1-2, 200,000 samples x 4 categories x 14 years) [{load_average()}]")
        print(f"  throughput            {k['throughput']:.3e} sample-category-years/s")
        print(
            f"  floor exp+expit       {k['floor_s']:.4f} s vs kernel {k['kernel_s']:.4f} s -> ratio "
            f"{k['ratio_floor']:.2f} (target >= 0.5)"
        )
        print(
            f"  per-sample Python loop {k['loop_s']:.2f} s (extrapolated from 2,000 samples) -> kernel is "
            f"{k['ratio_loop']:.0f}x faster (target >= 100x)"
        )
        d, stages = bench_stages()
        print(f"chunk stages (ms per stream block of 8192 samples, 3 sectors, {d} inputs) [{load_average()}]")
        for name, one, two in stages:
            print(
                f"  {name:<34} 1 thread {one * 1e3:6.1f}, 2 threads {two * 1e3:6.1f} -> {one / two:.2f}x "
                "in two threads"
            )
        (_, lhs_scipy, _), (_, lhs_ours, _), (_, model_numpy, _), (_, model_ours, _) = stages
        print(
            f"  compiled vs scipy/numpy on one thread: hypercube {lhs_scipy / lhs_ours:.2f}x, model "
            f"{model_numpy / model_ours:.2f}x (tested to give the same numbers)"
        )
    if not quick:
        ratios = bench_machine()
        print(
            "machine: two independent processes of the same numpy work at once, throughput vs one alone "
            f"(2.00 on two free cores) [{load_average()}]"
        )
        print(f"  {', '.join(f'{r:.2f}' for r in ratios)}")
    print(
        f"parallel (mcpot run, 3 sectors, 10^6 samples, LHS; wall time of the process, start-up included; "
        f"in brackets run() alone, after the imports, and its chunk phase) [{load_average()}]"
    )
    for i in range(1 if quick else repeats):
        t1, m1, r1, c1 = measure_run(10**6, 1)
        t2, m2, r2, c2 = measure_run(10**6, 2)
        print(
            f"  [{i + 1}] --jobs 1 {t1:.1f} s ({m1:.0f} MiB), --jobs 2 {t2:.1f} s ({m2:.0f} MiB) -> speedup "
            f"{t1 / t2:.2f} (target >= 1.7) [run() {r1:.1f} s vs {r2:.1f} s: {r1 / r2:.2f}; its chunk phase "
            f"{c1:.1f} s vs {c2:.1f} s: {c1 / c2:.2f}; the rest of --jobs 2: {t2 - c2:.1f} s] "
            f"[{load_average()}]"
        )
        print(
            f"      ceiling: a perfect 2x on all of run() ({r1:.1f} -> {r1 / 2:.1f} s), the {t1 - r1:.1f} s "
            f"of interpreter start-up and imports outside it unchanged, would give {ceiling(t1, r1):.2f}"
        )
    if not (quick or e2e):
        for backend in ("loky", "threading"):
            t, m = measure(run_code(10**6, 2, backend))
            print(f"  --jobs 2 --backend {backend:<9} {t:.1f} s ({m:.0f} MiB) -> speedup {t1 / t:.2f}")
    n_plain = 10**5 if quick else 10**6
    p = bench_plain(n_plain)
    print(
        f"mcpot run --jobs 2 vs a plain-numpy script (exact scipy ppf, all outputs in memory, "
        f"np.percentile), {n_plain:,} samples [{load_average()}]"
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
            "scaling (3 sectors, --jobs 2; wall time, peak RSS of the process and its workers) "
            f"[{load_average()}]"
        )
        for n in (10**5, 10**7) if e2e else (10**5, 10**6, 10**7):
            t, m = measure(run_code(n, 2))
            per = t / n * 1e6
            print(f"  N = {n:>10,}  {t:7.1f} s  {per:6.1f} us/sample  peak {m:7.0f} MiB  [{load_average()}]")
