"""The exit statuses of `credence`, and the one sentence that explains them.

`credence --help` prints `EXIT_STATUS_HELP` and the README quotes it word for word (a test
compares them), so scripts and people read the same promise.
"""

from __future__ import annotations

EXIT_OK = 0
#: Some inputs were rejected, a check found a problem, or the command could not be carried out.
EXIT_REJECTED = 1
#: Wrong arguments, an unknown item or an invalid value: the command line has to change.
EXIT_USAGE = 2
#: Ctrl-C: the shell's own convention (128 + SIGINT).
EXIT_INTERRUPTED = 130

EXIT_STATUS_HELP = (
    f"Exit status: {EXIT_OK} success; {EXIT_REJECTED} when some inputs were rejected, a check "
    "found a problem (a broken history, invalid or stale credentials) or the command could not "
    f"be carried out; {EXIT_USAGE} on usage errors, including an unknown item or an invalid "
    f"value; {EXIT_INTERRUPTED} when interrupted."
)
