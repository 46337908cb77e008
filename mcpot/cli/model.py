"""``mcpot reproduce``, ``fit-central`` and ``priors``: the model at the medians; centres; every input."""

from __future__ import annotations

import argparse
import json
import sys

from mcpot.cli.common import _fmt, command, load_space


@command("reproduce")
def cmd_reproduce(args: argparse.Namespace) -> int:
    from mcpot.model.reproduce import reproduce

    space = load_space(args)
    rep = reproduce(space)
    missing = [s for s in args.sectors if s not in set(rep.comparison.sector)]
    if missing:
        print(
            f"{', '.join(missing)}: no published figures ([reference] in the prior file): nothing to compare",
            file=sys.stderr if args.json else sys.stdout,
        )
    if args.json:
        cols = ["sector", "quantity", "year", "category", "model", "report"]
        records = rep.comparison[cols].astype(object).where(rep.comparison[cols].notna(), None)
        print(json.dumps(records.to_dict(orient="records"), indent=1, default=int))
        return 0
    print(
        f"Model at the prior medians vs the report (reading: {args.reading}; totals in Mt CO2/yr,"
        " shares as % of the sector total in 2035, band as % of sector emissions)"
    )
    for sector, table in rep.comparison.groupby("sector", sort=False):
        print(f"\n{sector}")
        for r in table.itertuples():
            what = {
                "total": f"total {r.year}",
                "share": f"share {r.category}",
                "band_low": "band low (2025)",
                "band_high": "band high (2035)",
            }[r.quantity]
            if r.quantity == "total":
                diff = f"{r.diff:+7.1f} Mt ({100 * r.rel_diff:+.1f}%)"
            else:
                diff = f"{100 * r.diff:+6.1f} pp"
            print(
                f"  {what:<32} model {_fmt(r.model, r.quantity)}   report "
                f"{_fmt(r.report, r.quantity)}   diff {diff}"
            )
    d = rep.denominators
    print(
        "\nSector emissions behind the band (Mt CO2/yr): implied by the report "
        "(published total / band end) vs the emission prior"
    )
    for r in d.itertuples():
        flag = "  <- OUTSIDE the prior's 90% interval" if r.outside else ""
        print(
            f"  {r.sector:<14} {r.year}  implied {r.implied_by_report:7.0f}   prior median "
            f"{r.prior_median:7.0f}  90% [{r.prior_p05:.0f}, {r.prior_p95:.0f}]{flag}"
        )
    return 0


@command("fit-central")
def cmd_fit_central(args: argparse.Namespace) -> int:
    from mcpot.model.central import fit_central
    from mcpot.model.priors import published

    print(
        "Central steepness (per sector), midpoint and RF per category fitted to the published figures\n"
        f"(reading: {args.reading}; K0, K_max, S at their prior medians; alpha = -steepness * midpoint,\n"
        "beta = steepness; RF and ER in Mt CO2/yr)"
    )
    from mcpot.model.priors import load_priors

    priors = load_priors(args.priors, args.sectors)
    pub = published(priors)
    for sector, sp in priors.items():
        if sector not in pub:
            print(f"\n{sector}: no published figures ([reference] in its prior file): nothing to fit")
            continue
        table = fit_central(sp, pub[sector], reading=args.reading, k_mid=args.k_mid, reg=args.reg)
        print(f"\n{sector}\n{table.round(3).to_string(index=False)}")
    return 0


@command("priors")
def cmd_priors(args: argparse.Namespace) -> int:
    from mcpot.model.listing import prior_table
    from mcpot.model.priors import load_priors

    table = prior_table(load_priors(args.priors, args.sectors))
    if args.csv:
        table.to_csv(args.csv, index=False)
    for r in table.itertuples():
        print(
            f"{r.name:<40} {r.distribution:<48} 5/50/95%: {r.p05:.4g} / {r.p50:.4g} / {r.p95:.4g}  {r.unit}"
        )
        if r.fit:
            print(f"    elicited {r.elicited} -> {r.fit}")
        print(f"    source: {r.source}")
    if args.csv:
        print(f"\nwritten: {args.csv}")
    return 0
