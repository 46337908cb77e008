"""Every table mcpot writes gives years as integers (``2025``, never ``2025.0``)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from mcpot.engine.run import RunConfig, run
from mcpot.engine.runs import integer_years, write_table


def year_columns(path: Path) -> dict[str, list[str]]:
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    names = rows[0].keys() if rows else []
    return {c: [r[c] for r in rows] for c in names if c == "year" or c.endswith("_year")}


def test_integer_years_converts_whole_floats_only() -> None:
    frame = pd.DataFrame(
        {"year": [2025.0, np.nan, 2035.0], "peak_year": [2030.5, 2031.0, np.nan], "value": [1.0, 2.0, 3.0]}
    )
    out = integer_years(frame)
    assert str(out["year"].dtype) == "Int64" and out["year"].tolist()[0] == 2025
    assert out["year"].isna().tolist() == [False, True, False]
    assert out["peak_year"].dtype == float and out["value"].dtype == float  # 2030.5 is not a whole year


def test_write_table_writes_integer_years(tmp_path: Path) -> None:
    path = write_table(tmp_path / "t.csv", pd.DataFrame({"year": [2025.0, np.nan], "x": [0.5, 1.0]}))
    assert path.read_text().splitlines() == ["year,x", "2025,0.5", ",1.0"]


def test_every_csv_of_a_run_has_integer_years(tmp_path: Path) -> None:
    cfg = RunConfig(sectors=("cement",), samples=2000, seed=3, jobs=1)
    run(cfg, out_dir=tmp_path / "run", progress=False)
    tables = sorted((tmp_path / "run").glob("*.csv"))
    assert {"claims.csv", "summary.csv"} <= {p.name for p in tables}
    seen = 0
    for path in tables:
        for column, values in year_columns(path).items():
            for v in values:
                assert v == "" or v.isdigit(), f"{path.name}: {column} = {v!r}"
                seen += v != ""
    assert seen > 0  # the claims name the years of the published totals
