"""The figures the README quotes about the bundled priors, computed at a fixed seed.

``python -m mcpot.docs_figures`` computes every figure, prints them and writes ``docs/figures.json``
(value, Monte Carlo standard error, the command that shows it, the SHA-256 of the priors used);
``--write-readme`` also rewrites each marked number in ``README.md``. A README figure is marked by an
HTML comment naming its key just before it, e.g. ``<!-- fig:run.steel.band_high.2035.p50 -->17.1%``;
the number keeps its decimals when rewritten. ``tests/test_readme.py`` checks that every marked number
is the stored figure at its printed precision, that the stored figures were made from the current priors,
and that a small fresh computation agrees with them within Monte Carlo error.

Every value is in the unit the README prints: % for band ends, percentiles and shares of draws,
Mt CO2/yr for emissions, a plain number for indices, ratios and probabilities.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
STORE = REPO / "docs" / "figures.json"
SEED = 1
SECTORS = ("steel", "petrochemical", "cement")
MARK = re.compile(r"<!-- fig:(?P<key>[\w.\-]+) -->(?P<number>-?\d+(?:\.\d+)?)")

Figures = dict[str, tuple[float, float]]  # key -> (value, Monte Carlo standard error), README units


def _run(samples: int, seed: int, jobs: int, **config):
    from mcpot.engine.run import RunConfig, run

    return run(RunConfig(sectors=SECTORS, samples=samples, seed=seed, jobs=jobs, **config), write=False)


def _percentiles(result, prefix: str, outputs: dict[str, float], stats=("p5", "p50", "p95")) -> Figures:
    s = result.summary.set_index(["output", "statistic"])
    return {
        f"{prefix}.{output}.{stat}": (
            scale * s.loc[(output, stat), "value"],
            scale * s.loc[(output, stat), "mc_se"],
        )
        for output, scale in outputs.items()
        for stat in stats
    }


def figures_run(samples: int = 100_000, seed: int = SEED, jobs: int = -1) -> Figures:
    """``mcpot run --samples 100000 --seed 1``: band ends, P(band inside the report's), totals met."""
    res = _run(samples, seed, jobs)
    bands = {f"{s}.{end}": 100.0 for s in SECTORS for end in ("band_low.2025", "band_high.2035")}
    out = _percentiles(res, "run", bands)
    c = res.claims
    for r in c[c.quantity == "band"].itertuples():
        out[f"run.{r.sector}.p_band_inside"] = (r.probability, r.mc_se)
    totals = c[c.quantity == "total"]
    lo, hi = totals.probability.idxmin(), totals.probability.idxmax()
    out["run.p_total_met.min"] = (100 * totals.probability[lo], 100 * totals.mc_se[lo])
    out["run.p_total_met.max"] = (100 * totals.probability[hi], 100 * totals.mc_se[hi])
    return out


def figures_incremental(samples: int = 100_000, seed: int = SEED, jobs: int = -1) -> Figures:
    """``mcpot run --reading incremental``: the steel band and P(band inside) under that reading."""
    res = _run(samples, seed, jobs, reading="incremental")
    out = _percentiles(res, "incremental", {"steel.band_low.2025": 100.0, "steel.band_high.2035": 100.0})
    band = res.claims[res.claims.quantity == "band"]
    out["incremental.p_band_inside.max"] = (band.probability.max(), band.mc_se.max())
    return out


def figures_horizon(samples: int = 20_000, seed: int = SEED, jobs: int = -1) -> Figures:
    """``mcpot run --horizon 2060 --samples 20000``: growth ratio, year of fastest growth, P(slows)."""
    res = _run(samples, seed, jobs, horizon=2060)
    out = _percentiles(res, "horizon", {f"{s}.growth_ratio": 1.0 for s in SECTORS}, ("p50",))
    out |= _percentiles(res, "horizon", {"steel.peak_growth_year": 1.0})
    slows = res.claims[res.claims.quantity == "growth_ratio"]
    out["horizon.p_slows.min"] = (100 * slows.probability.min(), 100 * slows.mc_se.max())
    out["horizon.p_slows.max"] = (100 * slows.probability.max(), 100 * slows.mc_se.max())
    return out


def figures_compare(samples: int = 20_000, seed: int = SEED, jobs: int = -1) -> Figures:
    """``mcpot stress --compare-priors priors-literature``: percentile of each published figure."""
    from mcpot.engine.run import RunConfig
    from mcpot.precision import probability_se
    from mcpot.stress.compare import compare_priors

    base = RunConfig(sectors=SECTORS, samples=samples, seed=seed, jobs=jobs)
    sets = {"default": (None, "report"), "compared": (str(REPO / "priors-literature"), "rescaled")}
    table = compare_priors(base, sets).table
    out = {}
    for r in table[table.prior_set == "compared"].itertuples():
        p = r.percentile / 100
        se = 100 * probability_se(p, samples)
        out[f"compare.{r.output}"] = (r.percentile, se)
    return out


def figures_sobol(samples: int = 4096, seed: int = SEED, jobs: int = -1) -> Figures:
    """``mcpot sobol --seed 1``: total indices ST of the 2035 band ends (CI half-width / 1.96 as se)."""
    from mcpot.sensitivity.analyses import SensitivityConfig, run_sobol

    res = run_sobol(SensitivityConfig(sectors=SECTORS, samples=samples, seed=seed, jobs=jobs), write=False)
    st = res.indices[res.indices["index"] == "ST"]
    return {
        f"sobol.{r.output}.{r.grouping}.{r.parameter.removeprefix(r.sector + '.')}": (r.value, r.conf / 1.96)
        for r in st.itertuples()
        if r.output.endswith("band_high.2035")
    }


def figures_reproduce(samples: int = 0, seed: int = SEED, jobs: int = -1) -> Figures:
    """``mcpot reproduce``: the model at the prior medians (no sampling: no Monte Carlo error)."""
    from mcpot.model.priors import load_priors
    from mcpot.model.reproduce import reproduce
    from mcpot.model.space import ParameterSpace

    rep = reproduce(ParameterSpace(load_priors(None, SECTORS)))
    out = {}
    for r in rep.comparison.itertuples():
        if r.quantity in ("band_low", "band_high"):
            out[f"reproduce.{r.sector}.{r.quantity}"] = (100 * r.model, 0.0)
        if r.quantity == "total":
            out[f"reproduce.{r.sector}.total.{r.year}.rel_diff"] = (100 * r.rel_diff, 0.0)
    totals = rep.comparison[rep.comparison.quantity == "total"]
    shares = rep.comparison[rep.comparison.quantity == "share"]
    out["reproduce.max_total_rel_diff"] = (100 * float(totals.rel_diff.abs().max()), 0.0)
    out["reproduce.max_share_diff"] = (100 * float(shares["diff"].abs().max()), 0.0)
    for r in rep.denominators.itertuples():
        for col in ("implied_by_report", "prior_median", "prior_p05", "prior_p95"):
            out[f"reproduce.{r.sector}.emissions.{r.year}.{col}"] = (float(getattr(r, col)), 0.0)
    return out


PRODUCERS: dict[str, Callable[..., Figures]] = {
    "reproduce": figures_reproduce,
    "run": figures_run,
    "incremental": figures_incremental,
    "horizon": figures_horizon,
    "compare": figures_compare,
    "sobol": figures_sobol,
}


def priors_sha256() -> dict[str, str]:
    """SHA-256 of each bundled prior file: the figures are stale when one changes."""
    from mcpot.model.priors import load_priors

    return {s: sp.sha256 for s, sp in load_priors(None, SECTORS).items()}


def compute(only: list[str] | None = None, jobs: int = -1) -> dict:
    """Every figure (or those of the producers in ``only``), with the provenance stored beside them."""
    figures = {}
    for name, produce in PRODUCERS.items():
        if only and name not in only:
            continue
        for key, (value, se) in produce(jobs=jobs).items():
            figures[key] = {"value": float(value), "mc_se": float(se), "producer": name}
    return {"seed": SEED, "priors_sha256": priors_sha256(), "figures": figures}


def marks(text: str) -> list[tuple[str, str]]:
    """The ``(key, number as printed)`` of every marked figure in ``text``, in order."""
    return [(m["key"], m["number"]) for m in MARK.finditer(text)]


def formatted(value: float, like: str) -> str:
    """``value`` with as many decimals as ``like`` (a number as printed in the README)."""
    decimals = len(like.split(".")[1]) if "." in like else 0
    return f"{value:.{decimals}f}"


def rewrite(text: str, figures: dict) -> str:
    """``text`` with every marked number replaced by its figure; an unknown key is an error."""
    from mcpot.errors import McpotError

    def sub(m: re.Match) -> str:
        if m["key"] not in figures:
            raise McpotError(f"README.md: fig:{m['key']}: no such figure (see python -m mcpot.docs_figures)")
        return f"<!-- fig:{m['key']} -->{formatted(figures[m['key']]['value'], m['number'])}"

    return MARK.sub(sub, text)


def main(argv: list[str] | None = None) -> int:
    """Command line: compute, print, store, and with ``--write-readme`` rewrite the README."""
    p = argparse.ArgumentParser(prog="python -m mcpot.docs_figures", description=__doc__.split("\n\n")[0])
    p.add_argument("--write-readme", action="store_true", help="rewrite the marked numbers in README.md")
    p.add_argument(
        "--only", type=lambda t: t.split(","), default=None, help=f"producers: {','.join(PRODUCERS)}"
    )
    p.add_argument("--jobs", type=int, default=-1, help="parallel workers (-1: all cores)")
    args = p.parse_args(argv)
    data = compute(args.only, args.jobs)
    if args.only and STORE.exists():  # keep the other producers' figures
        old = json.loads(STORE.read_text())
        data["figures"] = old["figures"] | data["figures"]
    for key, f in data["figures"].items():
        print(f"{key:<70} {f['value']:12.4f}  +/- {f['mc_se']:.4f}")
    STORE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {STORE.relative_to(REPO)}")
    if args.write_readme:
        README.write_text(rewrite(README.read_text(), data["figures"]))
        print(f"rewrote {len(marks(README.read_text()))} figures in README.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
