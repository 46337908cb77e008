"""Building the parser is cheap: ``import mcpot.cli`` loads no numpy, pandas, scipy, SALib or matplotlib.

A property, not a timing (``mcpot bench`` times ``mcpot --help``).
"""

from __future__ import annotations

import json
import subprocess
import sys

from mcpot.cli import build_parser, choices
from mcpot.engine.evaluate import MAX_JOBS_PER_CORE
from mcpot.engine.sampling import BLOCK, DESIGNS
from mcpot.model.kernel import BAND_YEARS, MAX_HORIZON, READINGS

HEAVY = ("numpy", "pandas", "scipy", "SALib", "matplotlib", "seaborn", "sklearn", "joblib")


def _loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], check=False, capture_output=True, text=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    return [m for m in HEAVY if m in loaded]


def test_import_mcpot_cli_loads_no_heavy_module() -> None:
    assert _loaded_after("import mcpot.cli") == []


def test_help_and_argument_errors_load_no_heavy_module() -> None:
    for argv in (["--help"], ["run", "--help"], ["run", "--samples", "zero"], ["nosuchcommand"]):
        code = f"from mcpot.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"
        assert _loaded_after(code) == [], argv


def test_parser_choices_are_the_models() -> None:
    assert choices.READINGS == READINGS
    assert choices.DESIGNS == DESIGNS and choices.BLOCK == BLOCK
    assert choices.BAND_YEARS == BAND_YEARS and choices.MAX_HORIZON == MAX_HORIZON
    assert choices.MAX_JOBS_PER_CORE == MAX_JOBS_PER_CORE
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    reading = next(a for a in sub.choices["run"]._actions if a.dest == "reading")
    assert tuple(reading.choices) == READINGS
