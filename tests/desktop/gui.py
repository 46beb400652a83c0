"""Helpers the window tests share for driving widgets as a person does."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget


def context_menu_texts(qtbot, window: QWidget, view: QAbstractItemView, point: QPoint) -> list[str]:
    """Right-click `point` of `view`'s viewport through the window, as the platform delivers
    it (Qt turns it into a context menu event), and give back the texts of the menu that
    opens, without their mnemonic ampersands; the menu is closed again."""
    texts: list[str] = []

    def read_menu() -> None:
        menu = QApplication.activePopupWidget()
        if menu is None:
            QTimer.singleShot(20, read_menu)
            return
        texts.extend(a.text().replace("&", "") for a in menu.actions() if a.text())
        menu.close()

    QTimer.singleShot(0, read_menu)
    QTest.mouseClick(
        window.windowHandle(), Qt.MouseButton.RightButton, pos=view.viewport().mapTo(window, point)
    )
    qtbot.waitUntil(lambda: bool(texts))
    return texts
