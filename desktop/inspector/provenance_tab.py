"""Provenance tab: the item's events as a timeline, and a form to record a new one.

Events are never edited in place: the record of who said what, when, stays. A wrong event is
corrected by recording the corrected one (the form is filled in from the old one) and, if the
old one should go, by removing it, which is itself a history entry and can be undone.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.inspector.base import InspectorTab
from desktop.undo import UndoController
from provenance import (
    EDTF_HELP,
    CredenceError,
    EventView,
    InvalidValue,
    ItemView,
    Library,
    describe_date,
    parse_event_date,
)

#: Actions offered in the form; any other word can be typed.
COMMON_ACTIONS: tuple[str, ...] = (
    "created",
    "acquired",
    "purchased",
    "donated",
    "bequeathed",
    "transferred",
    "lent",
    "exhibited",
    "photographed",
    "digitised",
    "catalogued",
    "conserved",
    "restored",
    "AI-enhanced",
    "AI-restored",
    "AI-described",
    "deaccessioned",
)
COLUMNS = ("Date", "Action", "Actor", "Place", "AI tool", "Source", "Note")
NO_TOOL = "(no AI tool)"
#: Said in words beside the date field: what EDTF is, with the forms people need most.
DATE_EXPLAINED = (
    "Dates use EDTF, so uncertain dates can be recorded honestly: 1890, 1890-05, 1890-05-12, "
    "1890~ (about 1890), 1890? (1890, uncertain), 1890% (about 1890, uncertain), "
    "189X (the 1890s), 1890/1900 (from 1890 to 1900), ../1900 (before 1900), "
    "1890/.. (after 1890). Leave it empty if unknown."
)


def date_check(text: str) -> tuple[bool, str]:
    """Whether `text` is an acceptable event date, and a line saying what it means."""
    if not text.strip():
        return True, "No date: the event is kept undated."
    try:
        _text, earliest, latest = parse_event_date(text)
    except InvalidValue:
        return False, f"Not an EDTF date: {EDTF_HELP}."
    words = describe_date(text)
    if earliest and latest and earliest != latest:
        return True, f"Understood as {words} (some time from {earliest} to {latest})."
    return True, f"Understood as {words}."


class ProvenanceTab(InspectorTab):
    """The events of the selected item as a timeline, and the form to add one."""

    title = "Provenance"

    def __init__(self, library: Library, undo: UndoController, parent: QWidget | None = None):
        super().__init__(library, undo, parent)
        self._events: list[EventView] = []

        timeline_label = QLabel("&Timeline", self)
        self.timeline = QTreeWidget(self)
        self.timeline.setColumnCount(len(COLUMNS))
        self.timeline.setHeaderLabels(list(COLUMNS))
        self.timeline.setRootIsDecorated(False)
        self.timeline.setAlternatingRowColors(True)
        self.timeline.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.timeline.setAccessibleName("Provenance timeline")
        self.timeline.setAccessibleDescription(
            "The item's provenance events, oldest first: date, action, actor, place, AI tool"
        )
        self.timeline.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.timeline.header().setStretchLastSection(True)
        self.timeline.itemSelectionChanged.connect(self._selection_changed)
        timeline_label.setBuddy(self.timeline)

        self.correct_button = QPushButton("&Correct…", self)
        self.correct_button.setAccessibleName("Correct the selected event")
        self.correct_button.setToolTip(
            "Fill the form from the selected event, to record a corrected one"
        )
        self.correct_button.clicked.connect(self._correct_selected)
        self.remove_button = QPushButton("Remo&ve…", self)
        self.remove_button.setAccessibleName("Remove the selected event")
        self.remove_button.setToolTip(
            "Remove the selected event; history keeps it, and Undo brings it back"
        )
        self.remove_button.clicked.connect(self._remove_selected)
        timeline_buttons = QHBoxLayout()
        timeline_buttons.addWidget(self.correct_button)
        timeline_buttons.addWidget(self.remove_button)
        timeline_buttons.addStretch(1)

        # -- the form -------------------------------------------------------------------
        self.form_box = QGroupBox("Record an event", self)
        form = QFormLayout(self.form_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.action = QComboBox(self.form_box)
        self.action.setEditable(True)
        self.action.addItems(COMMON_ACTIONS)
        self.action.setCurrentIndex(-1)
        self.action.lineEdit().setPlaceholderText("what happened, e.g. acquired, digitised")
        self.action.setAccessibleName("Action")
        self.actor = QLineEdit(self.form_box)
        self.actor.setPlaceholderText("who did it: a person or an institution")
        self.actor.setAccessibleName("Actor")
        self.date = QLineEdit(self.form_box)
        self.date.setPlaceholderText("EDTF, e.g. 1890~ or 189X")
        self.date.setAccessibleName("Date (EDTF)")
        self.date.setToolTip(DATE_EXPLAINED)
        self.date_note = QLabel(self.form_box)
        self.date_note.setWordWrap(True)
        self.date_note.setAccessibleName("Date check")
        self.date_note.setToolTip(DATE_EXPLAINED)
        self.place = QLineEdit(self.form_box)
        self.place.setAccessibleName("Place")
        self.source = QLineEdit(self.form_box)
        self.source.setPlaceholderText("where this is documented (deed, letter, catalogue)")
        self.source.setAccessibleName("Source or citation")
        self.note = QLineEdit(self.form_box)
        self.note.setAccessibleName("Note")
        self.tool = QComboBox(self.form_box)
        self.tool.setAccessibleName("AI tool")
        self.tool.setToolTip("The registered AI tool involved in this event, if any")
        for text, widget in (
            ("&Action", self.action),
            ("Act&or", self.actor),
            ("&Date", self.date),
        ):
            label = QLabel(text, self.form_box)
            label.setBuddy(widget)
            form.addRow(label, widget)
        form.addRow("", self.date_note)
        for text, widget in (
            ("&Place", self.place),
            ("&Source", self.source),
            ("&Note", self.note),
            ("A&I tool", self.tool),
        ):
            label = QLabel(text, self.form_box)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self.add_button = QPushButton("A&dd event", self.form_box)
        self.add_button.setAccessibleName("Add event")
        self.add_button.clicked.connect(self.add_event)
        self.clear_button = QPushButton("&Clear", self.form_box)
        self.clear_button.setAccessibleName("Clear the event form")
        self.clear_button.clicked.connect(self.clear_form)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.add_button)
        form.addRow(buttons)

        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Provenance status")

        # The timeline and the form scroll, as the other tabs' contents do: on a short window
        # (or a laptop's screen) the form would otherwise set the whole window's least height.
        content = QWidget(self)
        inner = QVBoxLayout(content)
        inner.addWidget(timeline_label)
        inner.addWidget(self.timeline, 1)
        inner.addLayout(timeline_buttons)
        inner.addWidget(self.form_box)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.status)

        self.action.currentTextChanged.connect(self._check_form)
        self.actor.textChanged.connect(self._check_form)
        self.date.textChanged.connect(self._check_form)
        for widget in (self.actor, self.date, self.place, self.source, self.note):
            widget.returnPressed.connect(self.add_event)
        add = QShortcut(QKeySequence("Ctrl+Return"), self.form_box)
        add.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        add.activated.connect(self.add_event)

        order = [
            self.timeline,
            self.correct_button,
            self.remove_button,
            self.action,
            self.actor,
            self.date,
            self.place,
            self.source,
            self.note,
            self.tool,
            self.clear_button,
            self.add_button,
        ]
        self.set_tab_order(order)
        self.show_item(None)

    # -- showing ------------------------------------------------------------------------

    def show_item(self, item: ItemView | None) -> None:
        switched = item is None or self.item is None or item.id != self.item.id
        super().show_item(item)
        self._events = list(item.events) if item else []
        self.timeline.clear()
        for event in self._events:
            row = QTreeWidgetItem(
                [
                    describe_date(event.date) or "undated",
                    event.action,
                    event.actor,
                    event.place or "",
                    event.tool or "",
                    event.source or "",
                    event.note or "",
                ]
            )
            if event.date:
                # The words in the column; the EDTF as recorded, and its span, on hover.
                span = (
                    f", some time from {event.date_earliest} to {event.date_latest}"
                    if event.date_earliest and event.date_latest
                    else ""
                )
                row.setToolTip(0, f"Recorded as {event.date}{span}")
            self.timeline.addTopLevelItem(row)
        self._load_tools()
        if switched:
            self.clear_form()
            self.status.setText("")
        self.form_box.setEnabled(item is not None)
        self.timeline.setEnabled(item is not None)
        self._selection_changed()
        self._check_form()

    def _load_tools(self) -> None:
        current = self.tool.currentText()
        self.tool.clear()
        self.tool.addItem(NO_TOOL)
        try:
            tools = self.library.list_tools()
        except CredenceError as exc:
            self.status.setText(str(exc))
            tools = []
        for tool in tools:
            self.tool.addItem(f"{tool.name} {tool.version}" if tool.version else tool.name)
        self.tool.setCurrentIndex(max(0, self.tool.findText(current)))

    def _selected(self) -> EventView | None:
        row = self.timeline.currentItem()
        if row is None or not row.isSelected():
            return None
        index = self.timeline.indexOfTopLevelItem(row)
        return self._events[index] if 0 <= index < len(self._events) else None

    def _selection_changed(self) -> None:
        chosen = self._selected() is not None
        self.correct_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)

    # -- the form -----------------------------------------------------------------------

    def _check_form(self) -> bool:
        ok_date, message = date_check(self.date.text())
        self.date_note.setText(message)
        self.date.setAccessibleDescription(message)
        ready = (
            self.item is not None
            and ok_date
            and bool(self.action.currentText().strip())
            and bool(self.actor.text().strip())
        )
        self.add_button.setEnabled(ready)
        return ready

    def clear_form(self) -> None:
        self.action.setCurrentIndex(-1)
        self.action.setEditText("")
        for widget in (self.actor, self.date, self.place, self.source, self.note):
            widget.clear()
        self.tool.setCurrentIndex(0)
        self._check_form()

    def add_event(self) -> None:
        """Record the event in the form (one Undo step)."""
        if self.item is None:
            return
        if not self._check_form():
            ok_date, message = date_check(self.date.text())
            self.status.setText(
                message if not ok_date else "Not added: an event needs an action and an actor."
            )
            return
        action = self.action.currentText().strip()
        tool = self.tool.currentText() if self.tool.currentIndex() > 0 else None
        try:
            with self.edit(f"Add event {action}"):
                self.library.add_event(
                    self.item.id,
                    action,
                    self.actor.text(),
                    date=self.date.text() or None,
                    place=self.place.text() or None,
                    source=self.source.text() or None,
                    note=self.note.text() or None,
                    tool=tool,
                )
        except CredenceError as exc:
            self.status.setText(f"Not added: {exc}")
            return
        item_id = self.item.id
        self.status.setText(f"Added: {action}, {self.date.text() or 'undated'}.")
        self.clear_form()
        self.show_item(self.library.get_item(item_id))
        self.item_changed.emit(item_id)

    def _correct_selected(self) -> None:
        event = self._selected()
        if event is None:
            return
        self.action.setEditText(event.action)
        self.actor.setText(event.actor)
        self.date.setText(event.date or "")
        self.place.setText(event.place or "")
        self.source.setText(event.source or "")
        what = f"{event.action} {event.date or 'undated'}"
        self.note.setText(event.note or f"corrects the event '{what}'")
        self.tool.setCurrentIndex(max(0, self.tool.findText(event.tool or NO_TOOL)))
        self.status.setText(
            "Change what was wrong and add the corrected event; then remove the old one if it "
            "should not stay on the timeline."
        )
        self.action.setFocus()

    def _remove_selected(self) -> None:
        event = self._selected()
        if event is None or self.item is None:
            return
        answer = QMessageBox.question(
            self,
            "Remove event",
            f"Remove the event '{event.action}' by {event.actor} ({event.date or 'undated'})?\n"
            "The history keeps a record of it, and Undo brings it back.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        item_id = self.item.id
        try:
            created = [
                e
                for e in self.library.history(item_id)
                if e.entity == "event" and e.entity_id == event.id and e.action == "create"
            ]
            if not created:
                raise InvalidValue("this event has no creation entry in the history to undo")
            with self.edit(f"Remove event {event.action}"):
                self.library.revert(created[-1].seq)
        except CredenceError as exc:
            self.status.setText(f"Not removed: {exc}")
            return
        self.status.setText(f"Removed: {event.action}, {event.date or 'undated'}.")
        self.show_item(self.library.get_item(item_id))
        self.item_changed.emit(item_id)
