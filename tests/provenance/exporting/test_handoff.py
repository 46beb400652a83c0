"""Hand-off downstream on real signed exports: BagIt bags validated by bagit-python, IIIF
manifests loaded back by iiif-prezi3; odd accessions, Arabic and Russian text, stale and
changed exports left out, refused folders, nothing half-written."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path
from urllib.parse import quote, urlsplit

import bagit
import c2pa
import pytest
from iiif_prezi3 import Collection, Manifest
from PIL import Image, ImageOps

from provenance import CancelToken, NotFound, OutputRefused
from tests.conftest import data_file
from tests.provenance.c2pa_helpers import make_jpeg

PASS = "correct horse battery staple"
BASE = "https://museum.example/iiif"
ARABIC_TITLE = "مخطوطة مزخرفة"
RUSSIAN_TITLE = "Портрет дамы в синем"


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _state(path, anchors):
    settings = {
        "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
        "trust": {"user_anchors": anchors},
    }
    mime = "image/" + path.suffix.lstrip(".").replace("jpg", "jpeg").replace("tif", "tiff")
    with (
        c2pa.Context(settings=c2pa.Settings.from_dict(settings)) as context,
        open(path, "rb") as stream,
        c2pa.Reader(mime, stream, context=context) as reader,
    ):
        return reader.get_validation_state()


@pytest.fixture
def museum(library, tmp_path):
    """A library with signed exports of odd accessions, one stale, one never exported."""
    library.create_identity("Музей «Credence» — متحف", PASS)
    masters = tmp_path / "masters"
    masters.mkdir()
    make_jpeg(masters / "one.jpg", (120, 80))
    shutil.copy(
        data_file("images/exif-samples/orientation/landscape_6.jpg"), masters / "turned.jpg"
    )
    make_jpeg(masters / "two.jpg", (64, 96))
    make_jpeg(masters / "stale.jpg")
    make_jpeg(masters / "never.jpg", (50, 50))
    specs = [
        ("1976.37", RUSSIAN_TITLE, "one.jpg", {"rights": "CC BY 4.0"}),
        ("A 12/3", ARABIC_TITLE, "turned.jpg", {"rights": "Public domain"}),
        # An accession that is another item's id (the item above is #2).
        ("2", "Two", "two.jpg", {}),
        ("ST-1", "Goes stale", "stale.jpg", {}),
        ("NE-1", "Never exported", "never.jpg", {}),
    ]
    for accession, title, name, extra in specs:
        library.create_item(
            {
                "accession": accession,
                "title": title,
                "maker": "Иван Петров",
                "date": "1890~",
                "medium": "Oil on canvas",
                "credit_line": "Gift of the Friends, 1976",
                "description": "وصف القطعة",
                **extra,
            }
        )
        library.import_files([masters / name], item=accession)
    library.create_item({"accession": "NOIMG", "title": "No picture"})
    library.tag(["1976.37"], add=["portrait", "Frau"])
    library.add_tool("Restorer X", "Acme Imaging", version="2.1", runs="on-device")
    library.disclose("1976.37", "ai-restored", tools=["Restorer X"], purpose="mend a tear")
    library.review("1976.37", "approved", "Dana Registrar")
    exports = tmp_path / "exports"
    report = library.export(["1976.37", "A 12/3", "2", "ST-1"], exports, passphrase=PASS, jobs=1)
    assert report.refused == () and report.failed == ()
    library.update_item("ST-1", {"title": "Changed after export"})  # its export goes stale
    return library, masters, exports


def _left_reasons(report):
    return {left.item.split(" ")[0]: left.reason for left in report.left_out}


# -- BagIt ----------------------------------------------------------------------------------


def test_bag_validates_with_archivematica_layout(museum, tmp_path):
    library, masters, exports = museum
    before = {p.name: _sha(p) for p in masters.iterdir()}
    out = tmp_path / "bags" / "transfer-1"
    report = library.bag(out, everything=True)

    assert report.folder == str(out) and report.items == 3
    bag = bagit.Bag(str(out))
    bag.validate()  # every manifest, both algorithms, Payload-Oxum
    assert set(bag.algorithms) == {"sha256", "sha512"}
    assert (out / "manifest-sha256.txt").is_file() and (out / "manifest-sha512.txt").is_file()
    assert (out / "bagit.txt").read_text().startswith("BagIt-Version: 1.0\n")
    assert bag.info["Source-Organization"] == "Музей «Credence» — متحف"
    assert len(bag.info["Bagging-Date"]) == 10
    assert bag.info["Credence-Item-Count"] == "3" and bag.info["Credence-File-Count"] == "3"
    # Payload: three signed files, the CSV, the history and the trust bundle.
    assert bag.info["Payload-Oxum"].endswith(".6")

    # The signed exports, byte for byte, still trusted under the bag's own trust bundle.
    anchors = (out / "data" / "metadata" / "trust-bundle.pem").read_text()
    assert anchors == (library.identity_dir / "ca.pem").read_text()
    for handed in report.files:
        copy = out / handed.file
        assert _sha(copy) == handed.sha256 == _sha(exports / copy.name)
        assert _state(copy, anchors) == "Trusted"

    with open(out / "data" / "metadata" / "metadata.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["filename"] for r in rows] == [f.file.removeprefix("data/") for f in report.files]
    assert all(r["filename"].startswith("objects/") for r in rows)
    for column in ("dc.title", "dc.creator", "dc.date", "dc.rights", "dc.description"):
        assert column in rows[0]
    first = next(r for r in rows if r["dc.identifier"] == "1976.37")
    assert first["dc.title"] == RUSSIAN_TITLE and first["dc.creator"] == "Иван Петров"
    assert first["dc.date"] == "1890~" and first["dc.rights"] == "CC BY 4.0"
    assert first["dc.description"] == "وصف القطعة"
    assert "Restorer X 2.1" in first["ai_disclosure"] and "Dana Registrar" in first["ai_disclosure"]
    assert first["ai_disclosure_review"].startswith("ai-restored: approved by Dana Registrar")
    assert "portrait" in first["dc.subject"]
    arabic = next(r for r in rows if r["dc.identifier"] == "A 12/3")
    assert arabic["dc.title"] == ARABIC_TITLE and arabic["ai_disclosure"] == ""

    history = json.loads((out / "data" / "metadata" / "history.json").read_text("utf-8"))
    by_accession = {r["item"]["accession"]: r for r in history["items"]}
    assert set(by_accession) == {"1976.37", "A 12/3", "2"}
    entries = by_accession["1976.37"]["history"]
    assert any(e["entity"] == "disclosure" for e in entries)
    assert all(len(e["hash"]) == 64 for e in entries)
    assert "assets" not in by_accession["1976.37"]["item"]  # no local paths of originals

    reasons = _left_reasons(report)
    assert "stale" in reasons["ST-1"] and "export it again" in reasons["ST-1"]
    assert "never been exported" in reasons["NE-1"]
    assert "no image" in reasons["NOIMG"]
    assert {p.name: _sha(p) for p in masters.iterdir()} == before  # originals untouched


def test_a_changed_byte_in_the_bag_is_caught(museum, tmp_path):
    library, _masters, _exports = museum
    out = tmp_path / "bag"
    report = library.bag(out, ["1976.37"])
    bagit.Bag(str(out)).validate()
    target = out / report.files[0].file
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    with pytest.raises(bagit.BagValidationError) as caught:
        bagit.Bag(str(out)).validate()
    assert any(d.path == report.files[0].file for d in caught.value.details)

    # A changed metadata file is caught too (it is payload), and a changed bag-info by the
    # tag manifests.
    out2 = tmp_path / "bag2"
    library.bag(out2, ["1976.37"])
    csv_path = out2 / "data" / "metadata" / "metadata.csv"
    csv_path.write_bytes(csv_path.read_bytes().replace(b"1976.37", b"1976.38"))
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(out2)).validate()
    out3 = tmp_path / "bag3"
    library.bag(out3, ["1976.37"])
    info = out3 / "bag-info.txt"
    info.write_text(info.read_text("utf-8").replace("Bag-Count: 1 of 1", "Bag-Count: 1 of 2"))
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(out3)).validate()


def test_bag_folder_refusals_write_nothing(museum, tmp_path):
    library, masters, _exports = museum
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    cases = {
        busy: "not empty",
        masters: "originals",
        library.folder / "bags": "library folder",
        a_file: "is a file",
    }
    for target, words in cases.items():
        with pytest.raises(OutputRefused) as refused:
            library.bag(target, everything=True)
        assert words in str(refused.value)
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]
    assert not (library.folder / "bags").exists()
    assert not list(tmp_path.glob(".*credence-tmp"))
    # An empty folder is taken (and filled).
    empty = tmp_path / "empty"
    empty.mkdir()
    assert library.bag(empty, ["2"]).folder == str(empty)
    bagit.Bag(str(empty)).validate()


def test_bag_leaves_out_missing_and_changed_exports(museum, tmp_path):
    library, _masters, exports = museum
    (exports / "turned.jpg").unlink()
    signed = exports / "two.jpg"
    data = bytearray(signed.read_bytes())
    data[-10] ^= 0x01
    signed.write_bytes(bytes(data))
    report = library.bag(tmp_path / "bag", ["1976.37", "A 12/3", "2", "ST-1"])
    reasons = _left_reasons(report)
    assert "no longer there" in reasons["A"]
    assert "changed since it was signed" in reasons["2"]
    assert "stale" in reasons["ST-1"]
    assert [f.item.split(" ")[0] for f in report.files] == ["1976.37"]
    bagit.Bag(report.folder).validate()


def test_nothing_to_bag_writes_nothing_and_search_selects(museum, tmp_path):
    library, _masters, _exports = museum
    report = library.bag(tmp_path / "none", ["NE-1", "NOIMG"])
    assert report.folder is None and report.files == () and len(report.left_out) == 2
    assert not (tmp_path / "none").exists()
    found = library.bag(tmp_path / "found", search="Портрет")
    assert [f.item for f in found.files] == [f"1976.37 ({RUSSIAN_TITLE})"]
    with pytest.raises(NotFound):
        library.bag(tmp_path / "x", search="no such words anywhere")
    # The same bag twice: two folders with the same payload.
    again = library.bag(tmp_path / "found-again", search="Портрет")
    assert [f.sha256 for f in again.files] == [f.sha256 for f in found.files]


def test_cancelled_bag_leaves_nothing(museum, tmp_path):
    library, _masters, _exports = museum
    token = CancelToken()
    token.cancel()
    report = library.bag(tmp_path / "cancelled", everything=True, cancel=token)
    assert report.cancelled and report.folder is None
    assert not (tmp_path / "cancelled").exists()
    assert not list(tmp_path.glob(".*credence-tmp"))


# -- IIIF -----------------------------------------------------------------------------------


def _local(out, url):
    """The file a URL under BASE names inside the folder (as a static web server maps it)."""
    assert url.startswith(BASE + "/")
    return out / urlsplit(url).path.removeprefix(urlsplit(BASE).path + "/")


def test_iiif_manifests_load_back_and_show_the_signed_images(museum, tmp_path):
    library, _masters, _exports = museum
    out = tmp_path / "web"
    report = library.iiif(out, BASE + "/", everything=True)
    assert report.folder == str(out) and report.collection == f"{BASE}/collection.json"

    collection = Collection(**json.loads((out / "collection.json").read_text("utf-8")))
    assert [m.id for m in collection.items] == [m.id for m in report.manifests]
    slugs = [urlsplit(m.id).path.split("/")[-2] for m in report.manifests]
    assert len(set(slugs)) == 3 and all(quote(s) == s for s in slugs)
    assert "A-12-3-2" in slugs and "2-3" in slugs  # odd accession; accession equal to an id

    for written in report.manifests:
        path = out / written.file
        raw = json.loads(path.read_text("utf-8"))
        manifest = Manifest(**raw)  # iiif-prezi3 validates on load
        assert raw["@context"] == "http://iiif.io/api/presentation/3/context.json"
        assert raw["type"] == "Manifest" and raw["id"] == written.id
        assert _local(out, raw["id"]) == path
        for key in ("label", "metadata", "summary", "requiredStatement", "items"):
            assert key in raw, key
        for canvas in manifest.items:
            [page] = canvas.items
            [annotation] = page.items
            assert annotation.motivation == "painting" and annotation.target == canvas.id
            body = annotation.body
            image_file = _local(out, body.id)
            with Image.open(image_file) as im:
                shown = ImageOps.exif_transpose(im).size
            assert (canvas.width, canvas.height) == shown == (body.width, body.height)
            assert body.format == "image/jpeg" and not getattr(body, "service", None)
        for image in written.images:  # the signed export, byte for byte
            assert _sha(out / image.file) == image.sha256 == _sha(Path(image.export))

    by_slug = {
        urlsplit(m.id).path.split("/")[-2]: json.loads((out / m.file).read_text("utf-8"))
        for m in report.manifests
    }
    russian = by_slug["1976.37-1"]
    assert russian["label"] == {"none": [RUSSIAN_TITLE]}
    assert russian["rights"] == "http://creativecommons.org/licenses/by/4.0/"
    assert russian["requiredStatement"]["value"]["none"] == [
        "Gift of the Friends, 1976 · CC BY 4.0"
    ]
    meta = {e["label"]["en"][0]: e["value"] for e in russian["metadata"]}
    assert meta["Maker"] == {"none": ["Иван Петров"]}
    assert meta["Date"] == {"none": ["1890~"]} and meta["Medium"] == {"none": ["Oil on canvas"]}
    assert meta["Credit line"] == {"none": ["Gift of the Friends, 1976"]}
    assert "portrait" in meta["Keywords"]["none"][0]
    # The disclosure with its approval, in every language Credence words it in.
    assert set(meta["AI disclosure"]) == {"en", "de", "es", "fr", "nb"}
    assert "approved by Dana Registrar" in meta["AI disclosure"]["en"][0]
    assert "freigegeben von Dana Registrar" in meta["AI disclosure"]["de"][0]
    assert meta["AI disclosure review"]["none"][0].startswith("ai-restored: approved")
    assert set(russian["summary"]) == {"en", "de", "es", "fr", "nb"}
    assert russian["summary"]["fr"] == ["وصف القطعة", meta["AI disclosure"]["fr"][0]]

    arabic = by_slug["A-12-3-2"]
    assert arabic["label"] == {"none": [ARABIC_TITLE]}
    assert "rights" not in arabic  # "Public domain" names no licence: never guessed
    assert arabic["summary"] == {"none": ["وصف القطعة"]}
    # The turned photograph (stored on its side, EXIF orientation 6): its canvas is as a
    # browser shows it, not as the pixels are stored.
    canvas = arabic["items"][0]
    with Image.open(out / "A-12-3-2" / "image-1.jpg") as im:
        stored = im.size
    assert (canvas["width"], canvas["height"]) == (stored[1], stored[0]) == (600, 450)

    reasons = _left_reasons(report)
    assert "stale" in reasons["ST-1"] and "never been exported" in reasons["NE-1"]


def test_iiif_follows_the_library_language_and_refuses_bad_urls(museum, tmp_path):
    library, _masters, _exports = museum
    library.update_settings({"language": "de"})  # every export goes stale: export again
    library.export(["1976.37"], tmp_path / "exports-de", passphrase=PASS, jobs=1)
    report = library.iiif(tmp_path / "web", "http://localhost:8000/sammlung", ["1976.37"])
    raw = json.loads((tmp_path / "web" / report.manifests[0].file).read_text("utf-8"))
    meta = {e["label"]["en"][0]: e["value"] for e in raw["metadata"]}
    assert next(iter(meta["AI disclosure"])) == "de"  # the library's language first
    assert raw["id"].startswith("http://localhost:8000/sammlung/1976.37-1/")
    bad_urls = (
        "ftp://museum.example/iiif",
        "museum.example/iiif",
        "https://",
        "",
        "https://m.example/a b",
        "https://m.example/?page=2",
        "https://m.example:port/",
    )
    for bad in bad_urls:
        with pytest.raises(Exception) as refused:
            library.iiif(tmp_path / "bad", bad, ["1976.37"])
        assert "base URL" in str(refused.value)
    assert not (tmp_path / "bad").exists()
