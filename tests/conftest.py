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


@pytest.fixture(autouse=True)
def _work_in_tmp(tmp_path, monkeypatch):
    """Run every test from its own temporary folder, so runs never land in the repo's runs/."""
    monkeypatch.chdir(tmp_path)
