"""`python -m desktop` runs the `credence` command."""

import sys

from desktop.cli import main

sys.exit(main())
