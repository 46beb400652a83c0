"""Saving an item someone else changed meanwhile (a team library): say who and when, show the
fields in question side by side, and let the person reload or keep their own values.

Decision: nothing is saved silently. Reload (the default, as it loses nothing of the team's)
shows the newer record and drops what was typed; the typed values stay readable in this
dialog until it closes. Keep my changes saves only the fields this person changed, on top of
the newer record: the other person's changes to other fields stay.
"""

from __future__ import annotations

import re
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.dialogs.common import fit_to_screen

_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)?")


def _local_time(match: re.Match) -> str:
    try:
        stamp = datetime.fromisoformat(match.group(0).replace("Z", "+00:00"))
    except ValueError:
        return match.group(0)
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone()  # the reader's own clock
    return stamp.strftime("%Y-%m-%d %H:%M")


def plain_sentence(message: str) -> str:
    """The core's StaleEdit sentence for this dialog: the time as this computer's clock shows
    it, and without the command line's advice (the buttons below are the advice)."""
    text = message.split("; reload", 1)[0]
    text = _STAMP.sub(_local_time, text)
    return text[:1].upper() + text[1:]


def _text(value: object) -> str:
    return "(empty)" if value is None or value == "" else str(value)


class StaleEditDialog(QDialog):
    """Someone else saved this item first. `rows` are (field, yours, now in the library)."""

    RELOAD = "reload"
    KEEP_MINE = "mine"

    def __init__(
        self, message: str, rows: list[tuple[str, object, object]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Changed by someone else")
        self.setAccessibleName("Changed by someone else")
        self.choice = self.RELOAD
        sentence = plain_sentence(message)
        self.message = text = QLabel(
            f"{sentence}.\n\nReload shows their version and drops what you typed. Keep my "
            "changes saves your values of these fields on top of their version; their other "
            "changes stay.",
            self,
        )
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setAccessibleName("What happened")
        self.fields = QTreeWidget(self)
        self.fields.setColumnCount(3)
        self.fields.setHeaderLabels(["Field", "Yours (not saved)", "Now in the library"])
        self.fields.setRootIsDecorated(False)
        self.fields.setAccessibleName("Your values and the library's")
        self.fields.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.fields.header().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for field, yours, now in rows:
            row = QTreeWidgetItem([field, _text(yours), _text(now)])
            for column in range(3):
                row.setToolTip(column, row.text(column))
            self.fields.addTopLevelItem(row)
        buttons = QDialogButtonBox(self)
        self.reload_button = buttons.addButton("&Reload", QDialogButtonBox.ButtonRole.RejectRole)
        self.keep_button = buttons.addButton(
            "&Keep my changes", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.reload_button.setDefault(True)
        self.reload_button.setAutoDefault(True)
        self.keep_button.setAutoDefault(False)
        buttons.accepted.connect(self._keep)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.fields, 1)
        layout.addWidget(buttons)
        self.resize(640, 320)
        fit_to_screen(self)
        self.reload_button.setFocus()

    def _keep(self) -> None:
        self.choice = self.KEEP_MINE
        self.accept()
