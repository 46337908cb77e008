"""``python -m mcpot``: the command line, as the ``mcpot`` script."""

import sys

from .cli import main

sys.exit(main())
