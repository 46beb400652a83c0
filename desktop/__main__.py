"""`python -m desktop` runs the `credence` command."""

import sys

from desktop.launch import main

sys.exit(main())
