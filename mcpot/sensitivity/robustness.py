"""``mcpot robustness``: do the key conclusions survive other defensible prior choices?

Per sector the key conclusions are

(a) the **top-3 drivers** of each band end, ranked by the Sobol total index ST from a small replicated
    design (:func:`mcpot.sensitivity.sobol_replicates.analyze_replicates`: ``samples`` base points in 8
    independently scrambled replicates, ``samples * (D + 2)`` model runs, Student-t intervals). ST is
    chosen because it is what ``mcpot sobol``'s drivers sentences rank by (so the conclusion tested is
    the one the tool states), it is cheap (~3e4 runs per sector at 1024 points; SALib's delta would
    take ~20 s per sector and output at that N) and its replicate intervals say when two inputs are
    tied. It assumes independent inputs (``mcpot shapley`` gives the dependence-aware view);
(b) **P(band inside the report's)**: both band ends inside the published band (the claim of
    ``mcpot run``), from a Monte Carlo sample of the joint prior (copula included) of ``8 * samples``
    rows through the engine;
(c) the **medians of the band ends**, from the same sample.

Variants (:func:`variants`): ``widths x0.5`` and ``widths x2`` (:func:`mcpot.model.variants.scale_widths`),
``other families`` (:func:`~mcpot.model.variants.swap_families`), ``no correlation`` (only if the priors
have ``[[correlation]]`` entries), ``old logistic`` (the ``alpha-beta/`` prior set beside the priors, if
present) and ``literature`` (``priors-literature/`` beside the priors, or ``literature/`` inside them,
run with the ``rescaled`` reading its files are written for). A variant that cannot be built is listed
with a note and skipped.

A conclusion **holds** under a variant when

* top-3: the variant's top-3 set equals the baseline's, or every baseline driver missing from it is tied
  with the variant's third (ST intervals overlap): the MC error cannot tell them apart. Across the two
  parameterisations of the logistic (``old logistic``: alpha, beta vs midpoint, steepness) the inputs
  have different names, so a category's logistic inputs compare as one (``cat.logistic``, its largest ST);
  likewise a category's RF and the unit savings the ``literature`` set builds it from (``cat.RA.<energy>``
  -> ``cat.RF``, the largest ST of them; the shared emission factors and production stay themselves);
* probability: ``|p_v - p_0| <= max(0.05, 3 * sqrt(se_0^2 + se_v^2))`` (binomial standard errors);
* median: ``|m_v / m_0 - 1| <= 0.10 + 3 * (se_v + se_0) / m_0`` (distribution-free median errors).

The verdict is ``robust`` if it holds under every variant, else ``depends on <variants>``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mcpot.engine import runs
from mcpot.engine.chunks import RunConfig, draw
from mcpot.engine.evaluate import check_backend, rows_evaluator
from mcpot.engine.sampling import Seeded
from mcpot.errors import McpotError
from mcpot.model.overrides import apply_overrides
from mcpot.model.priors import DEFAULT_PRIORS_DIR, SectorPriors, available_sectors, load_priors, published
from mcpot.model.space import ParameterSpace, output_columns
from mcpot.model.variants import drop_correlations, scale_widths, swap_families
from mcpot.precision import plus_minus, probability_se
from mcpot.sensitivity.sector import SectorModel, short
from mcpot.sensitivity.sobol_replicates import analyze_replicates

__all__ = ["RobustnessConfig", "RobustnessResult", "run_robustness", "variants"]

BAND_ENDS = ("band_low.2025", "band_high.2035")
PROBABILITY_TOL = 0.05
MEDIAN_TOL = 0.10
MC_FACTOR = 8


@dataclass(frozen=True)
class RobustnessConfig(Seeded):
    """Settings of ``mcpot robustness``.

    Attributes
    ----------
    sectors : tuple of str
    samples : int
        Sobol base points per sector and variant (a power of two, >= 8 * replicates); the Monte Carlo
        sample for (b) and (c) has ``8 * samples`` rows.
    replicates : int
        Scrambled replicates of the Sobol design.
    seed : int or None
    reading : str
        Reading of the baseline and every variant but ``literature`` (``rescaled``).
    jobs, backend, scheduler, chunk :
        Execution only: the Sobol evaluations run on ``backend`` (a dask scheduler address with
        "dask"); the Monte Carlo draws on the threads of :class:`mcpot.engine.run.RunConfig`, or on dask
        when that is the backend.
    overrides : tuple of str
        ``--set`` overrides applied to the baseline priors before the variants are built.
    """

    sectors: tuple[str, ...] = field(default_factory=available_sectors)
    samples: int = 1024
    replicates: int = 8
    seed: int | None = None
    reading: str = "report"
    jobs: int = -1
    backend: str = "loky"
    scheduler: str | None = None
    chunk: int = 16384
    overrides: tuple[str, ...] = ()

    def __post_init__(self):
        check_backend(self.backend, self.scheduler)
        n = self.samples
        if n & (n - 1) or n < 8 * self.replicates:
            raise McpotError(f"--samples: must be a power of 2 and at least {8 * self.replicates}, got {n}")


@dataclass(frozen=True)
class RobustnessResult:
    """``table``: conclusion, sector, output, variant, reading, value, baseline, holds, verdict, detail.

    ``skipped``: variant, note (variants that could not be built). ``run_dir``: the run folder or None.
    """

    config: RobustnessConfig
    table: pd.DataFrame
    skipped: pd.DataFrame
    run_dir: Path | None


@dataclass(frozen=True)
class Variant:
    name: str
    priors: dict[str, SectorPriors]
    reading: str


def _sibling(priors_dir, names: tuple[str, ...]) -> Path | None:
    base = Path(priors_dir) if priors_dir is not None else DEFAULT_PRIORS_DIR
    for cand in names:
        path = (base / cand) if not cand.startswith("../") else base.parent / cand[3:]
        if path.is_dir() and any(path.glob("*.toml")):
            return path
    return None


def variants(
    priors: dict[str, SectorPriors], reading: str, priors_dir=None
) -> tuple[list[Variant], list[tuple[str, str]]]:
    """The baseline and the alternative prior choices (module docstring), and (variant, note) skipped."""
    out = [
        Variant("baseline", priors, reading),
        Variant("widths x0.5", scale_widths(priors, 0.5), reading),
        Variant("widths x2", scale_widths(priors, 2.0), reading),
        Variant("other families", swap_families(priors), reading),
    ]
    skipped = []
    if any(sp.correlations for sp in priors.values()):
        out.append(Variant("no correlation", drop_correlations(priors), reading))
    else:
        skipped.append(("no correlation", "the priors have no [[correlation]] entries"))
    for name, dirs, var_reading in (
        ("old logistic", ("alpha-beta",), reading),
        ("literature", ("../priors-literature", "literature"), "rescaled"),
    ):
        where = _sibling(priors_dir, dirs)
        if where is None:
            skipped.append((name, f"no prior set {' or '.join(dirs)} beside the priors"))
            continue
        missing = [s for s in priors if not (where / f"{s}.toml").exists()]
        if missing:
            skipped.append((name, f"{where} has no {', '.join(missing)}"))
            continue
        out.append(Variant(name, load_priors(where, tuple(priors)), var_reading))
    return out, skipped


def _median_se(y: np.ndarray) -> float:
    n = y.size
    s = np.sqrt(0.25 / n)
    lo, hi = np.quantile(y, [0.5 - s, 0.5 + s])
    return float((hi - lo) / 2)


def _measure(cfg: RobustnessConfig, v: Variant, sector: str, i: int, k: int, band) -> list[dict]:
    """Every conclusion's value for one variant and sector."""
    outputs = [f"{sector}.{o}" for o in BAND_ENDS]
    model = SectorModel.build(v.priors, sector, (v.reading,), 2035, outputs)
    seed = int(np.random.SeedSequence(cfg.seed, spawn_key=(i, k)).generate_state(1)[0])
    st = analyze_replicates(
        model,
        model.ppf,
        model.dim,
        cfg.samples,
        outputs=outputs,
        replicates=cfg.replicates,
        seed=seed,
        evaluate=rows_evaluator(cfg),
        names=model.names,
    )
    rows = []
    for m, out in enumerate(outputs):
        rank = np.argsort(-st.ST[m], kind="stable")
        rows.append(
            {
                "kind": "top3",
                "output": out,
                "top": [short(model.names[j]) for j in rank[:3]],
                "st": {short(n): (st.ST[m, j], st.ST_conf[m, j]) for j, n in enumerate(model.names)},
            }
        )
    space = ParameterSpace({sector: v.priors[sector]}, v.reading)
    mc = RunConfig(
        sectors=(sector,), samples=MC_FACTOR * cfg.samples, design="mc", seed=seed, reading=v.reading,
        jobs=cfg.jobs, chunk=cfg.chunk,
        **({"backend": "dask", "scheduler": cfg.scheduler} if cfg.backend == "dask" else {}),
    )  # fmt: skip
    _, Y = draw(mc, space)
    cols = list(output_columns(space, 2035, v.reading).output)
    low, high = (Y[:, cols.index(o)] for o in outputs)
    if band is not None:
        p = float(np.mean((low >= band[0]) & (low <= band[1]) & (high >= band[0]) & (high <= band[1])))
        rows.append({"kind": "probability", "output": f"{sector}.band", "value": p,
                     "se": probability_se(p, low.size)})  # fmt: skip
    for out, y in zip(outputs, (low, high), strict=True):
        rows.append({"kind": "median", "output": out, "value": float(np.median(y)), "se": _median_se(y)})
    return rows


LOGISTIC = ("alpha", "beta", "midpoint", "steepness")


def _quantity(name: str) -> str:
    """The model quantity an input stands for, named alike in every prior set.

    ``cat.alpha``, ``cat.beta``, ``cat.midpoint``, ``cat.steepness`` -> ``cat.logistic``;
    ``cat.RA.<energy>`` (a unit saving RF is built from, ``RF = Q sum_w RA_w EF_w``) -> ``cat.RF``;
    any other input is itself.
    """
    cat, _, kind = name.rpartition(".")
    if kind in LOGISTIC:
        return f"{cat}.logistic"
    head, _, ra = cat.rpartition(".")
    return f"{head}.RF" if ra == "RA" and head else name


def _top3_holds(base: dict, var: dict) -> tuple[bool, str]:
    base_top, var_top, var_st, how = base["top"], var["top"], var["st"], ""
    if not all(n in var_st for n in base_top):
        # another parameterisation (alpha, beta vs midpoint, steepness; RF vs the unit savings it is
        # built from): a category's inputs for one quantity compare as one, by their largest ST
        base_top = list(dict.fromkeys(map(_quantity, base_top)))
        merged: dict[str, tuple[float, float]] = {}
        for n, st in var_st.items():
            key = _quantity(n)
            if key not in merged or st[0] > merged[key][0]:
                merged[key] = st
        var_st, how = merged, " (a category's logistic inputs, and its RF or unit savings, compared as one)"
        var_top = sorted(var_st, key=lambda n: -var_st[n][0])[: len(base_top)]
    if set(var_top) == set(base_top):
        return True, "same set" + how
    third = var_st[var_top[-1]]
    missing = [n for n in base_top if n not in var_top]
    tied = all(n in var_st and var_st[n][0] + var_st[n][1] >= third[0] - third[1] for n in missing)
    return tied, (
        "tied with the third (ST intervals overlap)" if tied else f"lost {', '.join(missing)}"
    ) + how


def _holds(kind: str, base: dict, var: dict) -> tuple[bool, str]:
    if kind == "top3":
        return _top3_holds(base, var)
    if kind == "probability":
        tol = max(PROBABILITY_TOL, 3 * np.hypot(base["se"], var["se"]))
        return abs(var["value"] - base["value"]) <= tol, f"tolerance {tol:.3f}"
    tol = MEDIAN_TOL + 3 * (base["se"] + var["se"]) / abs(base["value"])
    return abs(var["value"] / base["value"] - 1) <= tol, f"tolerance {100 * tol:.1f}%"


def _label(kind: str, output: str) -> str:
    sector, what = output.split(".", 1)
    end = {"band_low.2025": "band low end (2025)", "band_high.2035": "band high end (2035)"}.get(what, what)
    return {
        "top3": f"{sector}: top-3 drivers of the {end}",
        "probability": f"{sector}: P(band inside the report's)",
        "median": f"{sector}: median of the {end}",
    }[kind]


def _value(kind: str, r: dict) -> str:
    if kind == "top3":
        return "; ".join(f"{n} ({plus_minus(*r['st'][n])})" for n in r["top"])
    return plus_minus(r["value"], r["se"], least=3) if kind == "probability" else f"{100 * r['value']:.2f}%"


def run_robustness(
    cfg: RobustnessConfig, *, priors_dir=None, out_dir=None, runs_root="runs", write: bool = True
) -> RobustnessResult:
    """Re-derive the key conclusions under every variant; the table and verdicts (module docstring)."""
    cfg = cfg.with_seed()
    t0, started = time.perf_counter(), runs.utc_now()
    priors = apply_overrides(load_priors(priors_dir, cfg.sectors), cfg.overrides)
    found, skipped = variants(priors, cfg.reading, priors_dir)
    bands = {s: p.band for s, p in published(priors).items()}
    rows = []
    for i, sector in enumerate(cfg.sectors):
        measured = {v.name: _measure(cfg, v, sector, i, k, bands.get(sector)) for k, v in enumerate(found)}
        readings = {v.name: v.reading for v in found}
        for j, base in enumerate(measured["baseline"]):
            kind, output = base["kind"], base["output"]
            for name, values in measured.items():
                var = values[j]
                ok, detail = (True, "") if name == "baseline" else _holds(kind, base, var)
                rows.append(
                    {
                        "conclusion": _label(kind, output),
                        "sector": sector,
                        "output": output,
                        "variant": name,
                        "reading": readings[name],
                        "value": _value(kind, var),
                        "baseline": _value(kind, base),
                        "holds": ok,
                        "detail": detail,
                    }
                )
    table = pd.DataFrame(rows)
    fails = table[~table.holds].groupby("conclusion", sort=False).variant.agg(lambda v: ", ".join(v))
    table["verdict"] = [f"depends on {fails[c]}" if c in fails.index else "robust" for c in table.conclusion]
    skipped_frame = pd.DataFrame(skipped, columns=["variant", "note"])
    run_dir = None
    if write:
        run_dir = runs.save_analysis(
            "robustness",
            asdict(cfg),
            priors,
            {"robustness.csv": table, "robustness_skipped.csv": skipped_frame},
            started=started,
            elapsed=time.perf_counter() - t0,
            out_dir=out_dir,
            runs_root=runs_root,
            variants={v.name: v.reading for v in found},
        )
    return RobustnessResult(cfg, table, skipped_frame, run_dir)
