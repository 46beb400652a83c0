"""Take the README's screenshots from the real window on the sample collection.

`make screenshots` runs this on Qt's offscreen platform: it builds the sample collection in a
temporary folder, opens the main window at 1024x700 and at 1600x1000, and grabs the window, the
grid, the Disclosure tab, the image viewer and the Print labels dialog into docs/screenshots/.
Look at every picture after running it; a screenshot is only useful if it shows what a person
sees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from desktop.dialogs.labels_dialog import LabelsDialog
from desktop.inspector.disclosure_tab import DisclosureTab
from desktop.main_window import MainWindow
from desktop.sample import open_sample_collection
from desktop.viewer import open_viewer

SIZES = ((1024, 700), (1600, 1000))
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def settle(app: QApplication, ms: int = 600) -> None:
    """Let workers (thumbnails, previews) finish and the window repaint."""
    deadline = time.monotonic() + ms / 1000
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def save(widget: QWidget, name: str) -> None:
    """Grab `widget` as it is painted into docs/screenshots/`name`."""
    widget.grab().save(str(OUT / name))
    print(f"wrote docs/screenshots/{name} ({widget.width()}x{widget.height()})")


def on_screen(width: int, height: int) -> None:
    """Run this script again on a virtual screen of exactly `width` x `height` (Qt's screen
    size is fixed when the application starts)."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "screen.json"
        screen = {"name": "screen", "x": 0, "y": 0, "width": width, "height": height}
        screen |= {"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
        config.write_text(json.dumps({"screens": [screen]}))
        env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}")
        env["CREDENCE_USER"] = "Sample Registrar"
        subprocess.run([sys.executable, __file__, f"{width}x{height}"], env=env, check=True)


def take(width: int, height: int) -> None:
    """The screenshots for one screen size."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    laptop = (width, height) == SIZES[0]
    suffix = f"-{width}x{height}" if laptop else ""
    with tempfile.TemporaryDirectory() as tmp:
        library = open_sample_collection(Path(tmp))
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(library, settings)
        last = window.model.rowCount() - 1
        window.resize(width, height)
        window.show()
        window.table.setCurrentIndex(window.model.index(last, 0))
        settle(app)
        save(window, f"main-window{suffix}.png")
        if laptop:
            dialog = LabelsDialog(library, [window.model.item_at(last).id], parent=window)
            dialog.show()
            settle(app, 1200)
            save(dialog, "label-preview.png")
            dialog.close()
        else:
            disclosure = next(t for t in window.tabs if isinstance(t, DisclosureTab))
            window.inspector.setCurrentWidget(disclosure)
            settle(app)
            save(window, "disclosure-tab.png")
            window.inspector.setCurrentIndex(0)
            window.grid_action.trigger()
            settle(app, 1200)
            save(window, "grid.png")
            window.table_action.trigger()
            viewer = open_viewer(window, last)
            if viewer is not None:
                viewer.resize(1200, 800)
                settle(app, 1500)
                save(viewer, "viewer.png")
                viewer.close()
        window.close()
        library.close()


def main(argv: list[str]) -> int:
    """With WxH, take that size's pictures; without, run once per size in SIZES."""
    if argv:
        width, _x, height = argv[0].partition("x")
        take(int(width), int(height))
    else:
        for width, height in SIZES:
            on_screen(width, height)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
