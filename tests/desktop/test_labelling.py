"""plan_labels reads what labels need for the whole batch: plain item views give the same
plan (contents, drafts, refusals) as detailed ones, which carry their assets."""

from __future__ import annotations

import shutil

from desktop.labelling import plan_labels
from tests.conftest import data_file


def test_plain_items_plan_the_same_labels_as_detailed_items(library, tmp_path):
    masters = tmp_path / "masters"
    masters.mkdir()
    # Photoshop Generative Fill: the file's own credentials say AI changed it.
    said_ai = shutil.copy(data_file("c2pa-fixtures/ocsp.jpg"), masters / "fill.jpg")
    plain = shutil.copy(data_file("c2pa-fixtures/libpng-test.png"), masters / "plain.png")
    library.import_files([said_ai, plain], capture_type="digitalCapture")
    for n, (category, state) in enumerate(
        [("ai-restored", "approved"), ("ai-enhanced", "draft"), ("none", "approved"), (None, "")]
    ):
        item = library.create_item({"accession": f"L.{n}", "title": f"Label {n}", "date": "1890~"})
        if category:
            library.disclose(item.id, category)
            if state == "approved":
                library.review(item.id, state, "Jane Doe")

    def same_plans() -> list[tuple[str, str]]:
        detailed = library.list_items(details=True)
        lean = library.list_items()
        assert any(a.ai_found for i in detailed for a in i.assets)
        assert not any(i.assets for i in lean)
        assert library.files_saying_ai([i.id for i in lean]) == {
            i.id: i.assets[0].path for i in detailed if any(a.ai_found for a in i.assets)
        }
        for allow in (False, True):
            before = plan_labels(library, detailed, allow_unreviewed=allow, qr_pattern="{id}")
            after = plan_labels(library, lean, allow_unreviewed=allow, qr_pattern="{id}")
            assert after.contents == before.contents
            assert after.refused == before.refused
            assert [i.id for i in after.items] == [i.id for i in before.items]
            assert any(c.draft for c in after.contents) == allow
        return after.refused

    # The file saying AI without a disclosure is refused even with --allow-unreviewed.
    assert any("fill.jpg says AI" in reason for _, reason in same_plans())
    fill = next(i for i in library.list_items() if i.title == "fill")
    library.disclose(fill.id, "ai-restored")
    library.review(fill.id, "approved", "Jane Doe")
    assert not any("fill.jpg" in reason for _, reason in same_plans())


def test_a_library_read_plainly_plans_the_same_labels(tmp_path):
    """`credence labels` reads a local library with sqlite3 alone (provenance.read_library):
    the same plan (contents, drafts, QR texts, refusals) as through the Library, on a library
    with provenance, AI disclosures in every review state, tags, non-ASCII and missing fields,
    an image whose own credentials say AI, and signed exports."""
    from provenance import available_languages, open_library, read_library
    from tests.provenance.store.test_reading import fill_collection

    with open_library(tmp_path / "lib", actor="alice") as library:
        rich = fill_collection(library, tmp_path)
        said_ai = shutil.copy(data_file("c2pa-fixtures/ocsp.jpg"), tmp_path / "fill.jpg")
        rich.import_files([said_ai], capture_type="digitalCapture")
        rich.create_item({"accession": "M1"})  # no title, maker, date or medium
        rich.disclose("M1", "ai-enhanced")
        rich.disclose("A3", "none")
        rich.review("A3", "approved", "Jane Doe")
        rich.update_settings({"reviewer_display": "role", "reviewer_role": "the registrar"})
        with read_library(library.folder) as reader:
            assert reader.list_items() == library.list_items()
            items = reader.list_items()
            for language in (None, *available_languages()):
                for allow in (False, True):
                    for qr in (None, "export", "https://example.org/{accession}?id={id}"):
                        options = {"language": language, "allow_unreviewed": allow}
                        plainly = plan_labels(reader, items, qr_pattern=qr, **options)
                        fully = plan_labels(library, items, qr_pattern=qr, **options)
                        assert plainly == fully
            assert plainly.refused and plainly.contents and any(c.draft for c in plainly.contents)
            assert any("fill.jpg says AI" in reason for _, reason in plainly.refused)
            assert any(c.qr_text and "sha256:" not in c.qr_text for c in plainly.contents)
