"""What files already say, shown where an import is reported: `credence import` (text and JSON)
and the window's Import dialog, driven with real clicks at 1024x700 and 1600x1000."""

from __future__ import annotations

import json
import shutil

import pytest
from PySide6.QtCore import Qt

from desktop.cli import main
from desktop.dialogs.import_dialog import ImportFilesDialog
from desktop.workers import start
from tests.conftest import data_file
from tests.desktop.test_claims_gui import SIZES, _inside

REF = "iptc-reference/IPTC-PhotometadataRef-Std2023.2.jpg"


def test_credence_import_says_what_was_read_from_the_files(tmp_path, capsys):
    image = tmp_path / "ref.jpg"
    shutil.copyfile(data_file(REF), image)
    library = str(tmp_path / "lib")
    assert main(["--library", library, "import", str(image)]) == 0
    out = capsys.readouterr().out
    assert "from the file: title (XMP), maker (EXIF), description (EXIF)" in out
    assert out.rstrip().endswith(
        "1 imported, 0 duplicates, 0 rejected; 7 fields read from the files"
    )
    assert main(["--library", library, "items", "--json"]) == 0
    [item] = json.loads(capsys.readouterr().out)
    assert item["title"] == "The Title (ref2023.2)"
    assert item["keywords"] == ["Keyword1ref2023.2", "Keyword2ref2023.2", "Keyword3ref2023.2"]
    image2 = tmp_path / "again.jpg"
    shutil.copyfile(data_file(REF), image2)
    image2.write_bytes(image2.read_bytes() + b"\0")  # other bytes, same metadata
    assert main(["--library", library, "import", "--json", "--item", "#1", str(image2)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["fields_from_files"] == 0  # everything was filled already: nothing overwritten
    assert data["imported"][0]["from_file"] == {}


@pytest.mark.parametrize("size", SIZES)
def test_the_import_dialog_lists_the_fields_read(qtbot, library, tmp_path, size):
    image = tmp_path / "ref.jpg"
    shutil.copyfile(data_file(REF), image)
    dialog = ImportFilesDialog(library, start, paths=[image])
    qtbot.addWidget(dialog)
    dialog.resize(*size)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert _inside(dialog.import_button, dialog)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=30000)
    assert dialog.counts.isVisible() and _inside(dialog.counts, dialog)
    assert dialog.counts.text().endswith("0 rejected; 7 fields read from the files.")
    group = dialog.summary.topLevelItem(0)
    row = group.child(0)
    assert "from the file: title (XMP), maker (EXIF)" in row.text(1)
    [imported] = dialog.report.imported
    assert library.get_item(imported.item).title == "The Title (ref2023.2)"
