"""The window paints its list as soon as its imports allow (issue 16): until the first paint
it loads only what that paint shows. Run as a whole `credence --library X` process, because
what is loaded is decided at start-up; stopped at the main window's first paint."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from desktop.cli import main
from desktop.cli.commands import VERBS
from desktop.inspector.tabs import TAB_SPECS
from tests.desktop.test_cli_startup import HEAVY

#: Never needed to paint the list: signing, images, vocabularies, servers, labels, dialogs,
#: the ORM models and the history writer (reading is plain SQL), the system-library check.
NOT_BEFORE_THE_FIRST_PAINT = (
    *(package for package in HEAVY if package != "PySide6"),
    "ctypes",
    "desktop.dialogs",
    "desktop.viewer",
    "desktop.item_grid",  # the window opens in the table; the grid is built when chosen
    "provenance.store.models",
    "provenance.store.history",
    # What imports, exports and checks report; the command line's verbs (the window has none).
    "provenance.domain.reports",
    *(f"desktop.cli.commands.{module}" for module, _function, _verbs in VERBS),
    # The inspector's tabs not in view (the first one is).
    *(module for _title, module, _name in TAB_SPECS[1:]),
)

_FIRST_PAINT = """
import json, os, sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication(sys.argv[:1])
seen = []


class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if not seen and event.type() == QEvent.Type.Paint and isinstance(obj, QMainWindow):
            seen.append([obj.model.rowCount(), sorted(sys.modules)])
            QTimer.singleShot(0, app.quit)
        return False


watcher = FirstPaint()
app.installEventFilter(watcher)
from desktop.cli import main

status = main(["--library", sys.argv[1]])
print("PAINTED " + json.dumps([status, *seen[0]]), flush=True)
os._exit(0)  # no tear-down of the Qt objects
"""


def test_the_first_paint_loads_only_what_it_shows(tmp_path):
    catalog = tmp_path / "catalog.csv"
    rows = [f"1901.{n},Harbour study {n},Émile Laurent,1890" for n in range(1, 81)]
    catalog.write_text("accession,title,maker,date\n" + "\n".join(rows) + "\n", encoding="utf-8")
    lib = str(tmp_path / "lib")
    assert main(["--library", lib, "catalog", "import", str(catalog)]) == 0
    assert main(["--library", lib, "tool", "add", "Restorer X", "--vendor", "Acme"]) == 0
    assert main(["--library", lib, "disclose", "1901.1", "--category", "ai-restored",
                 "--tool", "Restorer X"]) == 0  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_PAINT, lib],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    report = [line for line in done.stdout.splitlines() if line.startswith("PAINTED ")]
    status, listed, modules = json.loads(report[-1].removeprefix("PAINTED "))
    assert status == 0
    assert 0 < listed <= 80  # the list was painted with rows in it
    loaded = set(modules) | {m.split(".")[0] for m in modules}
    assert "desktop.inspector.catalog_tab" in loaded  # the tab in view is built
    assert sorted(loaded & set(NOT_BEFORE_THE_FIRST_PAINT)) == []
