"""Sphinx configuration of mcpot's documentation.

Build: ``sphinx-build -W --keep-going -b html docs docs/_build/html``.

Set ``MCPOT_DOCS_EXECUTE=off`` to build without executing the notebooks (fast, while editing pages).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

from mcpot._version import __version__  # noqa: E402

project = "mcpot"
author = "the mcpot authors"
copyright = "2026, the mcpot authors"
release = version = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_nb",
    "mcpot_docs",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "README.md", "_generated/priors*.md", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

# API reference: autosummary discovers the modules of each subpackage (:recursive:); a package page
# lists its modules, a module page documents its members (re-exports are documented where defined)
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"show-inheritance": False}  # members: see _templates/autosummary/module.rst
autodoc_typehints = "none"  # numpydoc writes the types from the docstrings
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# MyST and the notebooks: myst-nb executes each notebook once per build; a cell error fails the build
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]
nb_execution_mode = os.environ.get("MCPOT_DOCS_EXECUTE", "auto")
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True

intersphinx_mapping = {}

html_theme = "pydata_sphinx_theme"
html_title = f"mcpot {version}"
html_theme_options = {"navigation_depth": 3, "show_toc_level": 2}
