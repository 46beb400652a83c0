"""Credentials tab: what Content Credentials each image carried on import, and what each export
carries now, checked again on request.

The states are told apart by words and an icon first; colour only repeats what they say.
Checking a file runs in a worker: the results come back as signals to slots on this tab.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QThread
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop.inspector.base import InspectorTab
from desktop.undo import UndoController
from desktop.workers import Worker, start
from provenance import AssetView, CredenceError, ExportRecordView, ItemView, Library

_SP = QStyle.StandardPixmap
#: kind -> (headline, icon, colour on a light window, colour on a dark window). The colours
#: reach at least 4.5:1 against the usual window backgrounds; None keeps the palette's text.
STATUSES: dict[str, tuple[str, QStyle.StandardPixmap, str | None, str | None]] = {
    "trusted": ("Trusted: signed by someone in your trust list", _SP.SP_DialogApplyButton,
                "#1b5e20", "#81c784"),
    "valid": ("Valid, not in your trust list", _SP.SP_MessageBoxInformation,
              "#0d47a1", "#90caf9"),
    "ingredient": ("Ingredient problem: a source file failed its check",
                   _SP.SP_MessageBoxWarning, "#7a4100", "#ffb74d"),
    "invalid": ("Invalid: changed after signing (tampered)", _SP.SP_MessageBoxCritical,
                "#b71c1c", "#ef9a9a"),
    "error": ("Error: the credentials could not be read", _SP.SP_MessageBoxWarning,
              "#b71c1c", "#ef9a9a"),
    "none": ("None: no Content Credentials in this file", _SP.SP_FileIcon, None, None),
    "stale": ("Out of date: the record changed after this file was signed",
              _SP.SP_MessageBoxWarning, "#7a4100", "#ffb74d"),
    "checking": ("Checking…", _SP.SP_BrowserReload, None, None),
}  # fmt: skip


def require_ui_thread(what: str) -> None:
    """Raise if called off the UI thread: slots that touch widgets must never run in a worker.

    Signals from a worker reach a slot of a widget through the event loop, on the UI thread;
    a lambda or a plain function would run in the worker instead. This guard makes that
    mistake loud (and fails the tests) instead of an occasional crash.
    """
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        raise RuntimeError(f"{what} ran outside the UI thread; workers must never touch widgets")


def status_kind(state: str | None, ingredient_problems: list | None = None) -> str:
    """Which of the distinct states to show. A failed ingredient is reported under the
    ingredient only (the file itself can stay valid), so it gets a state of its own."""
    if state in ("valid", "trusted") and ingredient_problems:
        return "ingredient"
    return state if state in STATUSES else "error"


def _short_type(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _sentence(text: str | None) -> str:
    text = text or ""
    return text[:1].upper() + text[1:]


def _when(stamp: str | None) -> str:
    return (stamp or "")[:16].replace("T", " ")


class StatusView(QWidget):
    """One credentials state: icon and headline, the readable summary, and the facts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = ""
        self.icon = QLabel(self)
        self.headline = QLabel(self)
        bold = QFont(self.headline.font())
        bold.setBold(True)
        self.headline.setFont(bold)
        self.headline.setWordWrap(True)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.facts = QLabel(self)
        self.facts.setWordWrap(True)
        for label in (self.headline, self.summary, self.facts):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setTextFormat(Qt.TextFormat.PlainText)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.headline, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.facts)

    def show_result(self, found: dict[str, Any]) -> None:
        """Show a credentials dict (the import's `state` or verify's `credentials` key)."""
        state = found.get("state") or found.get("credentials")
        problems = found.get("ingredient_problems") or []
        self.kind = status_kind(state, problems)
        headline, icon, light, dark = STATUSES[self.kind]
        size = self.headline.fontMetrics().height()  # scales with the system font
        self.icon.setPixmap(self.style().standardIcon(icon).pixmap(size, size))
        self.headline.setText(headline)
        palette = self.headline.palette()
        window = self.palette().color(QPalette.ColorRole.Window)
        colour = dark if window.lightness() < 128 else light
        palette.setColor(
            QPalette.ColorRole.WindowText,
            QColor(colour) if colour else self.palette().color(QPalette.ColorRole.WindowText),
        )
        self.headline.setPalette(palette)
        self.summary.setText(found.get("summary") or "")
        self.summary.setVisible(bool(found.get("summary")))
        facts = []
        if found.get("signer"):
            facts.append(f"Signed by: {found['signer']}")
        if found.get("digital_source_types"):
            kinds = ", ".join(_short_type(t) for t in found["digital_source_types"])
            facts.append(f"Source type: {kinds}")
        for problem in problems:
            codes = ", ".join(problem.get("codes") or []) or "unknown problem"
            facts.append(f"Ingredient {problem.get('title') or '(untitled)'}: {codes}")
        if found.get("codes") and self.kind in ("invalid", "error", "ingredient", "valid"):
            facts.append(f"Codes: {', '.join(found['codes'])}")
        record = found.get("record") or {}
        if record.get("stale"):  # a file this library signed, no longer true to the record
            facts.append(f"No longer matches the record: {record.get('reason')}")
        self.facts.setText("\n".join(facts))
        self.facts.setVisible(bool(facts))
        self.setAccessibleName(headline)
        self.setAccessibleDescription(" ".join([headline, found.get("summary") or "", *facts]))

    def show_checking(self) -> None:
        self.show_result({"state": "checking", "summary": ""})


class CredentialsTab(InspectorTab):
    """For each image: the credentials found on import; for each export: a fresh check."""

    title = "Credentials"

    def __init__(self, library: Library, undo: UndoController, parent: QWidget | None = None):
        super().__init__(library, undo, parent)
        #: check key ("asset:3", "export:7") -> the latest result, kept across refreshes
        self.results: dict[str, dict[str, Any]] = {}
        self.result_views: dict[str, StatusView] = {}
        self.buttons: dict[str, QPushButton] = {}
        self.workers: dict[str, Worker] = {}
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.body = QWidget()
        self.rows = QVBoxLayout(self.body)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.body)
        self.scroll = scroll
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(scroll, 1)
        self.show_item(None)

    # -- showing ------------------------------------------------------------------------

    def show_item(self, item: ItemView | None) -> None:
        if self.item is not None and (item is None or item.id != self.item.id):
            self.results.clear()  # results belong to the item they were asked for
        super().show_item(item)
        body = QWidget()
        self.rows = QVBoxLayout(body)
        self.result_views.clear()
        self.buttons.clear()
        if item is None:
            self.heading.setText("No item selected.")
        else:
            try:
                exports = self.library.exports_of(item.id)
            except CredenceError as exc:
                self.heading.setText(str(exc))
                exports = []
            stale = sum(e.stale for e in exports)
            self.heading.setText(
                f"{len(item.assets)} image(s), {len(exports)} signed export(s)"
                + (f", {stale} out of date." if stale else ".")
                if item.assets or exports
                else "This item has no image, so there are no credentials to show."
            )
            asset_ids = {a.id for a in item.assets}
            for asset in item.assets:
                mine = [e for e in exports if e.asset_id == asset.id]
                self.rows.addWidget(self._asset_box(body, asset, mine))
            others = [e for e in exports if e.asset_id not in asset_ids]
            if others:
                box = QGroupBox("Other exports", body)
                inner = QVBoxLayout(box)
                for record in others:
                    inner.addWidget(self._export_row(box, record))
                self.rows.addWidget(box)
        self.rows.addStretch(1)
        self.scroll.setWidget(body)  # the old rows go with the old body
        self.body = body
        # Keyboard order follows the reading order of the rows (the layout adds them in it).
        buttons = list(self.buttons.values())
        self.set_tab_order(buttons)

    def _asset_box(self, parent: QWidget, asset: AssetView, exports: list[ExportRecordView]):
        name = PurePath(asset.path).name
        box = QGroupBox(name, parent)
        box.setAccessibleName(f"Image {name}")
        layout = QVBoxLayout(box)
        where = QLabel(asset.path, box)
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        found = QLabel(f"Found on import ({_when(asset.imported_at)}):", box)
        layout.addWidget(found)
        on_import = StatusView(box)
        on_import.show_result(asset.credentials or {"state": asset.credential_state})
        on_import.setAccessibleName(f"On import: {on_import.accessibleName()}")
        self.result_views[f"import:{asset.id}"] = on_import
        layout.addWidget(on_import)
        layout.addLayout(
            self._check_row(box, f"asset:{asset.id}", asset.path, "Check the &image now")
        )
        if exports:
            layout.addWidget(QLabel("Signed exports of this image:", box))
        for record in exports:
            layout.addWidget(self._export_row(box, record))
        return box

    def _export_row(self, parent: QWidget, record: ExportRecordView) -> QWidget:
        row = QFrame(parent)
        row.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(row)
        name = QLabel(record.path, row)
        name.setWordWrap(True)
        name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        facts = QLabel(
            f"Written {_when(record.created_at)}; manifest {record.manifest_id or '(none)'}", row
        )
        facts.setWordWrap(True)
        facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(name)
        layout.addWidget(facts)
        if record.stale:
            # Said before the check button: the file is signed and valid, but no longer true.
            stale = StatusView(row)
            stale.show_result(
                {
                    "state": "stale",
                    "summary": f"{_sentence(record.stale_reason)}. Export the item again to "
                    "sign what the record says now.",
                }
            )
            stale.setAccessibleName(f"Out of date: {PurePath(record.path).name}")
            self.result_views[f"stale:{record.id}"] = stale
            layout.addWidget(stale)
        layout.addLayout(self._check_row(row, f"export:{record.id}", record.path, "Verif&y now"))
        return row

    def _check_row(self, parent: QWidget, key: str, path: str, text: str) -> QVBoxLayout:
        button = QPushButton(text, parent)
        name = PurePath(path).name
        button.setAccessibleName(f"{text.replace('&', '')}: {name}")
        button.setToolTip(f"Read and check the Content Credentials of {path} again")
        button.clicked.connect(lambda: self.verify(key, path))
        view = StatusView(parent)
        if key in self.workers:
            view.show_checking()
            button.setEnabled(False)
        elif key in self.results:
            view.show_result(self.results[key])
        else:
            view.hide()
        self.buttons[key] = button
        self.result_views[key] = view
        column = QVBoxLayout()
        column.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(view)
        return column

    # -- checking (in a worker) ---------------------------------------------------------

    def verify(self, key: str, path: str) -> Worker | None:
        """Check `path` off the UI thread; the result shows in the row named by `key`."""
        if key in self.workers:
            return None
        library = self.library  # the worker gets the facade, never a widget

        def work(_progress, _cancel) -> dict[str, Any]:
            return library.verify_file(path)

        worker = Worker(f"Checking {PurePath(path).name}", work)
        worker.signals.setProperty("check_key", key)
        # Slots of this widget: Qt queues them onto the UI thread. (A lambda here would run
        # in the worker thread.)
        worker.signals.succeeded.connect(self._check_succeeded)
        worker.signals.failed.connect(self._check_failed)
        worker.signals.finished.connect(self._check_finished)
        self.workers[key] = worker
        if key in self.result_views:
            self.result_views[key].show()
            self.result_views[key].show_checking()
            self.buttons[key].setEnabled(False)
        return start(worker)

    def _sender_key(self) -> str | None:
        sender = self.sender()
        return sender.property("check_key") if sender is not None else None

    def _check_succeeded(self, result: dict[str, Any]) -> None:
        require_ui_thread("CredentialsTab._check_succeeded")
        key = self._sender_key()
        if key is not None:
            self._show(key, result)

    def _check_failed(self, message: str) -> None:
        require_ui_thread("CredentialsTab._check_failed")
        key = self._sender_key()
        if key is not None:
            self._show(key, {"state": "error", "summary": message})

    def _check_finished(self) -> None:
        require_ui_thread("CredentialsTab._check_finished")
        key = self._sender_key()
        self.workers.pop(key, None)
        if key in self.buttons:
            self.buttons[key].setEnabled(True)

    def _show(self, key: str, result: dict[str, Any]) -> None:
        if key.startswith("export:") or key.startswith("asset:"):
            self.results[key] = result
        view = self.result_views.get(key)
        if view is not None:  # the row is still on screen
            view.show()
            view.show_result(result)
