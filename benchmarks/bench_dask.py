"""Time and memory of one 10^6-sample run on loky vs a 2-worker dask LocalCluster.

Run with ``python benchmarks/bench_dask.py`` (needs ``pip install -e ".[dask]"``). The run is
``RunConfig(samples=1_000_000, seed=1, design="lhs")`` over the three sectors, ``write=False``, on

* ``loky``: ``backend="loky", jobs=2``;
* ``dask``: ``backend="dask", jobs=2``: mcpot starts a LocalCluster (2 worker processes x 1 thread,
  127.0.0.1) and closes it, both inside the timing, as ``mcpot run --backend dask --jobs 2`` does;
* ``dask-warm``: the same cluster started before the timing and passed as ``scheduler=``, i.e. the
  steady-state cost of a run on an already running cluster;
* ``dask-stock``: as ``dask-warm``, but a LocalCluster with dask's defaults, as a user-made cluster
  has: the workers' statistical profiler on and ``MALLOC_TRIM_THRESHOLD_=65536`` (mcpot's own
  cluster turns both off, see :func:`mcpot.engine.evaluate._local_cluster`).

Each engine runs in a fresh Python process, so none sees another's workers. Peak memory is the largest
sum of the resident set sizes of that process and all its descendants (loky workers; dask workers),
sampled every 20 ms by a background thread (shared pages count once per process); CPU is the user +
system time of that process tree during the run (less sensitive than wall time to a busy machine).
The script checks that all engines give bitwise-identical tables and prints wall time, CPU time and
peak RSS with their ratios to loky.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import psutil

from mcpot.engine.run import RunConfig, run

CONFIG = RunConfig(samples=1_000_000, seed=1, design="lhs")
ENGINES = {
    "loky": "loky, 2 processes",
    "dask": "dask, mcpot's LocalCluster",
    "dask-warm": "dask, cluster already running",
    "dask-stock": "dask, stock LocalCluster, running",
}


class Monitor:
    """Samples, in a background thread, the process tree rooted here: peak summed RSS and CPU time used.

    ``peak`` is the largest sum of the resident set sizes seen (bytes); ``cpu`` the user + system
    seconds every process of the tree spent between entering and leaving the context (a process's last
    sample counts if it exits in between).
    """

    def __init__(self, interval: float = 0.02):
        self.interval, self.peak, self.cpu = interval, 0, 0.0
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        rss = 0
        for proc in [me, *me.children(recursive=True)]:
            try:
                with proc.oneshot():
                    rss += proc.memory_info().rss
                    times = proc.cpu_times()
            except psutil.Error:  # exited between listing and reading
                continue
            self._last[proc.pid] = times.user + times.system
        self.peak = max(self.peak, rss)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> Monitor:
        self._sample()
        self._first = dict(self._last)  # processes that start later count from 0
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self.cpu = sum(t - self._first.get(pid, 0.0) for pid, t in self._last.items())


@contextmanager
def engine_config(engine: str) -> Iterator[RunConfig]:
    """The benchmark configuration for one engine, with its cluster running if it needs one first."""
    if engine in ("loky", "dask"):
        yield dataclasses.replace(CONFIG, backend=engine, jobs=2)
        return
    import distributed

    from mcpot.engine import evaluate

    if engine == "dask-warm":
        cluster = evaluate._local_cluster(distributed, 2)  # exactly what backend="dask" starts
    else:
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        )
    with cluster as running:
        yield dataclasses.replace(CONFIG, backend="dask", scheduler=running.scheduler_address)


def measure(engine: str) -> dict:
    """Run the benchmark configuration on one engine: seconds, CPU seconds, peak bytes, result digest."""
    with engine_config(engine) as config, Monitor() as monitor:
        start = time.perf_counter()
        result = run(config, write=False)
        seconds = time.perf_counter() - start
    digest = hashlib.sha256()
    for frame in (result.summary, result.claims, result.diagnostics):
        digest.update(frame.select_dtypes("number").to_numpy(dtype="float64", na_value=np.nan).tobytes())
    return {
        "engine": engine,
        "seconds": seconds,
        "cpu": monitor.cpu,
        "peak_bytes": monitor.peak,
        "digest": digest.hexdigest(),
    }


def main() -> None:
    """Measure each engine in its own process and print the comparison."""
    rows = []
    for engine in ENGINES:
        out = subprocess.run(
            [sys.executable, __file__, engine], check=True, capture_output=True, text=True
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    loky = rows[0]
    sectors = ", ".join(CONFIG.sectors)
    print(f"N = {CONFIG.samples:,}, sectors = {sectors}, design = {CONFIG.design}, 2 workers x 1 thread")
    header = ("wall (s)", 9), ("ratio", 6), ("CPU (s)", 8), ("ratio", 6), ("peak RSS (MiB)", 15), ("ratio", 6)
    print(f"{'engine':<36}" + "".join(f" {h:>{w}}" for h, w in header))
    for r in rows:
        print(
            f"{ENGINES[r['engine']]:<36} {r['seconds']:>9.2f} {r['seconds'] / loky['seconds']:>6.2f} "
            f"{r['cpu']:>8.1f} {r['cpu'] / loky['cpu']:>6.2f} "
            f"{r['peak_bytes'] / 2**20:>15.0f} {r['peak_bytes'] / loky['peak_bytes']:>6.2f}"
        )
    same = len({r["digest"] for r in rows}) == 1
    print(f"bitwise-identical results: {'yes' if same else 'NO'}")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(json.dumps(measure(sys.argv[1])))
    else:
        main()
