"""``python -m mcpot.cli``: the command line."""

from mcpot.cli import main

if __name__ == "__main__":  # importing it (autosummary does) runs nothing
    raise SystemExit(main())
