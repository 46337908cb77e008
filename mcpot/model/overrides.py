"""Change priors without editing files: ``--set`` overrides and named scenarios.

Override syntax (``NAME`` is a qualified input name such as ``steel.automatic_control.K_max``):

- ``NAME=0.7``: fix the input at a value (an input in a ``[[correlation]]`` loses its correlations, with
  a warning; the others keep their priors and their correlations among themselves);
- ``NAME=uniform(0.6, 0.8)``: a new distribution, a friendly form with its parameters in the order of
  :data:`mcpot.model.distributions.FORMS` (``triangular(low, mode, high)``, ``normal(mean, sd)``, ...);
- ``NAME*=1.2``: scale the input (its value, or its distribution's location and scale) by a factor.

Each overridden prior is validated like a prior file entry (domain, parameters) and keeps its unit; its
source records the override. Scenario files hold named sets of overrides::

    [scenario.slow_diffusion]
    description = "diffusion takes longer everywhere"
    reading = "report"                  # optional
    set = ["steel.automatic_control.S*=1.5", "cement.automatic_control.S*=1.5"]
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path

from mcpot.errors import McpotError, PriorError
from mcpot.model import distributions
from mcpot.model.entries import _entry
from mcpot.model.kernel import READINGS
from mcpot.model.priors import SectorPriors

_SYNTAX = re.compile(r"^\s*([\w.]+)\s*(\*?=)\s*(.+?)\s*$")
_CALL = re.compile(r"^(\w+)\s*\((.*)\)$")
# Parameters scaled by a factor, per friendly form (the others are shapes).
_SCALED = {
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "pert": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("median",),
    "beta": ("low", "high"),
}


@dataclass(frozen=True)
class Scenario:
    """A named set of overrides, optionally with its own reading."""

    name: str
    description: str = ""
    overrides: tuple[str, ...] = ()
    reading: str | None = None


def _number(text: str, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise McpotError(f"{where}: {text!r} is not a number") from None


def _new_spec(text: str, rhs: str, old: dict) -> dict:
    """The prior entry an ``=`` override asks for."""
    call = _CALL.match(rhs)
    if not call:
        return {"value": _number(rhs, text)}
    form, args = call.group(1), [a for a in call.group(2).split(",") if a.strip()]
    if form not in distributions.FORMS:
        raise McpotError(
            f"{text}: unknown distribution {form!r}; use one of {', '.join(distributions.FORMS)}"
        )
    required = distributions.FORMS[form].required
    if len(args) != len(required):
        raise McpotError(f"{text}: {form} takes {len(required)} numbers ({', '.join(required)})")
    return {"dist": form, **{k: _number(a.strip(), text) for k, a in zip(required, args, strict=True)}}


def _scaled_spec(text: str, factor: float, old: dict) -> dict:
    """The prior entry ``old`` with its value, or location and scale, multiplied by ``factor``."""
    spec = {k: v for k, v in old.items() if k not in ("unit", "source")}
    if "value" in spec:
        spec["value"] *= factor
    elif spec["dist"] in _SCALED:
        for key in _SCALED[spec["dist"]]:
            spec[key] *= factor
    else:
        params = dict(spec.get("params", {}))
        params["loc"] = params.get("loc", 0.0) * factor
        params["scale"] = params.get("scale", 1.0) * factor
        spec["params"] = params
    for key in ("lower", "upper"):
        if key in spec:
            spec[key] *= factor
    if factor < 0 and "dist" in spec:
        raise McpotError(f"{text}: a distribution can only be scaled by a positive factor")
    return spec


def apply_overrides(priors: dict[str, SectorPriors], overrides) -> dict[str, SectorPriors]:
    """Return ``priors`` with each override in ``overrides`` applied (in order).

    Raises
    ------
    McpotError
        For a malformed override or an unknown input (the message lists the valid names).
    PriorError
        If the overridden prior is invalid (e.g. adoption outside [0, 1]).
    """
    out = dict(priors)
    for text in overrides:
        match = _SYNTAX.match(text)
        if not match:
            raise McpotError(f"--set {text!r}: expected NAME=VALUE, NAME=dist(a, b, ...) or NAME*=FACTOR")
        name, op, rhs = match.groups()
        sector = name.split(".", 1)[0]
        sp = out.get(sector)
        if sp is None or name not in sp.priors:
            valid = [n for s in out.values() for n in s.priors]
            close = difflib.get_close_matches(name, valid, n=3)
            raise McpotError(
                f"--set {text!r}: unknown input {name!r}"
                + (f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else "")
                + f"; valid names: {', '.join(valid)}"
            )
        old = sp.priors[name]
        spec = (
            _new_spec(text, rhs, old.spec) if op == "=" else _scaled_spec(text, _number(rhs, text), old.spec)
        )
        spec |= {"unit": old.unit, "source": f"override {text.strip()} (was: {old.source})"}
        where = name.split(".", 1)[1]
        try:
            new = _entry("--set", where, name, old.kind, old.category, spec)
        except PriorError as exc:
            raise McpotError(f"--set {text!r}: {exc.problem}") from None
        dropped = [f"{a}~{b}" for a, b, _ in sp.correlations if name in (a, b)]
        if new.fixed and dropped:
            warnings.warn(
                f"--set {text!r}: a fixed {name} has no correlation, so its [[correlation]] entries in "
                f"{sp.path} ({', '.join(dropped)}) are dropped: the other inputs keep their own priors and "
                "their correlations among themselves (as with a narrow distribution: the copula keeps every "
                "input's own prior). To move them with it, override them too",
                stacklevel=2,
            )
            sp = dataclasses.replace(sp, correlations=tuple(c for c in sp.correlations if name not in c[:2]))
        out[sector] = dataclasses.replace(sp, priors={**sp.priors, name: new})
    return out


def for_sectors(scenario: Scenario, sectors: tuple[str, ...]) -> Scenario:
    """``scenario`` with only the overrides of ``sectors`` (a scenarios file may cover sectors a run does
    not select); a warning names the overrides left out. A malformed override is kept, to fail when
    applied."""
    kept, left = [], []
    for text in scenario.overrides:
        match = _SYNTAX.match(text)
        (left if match and match.group(1).split(".", 1)[0] not in sectors else kept).append(text)
    if left:
        warnings.warn(
            f"scenario {scenario.name!r}: {', '.join(left)} left out (sector not among {', '.join(sectors)})",
            stacklevel=2,
        )
    return dataclasses.replace(scenario, overrides=tuple(kept))


def load_scenarios(path: str | Path) -> list[Scenario]:
    """Read a scenarios file (see the module docstring); errors name the file and the field."""
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PriorError(str(path), "-", f"cannot read the file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise PriorError(str(path), "-", f"not valid TOML: {exc}") from None
    extra = set(doc) - {"scenario"}
    if extra or not isinstance(doc.get("scenario"), dict) or not doc["scenario"]:
        raise PriorError(
            str(path), ", ".join(sorted(extra)) or "scenario", "expected only [scenario.<name>] tables"
        )
    scenarios = []
    for name, table in doc["scenario"].items():
        where = f"scenario.{name}"
        unknown = set(table) - {"description", "set", "reading"}
        if unknown:
            raise PriorError(
                str(path), f"{where}.{sorted(unknown)[0]}", "unknown key; expected description, set, reading"
            )
        sets = table.get("set", [])
        if not isinstance(sets, list) or not all(isinstance(s, str) for s in sets):
            raise PriorError(str(path), f"{where}.set", "must be a list of override strings")
        reading = table.get("reading")
        if reading is not None and reading not in READINGS:
            raise PriorError(
                str(path),
                f"{where}.reading",
                f"unknown reading {reading!r}; choose from {', '.join(READINGS)}",
            )
        scenarios.append(Scenario(name, str(table.get("description", "")), tuple(sets), reading))
    return scenarios
