"""Entry point of the frozen `credence` executable (PyInstaller runs this, not desktop/cli/).

It does one thing before the real command line starts: `multiprocessing.freeze_support()`.
`credence export --jobs N` signs in worker processes. In a frozen app there is no `python`
to start helpers with, so multiprocessing starts *this executable* again, with arguments such as
`-c "from multiprocessing.forkserver import main; ..."` (the fork server and the resource
tracker on Linux) or `--multiprocessing-fork ...` (spawn: Windows, macOS). PyInstaller's
runtime hook makes `freeze_support()` recognise those arguments, run the helper and exit, on
every platform; without it they would reach argparse as unknown options. It must run before
anything else, so it stays above the application import.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()

    from desktop.launch import main

    sys.exit(main())
