"""``python -m mcpot.cli``: the command line."""

from mcpot.cli import main

raise SystemExit(main())
