"""Every reference a prior, scenario or document makes resolves inside the repository.

Files are discovered (``git ls-files``, prior directories by glob), not listed: a new prior file, scenario
file or document is checked as soon as it is tracked.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Built from parts so that this file does not itself contain the strings it forbids.
FORBIDDEN = ("../" + "shared", "/work/" + "shared")
TEXT_SUFFIXES = {".md", ".toml", ".py", ".ipynb", ".txt", ".cfg", ".yml", ".yaml", ".json", ".csv", ""}

# docs/<file>.md with an optional #anchor, anywhere in a text (also as ../docs/...).
DOC_REF = re.compile(r"(?<![\w/.-])((?:\.\./)*docs/[\w.-]+\.md)(?:#([\w-]+))?")
# A relative path: one or more directories, optionally a file with a known extension, optional #anchor.
# `kgce/t`, `x/1.95` or `tCO2/tce` do not match (the token must end at the directory or the file).
REL_PATH = re.compile(
    r"(?<![\w./:-])((?:\.\.?/)*(?:[A-Za-z_][\w-]*/)+(?:[\w.-]+\.(?:md|toml|py|ipynb|csv))?)"
    r"(?:#([\w-]+))?(?![\w/-])"
)
MD_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
PUBLIC_REF = re.compile(r"https?://|\b[A-Z][\w-]+(?: et al\.)?,? \(?(?:19|20)\d\d\b")


def tracked_files() -> list[Path]:
    """Files tracked by git, .ci/ excluded."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [REPO / f for f in out.split("\0") if f and not f.startswith(".ci/") and (REPO / f).is_file()]


def slug(heading: str) -> str:
    """GitHub-style anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip())  # [text](url) -> text
    text = text.lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(md: Path) -> set[str]:
    """Anchors of the headings of a markdown file (duplicates numbered as GitHub does)."""
    seen: dict[str, int] = {}
    fenced = False
    for line in md.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        m = None if fenced else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            s = slug(m.group(1))
            n = seen.get(s, 0)
            seen[s] = n + 1
            if n:
                seen.setdefault(f"{s}-{n}", 1)
    return set(seen)


def test_slug_follows_github() -> None:
    assert slug("Where the published figures strain the evidence") == (
        "where-the-published-figures-strain-the-evidence"
    )
    assert slug("Base-year adoption K0") == "base-year-adoption-k0"
    assert (
        slug("Unit savings RA (what the literature supports)")
        == "unit-savings-ra-what-the-literature-supports"
    )
    assert slug("Performance (`mcpot bench`, 2-core)") == "performance-mcpot-bench-2-core"


def cited_texts() -> Iterator[tuple[Path, str]]:
    """(file, text) for the files whose references must resolve: notebooks contribute their text cells."""
    for f in tracked_files():
        rel = f.relative_to(REPO).as_posix()
        if f.suffix == ".ipynb":
            cells = json.loads(f.read_text(encoding="utf-8"))["cells"]
            yield f, "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        elif f.suffix == ".md" or (
            f.suffix == ".toml" and rel.split("/")[0].startswith(("priors", "scenarios"))
        ):
            yield f, f.read_text(encoding="utf-8")


def resolve(citing: Path, target: str) -> Path | None:
    """The path a relative reference names, from the citing file's folder or the repository root."""
    for base in (citing.parent, REPO):
        p = (base / target).resolve()
        if p.exists() and p.is_relative_to(REPO):
            return p
    return None


def broken_references(citing: Path, text: str) -> list[str]:
    refs: list[tuple[str, str | None]] = [(m.group(1), m.group(2)) for m in DOC_REF.finditer(text)]
    if citing.suffix == ".toml" or citing == REPO / "README.md":
        refs += [(m.group(1), m.group(2)) for m in REL_PATH.finditer(text)]
    for m in MD_LINK.finditer(text):
        link = m.group(1)
        if re.match(r"[a-z]+:", link):
            continue
        path, _, anchor = link.partition("#")
        refs.append((path or citing.name, anchor or None))
    bad = []
    for path, anchor in refs:
        target = resolve(citing, path)
        if target is None:
            bad.append(f"{path}: no such file")
        elif anchor and (target.suffix != ".md" or anchor not in anchors(target)):
            bad.append(f"{path}#{anchor}: no heading with that anchor")
    return bad


def test_every_reference_resolves_inside_the_repository() -> None:
    problems, n_doc_refs = [], 0
    for citing, text in cited_texts():
        n_doc_refs += len(DOC_REF.findall(text))
        problems += [f"{citing.relative_to(REPO)}: {p}" for p in broken_references(citing, text)]
    assert not problems, "\n".join(sorted(set(problems)))
    assert n_doc_refs > 100  # the priors cite docs/evidence.md: the check is not vacuous


def test_a_broken_anchor_is_caught(tmp_path) -> None:
    citing = REPO / "priors" / "steel.toml"
    assert broken_references(citing, "see docs/evidence.md#adoption-ceiling and ../priors/steel.toml") == []
    assert broken_references(citing, "see docs/evidence.md#no-such-heading") != []
    assert broken_references(citing, "see docs/nothing.md") != []
    assert broken_references(citing, "see ../nowhere/x.toml") != []


def test_no_tracked_file_points_outside_the_repository() -> None:
    offenders = []
    for f in tracked_files():
        if f.suffix not in TEXT_SUFFIXES:
            continue
        text = f.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{f.relative_to(REPO)}: {s}" for s in FORBIDDEN if s in text]
    assert not offenders, "\n".join(offenders)


def prior_entries() -> Iterator[tuple[str, dict]]:
    """(file:table, entry) for every table with a distribution in the prior directories."""
    files = sorted(REPO.glob("priors*/*.toml"))
    assert files

    def walk(table: dict, where: str) -> Iterator[tuple[str, dict]]:
        if "dist" in table:
            yield where, table
        for key, value in table.items():
            if isinstance(value, dict):
                yield from walk(value, f"{where}.{key}" if where else key)
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        yield from walk(item, f"{where}.{key}[{i}]")

    for f in files:
        for where, entry in walk(tomllib.loads(f.read_text(encoding="utf-8")), ""):
            yield f"{f.relative_to(REPO)}:{where}", entry


def test_every_prior_cites_its_evidence() -> None:
    entries = list(prior_entries())
    assert len(entries) > 100
    bad = []
    for name, entry in entries:
        src = entry.get("source")
        if not isinstance(src, str) or not src.strip():
            bad.append(f"{name}: no source")
        elif not (DOC_REF.search(src) or PUBLIC_REF.search(src) or "assumed" in src.lower()):
            bad.append(f"{name}: source cites no docs anchor or public reference and does not say 'assumed'")
    assert not bad, "\n".join(bad)


def test_every_prior_says_what_its_width_rests_on() -> None:
    bad = [name for name, entry in prior_entries() if "width" not in entry.get("source", "").lower()]
    assert not bad, "sources silent on the width: " + ", ".join(bad)
