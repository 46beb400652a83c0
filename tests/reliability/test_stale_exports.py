"""Stale exports: a signed file never silently outlives the record it signed.

An export is stale when anything it signed changes afterwards: a catalog field it carries, a
disclosure statement, its approval, an event, a setting that changes the signed words, or the
undo of any of them. The staleness shows in `credence items --stale`, `credence show`, in
`credence verify FILE` run inside the library, and in the window's "Needs re-export" view. A
change that returns the record to exactly what was signed (the undo of the undo, the same words
approved again by the same person) clears it, and so does a re-export.

Everything is real: signed exports with a generated institution identity, the `credence`
command line in child processes, the window on the offscreen platform driven by mouse and keys.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import data_file
from tests.reliability.conftest import (
    PASS,
    assert_library_consistent,
    assert_plain,
    db_rows,
    make_jpegs,
    run_cli,
)

REVIEWER = "Dana Registrar"


@pytest.fixture
def signed(tmp_path):
    """A library with a signing identity and two imported items, one with approved AI work.

    "R-17" has a real camera JPEG and an approved ai-restored disclosure; "R-18" a generated
    scan with no AI disclosure. Set up through the facade; the tests then use the command line.
    """
    from provenance import open_library

    library = tmp_path / "lib"
    masters = tmp_path / "masters"
    masters.mkdir()
    shutil.copy(data_file("c2pa-fixtures/IMG_0003.jpg"), masters / "R-17.jpg")
    [scan] = make_jpegs(tmp_path / "made", 1, size=(200, 150))
    shutil.copy(scan, masters / "R-18.jpg")
    with open_library(library, actor="setup") as lib:
        lib.create_identity("Stale Exports Test Museum", PASS)
        lib.create_item(
            {
                "accession": "R-17",
                "title": "Harbour at dusk",
                "maker": "Ingrid Moe",
                "date": "1934",
                "credit_line": "Gift of the Friends",
                "rights": "Public domain",
                "description": "Glass negative, cracked",
            }
        )
        lib.create_item({"accession": "R-18", "title": "Field in spring", "maker": "Bo Lund"})
        report = lib.import_files([masters])
        assert not report.rejected and len(report.imported) == 2
        lib.add_tool("Restorer X", "Acme Imaging", version="2.1", runs="on-device")
        lib.disclose("R-17", "ai-restored", tools=["Restorer X"], purpose="mend the crack")
        lib.review("R-17", "approved", REVIEWER)
    return library, tmp_path / "out"


def cli(library: Path, *args: str):
    done = run_cli(library, *args)
    assert_plain(done)
    return done


def cli_json(library: Path, *args: str):
    done = cli(library, *args, "--json")
    assert done.returncode == 0, (done.stdout, done.stderr)
    return json.loads(done.stdout)


def export(library: Path, out: Path, *items: str, caption: bool = False) -> None:
    extra = ("--caption",) if caption else ()
    done = cli(library, "export", *items, "--out", str(out), *extra)
    assert done.returncode == 0, (done.stdout, done.stderr)


def stale(library: Path) -> dict[str, str]:
    """accession -> reason, from `credence items --stale --json`."""
    return {row["accession"]: row["stale_reason"] for row in cli_json(library, "items", "--stale")}


def verify(library: Path, *files: Path) -> tuple[int, list[dict]]:
    done = cli(library, "verify", "--json", *map(str, files))
    return done.returncode, json.loads(done.stdout)


def undo(library: Path, seq: int) -> int:
    """`credence undo SEQ`; the seq of the entry that recorded the undo."""
    done = cli(library, "undo", str(seq))
    assert done.returncode == 0, (done.stdout, done.stderr)
    return int(done.stdout.strip().rsplit(" ", 1)[-1].rstrip(")"))


def last_entry(library: Path, item: str, entity: str, action: str) -> int:
    entries = cli_json(library, "history", item)
    return max(e["seq"] for e in entries if e["entity"] == entity and e["action"] == action)


# -- the approval behind an export ----------------------------------------------------------


def test_undoing_the_approval_marks_the_export_stale_and_verify_says_so(signed):
    library, out = signed
    export(library, out, "R-17", "R-18")
    files = {"R-17": out / "R-17.jpg", "R-18": out / "R-18.jpg"}
    assert stale(library) == {}
    status, results = verify(library, *files.values())
    assert status == 0 and [r["record"]["stale"] for r in results] == [False, False]

    approval = last_entry(library, "R-17", "disclosure", "review")
    undone = undo(library, approval)

    # items --stale lists it, with the reason, in JSON and in words.
    reasons = stale(library)
    assert list(reasons) == ["R-17"]
    assert "approval was withdrawn" in reasons["R-17"]
    [row] = cli_json(library, "items", "--stale")
    [record] = row["stale_exports"]
    assert Path(record["path"]) == files["R-17"].resolve()
    assert record["stale_since"] and "approval was withdrawn" in record["stale_reason"]
    words = cli(library, "items", "--stale")
    assert "R-17" in words.stdout and "R-18" not in words.stdout
    assert "needs re-export: the disclosure approval was withdrawn" in words.stdout
    # The column the schema keeps for it is filled in (what other tools read).
    [(since, reason)] = db_rows(
        library, "SELECT stale_since, stale_reason FROM exports WHERE stale_since IS NOT NULL"
    )
    assert since and "approval was withdrawn" in reason

    # show says which export is stale and why.
    shown = cli(library, "show", "R-17").stdout
    assert "stale since" in shown and "approval was withdrawn" in shown
    assert "still matches the record" in cli(library, "show", "R-18").stdout

    # verify, inside the library: the signed file no longer matches its record.
    status, [r17, r18] = verify(library, files["R-17"], files["R-18"])
    assert r17["credentials"] == "trusted"  # the signature itself is fine ...
    assert r17["record"]["stale"] is True  # ... but what it says is no longer the record
    assert "approval was withdrawn" in r17["record"]["reason"]
    assert r17["record"]["item"].startswith("R-17")
    assert r18["record"]["stale"] is False
    assert status == 1
    words = cli(library, "verify", str(files["R-17"]))
    assert "no longer matches the library's record" in words.stdout
    assert "approval was withdrawn" in words.stdout and words.returncode == 1

    # The undo of the undo restores exactly what was signed: current again.
    undo(library, undone)
    assert stale(library) == {}
    status, [r17] = verify(library, files["R-17"])
    assert status == 0 and r17["record"]["stale"] is False
    assert "matches the library's record" in cli(library, "verify", str(files["R-17"])).stdout
    assert_library_consistent(library)


def test_re_approval_and_re_export_clear_it_and_old_rows_stay_as_history(signed):
    library, out = signed
    export(library, out, "R-17")
    cli(library, "review", "R-17", "--draft")
    assert "approval was withdrawn" in stale(library)["R-17"]
    # The same words approved again by the same person: the file's claim holds again.
    cli(library, "review", "R-17", "--approve", "--by", REVIEWER)
    assert stale(library) == {}

    # Approved by someone else: the file names the wrong person.
    cli(library, "review", "R-17", "--draft")
    cli(library, "review", "R-17", "--approve", "--by", "Sam Keeper")
    assert "approved by someone else" in stale(library)["R-17"]
    old_file = (out / "R-17.jpg").read_bytes()

    # A re-export writes a current file; the asset no longer needs re-exporting.
    export(library, out, "R-17")
    assert stale(library) == {}
    exports = cli_json(library, "show", "R-17")["exports"]
    assert len(exports) == 2
    newest, older = exports  # newest first
    assert newest["stale_since"] is None and older["stale_since"] is not None
    status, [result] = verify(library, out / "R-17.jpg")
    assert status == 0 and result["record"] == result["record"] | {
        "export": newest["id"],
        "stale": False,
    }
    # The file written before (kept aside) is still recognised, and still stale.
    kept = out.parent / "kept-R-17.jpg"
    kept.write_bytes(old_file)
    status, [result] = verify(library, kept)
    assert result["record"]["export"] == older["id"] and result["record"]["stale"] is True
    assert status == 1


def test_own_wording_and_its_restoration_are_named_until_approved_again(signed):
    library, out = signed
    export(library, out, "R-17")
    own = "ai-restored=Staff mended a crack with Restorer X."
    assert cli(library, "wording", "R-17", "--override", own).returncode == 0
    reason = stale(library)["R-17"]
    assert "wording changed" in reason and "approval was withdrawn" in reason
    # The generated sentence again: the words match the file, the approval still does not.
    assert cli(library, "wording", "R-17", "--restore", "ai-restored").returncode == 0
    assert stale(library) == {"R-17": "the disclosure approval was withdrawn (ai-restored)"}
    cli(library, "review", "R-17", "--approve", "--by", REVIEWER)
    assert stale(library) == {}


# -- catalog fields: carried or not ---------------------------------------------------------


def test_catalog_import_marks_only_changes_to_fields_the_export_carries(signed, tmp_path):
    library, out = signed
    export(library, out, "R-17", "R-18")

    # The description and a free extra column are not signed: nothing goes stale.
    unsigned = tmp_path / "unsigned.csv"
    unsigned.write_text(
        "accession,description,shelfmark\n"
        "R-17,Glass negative; crack mended in 2026,Box 4\n"
        "R-18,Colour slide,Box 9\n"
    )
    done = cli(library, "catalog", "import", str(unsigned), "--key", "accession")
    assert done.returncode == 0, done.stderr
    assert cli_json(library, "show", "R-18")["extra"] == {"shelfmark": "Box 9"}
    assert stale(library) == {}

    # A title and a credit line are: only that item goes stale, with both named.
    for n, row in enumerate(("title\nR-18,Field in early spring", "credit_line\nR-18,Bo Lund")):
        changes = tmp_path / f"signed-{n}.csv"
        changes.write_text(f"accession,{row}\n")
        done = cli(library, "catalog", "import", str(changes), "--key", "accession")
        assert done.returncode == 0, done.stderr
    reasons = stale(library)
    assert list(reasons) == ["R-18"]
    assert "title changed" in reasons["R-18"] and "credit line changed" in reasons["R-18"]
    status, [r17, r18] = verify(library, out / "R-17.jpg", out / "R-18.jpg")
    assert (r17["record"]["stale"], r18["record"]["stale"]) == (False, True)
    assert status == 1

    # Many unexported items in the same library: imported, and nothing else changes.
    rows = "".join(f"N-{n:05d},New item {n},Maker {n % 7}\n" for n in range(3000))
    bulk = tmp_path / "bulk.csv"
    bulk.write_text("accession,title,maker\n" + rows)
    done = cli(library, "catalog", "import", str(bulk), "--key", "accession")
    assert done.returncode == 0, done.stderr
    assert list(stale(library)) == ["R-18"]

    # Undoing the import's change of the title leaves only the credit line to explain it.
    def change_of(field: str) -> int:
        return max(
            e["seq"]
            for e in cli_json(library, "history", "R-18")
            if e["entity"] == "item"
            and field in (e["after"] or {})
            and not (e["note"] or "").startswith("undo")
        )

    undo(library, change_of("title"))
    assert stale(library) == {"R-18": "credit line changed"}
    undo(library, change_of("credit_line"))
    assert stale(library) == {}
    assert_library_consistent(library)


# -- what else an export signs: the caption strip, settings, events ---------------------------


def test_caption_exports_settings_and_events(signed, tmp_path):
    library, out = signed
    export(library, out, "R-18", caption=True)
    assert (out / "R-18.jpg").is_file()

    # A captioned export signed "a caption strip was added"; a change to something it does not
    # carry must not make it look stale just because the export row does not say so.
    unsigned = tmp_path / "unsigned.csv"
    unsigned.write_text("accession,description\nR-18,Colour slide\n")
    assert cli(library, "catalog", "import", str(unsigned)).returncode == 0
    assert stale(library) == {}

    # An event is carried in the manifest; its undo brings the export back.
    done = cli(library, "event", "add", "R-18", "--action", "restored", "--actor", "Lab")
    assert done.returncode == 0, done.stderr
    assert stale(library) == {"R-18": "a provenance event was added"}
    undo(library, last_entry(library, "R-18", "event", "create"))
    assert stale(library) == {}

    # A setting that changes the signed words reaches every exported item, and only those.
    export(library, out, "R-17")
    assert cli(library, "settings", "training_mining=allowed").returncode == 0
    reasons = stale(library)
    assert sorted(reasons) == ["R-17", "R-18"]
    assert all(r == "the training-and-mining policy changed" for r in reasons.values())
    assert cli(library, "settings", "export_naming={accession}.{ext}").returncode == 0
    assert sorted(stale(library)) == ["R-17", "R-18"]  # naming is not signed: no change
    assert cli(library, "settings", "training_mining=notAllowed").returncode == 0
    assert stale(library) == {}
    assert_library_consistent(library)


def test_a_file_the_library_does_not_know_is_reported_as_before(signed, tmp_path):
    library, out = signed
    export(library, out, "R-17")
    stranger = data_file("c2pa-fixtures/CA.jpg")
    original = tmp_path / "masters" / "R-17.jpg"  # an imported original, not an export
    status, results = verify(library, stranger, original)
    assert status == 0
    shape = {
        "file",
        "credentials",
        "codes",
        "ingredient_problems",
        "digital_source_types",
        "signer",
        "summary",
    }
    assert "record" not in results[0] and set(results[0]) == shape
    # The original has no credentials, and the export was made from its pixels: verify adds
    # which export it looks like (issue 15's soft binding), and nothing else changes.
    assert "record" not in results[1] and set(results[1]) == {*shape, "looks_like"}
    assert [m["item"] for m in results[1]["looks_like"]] == ["R-17"]
    words = cli(library, "verify", str(stranger)).stdout
    assert "record" not in words and len(words.strip().splitlines()) == 1


# -- the window -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(1024, 700), (1600, 1000)])
def test_needs_re_export_view_and_inspector(qtbot, signed, tmp_path, size):
    from PySide6.QtCore import QPoint, QRect, QSettings, Qt

    from desktop.main_window import MainWindow
    from provenance import open_library

    library_path, out = signed
    lib = open_library(library_path, actor="registrar")
    try:
        lib.export(None, out, passphrase=PASS, jobs=1)
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(lib, settings)
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        window.windowHandle().requestActivate()  # keyboard shortcuts go to the active window
        qtbot.waitUntil(window.isActiveWindow)

        def inside(widget) -> bool:
            top_left = widget.mapTo(window, QPoint(0, 0))
            return window.rect().contains(QRect(top_left, widget.size()).center())

        def click_row(view, row: int) -> None:
            rect = view.visualRect(view.model().index(row, 0))
            qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

        def click_tab(title: str) -> None:
            bar = window.inspector.tabBar()
            index = next(i for i in range(bar.count()) if bar.tabText(i).replace("&", "") == title)
            qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
            assert window.inspector.currentIndex() == index

        # The sidebar has the view; nothing needs re-exporting yet.
        sidebar = window.sidebar
        entry = next(
            sidebar.item(i)
            for i in range(sidebar.count())
            if sidebar.item(i).text() == "Needs re-export"
        )
        rect = sidebar.visualItemRect(entry)
        assert sidebar.isVisible() and inside(sidebar) and sidebar.viewport().rect().contains(rect)
        qtbot.mouseClick(sidebar.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert sidebar.currentItem() is entry
        qtbot.waitUntil(lambda: window.model.total == 0)

        # Back to all items: change R-18's title in the Catalog tab, by keyboard.
        qtbot.mouseClick(
            sidebar.viewport(),
            Qt.MouseButton.LeftButton,
            pos=sidebar.visualItemRect(sidebar.item(0)).center(),
        )
        qtbot.waitUntil(lambda: window.model.total == 2)
        row = window.model.row_of(lib.get_item("R-18").id)
        click_row(window.table, row)
        click_tab("Catalog")
        catalog = next(t for t in window.tabs if t.title == "Catalog")
        title = catalog.editors["title"]
        assert title.isVisible() and inside(title)
        qtbot.mouseClick(title, Qt.MouseButton.LeftButton)
        title.selectAll()
        qtbot.keyClicks(title, "Field in early spring")
        with qtbot.waitSignal(catalog.item_changed):
            qtbot.keyClick(title, Qt.Key.Key_Return)

        # The view lists it now, with the reason in its tooltip.
        qtbot.mouseClick(sidebar.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.waitUntil(lambda: window.model.total == 1)
        item = window.model.item_at(0)
        assert item.accession == "R-18" and item.needs_reexport
        tooltip = window.model.data(window.model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
        assert "Needs re-export: title changed" in tooltip
        assert window.table.isVisible() and inside(window.table)
        click_row(window.table, 0)

        # The Credentials tab marks the stale export and says why.
        click_tab("Credentials")
        credentials = next(t for t in window.tabs if t.title == "Credentials")
        marks = [k for k in credentials.result_views if k.startswith("stale:")]
        assert len(marks) == 1
        mark = credentials.result_views[marks[0]]
        credentials.scroll.ensureWidgetVisible(mark)
        qtbot.waitUntil(mark.isVisible)
        assert inside(mark)
        assert mark.headline.text().startswith("Out of date")
        assert "Title changed" in mark.summary.text()
        assert "out of date" in credentials.heading.text()

        # Undo with the keyboard: the record is what was signed again; the view empties.
        window.table.setFocus()
        qtbot.waitUntil(window.table.hasFocus)
        qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: lib.get_item("R-18").title == "Field in spring")
        qtbot.waitUntil(lambda: window.model.total == 0)
        assert not [k for k in credentials.result_views if k.startswith("stale:")]
    finally:
        lib.close()
