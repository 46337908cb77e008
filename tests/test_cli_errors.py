"""The command line as a careless user and a hostile disk meet it.

Every user error ends in one line naming the file/field or the option, exit status 2 and no traceback
(each case runs ``python -m mcpot`` in a subprocess); two runs on one folder never both run; a run folder
never says ``running`` after its process has ended (killed, terminated, failed, disk full).
"""

from __future__ import annotations

import errno
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from mcpot import cli
from mcpot.cli.common import jobs_count
from mcpot.engine import runs
from mcpot.engine.run import RunConfig, run
from mcpot.engine.runlock import INFO, RunLock, is_held
from mcpot.engine.sampling import BLOCK

PRIORS = Path(__file__).resolve().parents[1] / "priors"

QUICK = ["--samples", "500", "--jobs", "1", "--quiet"]


def mcpot(*args, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mcpot", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def spawn(*args, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "mcpot", *map(str, args)],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text())


def wait_for(predicate, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert proc.poll() is None, f"the run ended early: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# ----------------------------------------------------------------------------------- case set-ups
def priors_dir(tmp: Path, edit=None) -> Path:
    """A copy of the bundled priors in ``tmp/p``; ``edit(dir)`` damages it."""
    dest = tmp / "p"
    shutil.copytree(PRIORS, dest)
    if edit is not None:
        edit(dest)
    return dest


def append(sector: str, text: str):
    def edit(d: Path) -> None:
        with (d / f"{sector}.toml").open("a") as f:
            f.write("\n" + text)

    return edit


def corr(a: str, b: str, rho) -> str:
    return f'[[correlation]]\nbetween = ["{a}", "{b}"]\nrho = {rho}\n'


NOT_PD = (
    corr("energy_management.K0", "automatic_control.K0", 0.9)
    + corr("automatic_control.K0", "integrated_control.K0", 0.9)
    + corr("energy_management.K0", "integrated_control.K0", -0.9)
)


def write(name: str, data: bytes):
    def edit(d: Path) -> None:
        (d / name).write_bytes(data)

    return edit


def replace_in(sector: str, old: str, new: str):
    def edit(d: Path) -> None:
        path = d / f"{sector}.toml"
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))

    return edit


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A small finished run folder (cement, 2 blocks)."""
    out = tmp_path_factory.mktemp("finished") / "run"
    run(RunConfig(sectors=("cement",), samples=2 * BLOCK, seed=3, jobs=1, chunk=BLOCK), out_dir=out)
    return out


def run_copy(status: str = "interrupted", checkpoint: bytes | None = None, edit=None):
    """A copy of the finished run, with its status (and checkpoint, manifest) changed."""

    def make(tmp: Path, finished: Path) -> Path:
        dest = tmp / "r"
        shutil.copytree(finished, dest)
        m = manifest(dest) | {"status": status}
        if edit is not None:
            m = edit(m)
        (dest / "manifest.json").write_text(m if isinstance(m, str) else json.dumps(m))
        if checkpoint is not None:
            (dest / runs.CHECKPOINT).write_bytes(checkpoint)
        return dest

    return make


def truncated_checkpoint(tmp: Path, finished: Path) -> Path:
    dest = run_copy()(tmp, finished)
    arrays = {k: np.zeros(3) for k in runs.CHECKPOINT_KEYS}
    runs.save_arrays(dest / runs.CHECKPOINT, arrays)
    data = (dest / runs.CHECKPOINT).read_bytes()
    (dest / runs.CHECKPOINT).write_bytes(data[: len(data) // 2])
    return dest


def misfit_checkpoint(tmp: Path, finished: Path) -> Path:
    """A readable checkpoint whose arrays belong to no run like this one."""
    dest = run_copy()(tmp, finished)
    arrays = {k: np.zeros(3) for k in runs.CHECKPOINT_KEYS} | {
        "n": np.asarray(5),
        "next_block": np.asarray(1),
    }
    runs.save_arrays(dest / runs.CHECKPOINT, arrays)
    return dest


@dataclass
class Case:
    """``mcpot *args`` in a folder prepared by ``setup``: exit ``rc``, stderr naming ``says``."""

    id: str
    args: tuple
    says: tuple[str, ...]
    priors: object = None  # edit of a priors copy, passed as --priors (P in args)
    setup: object = None  # (tmp, finished) -> path, passed as R in args
    rc: int = 2
    extra: dict = field(default_factory=dict)


P, R = "<priors>", "<run>"
ANY = ("run", *QUICK, "--sectors", "cement")
CASES = [
    # --- prior files
    Case(
        "prior-not-utf8",
        ("reproduce", "--priors", P),
        ("cement.toml: -: not UTF-8",),
        write("cement.toml", b"\xff\xfe[x]"),
    ),
    Case(
        "prior-binary",
        (*ANY, "--priors", P),
        ("cement.toml: -: a binary file",),
        write("cement.toml", os.urandom(2000) + b"\0"),
    ),
    Case(
        "prior-not-toml",
        ("reproduce", "--priors", P),
        ("steel.toml: -: not valid TOML",),
        append("steel", "[[["),
    ),
    Case(
        "prior-too-large",
        (*ANY, "--priors", P),
        ("cement.toml: -:", "too large"),
        append("cement", "#" * 1_100_000),
    ),
    Case(
        "prior-sector-mismatch",
        ("reproduce", "--priors", P),
        ("cement.toml: sector: says 'steel'",),
        replace_in("cement", 'sector = "cement"', 'sector = "steel"'),
    ),
    Case(
        "prior-file-missing",
        (*ANY, "--priors", P),
        ("--sectors: unknown sector cement in", "/p;"),
        lambda d: (d / "cement.toml").unlink(),
    ),
    Case(
        "prior-missing-field",
        ("reproduce", "--priors", P),
        ("steel.toml: emissions.2035: missing",),
        replace_in("steel", "[emissions.2035]", "[emissions.2036]"),
    ),
    # --- correlations: checked when the priors load, by every command
    Case(
        "corr-not-pd-run",
        (*ANY, "--sectors", "steel", "--priors", P),
        (
            "steel.toml: correlation: ",
            "not positive definite",
            "energy_management.K0~integrated_control.K0 (-0.9)",
        ),
        append("steel", NOT_PD),
    ),
    Case(
        "corr-not-pd-reproduce",
        ("reproduce", "--priors", P),
        ("steel.toml: correlation: ", "smallest eigenvalue"),
        append("steel", NOT_PD),
    ),
    Case(
        "corr-not-pd-stress",
        ("stress", *QUICK, "--priors", P),
        ("steel.toml: correlation: ", "not positive definite"),
        append("steel", NOT_PD),
    ),
    Case(
        "corr-not-pd-discover",
        ("discover", *QUICK, "--output", "steel.band_high.2035", "--above", "0.2", "--priors", P),
        ("steel.toml: correlation: ",),
        append("steel", NOT_PD),
    ),
    Case(
        "corr-not-pd-calibrate",
        ("calibrate", "--particles", "10", "--priors", P),
        ("steel.toml: correlation: ",),
        append("steel", NOT_PD),
    ),
    Case(
        "corr-not-pd-sobol",
        ("sobol", "--samples", "8", "--priors", P),
        ("steel.toml: correlation: ",),
        append("steel", NOT_PD),
    ),
    Case(
        "corr-self",
        ("reproduce", "--priors", P),
        ("steel.toml: correlation[", "].between: correlates 'energy_management.K0' with itself"),
        append("steel", corr("energy_management.K0", "energy_management.K0", 0.5)),
    ),
    Case(
        "corr-conflicting-pair",
        ("reproduce", "--priors", P),
        ("steel.toml: correlation[", "].between:", "conflicts with correlation["),
        append(
            "steel",
            corr("energy_management.K0", "automatic_control.K0", 0.5)
            + corr("automatic_control.K0", "energy_management.K0", -0.2),
        ),
    ),
    Case(
        "corr-repeated-pair",
        ("reproduce", "--priors", P),
        ("steel.toml: correlation[", "].between:", "repeats the pair"),
        append("steel", corr("energy_management.K0", "automatic_control.K0", 0.5) * 2),
    ),
    Case(
        "corr-rho-above-1",
        ("reproduce", "--priors", P),
        ("steel.toml: correlation[", "].rho: must be a number in (-1, 1)"),
        append("steel", corr("energy_management.K0", "automatic_control.K0", 1.5)),
    ),
    Case(
        "corr-unknown-name",
        ("reproduce", "--priors", P),
        ("steel.toml: correlation[", "].between: no input named 'energy_management.K00'"),
        append("steel", corr("energy_management.K00", "automatic_control.K0", 0.5)),
    ),
    # --- options
    Case("seed-negative", (*ANY, "--seed", "-1"), ("--seed: must be a non-negative integer",)),
    Case("jobs-zero", (*ANY, "--jobs", "0"), ("--jobs: must be -1 (all cores) or a positive",)),
    Case("jobs-1000", (*ANY, "--jobs", "1000"), ("--jobs: 1000 workers is more than 4 per core",)),
    Case(
        "checkpoint-every-negative", (*ANY, "--checkpoint-every", "-5"), ("--checkpoint-every: must be >= 0",)
    ),
    Case("horizon-2021", (*ANY, "--horizon", "2021"), ("--horizon: must be a year from 2035 to 2060",)),
    Case(
        "horizon-2200",
        ("sobol", "--samples", "8", "--horizon", "2200"),
        ("--horizon: must be a year from 2035 to 2060",),
    ),
    Case("backend-foo", (*ANY, "--backend", "foo"), ("--backend: invalid choice: 'foo'",)),
    Case("samples-zero", ("run", "--samples", "0"), ("--samples: must be a positive integer",)),
    Case("samples-not-a-number", ("run", "--samples", "many"), ("--samples: must be an integer",)),
    Case(
        "sectors-unknown", ("run", "--sectors", "steel,aluminium"), ("--sectors: unknown sector aluminium",)
    ),
    Case("reading-unknown", ("reproduce", "--reading", "literal"), ("--reading: invalid choice: 'literal'",)),
    Case("readings-unknown", ("sobol", "--readings", "report,nope"), ("--readings: unknown reading nope",)),
    Case("tolerance-above-1", (*ANY, "--tolerance", "1.5"), ("--tolerance: must be in (0, 1)",)),
    Case(
        "quantiles-reversed", ("tornado", "--quantiles", "0.9,0.1"), ("--quantiles: must be two quantiles",)
    ),
    Case("epsilon-negative", ("calibrate", "--epsilon", "-1"), ("--epsilon: must be > 0",)),
    Case("k-mid-outside", ("fit-central", "--k-mid", "2"), ("--k-mid: must be in (0, 1)",)),
    Case(
        "set-bad-syntax",
        ("reproduce", "--set", "steel.energy_management.K0"),
        ("--set 'steel.energy_management.K0': expected NAME=VALUE",),
    ),
    Case(
        "set-unknown-input",
        ("reproduce", "--set", "steel.energy.K0=0.3"),
        ("--set 'steel.energy.K0=0.3': unknown input",),
    ),
    Case(
        "set-outside-domain",
        ("reproduce", "--set", "steel.energy_management.K0=1.5"),
        ("--set 'steel.energy_management.K0=1.5':", "[0, 1]"),
    ),
    Case(
        "priors-missing-dir",
        ("reproduce", "--priors", "no-such-dir"),
        ("no-such-dir: -: priors directory not found",),
    ),
    Case(
        "compare-priors-missing",
        ("stress", *QUICK, "--compare-priors", "no-such-dir"),
        ("no-such-dir: -: priors directory not found",),
    ),
    Case(
        "scenarios-missing",
        ("stress", *QUICK, "--scenarios", "no-such.toml"),
        ("no-such.toml: -: cannot read the file",),
    ),
    Case(
        "unknown-option", ("run", "--sample", "5", "--frobnicate"), ("unrecognized arguments: --frobnicate",)
    ),
    Case("unknown-command", ("frobnicate",), ("COMMAND: invalid choice: 'frobnicate'",)),
    Case(
        "discover-no-threshold",
        ("discover", "--output", "steel.band_high.2035"),
        ("one of the arguments --above --below is required",),
    ),
    Case(
        "discover-unknown-output",
        ("discover", *QUICK, "--output", "steel.band.2035", "--above", "0.2"),
        ("--output", "steel.band.2035"),
    ),
    Case(
        "tornado-unknown-output", ("tornado", "--output", "steel.band.2035"), ("--output", "steel.band.2035")
    ),
    # --- run folders
    Case(
        "out-is-a-file",
        (*ANY, "--out", "README.md"),
        ("--out README.md: exists and is not a folder",),
        setup=lambda t, f: (t / "README.md").write_text("x"),
    ),
    Case(
        "out-impossible",
        (*ANY, "--out", "/proc/mcpot/run"),
        ("--out /proc/mcpot/run: cannot make the folder",),
    ),
    Case(
        "out-holds-a-run", (*ANY, "--out", R), ("already holds a run", "--resume"), setup=run_copy("complete")
    ),
    Case(
        "resume-with-out",
        ("run", "--resume", R, "--out", "x"),
        ("--out: not with --resume",),
        setup=run_copy(),
    ),
    Case(
        "resume-complete",
        ("run", "--resume", R),
        ("the run is already complete",),
        setup=run_copy("complete"),
    ),
    Case("resume-not-a-run", ("run", "--resume", "."), ("not a run folder (no manifest.json)",)),
    Case(
        "resume-checkpoint-garbage",
        ("run", "--resume", R),
        ("checkpoint.npz: damaged checkpoint", "another --out"),
        setup=run_copy(checkpoint=b"PK\x03\x04 this is no zip"),
    ),
    Case(
        "resume-checkpoint-pickle",
        ("run", "--resume", R),
        ("checkpoint.npz: damaged checkpoint", "pickled"),
        setup=run_copy(checkpoint=pickle.dumps({"n": 1})),
    ),
    Case(
        "resume-checkpoint-truncated",
        ("run", "--resume", R),
        ("checkpoint.npz: damaged checkpoint",),
        setup=truncated_checkpoint,
    ),
    Case(
        "resume-checkpoint-misfit",
        ("run", "--resume", R),
        ("checkpoint.npz: damaged checkpoint", "do not fit"),
        setup=misfit_checkpoint,
    ),
    Case(
        "manifest-not-json",
        ("run", "--resume", R),
        ("manifest.json: -: unreadable manifest",),
        setup=run_copy(edit=lambda m: "{not json"),
    ),
    Case(
        "manifest-a-list",
        ("report", R),
        ("manifest.json: -: must be a JSON object",),
        setup=run_copy(edit=lambda m: "[1, 2]"),
    ),
    Case(
        "manifest-no-config",
        ("run", "--resume", R),
        ("manifest.json: config: missing",),
        setup=run_copy(edit=lambda m: {k: v for k, v in m.items() if k != "config"}),
    ),
    Case(
        "manifest-config-alien",
        ("run", "--resume", R),
        ("manifest.json: config: not the settings of an mcpot run",),
        setup=run_copy(edit=lambda m: m | {"config": {"speed": 3}}),
    ),
    Case(
        "manifest-bad-status",
        ("report", R),
        ("manifest.json: status: 'done' is none of",),
        setup=run_copy("done"),
    ),
    Case("report-not-a-run", ("report", "."), ("not a run folder (no manifest.json)",)),
    Case(
        "report-of-a-file",
        ("report", "x.txt"),
        ("x.txt: not a run folder (a file)",),
        setup=lambda t, f: (t / "x.txt").write_text("x"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_user_error_is_one_line_naming_the_culprit(case, tmp_path, finished):
    args = list(case.args)
    if case.priors is not None:
        args = [str(priors_dir(tmp_path, case.priors)) if a == P else a for a in args]
    if case.setup is not None:
        made = case.setup(tmp_path, finished)
        args = [str(made) if a == R else a for a in args]
    res = mcpot(*args, cwd=tmp_path)
    assert "Traceback" not in res.stderr, res.stderr
    # mcpot's own lines but its notes and warnings (a library warning, printed by Python with its source
    # line, is not the error either)
    lines = [
        ln
        for ln in res.stderr.splitlines()
        if ln.startswith("mcpot") and not ln.startswith(("mcpot: warning", "mcpot: note"))
    ]
    assert res.returncode == case.rc, res.stderr
    assert len(lines) == 1 and "error: " in lines[0], res.stderr
    for fragment in case.says:
        assert fragment in lines[0], res.stderr


def test_case_count():
    assert len(CASES) >= 40


def test_jobs_above_the_cores_are_capped_with_a_note(capsys):
    from joblib import cpu_count

    assert jobs_count(str(cpu_count() + 1)) == cpu_count()
    assert f"--jobs {cpu_count() + 1} is more than the {cpu_count()} cores" in capsys.readouterr().err
    assert jobs_count("1") == 1 and jobs_count("-1") == -1


# ------------------------------------------------------------------------------------------ locking
LONG = ["run", "--sectors", "cement", "--seed", "7", "--jobs", "1", "--quiet", "--chunk-size", str(BLOCK)]


def test_a_second_run_on_a_live_folder_exits_2_at_once_and_leaves_the_first_alone(tmp_path):
    out = tmp_path / "shared"
    # long enough never to finish on its own (terminated below): the second run meets it live whatever
    # the load on the machine
    first = spawn(
        *LONG, "--samples", 5000 * BLOCK, "--checkpoint-every", "0", "--out", "shared", cwd=tmp_path
    )
    wait_for(lambda: is_held(out), first)
    t0 = time.monotonic()
    second = mcpot(*LONG, "--samples", 40 * BLOCK, "--out", "shared", cwd=tmp_path)
    assert second.returncode == 2 and "Traceback" not in second.stderr
    assert f"shared: in use by mcpot PID {first.pid} " in second.stderr and "started" in second.stderr
    assert time.monotonic() - t0 < 60 and first.poll() is None  # refused at once; the first runs on
    first.terminate()
    assert first.wait(timeout=60) != 0
    m = manifest(out)
    assert m["status"] == "interrupted" and len(m["sessions"]) == 1 and not is_held(out)


def test_resume_of_a_live_run_is_refused_then_sigterm_records_interrupted(tmp_path):
    out = tmp_path / "live"
    # long enough never to finish on its own: it is terminated below
    proc = spawn(*LONG, "--samples", 5000 * BLOCK, "--checkpoint-every", "0", "--out", out, cwd=tmp_path)
    wait_for(lambda: (out / runs.CHECKPOINT).exists(), proc)
    res = mcpot("run", "--resume", out, cwd=tmp_path)
    assert res.returncode == 2 and f"in use by mcpot PID {proc.pid} " in res.stderr
    assert "Traceback" not in res.stderr
    res = mcpot("report", out, cwd=tmp_path)  # nor may a report write into a live run
    assert res.returncode == 2 and f"PID {proc.pid}" in res.stderr
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 128 + signal.SIGTERM
    assert "terminated (SIGTERM)" in proc.stderr.read()
    m = manifest(out)
    assert m["status"] == "interrupted" and m["error"] == "terminated by SIGTERM"
    assert not (out / INFO).exists() and not is_held(out)


def test_lock_names_its_holder_and_is_free_after_release(tmp_path):
    with RunLock(tmp_path):
        assert is_held(tmp_path)
        info = json.loads((tmp_path / INFO).read_text())
        assert info["pid"] == os.getpid()
        with pytest.raises(runs.McpotError, match=rf"in use by mcpot PID {os.getpid()} "):
            RunLock(tmp_path).acquire()
    assert not is_held(tmp_path)


# ------------------------------------------------------------------------------- what manifests say
def test_sigkilled_run_reads_interrupted_on_report_and_resumes(tmp_path):
    out = tmp_path / "killed"
    n = 30 * BLOCK
    proc = spawn(*LONG, "--samples", n, "--checkpoint-every", "0", "--out", out, cwd=tmp_path)
    wait_for(lambda: (out / runs.CHECKPOINT).exists(), proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert manifest(out)["status"] == "running"  # a killed process cannot say so: the report finds out
    res = mcpot("report", out, cwd=tmp_path)
    assert res.returncode == 0 and "the run is interrupted" in res.stderr and "--resume" in res.stderr
    m = manifest(out)
    assert m["status"] == "interrupted" and "killed" in m["error"]
    assert m["report"]["status"] == "complete"
    assert cli.main(["run", "--resume", str(out), "--quiet"]) == 0
    m = manifest(out)
    assert m["status"] == "complete" and m["samples_done"] == n and len(m["sessions"]) == 2


def test_failed_run_records_failed_with_the_reason(tmp_path, monkeypatch, capsys):
    import mcpot.engine.run

    def boom(*args, **kwargs):
        raise RuntimeError("the model broke")

    monkeypatch.setattr(mcpot.engine.run, "simulate", boom)
    with pytest.raises(RuntimeError):  # a bug keeps its traceback, but the folder says what happened
        cli.main([*ANY, "--out", str(tmp_path / "f")])
    m = manifest(tmp_path / "f")
    assert m["status"] == "failed" and m["error"] == "RuntimeError: the model broke"
    assert m["sessions"][-1]["finished"] and not is_held(tmp_path / "f")


def _full_disk(monkeypatch, on: str, everything_after: bool):
    """Make atomic writes raise ENOSPC from the first write to a file named ``on`` (and every one after)."""
    real, full = runs.atomic_write, []

    def atomic_write(path, write):
        if Path(path).name == on or (full and everything_after):
            full.append(path)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, write)

    monkeypatch.setattr(runs, "atomic_write", atomic_write)
    return full


@pytest.mark.parametrize("everything_after", [False, True], ids=["summary-only", "manifest-too"])
def test_full_disk_is_one_line_exit_1_and_the_run_resumes_exactly(
    everything_after, tmp_path, monkeypatch, capsys
):
    out, n = tmp_path / "full", 3 * BLOCK
    args = ["run", "--sectors", "cement", "--samples", str(n), "--seed", "11", "--jobs", "1", "--quiet"]
    args += ["--chunk-size", str(BLOCK), "--checkpoint-every", "0"]
    full = _full_disk(monkeypatch, "summary.csv", everything_after)
    assert cli.main([*args, "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "summary.csv: disk full (No space left on device)" in err
    assert f"mcpot run --resume {out}" in err and full
    m = manifest(out)
    if everything_after:  # the manifest could not be written either: it still says running, unlocked
        assert m["status"] == "running" and runs.live_status(out, m) == "interrupted"
    else:
        assert m["status"] == "failed" and m["error"].startswith("disk full writing")
    assert int(np.load(out / runs.CHECKPOINT)["next_block"]) == 2  # the finished chunks are kept
    monkeypatch.undo()  # space freed
    assert cli.main(["run", "--resume", str(out), "--quiet"]) == 0
    fresh = run(RunConfig(sectors=("cement",), samples=n, seed=11, jobs=1), write=False)
    assert_array_equal(pd.read_parquet(out / "summary.parquet")["value"], fresh.summary["value"])
    assert manifest(out)["status"] == "complete"


def test_report_failure_is_recorded_apart_from_the_results(tmp_path, monkeypatch, capsys):
    _full_disk(monkeypatch, "report.html", everything_after=False)
    out = tmp_path / "rep"
    assert cli.main([*ANY, "--out", str(out), "--report"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "report.html: disk full" in err and "the results are kept" in err
    m = manifest(out)
    assert m["status"] == "complete"
    assert m["report"]["status"] == "failed" and "disk full" in m["report"]["error"]


def test_large_prior_file_is_hashed_not_copied_into_the_manifest(tmp_path):
    priors = priors_dir(tmp_path, append("cement", "# padding\n" * 20_000))  # ~200 kB, under the 1 MB limit
    out = tmp_path / "big"
    run(RunConfig(sectors=("cement",), samples=500, seed=1, jobs=1), priors_dir=priors, out_dir=out)
    entry = manifest(out)["priors"]["cement"]
    text = (priors / "cement.toml").read_text()
    assert entry["text"] is None and entry["bytes"] == len(text.encode()) > runs.MANIFEST_PRIOR_TEXT
    assert (out / "priors" / "cement.toml").read_text() == text  # the verbatim copy stays
    assert (out / "manifest.json").stat().st_size < 100_000


def test_warnings_print_like_errors_keeping_a_kind_other_than_userwarning():
    import io

    from mcpot.cli import _show_warning

    out = io.StringIO()
    _show_warning(UserWarning("two inputs tied"), UserWarning, "x.py", 3, file=out)
    _show_warning(RuntimeWarning("invalid value"), RuntimeWarning, "y.py", 7, file=out)
    lines = out.getvalue().splitlines()
    assert lines == ["mcpot: warning: two inputs tied", "mcpot: warning (RuntimeWarning): invalid value"]
