"""``python -m mcpot``: the command line."""

from mcpot.cli import main

raise SystemExit(main())
