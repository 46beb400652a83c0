"""The `credence` command's entry point: the garbage collector is off before anything is
imported, not only once `desktop.cli` is (importing the command line, the core and SQLAlchemy
makes a hundred thousand objects, none of them garbage, and the collector walked them several
times: about 5% of a read command). `desktop.cli.main` turns it back on once start-up is done.
"""

import gc


def main() -> int:
    """Run the `credence` command (`desktop.cli.main`) with a start-up free of collections."""
    gc.disable()
    from desktop.cli import main as run

    return run()
