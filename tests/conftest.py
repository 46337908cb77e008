import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PRIORS = REPO / "priors"


@pytest.fixture
def priors_copy(tmp_path) -> Path:
    """A writable copy of the bundled priors directory."""
    dest = tmp_path / "priors"
    shutil.copytree(PRIORS, dest)
    return dest
