"""A menu's Alt+letter always opens it: no visible field, button or the filter bar shares a
menu bar's letter on any inspector tab. (Qt opens neither when a menu and a widget share one:
Alt+O did not open a Vocabulary menu while "Dimensi&ons" was on screen. Two widgets sharing a
letter is milder: Qt moves the focus between them in turn.)"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QWidget

from desktop.main_window import MainWindow

_MNEMONIC = re.compile(r"&([^&\s])")


def _letter(text: str) -> str | None:
    match = _MNEMONIC.search(text.replace("&&", ""))
    return match.group(1).lower() if match else None


def _visible_mnemonics(window: QWidget) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = defaultdict(list)
    for action in window.menuBar().actions():
        if action.isVisible() and (letter := _letter(action.text())):
            seen[letter].append(f"menu {action.text()}")
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or not widget.isEnabled():
            continue
        if isinstance(widget, QLabel) and widget.buddy() is not None:
            text = widget.text()
        elif isinstance(widget, QAbstractButton | QGroupBox):
            text = widget.text() if isinstance(widget, QAbstractButton) else widget.title()
        else:
            continue
        if letter := _letter(text):
            seen[letter].append(f"{type(widget).__name__} {text}")
    return seen


@pytest.mark.parametrize("size", [(1024, 700), (1600, 1000)], ids=["1024x700", "1600x1000"])
def test_no_two_visible_things_share_an_alt_letter(qtbot, library, tmp_path, size):
    library.create_item({"accession": "M1", "title": "Mnemonic"})
    library.disclose("M1", "ai-restored", purpose="test")
    window = MainWindow(library, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.table.selectRow(0)
    window.filters_action.trigger()  # the filter bar too (Ctrl+Shift+F)
    qtbot.waitUntil(window.filter_bar.isVisible)
    clashes = {}
    for index in range(window.inspector.count()):
        window.inspector.setCurrentIndex(index)
        qtbot.wait(20)
        tab = window.inspector.tabText(index)
        for letter, owners in _visible_mnemonics(window).items():
            if len(owners) > 1 and any(o.startswith("menu ") for o in owners):
                clashes[f"{tab}: Alt+{letter.upper()}"] = owners
    assert clashes == {}, "\n".join(f"{k}: {v}" for k, v in clashes.items())
