"""`python -m desktop.cli` runs the `credence` command (as `python -m desktop` does)."""

import sys

from desktop.cli import main

sys.exit(main())
