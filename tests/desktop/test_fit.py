"""The window, every inspector tab and every dialog fit a 1024x700 laptop screen (and use a
1600x1000 one): every button lies inside its window and the screen, every table column can be
reached, the search field is on screen.

Qt's screen size is fixed when the application starts, and the other GUI tests share one
application, so each screen size is checked in its own process on a virtual screen of exactly
that size (Qt's offscreen platform with a screen configuration). The child prints what does not
fit, one line each; the test shows those lines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

SIZES = ((1024, 700), (1600, 1000))


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_everything_fits_the_screen(tmp_path, width, height):
    config = tmp_path / "screen.json"
    config.write_text(
        json.dumps(
            {
                "screens": [
                    {
                        "name": "laptop",
                        "x": 0,
                        "y": 0,
                        "width": width,
                        "height": height,
                        "logicalDpi": 96,
                        "logicalBaseDpi": 96,
                        "dpr": 1,
                    }
                ]
            }
        )
    )
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}")
    env["CREDENCE_USER"] = "Fit Check"
    result = subprocess.run(
        [sys.executable, "-m", "tests.desktop.test_fit", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["screen"] == [width, height]
    assert report["checked"] > 40  # the window, five tabs and every dialog were looked at
    assert report["problems"] == []


# -- the child process --------------------------------------------------------------------


def _check(folder: Path) -> dict:
    from PySide6.QtCore import QPoint, QRect, QSettings
    from PySide6.QtWidgets import QAbstractButton, QApplication, QScrollArea, QWidget

    app = QApplication(["credence-fit-check"])
    screen = app.primaryScreen().availableGeometry()
    problems: list[str] = []
    checked = 0

    from desktop.app import FirstRunDialog
    from desktop.dialogs import (
        AiToolsDialog,
        BatchDialog,
        CatalogImportDialog,
        ExportDialog,
        IdentityWizard,
        ImportFilesDialog,
        PreferencesDialog,
    )
    from desktop.dialogs.labels_dialog import LabelsDialog
    from desktop.inspector.disclosure_tab import ToolDialog
    from desktop.main_window import MainWindow
    from desktop.sample import open_sample_collection
    from desktop.workers import start

    def settle() -> None:
        for _ in range(3):
            app.processEvents()

    def on_screen(window: QWidget, what: str) -> None:
        nonlocal checked
        checked += 1
        frame = window.frameGeometry()
        if frame.width() > screen.width() or frame.height() > screen.height():
            problems.append(f"{what} is {frame.width()}x{frame.height()}, larger than the screen")

    def buttons_inside(window: QWidget, what: str) -> None:
        nonlocal checked
        inside = window.rect()
        for button in window.findChildren(QAbstractButton):
            if not button.isVisibleTo(window) or button.width() == 0:
                continue
            if button.metaObject().className() in ("QTabBarCloseButton", "QToolBarExtension"):
                continue
            parent = button.parentWidget()
            while parent is not None and parent is not window:
                if isinstance(parent, QScrollArea) and parent.widget() is not None:
                    if parent.horizontalScrollBar().maximum() > 0:  # up and down only
                        problems.append(f"{what} must be scrolled sideways to be read")
                    parent.ensureWidgetVisible(button, 0, 0)  # scrolling is how it is reached
                    settle()
                    break
                parent = parent.parentWidget()
            checked += 1
            rect = QRect(button.mapTo(window, QPoint(0, 0)), button.size())
            if not inside.contains(rect):
                name = button.text().replace("&", "") or button.accessibleName() or "a button"
                problems.append(f"{what}: '{name}' at {rect.getRect()} is outside {inside.size()}")
                continue
            # Inside the window, but clipped by a scroll area it could not scroll into view?
            parent = button.parentWidget()
            while parent is not None and parent is not window:
                if isinstance(parent, QScrollArea):
                    port = parent.viewport()
                    area = QRect(port.mapTo(window, QPoint(0, 0)), port.size())
                    if not area.contains(rect):
                        name = button.text().replace("&", "") or "a button"
                        problems.append(f"{what}: '{name}' is clipped by its scrolling pane")
                    break
                parent = parent.parentWidget()

    library = open_sample_collection(folder)
    ids = [item.id for item in library.list_items()]
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(library, settings)
    window.show()
    settle()
    on_screen(window, "the main window")
    if not QRect(screen).contains(window.frameGeometry()):
        problems.append(f"the main window at {window.frameGeometry().getRect()} is off screen")
    search = QRect(window.search.mapTo(window, QPoint(0, 0)), window.search.size())
    if not window.search.isVisible() or not window.rect().contains(search):
        problems.append("the search field is not on screen")
    for index in range(window.inspector.count()):
        window.inspector.setCurrentIndex(index)
        settle()
        buttons_inside(window, f"the {window.inspector.tabText(index)} tab")
        tab_bar = window.inspector.tabBar().tabRect(index)
        if not window.inspector.tabBar().rect().contains(tab_bar):
            problems.append(f"the {window.inspector.tabText(index)} tab's name is cut off")
    window.show_filters(True)
    settle()
    buttons_inside(window, "the filter bar")
    # Every column can be reached: in view at 1600 px, by scrolling where narrower.
    table, header = window.table, window.table.horizontalHeader()
    last = header.sectionViewportPosition(header.count() - 1) + header.sectionSize(
        header.count() - 1
    )
    bar = table.horizontalScrollBar()
    if last > table.viewport().width() and bar.maximum() == 0:
        problems.append("the last columns are cut off and cannot be scrolled to")
    if screen.width() >= 1600:
        for column in range(header.count()):
            end = header.sectionViewportPosition(column) + header.sectionSize(column)
            if header.sectionViewportPosition(column) < 0 or end > table.viewport().width() + 1:
                problems.append(f"column {column} is not in view at {screen.width()} px")

    undo = window.undo
    dialogs = {
        "Import files": lambda: ImportFilesDialog(library, start, window),
        "Import catalog": lambda: CatalogImportDialog(library, start, window),
        "Export": lambda: ExportDialog(library, ids, start, window),
        "Print labels": lambda: LabelsDialog(library, ids, start, window),
        "Batch": lambda: BatchDialog(library, undo, ids, window),
        "Edit fields": lambda: BatchDialog(library, undo, ids, window, mode=BatchDialog.FIELDS),
        "Paste fields": lambda: BatchDialog(
            library,
            undo,
            ids,
            window,
            mode=BatchDialog.FIELDS,
            fields={"object_type": "photograph", "dimensions": "24 x 30 cm"},
            source="2024.1",
        ),
        "AI tools": lambda: AiToolsDialog(library, window),
        "Signing identity": lambda: IdentityWizard(library, window),
        "Preferences": lambda: PreferencesDialog(library, window),
        "Register a tool": lambda: ToolDialog(window),
        "Welcome": lambda: FirstRunDialog(folder / "new"),
    }
    for name, factory in dialogs.items():
        dialog = factory()
        dialog.show()
        settle()
        on_screen(dialog, f"the {name} dialog")
        buttons_inside(dialog, f"the {name} dialog")
        dialog.close()
    window.close()
    library.close()
    return {"screen": [screen.width(), screen.height()], "checked": checked, "problems": problems}


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(dir=sys.argv[1]) as where:
        print(json.dumps(_check(Path(where))))
