"""The README cannot drift: its figures are the stored ones, and its option table is what --help says."""

from __future__ import annotations

import json
import math
import re

import pytest

from mcpot import docs_figures
from mcpot.cli import build_parser

README = docs_figures.README.read_text(encoding="utf-8")
STORED = json.loads(docs_figures.STORE.read_text())


def test_readme_figures_are_the_stored_figures_at_their_printed_precision() -> None:
    marked = docs_figures.marks(README)
    assert len(marked) >= 40
    wrong = [
        f"{key}: README says {number}, docs/figures.json gives "
        f"{docs_figures.formatted(STORED['figures'][key]['value'], number)}"
        for key, number in marked
        if key not in STORED["figures"]
        or docs_figures.formatted(STORED["figures"][key]["value"], number) != number
    ]
    assert not wrong, "edited by hand? run python -m mcpot.docs_figures --write-readme\n" + "\n".join(wrong)


def test_rewrite_restores_a_hand_edited_figure() -> None:
    key, number = docs_figures.marks(README)[0]
    hand = number[:-1] + str((int(number[-1]) + 1) % 10)  # the last digit changed
    edited = README.replace(f"<!-- fig:{key} -->{number}", f"<!-- fig:{key} -->{hand}", 1)
    assert docs_figures.marks(edited)[0] == (key, hand)
    assert docs_figures.rewrite(edited, STORED["figures"]) == README


def test_stored_figures_come_from_the_bundled_priors() -> None:
    assert STORED["priors_sha256"] == docs_figures.priors_sha256(), (
        "the bundled priors changed: run python -m mcpot.docs_figures --write-readme"
    )


@pytest.mark.parametrize("producer", ["reproduce", "run"])
def test_a_fresh_small_computation_agrees_with_the_stored_figures(producer: str) -> None:
    """Same seed, fewer samples: each figure within 5 combined Monte Carlo errors of the stored one.

    Figures with no Monte Carlo error (``reproduce``) still pass through least-squares fits of the
    elicited priors. A least-squares optimum is fixed only to about sqrt(machine epsilon) along its
    flat directions, and the BLAS kernel of the CPU picks a different point there: the figures move
    by up to ~3e-7 relative (steel's 2030 total: -0.96218362 with ``OPENBLAS_CORETYPE=Zen``,
    -0.96218335 with ``Sandybridge``, on one machine). 1e-6 relative allows that and nothing a
    reader could see.
    """
    fresh = docs_figures.PRODUCERS[producer](samples=8192, jobs=1)
    stored = {k: v for k, v in STORED["figures"].items() if v["producer"] == producer}
    assert set(fresh) == set(stored)
    for key, (value, se) in fresh.items():
        tol = 5 * math.hypot(se, stored[key]["mc_se"]) + 1e-6 * max(1.0, abs(value))
        assert abs(value - stored[key]["value"]) <= tol, (key, value, stored[key])


def _options_by_command() -> dict[str, set[str]]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return {name: {o for a in p._actions for o in a.option_strings} for name, p in sub.choices.items()}


def test_readme_option_table_matches_every_commands_help() -> None:
    table = README.split("<!-- options:begin -->")[1].split("<!-- options:end -->")[0]
    rows = [r for r in table.strip().splitlines()[2:] if r.startswith("|")]
    assert len(rows) >= 3
    commands = _options_by_command()
    for row in rows:
        options_cell, commands_cell = (c.strip() for c in row.strip("|").split("|"))
        options = set(re.findall(r"`(--[\w-]+)", options_cell))
        claimed = {c.strip() for c in commands_cell.split(",")}
        assert claimed <= set(commands), f"unknown command in {commands_cell}"
        for option in options:
            having = {c for c, opts in commands.items() if option in opts}
            assert having == claimed, f"{option}: README says {sorted(claimed)}, --help says {sorted(having)}"
