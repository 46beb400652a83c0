"""Disclosure tab: what AI did to the item, its human review, and the words it will carry.

One statement per category (and per image, when it concerns one image only). The preview shows
the badge, sentence and detail exactly as exports sign them and labels print them, worded by the
same function; while the form has unsaved changes it words them live, as a draft (saving sends a
statement back to draft), and says so.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QEvent, QLocale, QObject, Qt
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.inspector.base import InspectorTab
from desktop.inspector.catalog_tab import plain_label
from desktop.undo import UndoController
from provenance import (
    CATEGORIES,
    ITEM_FIELDS,
    CredenceError,
    DisclosureView,
    ItemView,
    Library,
    available_languages,
    disclosure_wording,
)

_BY_SLUG = {c.slug: c for c in CATEGORIES}
BACK_TO_DRAFT = (
    "Changing an approved statement sends it back to draft: an approval covers the words "
    "that were approved, not later ones."
)


def language_name(code: str) -> str:
    """ "German (de)": Qt's name of the language (its native names carry a country, such as
    "American English", which the wording files do not mean)."""
    locale = QLocale(code)
    if locale.language() == QLocale.Language.C:
        return code
    return f"{QLocale.languageToString(locale.language())} ({code})"


def review_line(d: DisclosureView | None) -> str:
    """Where a statement's review stands, in words."""
    if d is None:
        return "Not saved yet."
    if d.review_state == "approved":
        return f"Approved by {d.approved_by} on {(d.approved_at or '')[:10]}."
    if d.review_state == "reviewed":
        return f"Reviewed by {d.reviewed_by} on {(d.reviewed_at or '')[:10]}; not yet approved."
    return "Draft: not yet reviewed."


def _tool_label(tool) -> str:
    return f"{tool.name} {tool.version}" if tool.version else tool.name


class ToolDialog(QDialog):
    """A small form to register an AI tool in the library's registry."""

    RUNS = (
        ("not stated", None),
        ("on the device", "on-device"),
        ("in the vendor's cloud", "cloud"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Register an AI tool")
        form = QFormLayout(self)
        self.name = QLineEdit(self)
        self.vendor = QLineEdit(self)
        self.version = QLineEdit(self)
        self.runs = QComboBox(self)
        for text, value in self.RUNS:
            self.runs.addItem(text, value)
        self.training_data = QLineEdit(self)
        self.training_data.setPlaceholderText("what the vendor states about training data")
        self.retention = QLineEdit(self)
        self.retention.setPlaceholderText("what the vendor states about keeping uploads")
        self.documentation = QLineEdit(self)
        self.documentation.setPlaceholderText("link to the vendor's documentation")
        for text, widget in (
            ("&Name", self.name),
            ("&Vendor", self.vendor),
            ("V&ersion or model", self.version),
            ("&Runs", self.runs),
            ("&Training data", self.training_data),
            ("Data re&tention", self.retention),
            ("&Documentation", self.documentation),
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            widget.setAccessibleName(text.replace("&", ""))
            form.addRow(label, widget)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Register")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict[str, str | None]:
        """The form as keyword arguments of Library.add_tool."""

        def text(edit: QLineEdit) -> str | None:
            return edit.text().strip() or None

        return {
            "name": self.name.text(),
            "vendor": self.vendor.text(),
            "version": text(self.version),
            "runs": self.runs.currentData(),
            "training_data": text(self.training_data),
            "retention": text(self.retention),
            "documentation": text(self.documentation),
        }


class DisclosureTab(InspectorTab):
    """Record, preview, override and review the AI-disclosure statements of the item."""

    title = "Disclosure"

    def __init__(self, library: Library, undo: UndoController, parent: QWidget | None = None):
        super().__init__(library, undo, parent)
        self._loading = False
        self._cached_wording: tuple[object, object] = (None, None)
        self._tool_views: list = []
        try:
            default_language = library.settings().language
        except CredenceError:
            default_language = "en"

        body = QWidget(self)
        # -- statements already recorded ---------------------------------------------------
        statements_label = QLabel("State&ments", body)
        self.statements = QListWidget(body)
        self.statements.setAccessibleName("Disclosure statements of this item")
        self.statements.setMaximumHeight(self.statements.fontMetrics().lineSpacing() * 6)
        self.statements.setWordWrap(True)  # a long review line wraps instead of scrolling sideways
        self.statements.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.statements.currentRowChanged.connect(self._statement_chosen)
        statements_label.setBuddy(self.statements)

        # -- the statement form --------------------------------------------------------------
        form_box = QGroupBox("Statement", body)
        form = QFormLayout(form_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.category = QComboBox(form_box)
        self.category.setAccessibleName("Category")
        for cat in CATEGORIES:
            self.category.addItem(cat.label, cat.slug)
            index = self.category.count() - 1
            self.category.setItemData(
                index, f"for example: {cat.examples}", Qt.ItemDataRole.ToolTipRole
            )
        self.examples = QLabel(form_box)
        self.examples.setWordWrap(True)
        self.applies_to = QComboBox(form_box)
        self.applies_to.setAccessibleName("Applies to")
        self.tools = QListWidget(form_box)
        self.tools.setAccessibleName("AI tools used")
        self.tools.setAccessibleDescription("Check each registered tool that did the work")
        self.tools.setMaximumHeight(self.tools.fontMetrics().lineSpacing() * 5)
        self.register_tool = QPushButton("Re&gister a tool…", form_box)
        self.register_tool.setAccessibleName("Register a new AI tool")
        self.register_tool.clicked.connect(self._register_tool)
        tools_box = QVBoxLayout()
        tools_box.addWidget(self.tools)
        tools_box.addWidget(self.register_tool, 0, Qt.AlignmentFlag.AlignLeft)
        self.purpose = QLineEdit(form_box)
        self.purpose.setAccessibleName("Purpose")
        self.purpose.setPlaceholderText("why AI was used, e.g. to make the faded text legible")
        self.extent = QLineEdit(form_box)
        self.extent.setAccessibleName("Extent")
        self.extent.setPlaceholderText("how much, e.g. the torn upper-left corner")
        self.fields = QListWidget(form_box)
        self.fields.setAccessibleName("Catalog fields AI worked on")
        # The fields flow in columns, so all of them (and the checked ones) are in view.
        self.fields.setFlow(QListView.Flow.LeftToRight)
        self.fields.setWrapping(True)
        self.fields.setResizeMode(QListView.ResizeMode.Adjust)
        self.fields.setSpacing(2)
        self.fields.setMaximumHeight(self.fields.fontMetrics().lineSpacing() * 4)
        rows = (
            ("&Category", self.category, None),
            ("", self.examples, None),
            ("Applies &to", self.applies_to, None),
            ("AI t&ools", self.tools, tools_box),
            ("&Purpose", self.purpose, None),
            ("E&xtent", self.extent, None),
            ("Fiel&ds", self.fields, None),
        )
        for text, widget, layout in rows:
            if not text:
                form.addRow("", widget)
                continue
            label = QLabel(text, form_box)
            label.setBuddy(widget)
            if layout is None:
                form.addRow(label, widget)
            else:
                form.addRow(label, layout)
        self.back_to_draft = QLabel(BACK_TO_DRAFT, form_box)
        self.back_to_draft.setWordWrap(True)
        self.save_button = QPushButton("&Save statement", form_box)
        self.save_button.setAccessibleName("Save the statement")
        self.save_button.setToolTip("Save the statement (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        save_row = QHBoxLayout()
        save_row.addWidget(self.back_to_draft, 1)
        save_row.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignBottom)
        form.addRow(save_row)

        # -- review ----------------------------------------------------------------------
        review_box = QGroupBox("Review", body)
        self.review_state = QLabel(review_box)
        self.review_state.setWordWrap(True)
        self.review_state.setAccessibleName("Review state")
        self.mark_reviewed = QPushButton("Mar&k reviewed…", review_box)
        self.mark_reviewed.setAccessibleName("Mark the statement reviewed")
        self.mark_reviewed.clicked.connect(lambda: self.review("reviewed"))
        self.approve_button = QPushButton("&Approve…", review_box)
        self.approve_button.setAccessibleName("Approve the statement")
        self.approve_button.clicked.connect(lambda: self.review("approved"))
        # The state above its buttons: side by side they need more than a 1024 px screen gives.
        review_column = QVBoxLayout(review_box)
        review_column.addWidget(self.review_state)
        review_row = QHBoxLayout()
        review_row.addWidget(self.mark_reviewed)
        review_row.addWidget(self.approve_button)
        review_row.addStretch(1)
        review_column.addLayout(review_row)

        # -- preview ---------------------------------------------------------------------
        preview_box = QGroupBox("Preview", body)
        preview = QFormLayout(preview_box)
        preview.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.language = QComboBox(preview_box)
        self.language.setAccessibleName("Preview language")
        for code in available_languages():
            self.language.addItem(language_name(code), code)
        self.language.setCurrentIndex(max(0, self.language.findData(default_language)))
        self.badge = QLabel(preview_box)
        badge_font = QFont(self.badge.font())
        badge_font.setBold(True)
        self.badge.setFont(badge_font)
        self.badge.setFrameShape(QFrame.Shape.Box)
        self.badge.setMargin(4)
        self.badge.setAccessibleName("Badge")
        self.sentence = QLabel(preview_box)
        self.sentence.setAccessibleName("Sentence")
        self.detail = QLabel(preview_box)
        self.detail.setAccessibleName("Detail")
        self.preview_note = QLabel(preview_box)
        self.preview_note.setAccessibleName("Preview note")
        italic = QFont(self.preview_note.font())
        italic.setItalic(True)
        self.preview_note.setFont(italic)
        for label in (self.badge, self.sentence, self.detail, self.preview_note):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        language_label = QLabel("La&nguage", preview_box)
        language_label.setBuddy(self.language)
        preview.addRow(language_label, self.language)
        badge_row = QHBoxLayout()
        badge_row.addWidget(self.badge)
        badge_row.addStretch(1)
        preview.addRow("Badge", badge_row)
        preview.addRow("Sentence", self.sentence)
        preview.addRow("Detail", self.detail)
        preview.addRow("", self.preview_note)

        # -- override --------------------------------------------------------------------
        override_box = QGroupBox("Your own sentence", body)
        override = QVBoxLayout(override_box)
        self.override_label = QLabel(override_box)
        self.override_label.setWordWrap(True)
        self.override_text = QPlainTextEdit(override_box)
        self.override_text.setTabChangesFocus(True)
        self.override_text.setAccessibleName("Your own sentence")
        self.override_text.setMaximumHeight(self.override_text.fontMetrics().lineSpacing() * 4)
        self.override_label.setBuddy(self.override_text)
        self.use_override = QPushButton("&Use my own sentence", override_box)
        self.use_override.setAccessibleName("Use my own sentence")
        self.use_override.clicked.connect(lambda: self.override(self.override_text.toPlainText()))
        self.restore_override = QPushButton("&Restore the generated sentence", override_box)
        self.restore_override.setAccessibleName("Restore the generated sentence")
        self.restore_override.clicked.connect(lambda: self.override(None))
        override_buttons = QVBoxLayout()  # one above the other: both in view at 1024 px
        override_buttons.addWidget(self.use_override, 0, Qt.AlignmentFlag.AlignLeft)
        override_buttons.addWidget(self.restore_override, 0, Qt.AlignmentFlag.AlignLeft)
        override.addWidget(self.override_label)
        override.addWidget(self.override_text)
        override.addLayout(override_buttons)

        # -- the purpose in the preview language --------------------------------------------
        translation_box = QGroupBox("Purpose in this language", body)
        translation = QVBoxLayout(translation_box)
        self.translation_label = QLabel(translation_box)
        self.translation_label.setWordWrap(True)
        self.purpose_translation = QLineEdit(translation_box)
        self.purpose_translation.setAccessibleName("Purpose translation")
        self.translation_label.setBuddy(self.purpose_translation)
        self.use_translation = QPushButton("U&se this translation", translation_box)
        self.use_translation.setAccessibleName("Use this translation of the purpose")
        self.use_translation.clicked.connect(
            lambda: self.translate_purpose(self.purpose_translation.text())
        )
        self.purpose_translation.returnPressed.connect(self.use_translation.click)
        self.remove_translation = QPushButton("Remove t&he translation", translation_box)
        self.remove_translation.setAccessibleName("Remove the translation of the purpose")
        self.remove_translation.clicked.connect(lambda: self.translate_purpose(None))
        translation_buttons = QVBoxLayout()  # as above: both in view at 1024 px
        translation_buttons.addWidget(self.use_translation, 0, Qt.AlignmentFlag.AlignLeft)
        translation_buttons.addWidget(self.remove_translation, 0, Qt.AlignmentFlag.AlignLeft)
        translation.addWidget(self.translation_label)
        translation.addWidget(self.purpose_translation)
        translation.addLayout(translation_buttons)

        self.status = QLabel(body)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Disclosure status")

        layout = QVBoxLayout(body)
        layout.addWidget(statements_label)
        layout.addWidget(self.statements)
        layout.addWidget(form_box)
        layout.addWidget(review_box)
        layout.addWidget(preview_box)
        layout.addWidget(override_box)
        layout.addWidget(translation_box)
        layout.addWidget(self.status)
        layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self.category.currentIndexChanged.connect(self._key_changed)
        self.applies_to.currentIndexChanged.connect(self._key_changed)
        self.tools.itemChanged.connect(self._form_changed)
        self.fields.itemChanged.connect(self._form_changed)
        self.purpose.textChanged.connect(self._form_changed)
        self.extent.textChanged.connect(self._form_changed)
        self.language.currentIndexChanged.connect(self._show_preview)
        save = QShortcut(QKeySequence.StandardKey.Save, self)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.activated.connect(self.save)

        order = [
            self.statements,
            self.category,
            self.applies_to,
            self.tools,
            self.register_tool,
            self.purpose,
            self.extent,
            self.fields,
            self.save_button,
            self.mark_reviewed,
            self.approve_button,
            self.language,
            self.override_text,
            self.use_override,
            self.restore_override,
            self.purpose_translation,
            self.use_translation,
            self.remove_translation,
        ]
        self.set_tab_order(order)
        # A field reached by its Alt key is scrolled into view (Tab already is, by the area).
        self._scroll = scroll
        for widget in body.findChildren(QWidget):
            if widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
                widget.installEventFilter(self)
        self.show_item(None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QWidget):
            self._scroll.ensureWidgetVisible(watched)
        return super().eventFilter(watched, event)

    # -- showing ------------------------------------------------------------------------

    def show_item(self, item: ItemView | None) -> None:
        switched = item is None or self.item is None or item.id != self.item.id
        super().show_item(item)
        self._cached_wording = (None, None)  # settings or tools may have changed meanwhile
        self._loading = True
        try:
            self._load_statements()
            self._load_applies_to(switched)
            self._load_tools()
            self._load_fields()
            if switched and item is not None and item.disclosures:
                self._select_key(item.disclosures[0].category, item.disclosures[0].asset_id)
            elif switched:
                self._select_key(CATEGORIES[0].slug, None)
            if switched or not self.dirty():
                self._load_form()
        finally:
            self._loading = False
        self.setEnabled(item is not None)
        self._form_changed()

    def _load_statements(self) -> None:
        self.statements.blockSignals(True)
        self.statements.clear()
        for d in self.item.disclosures if self.item else ():
            cat = _BY_SLUG.get(d.category)
            where = self._asset_name(d.asset_id)
            text = f"{cat.label if cat else d.category} ({where}): {review_line(d)}"
            entry = QListWidgetItem(text)
            entry.setData(Qt.ItemDataRole.UserRole, (d.category, d.asset_id))
            self.statements.addItem(entry)
        self.statements.blockSignals(False)

    def _asset_name(self, asset_id: int | None) -> str:
        if asset_id is None:
            return "the whole item"
        for asset in self.item.assets if self.item else ():
            if asset.id == asset_id:
                return asset.path.replace("\\", "/").rsplit("/", 1)[-1]
        return f"image {asset_id}"

    def _load_applies_to(self, switched: bool) -> None:
        current = None if switched else self.applies_to.currentData()
        self.applies_to.blockSignals(True)
        self.applies_to.clear()
        self.applies_to.addItem("The whole item", None)
        for asset in self.item.assets if self.item else ():
            self.applies_to.addItem(f"Only the image {self._asset_name(asset.id)}", asset.id)
        self.applies_to.setCurrentIndex(max(0, self.applies_to.findData(current)))
        self.applies_to.blockSignals(False)

    def _load_tools(self, check: set[str] | None = None) -> None:
        checked = check if check is not None else self._checked(self.tools)
        self.tools.blockSignals(True)
        self.tools.clear()
        try:
            tools = self.library.list_tools()
        except CredenceError as exc:
            self.status.setText(str(exc))
            tools = []
        self._tool_views = tools  # the live preview words the checked ones
        for tool in tools:
            label = _tool_label(tool)
            entry = QListWidgetItem(f"{label} ({tool.vendor})")
            entry.setData(Qt.ItemDataRole.UserRole, label)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(
                Qt.CheckState.Checked if label in checked else Qt.CheckState.Unchecked
            )
            facts = [f"runs: {tool.runs}" if tool.runs else ""]
            facts += [tool.training_data or "", tool.retention or ""]
            entry.setToolTip("; ".join(f for f in facts if f))
            self.tools.addItem(entry)
        if not tools:
            entry = QListWidgetItem("No AI tools registered yet: use Register a tool…")
            entry.setFlags(Qt.ItemFlag.NoItemFlags)
            self.tools.addItem(entry)
        self.tools.blockSignals(False)

    def _load_fields(self) -> None:
        checked = self._checked(self.fields)
        self.fields.blockSignals(True)
        self.fields.clear()
        names = list(ITEM_FIELDS) + list(self.item.extra if self.item else ())
        for name in names:
            entry = QListWidgetItem(plain_label(name))
            entry.setData(Qt.ItemDataRole.UserRole, name)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(
                Qt.CheckState.Checked if name in checked else Qt.CheckState.Unchecked
            )
            self.fields.addItem(entry)
        self.fields.blockSignals(False)

    @staticmethod
    def _checked(widget: QListWidget) -> set[str]:
        return {
            widget.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked
        }

    @staticmethod
    def _set_checked(widget: QListWidget, names: set[str]) -> None:
        widget.blockSignals(True)
        for i in range(widget.count()):
            entry = widget.item(i)
            if entry.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                on = entry.data(Qt.ItemDataRole.UserRole) in names
                entry.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        widget.blockSignals(False)

    def _select_key(self, slug: str, asset_id: int | None) -> None:
        self.category.blockSignals(True)
        self.applies_to.blockSignals(True)
        self.category.setCurrentIndex(max(0, self.category.findData(slug)))
        self.applies_to.setCurrentIndex(max(0, self.applies_to.findData(asset_id)))
        self.category.blockSignals(False)
        self.applies_to.blockSignals(False)

    def current(self) -> DisclosureView | None:
        """The saved statement the form is about (same category and image), if any."""
        if self.item is None:
            return None
        slug, asset_id = self.category.currentData(), self.applies_to.currentData()
        return next(
            (d for d in self.item.disclosures if d.category == slug and d.asset_id == asset_id),
            None,
        )

    def _load_form(self) -> None:
        """Fill the form from the saved statement (or leave a new one blank)."""
        d = self.current()
        self._loading = True
        try:
            self._set_checked(self.tools, set(d.tools) if d else set())
            self._set_checked(self.fields, set(d.fields) if d else set())
            self.purpose.setText(d.purpose or "" if d else "")
            self.extent.setText(d.extent or "" if d else "")
        finally:
            self._loading = False

    def _form_values(self) -> dict:
        return {
            "tools": sorted(self._checked(self.tools)),
            "purpose": self.purpose.text().strip() or None,
            "extent": self.extent.text().strip() or None,
            "fields": sorted(self._checked(self.fields)),
        }

    def dirty(self) -> bool:
        """Whether the form says something the saved statement does not."""
        if self.item is None:
            return False
        d = self.current()
        values = self._form_values()
        if d is None:
            return self.category.currentData() != "none" or any(
                values[k] for k in ("tools", "purpose", "extent", "fields")
            )
        return values != {
            "tools": sorted(d.tools),
            "purpose": d.purpose,
            "extent": d.extent,
            "fields": sorted(d.fields),
        }

    def _key_changed(self) -> None:
        # Another category or image: show its saved statement, or keep the typing for a new one.
        if self.current() is not None:
            self._load_form()
        row = next(
            (
                i
                for i in range(self.statements.count())
                if self.statements.item(i).data(Qt.ItemDataRole.UserRole)
                == (self.category.currentData(), self.applies_to.currentData())
            ),
            -1,
        )
        self.statements.blockSignals(True)
        self.statements.setCurrentRow(row)
        self.statements.blockSignals(False)
        self._form_changed()

    def _statement_chosen(self, row: int) -> None:
        if row < 0:
            return
        slug, asset_id = self.statements.item(row).data(Qt.ItemDataRole.UserRole)
        self._select_key(slug, asset_id)
        self._load_form()
        self._form_changed()

    def _form_changed(self, *_args) -> None:
        if self._loading:
            return
        cat = _BY_SLUG.get(self.category.currentData())
        self.examples.setText(f"For example: {cat.examples}." if cat else "")
        self.category.setAccessibleDescription(self.examples.text())
        d = self.current()
        dirty = self.dirty()
        self.save_button.setEnabled(self.item is not None and (dirty or d is None))
        self.review_state.setText(review_line(d))
        can_review = d is not None and not dirty
        self.mark_reviewed.setEnabled(can_review and d.review_state == "draft")
        self.approve_button.setEnabled(can_review and d.review_state != "approved")
        tip = "" if can_review or d is None else "Save the statement first"
        self.mark_reviewed.setToolTip(tip)
        self.approve_button.setToolTip(tip)
        self.use_override.setEnabled(d is not None)
        self.restore_override.setEnabled(d is not None)
        self._show_preview()

    def _show_preview(self, *_args) -> None:
        self._fill_preview()
        self.preview_note.setVisible(bool(self.preview_note.text()))

    def _fill_preview(self) -> None:
        language = self.language.currentData() or "en"
        self.override_label.setText(
            f"Your o&wn sentence in {self.language.currentText()}, used instead of the "
            "generated one (it needs a new approval):"
        )
        d = self.current()
        draft = self.item is not None and self.dirty()
        if draft:  # what the statement will say once saved, live while typing
            wording = self._draft_wording(d, language)
        else:
            wording = self._wording(d, language) if d is not None else None
        if wording is None:
            self.badge.setText("")
            self.sentence.setText("")
            self.detail.setText("")
            self.override_text.setPlainText("")
            self._fill_translation(None, language)
            self.preview_note.setText(
                "Not saved yet: save the statement to see its wording." if self.item else ""
            )
            return
        self.badge.setText(wording.badge)
        self.sentence.setText(wording.sentence)
        self.detail.setText(wording.detail)
        self.override_text.setPlainText(d.overrides.get(language, "") if d else "")
        self._fill_translation(d, language)
        if draft:
            self.preview_note.setText(
                "Preview of your unsaved changes, as a draft: save the statement to record it."
            )
        else:
            self.preview_note.setText(
                "This is your own sentence." if language in d.overrides else ""
            )

    def _source_language(self) -> str:
        """The language purposes are typed in: the library's wording language."""
        try:
            return self.library.settings().language
        except CredenceError:
            return "en"

    def _fill_translation(self, d: DisclosureView | None, language: str) -> None:
        """The purpose translation box for the preview language, and whether it applies."""
        source = self._source_language()
        name = self.language.currentText()
        if d is None or not d.purpose:
            text = "Record a purpose in the statement and save it; then translate it here."
        elif language == source:
            text = (
                f"The purpose is written in {name}, the library's language: change it in the "
                "statement above."
            )
        else:
            text = (
                f"The purpose &in {name}, translated from {language_name(source)} (it needs "
                "a new approval; without one the detail shows the purpose as written, marked "
                "as not translated):"
            )
        self.translation_label.setText(text)
        usable = d is not None and bool(d.purpose) and language != source
        self.purpose_translation.setText((d.purpose_translation(language) or "") if d else "")
        for widget in (self.purpose_translation, self.use_translation, self.remove_translation):
            widget.setEnabled(usable)

    def _draft_wording(self, d: DisclosureView | None, language: str):
        """The wording of the form as it stands (not saved), by the function exports use."""
        values = self._form_values()
        blank = DisclosureView(
            id=0,
            item_id=self.item.id if self.item else 0,
            asset_id=self.applies_to.currentData(),
            category=self.category.currentData(),
            tools=(),
            purpose=None,
            extent=None,
            fields=(),
            overrides={},
            review_state="draft",
            reviewed_by=None,
            reviewed_at=None,
            approved_by=None,
            approved_at=None,
            created_at="",
        )
        draft = replace(
            d or blank,
            tools=tuple(values["tools"]),
            purpose=values["purpose"],
            extent=values["extent"],
            fields=tuple(values["fields"]),
            review_state="draft",  # saving sends a statement back to draft
        )
        tools = [t for t in self._tool_views if _tool_label(t) in values["tools"]]
        try:
            settings = self.library.settings()
            reviewer = settings.reviewer_role if settings.reviewer_display == "role" else None
            return disclosure_wording(
                draft,
                tools,
                language=language,
                reviewer=reviewer,
                source_language=settings.language,
            )
        except (CredenceError, ValueError) as exc:
            self.status.setText(str(exc))
            return None

    def _wording(self, d: DisclosureView, language: str):
        # The preview is redrawn on every keystroke; the words change only when the saved
        # statement (or the language) does, so the last answer is kept.
        key = (repr(d), language)
        if self._cached_wording[0] != key:
            try:
                found = self.library.wordings(d.item_id, language)
            except CredenceError as exc:
                self.status.setText(str(exc))
                return None
            wording = next((w for v, w in found if v.id == d.id), None)
            self._cached_wording = (key, wording)
        return self._cached_wording[1]

    # -- actions ------------------------------------------------------------------------

    def _refresh(self, item_id: int) -> None:
        self.show_item(self.library.get_item(item_id))
        self.item_changed.emit(item_id)

    def save(self) -> None:
        """Record the statement in the form (one Undo step); it goes back to draft."""
        if self.item is None:
            return
        slug = self.category.currentData()
        label = self.category.currentText()
        values = self._form_values()
        try:
            with self.edit(f"Disclose {label}"):
                self.library.disclose(
                    self.item.id,
                    slug,
                    tools=values["tools"],
                    purpose=values["purpose"],
                    extent=values["extent"],
                    fields=values["fields"],
                    asset_id=self.applies_to.currentData(),
                )
        except CredenceError as exc:
            self.status.setText(f"Not saved: {exc}")
            return
        self.status.setText(f"Saved the {label} statement (draft until it is approved).")
        self._refresh(self.item.id)

    def review(self, state: str) -> None:
        """Mark the statement reviewed or approved, by a named person (asked for)."""
        d = self.current()
        if d is None or self.item is None or self.dirty():
            return
        verb = "approves" if state == "approved" else "reviewed"
        name, ok = QInputDialog.getText(
            self,
            "Approve statement" if state == "approved" else "Mark reviewed",
            f"Who {verb} this statement? Their name is recorded and may be printed:",
            QLineEdit.EchoMode.Normal,
            "",
        )
        if not ok:
            return
        name = name.strip()
        if not name:  # said where it is seen, not only at the foot of the tab
            message = (
                "Not recorded: an approval or review needs the name of the person who gave it."
            )
            self.status.setText(message)
            QMessageBox.information(self, "Credence", message)
            return
        try:
            with self.edit(f"{'Approve' if state == 'approved' else 'Review'} statement"):
                self.library.review(self.item.id, state, name, disclosure_id=d.id)
        except CredenceError as exc:
            self.status.setText(f"Not recorded: {exc}")
            return
        self.status.setText(f"{'Approved' if state == 'approved' else 'Reviewed'} by {name}.")
        self._refresh(self.item.id)

    def override(self, sentence: str | None) -> None:
        """Use the registrar's own sentence in the preview language (None: the generated one)."""
        d = self.current()
        if d is None or self.item is None:
            return
        language = self.language.currentData()
        if sentence is not None and not sentence.strip():
            self.status.setText("Type your sentence first, or restore the generated one.")
            return
        try:
            with self.edit("Own sentence" if sentence else "Restore generated sentence"):
                self.library.override_sentence(self.item.id, d.category, language, sentence)
        except CredenceError as exc:
            self.status.setText(f"Not saved: {exc}")
            return
        self.status.setText(
            "Your sentence is used; it needs a new approval."
            if sentence
            else "The generated sentence is used again; it needs a new approval."
        )
        self._refresh(self.item.id)

    def translate_purpose(self, text: str | None) -> None:
        """Use the registrar's translation of the purpose in the preview language (None: the
        purpose shows as written, marked as not translated)."""
        d = self.current()
        if d is None or self.item is None:
            return
        language = self.language.currentData()
        if text is not None and not text.strip():
            self.status.setText("Type the translation first, or remove it.")
            return
        if text is None and not d.purpose_translation(language):
            self.status.setText(f"The purpose has no translation in {self.language.currentText()}.")
            return
        try:
            with self.edit("Translate purpose" if text else "Remove purpose translation"):
                self.library.override_purpose(
                    self.item.id, d.category, language, text, disclosure_id=d.id
                )
        except CredenceError as exc:
            self.status.setText(f"Not saved: {exc}")
            return
        self.status.setText(
            f"The purpose in {self.language.currentText()} is your translation; it needs a "
            "new approval."
            if text
            else f"The purpose in {self.language.currentText()} shows as written, marked as "
            "not translated; it needs a new approval."
        )
        self._refresh(self.item.id)

    def _register_tool(self) -> None:
        dialog = ToolDialog(self)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                tool = self.library.add_tool(**dialog.values())
            except CredenceError as exc:
                self.report(exc)  # the dialog stays filled in, to correct and try again
                continue
            self._load_tools(self._checked(self.tools) | {_tool_label(tool)})
            self.status.setText(
                f"Registered {_tool_label(tool)}; it is checked for this statement."
            )
            self._form_changed()
            return
