"""The dask backend: same numbers as loky and serial, any cluster, survives dead workers, fails clearly.

Every cluster here listens on 127.0.0.1 only.
"""

import dataclasses
import os
import re
import signal
import sys
import time

import numpy as np
import psutil
import pytest
from numpy.testing import assert_array_equal

from mcpot.engine import evaluate
from mcpot.engine.chunks import ChunkTask, RunConfig, make_task, simulate, summary_table
from mcpot.engine.evaluate import map_ordered
from mcpot.engine.run import run
from mcpot.engine.sampling import BLOCK
from mcpot.errors import McpotError
from mcpot.model.priors import load_priors
from mcpot.model.space import ParameterSpace

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.timeout(120)

CONFIG = RunConfig(sectors=("cement",), samples=3 * BLOCK + 5, seed=20240917, jobs=1, chunk=BLOCK)


class Slow:
    """Picklable ``t -> (t, t**2)`` that sleeps ``seconds`` first (and can fail on one task)."""

    def __init__(self, seconds: float, fail_on: int | None = None):
        self.seconds, self.fail_on = seconds, fail_on

    def __call__(self, t: int) -> tuple[int, int]:
        time.sleep(self.seconds)
        if t == self.fail_on:
            raise ValueError(f"task {t} failed")
        return t, t * t


@dataclasses.dataclass(frozen=True)
class CrashOnce(ChunkTask):
    """A chunk task whose worker process dies the first time it reaches block ``block``."""

    marker: str = ""
    block: int = 1

    def __call__(self, blocks):
        if blocks[0] == self.block and not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os._exit(1)
        return super().__call__(blocks)


@pytest.fixture(scope="module")
def cluster():
    environ = os.environ.copy()  # a LocalCluster's nannies set OMP_NUM_THREADS=1 etc. in this process
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    ) as cluster:
        yield cluster
    os.environ.clear()
    os.environ.update(environ)


@pytest.fixture
def client(cluster):
    """A client of the shared cluster that is nobody's default; waits for both workers."""
    with distributed.Client(cluster, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=30)
        yield client
        client.wait_for_workers(2, timeout=30)  # the nanny restarts killed workers


@pytest.fixture(scope="module")
def serial():
    return run(CONFIG, write=False)


def gone(pid: int, wait: float = 10.0) -> bool:
    """Whether process ``pid`` has exited (or is a zombie) within ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def assert_same(a, b):
    """Two RunResults have bitwise-identical numbers."""
    for name in ("summary", "claims", "diagnostics"):
        x, y = getattr(a, name), getattr(b, name)
        assert list(x.columns) == list(y.columns)
        for col in x.columns:
            if x[col].dtype.kind == "f":
                assert_array_equal(x[col].to_numpy(), y[col].to_numpy(), err_msg=f"{name}.{col}")
            else:
                assert list(x[col]) == list(y[col]), f"{name}.{col}"


def test_run_is_bitwise_identical_on_dask_loky_and_serial(serial):
    dask = run(dataclasses.replace(CONFIG, backend="dask", jobs=2), write=False)
    loky = run(dataclasses.replace(CONFIG, backend="loky", jobs=2), write=False)
    assert_same(dask, serial)
    assert_same(loky, serial)


def test_run_on_a_given_scheduler(cluster, serial):
    config = dataclasses.replace(CONFIG, backend="dask", scheduler=cluster.scheduler_address, jobs=-1)
    assert_same(run(config, write=False), serial)


def test_results_in_task_order_and_errors_propagate(cluster):
    tasks = [5, 3, 9, 0, 7, 1, 8]
    got = list(map_ordered(Slow(0.0), tasks, backend="dask", scheduler=cluster.scheduler_address))
    assert got == [(t, t * t) for t in tasks]
    with pytest.raises(ValueError, match="task 4 failed"):
        list(map_ordered(Slow(0.0, fail_on=4), range(8), backend="dask", scheduler=cluster.scheduler_address))


def test_evaluate_rows_sends_each_task_its_rows(cluster):
    X = np.random.default_rng(5).random((10_000, 3))
    got = evaluate.evaluate_rows(
        np.cumsum, X, chunk=1500, backend="dask", scheduler=cluster.scheduler_address
    )  # np.cumsum flattens: not row-wise, but shows which rows each task had
    assert_array_equal(got, np.concatenate([np.cumsum(X[a : a + 1500]) for a in range(0, 10_000, 1500)]))


def test_only_a_window_of_tasks_waits_for_a_slow_consumer(cluster):
    """Nothing beyond 2 tasks per worker thread is submitted while the consumer does not take results."""
    results = map_ordered(Slow(0.0), range(100), backend="dask", scheduler=cluster.scheduler_address)
    assert next(results) == (0, 0)
    time.sleep(0.5)
    known = [k for k in list(cluster.scheduler.tasks) if str(k).startswith("mcpot-slow-")]
    assert len(known) <= 2 * 2  # the window
    assert len(list(results)) == 99


def test_worker_killed_mid_map(cluster, client):
    """SIGKILL a busy worker from outside: its tasks run again elsewhere, results unchanged."""
    pids = client.run(os.getpid)
    tasks = list(range(20))
    results, victim = [], None
    for r in map_ordered(Slow(0.2), tasks, backend="dask", scheduler=cluster.scheduler_address):
        results.append(r)
        if len(results) == 3:
            busy = [a for a, ws in cluster.scheduler.workers.items() if ws.processing] or list(pids)
            victim = pids[busy[0]]
            os.kill(victim, signal.SIGKILL)
    assert results == [Slow(0)(t) for t in tasks]
    assert victim is not None and gone(victim)


def test_worker_dies_inside_a_chunk_of_a_run(cluster, client, serial, tmp_path):
    """A worker process exits while computing a chunk: the scheduler reruns it, the numbers are equal."""
    config = dataclasses.replace(CONFIG, backend="dask", scheduler=cluster.scheduler_address)
    task = make_task(config, ParameterSpace(load_priors(None, config.sectors)))
    marker = tmp_path / "crashed"
    fields = {f.name: getattr(task, f.name) for f in dataclasses.fields(ChunkTask)}
    crashing = CrashOnce(**fields, marker=str(marker), block=1)
    stats = simulate(crashing)
    assert marker.exists()  # the worker really died in the middle of block 1
    assert stats.n == config.samples
    summary = summary_table(stats, task)
    for col in ("value", "mc_se"):
        assert_array_equal(summary[col].to_numpy(), serial.summary[col].to_numpy())


def test_a_task_that_keeps_killing_workers_is_a_clear_error(cluster, client, monkeypatch):
    monkeypatch.setattr(cluster.scheduler, "allowed_failures", 0)  # give up after the first death
    with pytest.raises(McpotError, match="dask gave up"):
        list(map_ordered(os._exit, [1], backend="dask", scheduler=cluster.scheduler_address))


def test_callers_active_client_is_used_and_left_open(cluster, monkeypatch):
    def no_new_cluster(*args, **kwargs):
        raise AssertionError("started a LocalCluster although a client was active")

    monkeypatch.setattr(distributed, "LocalCluster", no_new_cluster)
    with distributed.Client(cluster) as mine:  # the default client, as in a notebook
        got = list(map_ordered(Slow(0.0), range(6), n_jobs=1, backend="dask"))
        assert mine.status == "running"
    assert got == [(t, t * t) for t in range(6)]


def test_own_cluster_is_closed_when_the_consumer_stops_early():
    me, environ = psutil.Process(), os.environ.copy()
    before = {p.pid for p in me.children(recursive=True)}
    results = map_ordered(Slow(0.3), range(50), n_jobs=2, backend="dask")
    assert next(results) == (0, 0)
    started = {p.pid for p in me.children(recursive=True)} - before
    assert started  # the LocalCluster's nannies and workers
    results.close()
    assert all(gone(pid) for pid in started), "the LocalCluster's processes outlived the iteration"
    assert os.environ == environ  # the nannies' OMP_NUM_THREADS=1 etc. were put back


def test_unreachable_scheduler_fails_fast(monkeypatch):
    monkeypatch.setattr(evaluate, "CONNECT_TIMEOUT", 2.0)
    start = time.monotonic()
    with pytest.raises(
        McpotError, match=re.escape("cannot connect to the dask scheduler at 'tcp://127.0.0.1:1'")
    ):
        list(map_ordered(abs, [1, 2], backend="dask", scheduler="tcp://127.0.0.1:1"))
    assert time.monotonic() - start < 10
    with pytest.raises(McpotError, match="not a dask scheduler address"):
        list(map_ordered(abs, [1, 2], backend="dask", scheduler="127.0.0.1:notaport"))


def test_scheduler_needs_the_dask_backend():
    with pytest.raises(McpotError, match="needs the dask backend"):
        list(map_ordered(abs, [1], backend="loky", scheduler="tcp://127.0.0.1:8786"))


def test_missing_dask_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    with pytest.raises(McpotError, match=r'pip install "mcpot\[dask\]"'):
        list(map_ordered(abs, [1], backend="dask"))
    assert np.array_equal(list(map_ordered(abs, [-1, -2], backend="sequential")), [1, 2])
