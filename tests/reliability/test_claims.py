"""Claims come from the record and never contradict the file; AI found in a file counts.

Every attack goes through the real `credence` command line on real third-party files: the
IPTC reference image 2023.2 (its XMP says the retired term softwareImage), Adobe Photoshop's
Generative Fill output (ocsp.jpg), camera JPEGs, TIFF, PNG and WebP fixtures. Exports are read
back with c2pa-python's Reader (the manifest must validate) and with ExifTool (`-j -G1`), the
reader most archives use, to check that no file holds two different titles, captions, creators,
copyright notices or credit lines.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import c2pa
import pytest
from PIL import Image

from tests.conftest import data_file, downgrade_schema
from tests.reliability.conftest import assert_plain, cli_env, run_cli

DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
REFERENCE = "iptc-reference/IPTC-PhotometadataRef-Std2023.2.jpg"
GENERATIVE_FILL = "c2pa-fixtures/ocsp.jpg"


# -- helpers -----------------------------------------------------------------------------------


def cli(library: Path, *args: str, expect: int | None = 0) -> subprocess.CompletedProcess:
    done = run_cli(library, *args, env=cli_env())
    assert_plain(done)
    if expect is not None:
        assert done.returncode == expect, (args, done.stdout, done.stderr)
    return done


def cli_json(library: Path, *args: str, expect: int | None = 0):
    return json.loads(cli(library, *args, "--json", expect=expect).stdout)


@pytest.fixture
def museum(tmp_path):
    """A library with a signing identity; returns (library folder, masters folder)."""
    library = tmp_path / "lib"
    cli(library, "identity", "create", "--org", "Claims Test Museum")
    masters = tmp_path / "masters"
    masters.mkdir()
    return library, masters


def copy(relative: str, folder: Path, name: str | None = None) -> Path:
    target = folder / (name or Path(relative).name)
    shutil.copy(data_file(relative), target)
    target.chmod(0o644)
    return target


def exiftool(path: Path) -> dict:
    done = subprocess.run(
        ["exiftool", "-j", "-G1", "-a", "-struct", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)[0]


def set_tags(path: Path, *assignments: str) -> None:
    """Give a test copy legacy metadata with ExifTool (never an original in ../shared/data)."""
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", *assignments, str(path)],
        capture_output=True,
        check=True,
    )


def manifest(path: Path, anchors: str | None = None) -> tuple[str, dict]:
    """(validation state, active manifest) as c2pa-python's Reader sees the file."""
    settings = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    if anchors:
        settings["trust"] = {"user_anchors": anchors}
    mime = {"jpg": "image/jpeg", "tif": "image/tiff", "tiff": "image/tiff"}.get(
        path.suffix.lstrip(".").lower(), "image/" + path.suffix.lstrip(".").lower()
    )
    with (
        c2pa.Context(settings=c2pa.Settings.from_dict(settings)) as context,
        open(path, "rb") as stream,
        c2pa.Reader(mime, stream, context=context) as reader,
    ):
        store = json.loads(reader.json())
        return reader.get_validation_state(), store["manifests"][store["active_manifest"]]


def actions(active: dict) -> list[dict]:
    return next(a["data"]["actions"] for a in active["assertions"] if "actions" in a["label"])


def source_types(active: dict) -> list[str]:
    return [a["digitalSourceType"] for a in actions(active) if "digitalSourceType" in a]


def pixels(path: Path) -> bytes:
    with Image.open(path) as im:
        return im.tobytes()


def anchors_of(library: Path) -> str:
    return (library / "identity" / "ca.pem").read_text()


def export(library: Path, out: Path, *args: str, expect: int | None = None) -> dict:
    return cli_json(library, "export", *args, "--out", str(out), "--jobs", "1", expect=expect)


# -- 2. claims come from the record --------------------------------------------------------------


def test_retired_software_image_is_never_signed_as_a_capture(museum, tmp_path):
    library, masters = museum
    ref = copy(REFERENCE, masters)
    cli(library, "import", str(ref))
    report = export(library, tmp_path / "out", "--all", expect=0)
    [done] = report["exported"]
    out = Path(done["file"])
    state, active = manifest(out, anchors_of(library))
    assert state == "Trusted"
    # The file says softwareImage (retired 2022); never digitalCapture, never a capture at all.
    assert DST + "digitalCapture" not in source_types(active)
    assert source_types(active) == [DST + "digitalCreation"]
    assert any("softwareImage" in n and "digitalCreation" in n for n in done["notes"])
    tags = exiftool(out)
    assert tags["XMP-iptcExt:DigitalSourceType"] == DST + "digitalCreation"


def test_unrecorded_capture_claims_no_capture_in_every_format(museum, tmp_path):
    library, masters = museum
    files = [
        copy("c2pa-fixtures/IMG_0003.jpg", masters),  # a camera JPEG: still nothing recorded
        copy("c2pa-fixtures/test.tiff", masters),
        copy("c2pa-fixtures/libpng-test.png", masters),
        copy("c2pa-fixtures/mars.webp", masters),
    ]
    cli(library, "import", *map(str, files))
    out = tmp_path / "out"
    report = export(library, out, "--all", expect=0)
    assert len(report["exported"]) == 4 and report["refused"] == []
    anchors = anchors_of(library)
    for done in report["exported"]:
        path = Path(done["file"])
        state, active = manifest(path, anchors)
        assert state == "Trusted", path
        [opened] = actions(active)
        assert opened["action"] == "c2pa.opened" and "digitalSourceType" not in opened
        assert [i["relationship"] for i in active["ingredients"]] == ["parentOf"]
        assert any("capture type unrecorded" in n for n in done["notes"]), done
    plain = cli(library, "export", "--all", "--out", str(tmp_path / "again"), "--jobs", "1")
    # Shared by all four files, the note is said once with its count, not under every file.
    assert plain.stdout.count("capture type unrecorded") == 1
    assert "note for 4 files: capture type unrecorded" in plain.stdout


def test_recorded_capture_type_is_what_is_signed(museum, tmp_path):
    library, masters = museum
    first = copy("c2pa-fixtures/IMG_0003.jpg", masters, "scan-a.jpg")
    second = copy("images/exif-samples/jpg_Canon_40D.jpg", masters, "scan-b.jpg")
    cli(library, "import", str(first), "--capture-type", "negativeFilm")
    cli(library, "settings", "capture_type_default=print")
    cli(library, "import", str(second))  # the institution's default
    items = {i["title"]: i for i in cli_json(library, "items")}
    assert items["scan-a"]["capture_type"] == "negativeFilm"
    assert items["scan-b"]["capture_type"] == "print"
    report = export(library, tmp_path / "out", "--all", expect=0)
    signed = {}
    for done in report["exported"]:
        state, active = manifest(Path(done["file"]), anchors_of(library))
        assert state == "Trusted"
        assert actions(active)[0]["action"] == "c2pa.created"
        signed[Path(done["file"]).stem] = source_types(active)
        assert done["notes"] == []
    assert signed == {"scan-a": [DST + "negativeFilm"], "scan-b": [DST + "print"]}


def test_capture_type_verb_sets_many_reports_bad_values_and_shows_in_history(museum):
    library, masters = museum
    for relative in ("c2pa-fixtures/IMG_0003.jpg", "c2pa-fixtures/test.tiff", REFERENCE):
        cli(library, "import", str(copy(relative, masters)))
    bad = cli(library, "capture-type", "polaroid", "--all", expect=2)
    assert "polaroid" in bad.stderr and "negativeFilm" in bad.stderr and "print" in bad.stderr
    done = cli(library, "capture-type", "positiveFilm", "--all")
    assert "positiveFilm" in done.stdout
    items = cli_json(library, "items")
    assert {i["capture_type"] for i in items} == {"positiveFilm"}
    missing = cli(library, "capture-type", "print", "#1", "NO-SUCH-ITEM", expect=1)
    assert "NO-SUCH-ITEM" in missing.stderr
    assert cli_json(library, "show", "#1")["capture_type"] == "print"
    history = cli(library, "history", "#1").stdout
    assert "capture type Scan of a positive (slide or transparency) -> Scan of a print" in history
    help_text = cli(library, "capture-type", "--help").stdout
    for key in ("digitalCapture", "negativeFilm", "positiveFilm", "print", "none"):
        assert key in help_text
    assert "--capture-type" in cli(library, "import", "--help").stdout


def test_record_that_contradicts_the_file_is_refused(museum, tmp_path):
    library, masters = museum
    ref = copy(REFERENCE, masters)
    made = copy("c2pa-fixtures/IMG_0003.jpg", masters, "generated.jpg")
    set_tags(made, f"-XMP-iptcExt:DigitalSourceType={DST}trainedAlgorithmicMedia")
    cli(library, "import", str(ref), str(made))
    items = {i["title"]: i["id"] for i in cli_json(library, "items")}
    # The reference image titles its item itself (read from the file on import).
    ref_item, made_item = f"#{items['The Title (ref2023.2)']}", f"#{items['generated']}"
    cli(library, "capture-type", "digitalCapture", ref_item, made_item)
    # The file says AI and nothing is disclosed: refused, --allow-unreviewed or not.
    for extra in ((), ("--allow-unreviewed",)):
        report = export(library, tmp_path / "out", made_item, *extra, expect=1)
        [refused] = report["refused"]
        assert "trainedAlgorithmicMedia" in refused["reason"]
        assert "disclos" in refused["reason"] and "approved" in refused["reason"]
    # The record says digitalCapture; the file says softwareImage: refused, reason named.
    report = export(library, tmp_path / "out", ref_item, expect=1)
    [refused] = report["refused"]
    assert "digitalCapture" in refused["reason"] and "softwareImage" in refused["reason"]
    # Disclosed and approved, the AI work is signed; the capture claim still contradicts.
    cli(library, "disclose", made_item, "--category", "ai-enhanced")
    cli(library, "review", made_item, "--approve", "--by", "Dana Registrar")
    report = export(library, tmp_path / "out", made_item, expect=1)
    [refused] = report["refused"]
    assert "digitalCapture" in refused["reason"] and "trainedAlgorithmicMedia" in refused["reason"]
    assert not (tmp_path / "out" / "generated.jpg").exists()


# -- 3. AI found in a file counts ----------------------------------------------------------------


def test_ai_in_a_files_own_credentials_or_xmp_counts(museum, tmp_path):
    library, masters = museum
    fill = copy(GENERATIVE_FILL, masters)  # Photoshop Generative Fill: credentials say AI
    xmp_ai = copy("c2pa-fixtures/IMG_0003.jpg", masters, "xmp-ai.jpg")
    set_tags(xmp_ai, f"-XMP-iptcExt:DigitalSourceType={DST}compositeWithTrainedAlgorithmicMedia")
    plain = copy("c2pa-fixtures/libpng-test.png", masters)
    cli(library, "import", str(fill), str(xmp_ai), str(plain))
    ai = {i["title"] for i in cli_json(library, "items", "--ai")}
    assert ai == {"ocsp", "xmp-ai"}
    assert {i["title"] for i in cli_json(library, "items", "--no-ai")} == {"libpng-test"}
    ids = {i["title"]: f"#{i['id']}" for i in cli_json(library, "items")}
    shown = cli(library, "show", ids["ocsp"]).stdout
    assert "AI found in file" in shown

    # Labels and exports of these items need a recorded, approved disclosure.
    labels = cli_json(
        library,
        "labels",
        ids["ocsp"],
        ids["xmp-ai"],
        "--template",
        "a6",
        "--out",
        str(tmp_path / "l.pdf"),
        "--allow-unreviewed",
        expect=1,
    )
    assert len(labels["refused"]) == 2 and labels["labels"] == []
    assert all("no AI disclosure is recorded" in r["reason"] for r in labels["refused"])
    report = export(library, tmp_path / "out", "--all", "--allow-unreviewed", expect=1)
    assert {r["item"] for r in report["refused"]} == {ids["ocsp"], ids["xmp-ai"]}
    assert [Path(e["file"]).name for e in report["exported"]] == ["libpng-test.png"]

    cli(library, "disclose", ids["ocsp"], "--category", "ai-restored")
    cli(library, "review", ids["ocsp"], "--approve", "--by", "Dana Registrar")
    report = export(library, tmp_path / "out", ids["ocsp"], expect=0)
    [done] = report["exported"]
    state, active = manifest(Path(done["file"]), anchors_of(library))
    assert state in ("Valid", "Trusted")
    assert DST + "compositeWithTrainedAlgorithmicMedia" in source_types(active)
    labels = cli_json(
        library, "labels", ids["ocsp"], "--template", "a6", "--out", str(tmp_path / "l.pdf")
    )
    assert labels["refused"] == [] and len(labels["labels"]) == 1


def _downgrade_to_0001(db: Path) -> None:
    """Turn a library back into the schema before 0002 (as a user upgrading would have it)."""
    downgrade_schema(db, "0002")  # later revisions first, by their own downgrade steps
    with sqlite3.connect(db) as con:
        con.executescript(
            """
            DROP INDEX ix_assets_ai_found;
            ALTER TABLE assets DROP COLUMN ai_found;
            ALTER TABLE items DROP COLUMN capture_type;
            DROP INDEX ix_exports_stale_since;
            ALTER TABLE exports DROP COLUMN stale_since;
            ALTER TABLE exports DROP COLUMN stale_reason;
            UPDATE alembic_version SET version_num = '0001';
            """
        )


def test_upgrade_finds_ai_in_files_imported_before(museum):
    library, masters = museum
    cli(library, "import", str(copy(GENERATIVE_FILL, masters)))
    cli(library, "import", str(copy("c2pa-fixtures/IMG_0003.jpg", masters)))
    _downgrade_to_0001(library / "library.sqlite")
    ai = cli_json(library, "items", "--ai")  # opening the library runs the migration
    assert [i["title"] for i in ai] == ["ocsp"]
    with sqlite3.connect(library / "library.sqlite") as con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] >= "0002"
        assert sorted(con.execute("SELECT ai_found FROM assets")) == [(0,), (1,)]


# -- catalog files carry the capture type ------------------------------------------------------


def test_catalog_import_and_export_carry_the_capture_type(museum, tmp_path):
    library, _masters = museum
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(
        "accession,title,capture_type\n"
        "A1,First,negativeFilm\n"
        "A2,Second,Scan of a print\n"
        "A3,Third,polaroid\n"
        "A4,Fourth,\n",
        encoding="utf-8",
    )
    report = cli_json(library, "catalog", "import", str(catalog), expect=1)
    assert report["created"] == 3
    [bad] = report["rejected"]
    assert bad["line"] == 4 and "polaroid" in bad["reason"] and "negativeFilm" in bad["reason"]
    items = {i["accession"]: i["capture_type"] for i in cli_json(library, "items")}
    assert items == {"A1": "negativeFilm", "A2": "print", "A4": None}
    out = tmp_path / "back.csv"
    cli(library, "catalog", "export", str(out))
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert "capture_type" in header
    again = cli_json(library, "catalog", "import", str(out))
    assert again["created"] == 0 and again["updated"] == 0 and again["unchanged"] == 3


# -- the file never contradicts itself ---------------------------------------------------------

PROPERTIES = {
    # property: (tags that must all agree when present)
    "title": ("XMP-dc:Title", "IPTC:ObjectName", "IFD0:XPTitle"),
    "caption": ("XMP-dc:Description", "IPTC:Caption-Abstract", "IFD0:ImageDescription"),
    "creator": ("XMP-dc:Creator", "IPTC:By-line", "IFD0:Artist", "IFD0:XPAuthor"),
    "rights": ("XMP-dc:Rights", "IPTC:CopyrightNotice", "IFD0:Copyright"),
    "credit": ("XMP-photoshop:Credit", "IPTC:Credit"),
}


def _values(tags: dict, tag: str) -> str | None:
    value = tags.get(tag)
    if value is None:
        return None
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return str(value)


STALE = (
    "-XMP-dc:Title=Old title",
    "-EXIF:ImageDescription=Old caption",
    "-EXIF:Artist=Old photographer",
    "-EXIF:Copyright=Old copyright",
    "-EXIF:XPTitle=Old windows title",
    "-IPTC:ObjectName=Old title",
    "-IPTC:Caption-Abstract=Old caption",
    "-IPTC:By-line=Old photographer",
    "-IPTC:CopyrightNotice=Old copyright",
    "-IPTC:Credit=Old credit",
)


@pytest.mark.parametrize(
    "relative",
    [
        REFERENCE,
        "c2pa-fixtures/IMG_0003.jpg",
        "c2pa-fixtures/test.tiff",
        "c2pa-fixtures/libpng-test.png",
        "c2pa-fixtures/mars.webp",
    ],
)
def test_exported_file_holds_one_title_caption_creator_rights_and_credit(
    museum, tmp_path, relative
):
    library, masters = museum
    master = copy(relative, masters, "master" + Path(relative).suffix)
    if relative != REFERENCE:  # the reference image already carries every legacy copy
        set_tags(master, *STALE)
    before = hashlib.sha256(master.read_bytes()).hexdigest()
    # The reference image's XMP says softwareImage: a camera capture type would be refused.
    capture = "none" if relative == REFERENCE else "digitalCapture"
    cli(library, "import", str(master), "--capture-type", capture)
    [item] = cli_json(library, "items")
    ref = f"#{item['id']}"
    # The record: a new title, maker and credit line; no rights recorded at all.
    cli(library, "catalog", "import", str(_one_row(tmp_path, item["id"], library)))
    report = export(library, tmp_path / "out", ref)
    assert report["refused"] == [] and report["failed"] == [], report
    out = Path(report["exported"][0]["file"])
    tags = exiftool(out)
    record = {"title": "Harbour at dawn", "creator": "Ada Lens; Bo Grain", "credit": "Gift of A."}
    for name, group in PROPERTIES.items():
        present = {tag: _values(tags, tag) for tag in group if _values(tags, tag) is not None}
        assert len(set(present.values())) <= 1, (name, present)
        if name in record:
            # The record's value where the record has one (legacy copies too, or removed).
            assert present.get(group[0], "").replace(", ", "; ") == record[name], (name, present)
        elif present and group[0] not in present:
            pytest.fail(f"{name}: legacy copies {present} without the XMP property")
    assert "Old" not in json.dumps({k: v for k, v in tags.items() if "Title" in k})
    assert pixels(out) == pixels(master)
    # The original never changes (compared by bytes: ExifTool's tags include the access time).
    assert hashlib.sha256(master.read_bytes()).hexdigest() == before
    state, _active = manifest(out, anchors_of(library))
    assert state == "Trusted"


def _one_row(tmp_path: Path, item_id: int, library: Path) -> Path:
    """A catalog CSV that updates the imported item by its credence_id."""
    exported = tmp_path / "cat.csv"
    cli(library, "catalog", "export", str(exported))
    lines = exported.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    values = dict(zip(header, row, strict=False))
    values.update(title="Harbour at dawn", maker="Ada Lens; Bo Grain", credit_line="Gift of A.")
    target = tmp_path / "update.csv"
    target.write_text(
        ",".join(header) + "\n" + ",".join(values.get(h, "") for h in header) + "\n",
        encoding="utf-8",
    )
    return target
