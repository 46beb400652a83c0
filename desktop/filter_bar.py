"""The search field of the toolbar and the filter bar above the item list.

The filters combine with each other, with the sidebar's view and with the words typed in the
search field; the facade applies all of them in one query (see SearchFilters).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from provenance import SearchFilters

DATE_HELP = (
    "A year or an EDTF date: 1890, 1890-05, 1890~ (about), 189X (the 1890s). Items match by "
    "the year of their own date, or by a provenance event in the range."
)

#: (label, SearchFilters fields) for each choice of a filter's menu; the first is "any".
AI_CHOICES = (
    ("Any", {}),
    ("AI involved", {"has_ai": True}),
    ("No AI", {"has_ai": False}),
)
REVIEW_CHOICES = (
    ("Any", {}),
    ("Needs review", {"review_state": "draft"}),
    ("Reviewed", {"review_state": "reviewed"}),
    ("Approved", {"review_state": "approved"}),
)
CREDENTIAL_CHOICES = (
    ("Any", {}),
    ("Trusted", {"credential_state": "trusted"}),
    ("Valid, signer not trusted", {"credential_state": "valid"}),
    ("Tampered or invalid", {"credential_state": "invalid"}),
    ("Could not be read", {"credential_state": "error"}),
    ("No credentials", {"credential_state": "none"}),
)
EXPORT_CHOICES = (
    ("Any", {}),
    ("Not exported", {"not_exported": True}),
    ("Needs re-export", {"stale": True}),
)


class SearchField(QLineEdit):
    """The toolbar's search field: Escape clears it, and a second Escape returns to the list."""

    escaped = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        if event.key() == Qt.Key.Key_Escape:
            if self.text():
                self.clear()
            else:
                self.escaped.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class FilterBar(QWidget):
    """Maker, date range, AI, review, credentials and export filters, combined."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Filters")
        self.maker = QLineEdit(self)
        self.maker.setPlaceholderText("part of a name")
        self.date_from = QLineEdit(self)
        self.date_from.setPlaceholderText("from")
        self.date_to = QLineEdit(self)
        self.date_to.setPlaceholderText("to")
        for edit in (self.date_from, self.date_to):
            edit.setToolTip(DATE_HELP)
        self.ai = self._menu(AI_CHOICES)
        self.review = self._menu(REVIEW_CHOICES)
        self.credentials = self._menu(CREDENTIAL_CHOICES)
        self.export = self._menu(EXPORT_CHOICES)
        self.clear_button = QPushButton("Clear filter&s", self)
        self.clear_button.setAccessibleName("Clear filters")
        self.clear_button.clicked.connect(self.clear)
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Filter problem")
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.hide()

        dates = QHBoxLayout()
        dates.setContentsMargins(0, 0, 0, 0)
        dates.addWidget(self.date_from)
        dates.addWidget(QLabel("–", self))
        dates.addWidget(self.date_to)
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 2, 4, 2)
        grid.setVerticalSpacing(2)
        rows = (
            (("&Maker", self.maker), ("&Date", dates)),
            (("A&I", self.ai), ("Revie&w", self.review)),
            (("Crede&ntials", self.credentials), ("E&xport", self.export)),
        )
        for r, pair in enumerate(rows):
            for c, (text, field) in enumerate(pair):
                label = QLabel(text, self)
                if isinstance(field, QWidget):
                    label.setBuddy(field)
                    field.setAccessibleName(text.replace("&", "") + " filter")
                    grid.addWidget(field, r, 2 * c + 1)
                else:
                    label.setBuddy(self.date_from)
                    self.date_from.setAccessibleName("Date from filter")
                    self.date_to.setAccessibleName("Date to filter")
                    grid.addLayout(field, r, 2 * c + 1)
                grid.addWidget(label, r, 2 * c)
        grid.addWidget(self.clear_button, 3, 3, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.problem, 3, 0, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        # Typed filters wait for a pause, as the search field does; menus apply at once.
        self._timer = QTimer(self, singleShot=True, interval=300)
        self._timer.timeout.connect(self.changed)
        for edit in (self.maker, self.date_from, self.date_to):
            edit.textChanged.connect(lambda _text: self._timer.start())
            edit.returnPressed.connect(self._apply_now)

    def _menu(self, choices) -> QComboBox:
        menu = QComboBox(self)
        for text, fields in choices:
            menu.addItem(text, fields)
        menu.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        menu.setMinimumContentsLength(8)
        menu.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        menu.currentIndexChanged.connect(lambda _i: self.changed.emit())
        return menu

    def _apply_now(self) -> None:
        self._timer.stop()
        self.changed.emit()

    def fields(self) -> tuple[QWidget, ...]:
        """Its fields and button, in Tab order."""
        return (self.maker, self.date_from, self.date_to, *self._menus(), self.clear_button)

    def _menus(self) -> tuple[QComboBox, ...]:
        return (self.ai, self.review, self.credentials, self.export)

    def apply_to(self, base: SearchFilters) -> SearchFilters:
        """`base` (the sidebar's view) narrowed by every filter that is set here."""
        fields: dict[str, Any] = {}
        for menu in self._menus():
            fields.update(menu.currentData() or {})
        for name, edit in (
            ("maker", self.maker),
            ("date_from", self.date_from),
            ("date_to", self.date_to),
        ):
            if edit.text().strip():
                fields[name] = edit.text().strip()
        return replace(base, **fields)

    def active(self) -> bool:
        """Whether any filter is set."""
        return any(m.currentIndex() > 0 for m in self._menus()) or any(
            e.text().strip() for e in (self.maker, self.date_from, self.date_to)
        )

    def state(self) -> dict[str, Any]:
        """The filters as plain values (kept with a saved search)."""
        return {
            "maker": self.maker.text(),
            "date_from": self.date_from.text(),
            "date_to": self.date_to.text(),
            "ai": self.ai.currentIndex(),
            "review": self.review.currentIndex(),
            "credentials": self.credentials.currentIndex(),
            "export": self.export.currentIndex(),
        }

    def restore(self, state: dict[str, Any] | None) -> None:
        """Set the filters from `state` (None or {}: clear them); emits `changed` once."""
        state = state or {}
        widgets = (self.maker, self.date_from, self.date_to, *self._menus())
        for widget in widgets:
            widget.blockSignals(True)
        try:
            for name in ("maker", "date_from", "date_to"):
                getattr(self, name).setText(str(state.get(name) or ""))
            for name in ("ai", "review", "credentials", "export"):
                menu: QComboBox = getattr(self, name)
                index = state.get(name, 0)
                valid = isinstance(index, int) and 0 <= index < menu.count()
                menu.setCurrentIndex(index if valid else 0)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._timer.stop()
        self.changed.emit()

    def clear(self) -> None:
        """Remove every filter."""
        self.restore(None)

    def show_problem(self, text: str | None) -> None:
        """Say why the filters cannot be applied (an impossible date), or hide the message."""
        self.problem.setText(text or "")
        self.problem.setVisible(bool(text))
