"""The labels package loads Qt only when something is drawn: planning needs none (issue 16)."""

from __future__ import annotations

import subprocess
import sys

import labels


def _fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_planning_names_load_no_qt():
    code = (
        "import sys\n"
        "from labels import LabelContent, label_content, get_template, page_count, preflight\n"
        "get_template('wall')\n"
        "print('PySide6' in sys.modules)\n"
    )
    assert _fresh(code) == "False"


def test_every_public_name_resolves_whatever_loads_first():
    # Loading a submodule sets it on the package; `preflight` must stay the function.
    code = "import labels.render, labels\nprint(callable(labels.preflight))\n"
    assert _fresh(code) == "True"
    for name in labels.__all__:
        assert getattr(labels, name) is not None
    assert callable(labels.preflight) and callable(labels.render_pdf)
