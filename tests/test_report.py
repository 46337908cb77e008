"""Tests of mcpot.report.html on a small real run folder: a self-contained, offline HTML file."""

from __future__ import annotations

import base64
import io
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from mcpot.engine.run import RunConfig, run
from mcpot.errors import McpotError
from mcpot.precision import Z95, plus_minus, probability_se
from mcpot.report.html import render_report, write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
URL_ATTRIBUTES = {"src", "href", "action", "data", "poster", "srcset", "xlink:href", "background"}


class _Page(HTMLParser):
    """Collects tags, attributes and text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]

    def handle_data(self, data):
        self.text.append(data)

    def images(self) -> list[str]:
        return [v for tag, k, v in self.attrs if tag == "img" and k == "src"]


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "cement"
    run(RunConfig(sectors=("cement",), samples=3000, seed=1, jobs=1), out_dir=out)
    return out


@pytest.fixture(scope="module")
def report(run_dir) -> tuple[Path, str]:
    path = write_report(run_dir)
    return path, path.read_text(encoding="utf-8")


def _copy(run_dir: Path, dest: Path) -> Path:
    shutil.copytree(run_dir, dest)
    (dest / "report.html").unlink(missing_ok=True)
    return dest


def _assert_offline(page: _Page) -> None:
    for tag, key, value in page.attrs:
        v = value.strip().lower()
        if key in URL_ATTRIBUTES or key == "style":
            assert not v.startswith(("http:", "https:", "//", "ftp:")), (tag, key, value)
            assert "url(http" not in v and "url(//" not in v, (tag, key, value)
    assert "link" not in page.tags
    assert not [a for a in page.attrs if a[0] == "script"]


def _assert_png_images(page: _Page) -> int:
    images = page.images()
    for src in images:
        assert src.startswith("data:image/png;base64,")
        data = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert data[:8] == PNG_MAGIC
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
    return len(images)


def test_report_is_written_atomically_into_the_run_folder(run_dir, report) -> None:
    path, text = report
    assert path == run_dir / "report.html"
    assert text.startswith("<!DOCTYPE html>")
    assert not [p for p in run_dir.iterdir() if p.name.startswith(".report.html")]  # no temp file left


def test_report_parses_and_embeds_only_png_data_uris(report) -> None:
    page = _parse(report[1])
    assert page.tags[:2] == ["html", "head"]
    assert _assert_png_images(page) == 1  # one figure per sector: fan, band ends, shares


def test_report_references_no_network_resource(report) -> None:
    page = _parse(report[1])
    _assert_offline(page)
    css = "".join(page.text)
    assert "@import" not in css and "url(" not in css


def test_report_names_seed_priors_hashes_and_reading(run_dir, report) -> None:
    text = report[1]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert "<td>seed</td><td>1</td>" in text
    assert "seed 1" in text
    for prior in manifest["priors"].values():
        assert prior["sha256"] in text
    assert "reading <b>report</b>" in text
    assert manifest["versions"]["numpy"] in text


def test_report_tables_hold_results_claims_and_priors(run_dir, report) -> None:
    text = report[1]
    claims = pd.read_csv(run_dir / "claims.csv")
    band = claims.query("quantity == 'band'").iloc[0]
    # the probability with its 95% MC error: about 1.96 binomial standard errors (Agresti-Coull, n = 3000)
    half = Z95 * probability_se(band.probability, 3000)
    assert half == pytest.approx(1.96 * band.mc_se, rel=0.05)
    assert plus_minus(band.probability, half, least=3) in text and "probability ± 95% MC error" in text
    assert "band within the report&#39;s 3%-9%" in text
    summary = pd.read_csv(run_dir / "summary.csv")
    median_2035 = summary.query("output == 'cement.total.2035' and statistic == 'p50'")["value"].iloc[0]
    assert f"{median_2035:,.1f}" in text
    assert "Mt CO2/yr" in text and "% of sector emissions" in text
    # priors: units and sources, the excluded category and the implied denominators
    assert "fraction of capacity (0-1)" in text
    assert "0.8-1.0, mode ~0.9 [E] (docs/evidence.md#adoption-ceiling); width assumed" in text
    assert "byproduct_reuse" in text and "category not included" in text
    assert "Sector emissions the report implies" in text
    # diagnostics: both shares per category, as diagnostics.csv has them
    diagnostics = pd.read_csv(run_dir / "diagnostics.csv")
    assert "P(midpoint outside [0, 1])" in text
    for r in diagnostics.itertuples():
        assert f"<td>{r.category}</td>" in text and f"{r.p_midpoint_outside_01:.4f}" in text


def _sensitivity_tables() -> dict[str, pd.DataFrame]:
    """Small tables in the formats the sensitivity analyses write."""
    params = ["cement.automatic_control.RF", "cement.automatic_control.beta", "cement.emissions.2035"]
    outputs = ["cement.total.2025", "cement.total.2030", "cement.total.2035", "cement.band_high.2035"]
    rng = np.random.default_rng(0)
    sob = [
        (
            "cement",
            grouping,
            out,
            p if grouping == "parameter" else p.split(".")[1],
            idx,
            v,
            0.05,
            v - 0.05,
            v + 0.05,
        )
        for grouping in ("parameter", "category")
        for out in outputs
        for p in params
        for idx, v in (("S1", rng.random() / 3), ("ST", rng.random() / 2))
    ]
    sobol = pd.DataFrame(
        sob, columns=["sector", "grouping", "output", "parameter", "index", "value", "conf", "low", "high"]
    ).drop_duplicates(["grouping", "output", "parameter", "index"])
    drivers = pd.DataFrame(
        {"output": outputs, "sentence": [f"{o}: RF explains <most> variance." for o in outputs]}
    )
    tornado = pd.DataFrame(
        {
            "output": "cement.total.2035",
            "unit": "Mt CO2/yr",
            "parameter": params,
            "input_low": [23.8, 4.4, 807.0],
            "input_high": [90.2, 11.6, 635.0],
            "output_at_low": [40.0, 50.0, 59.0],
            "output_at_high": [92.0, 66.0, 61.0],
            "baseline": 60.0,
        }
    )
    morris = pd.DataFrame(
        {
            "output": "cement.total.2035",
            "parameter": params,
            "mu": [30.0, 10.0, 0.0],
            "mu_star": [30.0, 12.0, 0.5],
            "sigma": [10.0, 8.0, 0.1],
            "mu_star_conf": [3.0, 2.0, 0.1],
        }
    )
    return {"sobol": sobol.assign(reading="report"), "drivers": drivers, "tornado": tornado, "morris": morris}


def test_report_draws_sensitivity_files_when_present(run_dir, tmp_path) -> None:
    folder = _copy(run_dir, tmp_path / "with-sensitivity")
    for name, frame in _sensitivity_tables().items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    target = tmp_path / "elsewhere" / "r.html"
    assert write_report(folder, target) == target
    assert not (folder / "report.html").exists()
    text = target.read_text(encoding="utf-8")
    page = _parse(text)
    # sector figure + Sobol bars (last-year total, band end) + ST over time + tornado + Morris
    assert _assert_png_images(page) == 1 + 2 + 1 + 1 + 1
    _assert_offline(page)
    assert (
        "cement.total.2035: RF explains &lt;most&gt; variance." in text
    )  # escaped, thinned to scenario years
    assert "Total indices (ST ± CI half-width) by category" in text


def test_report_of_a_folder_without_results(run_dir, tmp_path) -> None:
    folder = _copy(run_dir, tmp_path / "bare")
    for name in ("summary.csv", "claims.csv", "diagnostics.csv", "histograms.npz"):
        (folder / name).unlink()
    text = render_report(folder)
    page = _parse(text)
    assert page.images() == []
    assert "Key results" not in "".join(page.text)
    assert "Priors" in "".join(page.text) and "Manifest" in "".join(page.text)


def test_report_warns_about_an_incomplete_run(run_dir, tmp_path) -> None:
    folder = _copy(run_dir, tmp_path / "failed")
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "status": "failed"}))
    assert "<b>failed</b>, not complete" in render_report(folder)


def test_report_needs_a_run_folder(tmp_path) -> None:
    with pytest.raises(McpotError, match="not a run folder"):
        write_report(tmp_path)
