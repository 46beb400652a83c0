"""The capture-type chooser shared by the Catalog tab, the Batch dialog and the Import dialog."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from provenance import CAPTURE_LABELS

NOT_RECORDED = "Not recorded (exports claim no capture)"


def capture_type_combo(parent: QWidget | None = None) -> QComboBox:
    """A combo box of the capture types; its data is the key (None for "Not recorded")."""
    combo = QComboBox(parent)
    combo.addItem(NOT_RECORDED, None)
    for key, label in CAPTURE_LABELS.items():
        combo.addItem(f"{label} — {key}", key)
    # The longest label is wider than the inspector at 1024 px; the open list shows it whole.
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(16)
    combo.setToolTip(
        "How the image was made. It is part of the record: exports sign it as the image's "
        "digital source type."
    )
    return combo
