"""Sphinx extension: the parts of mcpot's documentation generated at build time, so they cannot drift.

- ``_generated/priors-<set>.md``: one table per sector of a prior directory (bundled ``priors/`` and
  ``priors-literature/``), read from the prior files with :func:`mcpot.model.priors.load_priors`: each input's
  distribution, parameters as written, median and 90% interval, unit and source.
- ``_generated/notebooks/*.ipynb``: the committed notebooks, copied (myst-nb executes them in the build).
- the ``mcpot-help`` directive: the ``--help`` text of a command, from the real parser.
- the ``mcpot-command`` directive: runs ``mcpot ARGS`` in-process and shows what it printed; a command that
  fails fails the build (a warning, an error under ``-W``).
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import shlex
import tempfile
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

LOG = logging.getLogger(__name__)
DOCS = Path(__file__).resolve().parents[1]
REPO = DOCS.parent
GENERATED = DOCS / "_generated"
PRIOR_SETS = {"priors": "the bundled, report-calibrated priors", "priors-literature": "the literature priors"}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _num(x: float) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.4g}"


def _source(text: str) -> str:
    """A prior's ``source`` with its ``docs/evidence.md#anchor`` references as links to the evidence page."""
    return re.sub(
        r"docs/evidence\.md(#[\w-]+)?",
        lambda m: f"[{m.group(0)}](evidence.md{m.group(1) or ''})",
        _cell(text),
    )


def prior_tables(directory: Path) -> str:
    """Markdown: one table per sector of the prior files in ``directory``, straight from the files."""
    from mcpot.model.priors import available_sectors, load_priors

    priors = load_priors(directory, available_sectors(directory))
    out = []
    for sector, sp in priors.items():
        rel = sp.path.relative_to(REPO) if sp.path.is_relative_to(REPO) else sp.path.name
        out += [f"## {sector}", "", f"From `{rel}` (SHA-256 `{sp.sha256[:12]}`).", ""]
        out += ["| input | distribution | parameters | median | 90% interval | unit | source |"]
        out += ["|---" * 7 + "|"]
        for name, p in sp.priors.items():
            params = ", ".join(
                f"{k} = {_num(v) if isinstance(v, float) else v}"
                for k, v in p.spec.items()
                if k not in {"dist", "unit", "source", "value"}
            )
            if p.dist is None:
                dist, med, interval = "fixed", _num(p.value), ""
            else:
                dist = p.spec.get("dist", "")
                med = _num(float(p.dist.median()))
                interval = f"{_num(float(p.dist.ppf(0.05)))} – {_num(float(p.dist.ppf(0.95)))}"
            if p.dist is None and p.value is not None:
                params = f"value = {p.value}"
            out.append(
                f"| `{name.split('.', 1)[1]}` | {_cell(dist)} | {_cell(params)} | {med} | {interval} "
                f"| {_cell(p.unit)} | {_source(p.source)} |"
            )
        for a, b, rho in sp.correlations:
            out.append(f"\nRank correlation {rho:g} between `{a}` and `{b}`.")
        out.append("")
    return "\n".join(out)


def generate(app) -> None:
    """Write the generated pages before Sphinx reads the sources."""
    GENERATED.mkdir(exist_ok=True)
    for name in PRIOR_SETS:
        text = prior_tables(REPO / name)
        path = GENERATED / f"{name}.md"
        if not path.exists() or path.read_text() != text:  # unchanged files keep Sphinx's cache valid
            path.write_text(text)
    nb_dir = GENERATED / "notebooks"
    nb_dir.mkdir(exist_ok=True)
    for nb in sorted((REPO / "notebooks").glob("*.ipynb")):
        # the notebooks link to ../docs/<page>; from docs/_generated/notebooks that is ../../<page>
        text = nb.read_text().replace("](../docs/", "](../../")
        target = nb_dir / nb.name
        if not target.exists() or target.read_text() != text:
            target.write_text(text)


class HelpDirective(SphinxDirective):
    """``mcpot COMMAND --help``, from the parser itself."""

    required_arguments = 1

    def run(self):
        from mcpot.cli import build_parser

        parser = build_parser()
        sub = next(a for a in parser._actions if a.dest == "command")
        text = sub.choices[self.arguments[0]].format_help() if self.arguments[0] != "mcpot" else ""
        if self.arguments[0] == "mcpot":
            text = parser.format_help()
        return [nodes.literal_block(text, text, language="text")]


class CommandDirective(SphinxDirective):
    """Run ``mcpot ARGS`` in-process at build time and show the command and what it printed."""

    required_arguments = 1
    final_argument_whitespace = True

    def run(self):
        from mcpot.cli import main

        args = shlex.split(self.arguments[0])
        buf = io.StringIO()
        with tempfile.TemporaryDirectory() as tmp:
            extra = ["--out", f"{tmp}/run", "--quiet"] if "--out" in _options(args[0]) else []
            with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf), contextlib.chdir(REPO):
                status = main([*args, *extra])
            text = buf.getvalue().replace(f"{tmp}/run", "runs/<time>-<id>")
        if status != 0:
            where = self.get_location()
            LOG.warning("mcpot %s exited with %s:\n%s", self.arguments[0], status, text, location=where)
        shown = f"$ mcpot {self.arguments[0]}\n{text.rstrip()}"
        return [nodes.literal_block(shown, shown, language="text")]


def _options(command: str) -> set[str]:
    from mcpot.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return {o for a in sub.choices[command]._actions for o in a.option_strings}


def setup(app):
    app.connect("builder-inited", generate)
    app.add_directive("mcpot-help", HelpDirective)
    app.add_directive("mcpot-command", CommandDirective)
    return {"version": "1", "parallel_read_safe": True}
