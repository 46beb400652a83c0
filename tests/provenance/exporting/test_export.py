"""Signed exports on real files: trusted round trips, XMP first, refusals, fixity, re-runs."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import c2pa
import pytest
from PIL import Image

from provenance import IdentityError
from tests.conftest import data_file
from tests.provenance.c2pa_helpers import (
    corrupt_jpeg_scan_data,
    make_jpeg,
    make_signing_identity,
    sign_file,
)

PASS = "correct horse battery staple"
DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read(path, anchors=None):
    settings = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    if anchors:
        settings["trust"] = {"user_anchors": anchors}
    with (
        c2pa.Context(settings=c2pa.Settings.from_dict(settings)) as context,
        open(path, "rb") as stream,
        c2pa.Reader(
            "image/" + path.suffix.lstrip(".").replace("jpg", "jpeg"), stream, context=context
        ) as reader,
    ):
        store = json.loads(reader.json())
        return reader.get_validation_state(), store


def _active(store):
    return store["manifests"][store["active_manifest"]]


def _assertion(manifest, label):
    return next(a["data"] for a in manifest["assertions"] if a["label"].startswith(label))


@pytest.fixture
def museum(library, tmp_path):
    """A library with an identity and a small collection of real files."""
    library.create_identity("Credence Test Museum", PASS)
    sources = tmp_path / "masters"
    sources.mkdir()
    for name, rel in {
        "P1.jpg": "c2pa-fixtures/IMG_0003.jpg",
        "P2.png": "c2pa-fixtures/libpng-test.png",
        "P3.tiff": "c2pa-fixtures/test.tiff",
        "P4.webp": "c2pa-fixtures/mars.webp",
        "P5.jpg": "c2pa-fixtures/CA.jpg",  # already carries credentials
    }.items():
        shutil.copy(data_file(rel), sources / name)
        library.create_item(
            {
                "accession": name.split(".")[0],
                "title": f"Object {name}",
                "maker": "Unknown maker",
                "rights": "Public domain",
                "credit_line": "Gift of the Friends",
            }
        )
    library.create_item({"accession": "NOIMG", "title": "No picture"})
    report = library.import_files([sources])
    assert len(report.imported) == 5
    library.add_tool("Restorer X", "Acme Imaging", version="2.1", runs="on-device")
    library.add_event("P1", "digitised", "Photo studio", date="2026-03")
    library.disclose("P1", "ai-restored", tools=["Restorer X"], purpose="reconstruct a tear")
    library.review("P1", "approved", "Dana Registrar")
    library.disclose("P2", "ai-enhanced", tools=["Restorer X"])  # left in draft
    return library, sources


def test_round_trip_trusted_with_actions_disclosure_and_xmp(museum, tmp_path):
    library, sources = museum
    # The capture type is part of the record: P1 was photographed; P3 and P4 are unrecorded.
    library.update_item("P1", {"capture_type": "digitalCapture"})
    before = {p: _sha(p) for p in sources.iterdir()}
    out = tmp_path / "out"
    report = library.export(["P1", "P3", "P4", "P5"], out, passphrase=PASS, jobs=1)
    assert report.failed == () and report.refused == ()
    assert sorted(f.file.rsplit("/", 1)[-1] for f in report.exported) == [
        "P1.jpg",
        "P3.tiff",
        "P4.webp",
        "P5.jpg",
    ]
    anchors = (library.identity_dir / "ca.pem").read_text()
    for exported in report.exported:
        path = out / exported.file.rsplit("/", 1)[-1]
        assert _sha(path) == exported.sha256
        state, store = _read(path, anchors)
        assert state == "Trusted", (path, store.get("validation_status"))
        assert _active(store)["claim_generator_info"][0]["name"] == "Credence"
        assert store["active_manifest"] == exported.manifest
    _, store = _read(out / "P1.jpg", anchors)
    manifest = _active(store)
    actions = _assertion(manifest, "c2pa.actions")["actions"]
    assert actions[0]["action"] == "c2pa.created"
    assert actions[0]["digitalSourceType"] == DST + "digitalCapture"
    assert actions[1]["action"] == "c2pa.edited"
    assert actions[1]["digitalSourceType"] == DST + "compositeWithTrainedAlgorithmicMedia"
    assert actions[1]["softwareAgent"] == {"name": "Restorer X", "version": "2.1"}
    disclosure = _assertion(manifest, "org.credence.disclosure")
    [statement] = disclosure["statements"]
    assert statement["badge"] == "AI-restored" and statement["review_state"] == "approved"
    assert statement["reviewer"] == "Dana Registrar"
    assert "Restorer X 2.1 (Acme Imaging)" in statement["sentence"]
    assert disclosure["review_pending"] is False
    events = _assertion(manifest, "org.credence.provenance")["events"]
    assert events[0]["action"] == "digitised"
    mining = _assertion(manifest, "cawg.training-mining")["entries"]
    assert mining["cawg.ai_training"]["use"] == "notAllowed"
    assert "thumbnail" in manifest
    # A source that already had credentials is opened, with its chain kept as parentOf.
    _, store = _read(out / "P5.jpg", anchors)
    manifest = _active(store)
    assert _assertion(manifest, "c2pa.actions")["actions"][0]["action"] == "c2pa.opened"
    [parent] = manifest["ingredients"]
    assert parent["relationship"] == "parentOf" and parent.get("active_manifest")
    # Nothing recorded about P3's capture: no capture is claimed, the original is opened.
    _, store = _read(out / "P3.tiff", anchors)
    manifest = _active(store)
    [opened] = _assertion(manifest, "c2pa.actions")["actions"]
    assert opened["action"] == "c2pa.opened" and "digitalSourceType" not in opened
    assert [i["relationship"] for i in manifest["ingredients"]] == ["parentOf"]
    notes = {f.file.rsplit("/", 1)[-1]: f.notes for f in report.exported}
    assert any("capture type unrecorded" in n for n in notes["P3.tiff"])
    assert notes["P1.jpg"] == ()
    # Originals untouched; pixels of the exports are the originals' pixels.
    assert {p: _sha(p) for p in sources.iterdir()} == before
    for name in ("P1.jpg", "P3.tiff", "P4.webp"):
        with Image.open(sources / name) as a, Image.open(out / name) as b:
            assert a.tobytes() == b.tobytes(), name
    assert library.verify_history().ok
    assert len([e for e in library.history("P1") if e.entity == "export"]) == 1


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool not installed")
def test_xmp_is_readable_by_exiftool(museum, tmp_path):
    library, _ = museum
    library.export(["P1"], tmp_path / "out", passphrase=PASS, jobs=1)
    done = subprocess.run(
        ["exiftool", "-j", "-G1", str(tmp_path / "out" / "P1.jpg")],
        capture_output=True,
        text=True,
        check=True,
    )
    tags = json.loads(done.stdout)[0]
    assert tags["XMP-iptcExt:DigitalSourceType"] == DST + "compositeWithTrainedAlgorithmicMedia"
    assert tags["XMP-dc:Title"] == "Object P1.jpg"
    assert "Damaged areas were reconstructed" in tags["XMP-dc:Description"]
    assert tags["XMP-dc:Creator"] == "Unknown maker"
    assert tags["XMP-photoshop:Credit"] == "Gift of the Friends"


def test_xmp_written_after_signing_would_break_the_binding(museum, tmp_path):
    """The order is the invariant: the export validates and carries XMP; XMP after does not."""
    from provenance.media.xmp import XmpFields, write_xmp

    library, _ = museum
    library.export(["P1"], tmp_path / "out", passphrase=PASS, jobs=1)
    signed = tmp_path / "out" / "P1.jpg"
    assert _read(signed)[0] == "Valid"
    late = tmp_path / "late.jpg"
    shutil.copy(signed, late)
    write_xmp(late, XmpFields(title="changed after signing"))
    state, _store = _read(late)
    assert state == "Invalid"


def test_unapproved_ai_is_refused_unless_allowed(museum, tmp_path):
    library, _ = museum
    report = library.export(["P2", "NOIMG"], tmp_path / "out", passphrase=PASS, jobs=1)
    reasons = {r.item: r.reason for r in report.refused}
    assert "not approved by a named person" in reasons["P2"]
    assert "no image" in reasons["NOIMG"]
    assert report.exported == ()
    report = library.export(["P2"], tmp_path / "out", passphrase=PASS, allow_unreviewed=True)
    [_exported] = report.exported
    _, store = _read(tmp_path / "out" / "P2.png")
    disclosure = _assertion(_active(store), "org.credence.disclosure")
    assert disclosure["review_pending"] is True
    assert "review is pending" in disclosure["statements"][0]["sentence"]


def test_tampered_export_is_caught_by_verify(museum, tmp_path):
    library, _ = museum
    library.export(["P1"], tmp_path / "out", passphrase=PASS, jobs=1)
    exported = tmp_path / "out" / "P1.jpg"
    assert library.verify_file(exported)["credentials"] == "trusted"
    corrupt_jpeg_scan_data(exported)
    result = library.verify_file(exported)
    assert result["credentials"] == "invalid"
    assert "assertion.dataHash.mismatch" in result["codes"]


def test_verify_file_returns_a_frozen_view_with_the_json_shape(museum, tmp_path):
    import dataclasses

    from provenance import RecordCheck, VerificationView

    library, _ = museum
    library.export(["P1"], tmp_path / "out", passphrase=PASS, jobs=1)
    result = library.verify_file(tmp_path / "out" / "P1.jpg")
    assert isinstance(result, VerificationView)
    assert result.credentials == "trusted"
    assert isinstance(result.record, RecordCheck) and result.record.stale is False
    shape = result.to_dict()
    assert list(shape) == [
        "file",
        "credentials",
        "codes",
        "ingredient_problems",
        "digital_source_types",
        "signer",
        "summary",
        "record",
    ]
    assert list(shape["record"]) == ["export", "item", "item_id", "exported_at", "stale", "reason"]
    assert json.loads(json.dumps(result)) == shape
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.credentials = "none"  # type: ignore[misc]
    with pytest.raises(TypeError):
        result["credentials"] = "none"  # type: ignore[index]
    unknown = library.verify_file(tmp_path / "missing.jpg")
    assert unknown.record is None and "record" not in unknown.to_dict()


def test_other_signers_read_valid_not_trusted(museum, tmp_path):
    library, _ = museum
    other = make_signing_identity("Another Museum")
    signed = tmp_path / "other.jpg"
    sign_file(make_jpeg(tmp_path / "src.jpg"), signed, other)
    result = library.verify_file(signed)
    assert result["credentials"] == "valid"
    partner = tmp_path / "partner-ca.pem"
    partner.write_text(other.ca_cert_pem)
    library.add_trust_anchor(partner.read_bytes())
    assert library.verify_file(signed)["credentials"] == "trusted"


def test_wrong_passphrase_fails_cleanly(museum, tmp_path):
    library, _ = museum
    with pytest.raises(IdentityError) as info:
        library.export(["P1"], tmp_path / "out", passphrase="wrong", jobs=1)
    assert PASS not in str(info.value) and "PRIVATE KEY" not in str(info.value)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_rerun_skips_current_exports_and_redoes_changed_ones(museum, tmp_path):
    library, _ = museum
    out = tmp_path / "out"
    first = library.export(["P1"], out, passphrase=PASS, jobs=1)
    stamp = (out / "P1.jpg").stat().st_mtime_ns
    again = library.export(["P1"], out, passphrase=PASS, jobs=1)
    assert again.exported == first.exported
    assert (out / "P1.jpg").stat().st_mtime_ns == stamp  # not written again
    library.update_item("P1", {"title": "A new title"})
    third = library.export(["P1"], out, passphrase=PASS, jobs=1)
    assert third.exported[0].sha256 != first.exported[0].sha256


def test_changed_original_fails_with_fixity_reason(museum, tmp_path):
    library, sources = museum
    with open(sources / "P3.tiff", "ab") as handle:
        handle.write(b"\0")
    report = library.export(["P3", "P4"], tmp_path / "out", passphrase=PASS, jobs=1)
    assert [f.item for f in report.exported] == ["P4"]
    assert "changed since it was imported" in report.failed[0].reason
    assert not any(p.name.startswith(".") for p in (tmp_path / "out").iterdir())


def test_parallel_workers_and_caption_derivative(museum, tmp_path):
    library, sources = museum
    out = tmp_path / "out"
    report = library.export(["P1", "P3", "P4", "P5"], out, passphrase=PASS, jobs=2)
    assert len(report.exported) == 4 and report.failed == ()
    captioned = library.export(["P1"], tmp_path / "cap", passphrase=PASS, caption=True, jobs=1)
    [_exported] = captioned.exported
    path = tmp_path / "cap" / "P1.jpg"
    with Image.open(sources / "P1.jpg") as master, Image.open(path) as derivative:
        assert derivative.height > master.height  # the strip
    _state, store = _read(path)
    manifest = _active(store)
    actions = [a["action"] for a in _assertion(manifest, "c2pa.actions")["actions"]]
    assert actions[0] == "c2pa.opened" and "c2pa.edited" in actions
    assert manifest["ingredients"][0]["relationship"] == "parentOf"


def test_no_identity_is_a_plain_error(library, tmp_path):
    from provenance import LibraryError

    library.create_item({"accession": "A"})
    with pytest.raises(LibraryError, match="identity create"):
        library.export(["A"], tmp_path / "out", passphrase=PASS)


def test_ai_found_in_the_file_needs_a_disclosure(library, tmp_path):
    """Firefly's own credentials say trainedAlgorithmicMedia: no disclosure, no export."""
    library.create_identity("Credence Test Museum", PASS)
    report = library.import_files([data_file("c2pa-fixtures/historical/firefly.png")])
    item = report.imported[0].item
    refused = library.export([item], tmp_path / "out", passphrase=PASS, jobs=1)
    assert "no AI disclosure is recorded" in refused.refused[0].reason
    library.disclose(item, "ai-generated")
    library.review(item, "approved", "Dana Registrar")
    done = library.export([item], tmp_path / "out", passphrase=PASS, jobs=1)
    [exported] = done.exported
    result = library.verify_file(exported.file)
    assert result["credentials"] == "trusted"
    assert "generated" in result["summary"] and "Dana Registrar" in result["summary"]


@pytest.mark.parametrize(
    "fixture",
    [
        "c2pa-fixtures/sample1.gif",
        "c2pa-fixtures/sample1.avif",
        "c2pa-fixtures/sample1.heif",
        "c2pa-fixtures/sample1.svg",
        "c2pa-fixtures/sample1.jxl",
    ],
)
def test_other_signable_formats_export_or_fail_plainly(library, tmp_path, fixture):
    """Formats c2pa can sign but Exiv2 cannot write XMP into: signed without XMP."""
    library.create_identity("Credence Test Museum", PASS)
    report = library.import_files([data_file(fixture)])
    if report.rejected:
        pytest.skip(f"{fixture} is not importable here: {report.rejected[0].reason}")
    item = report.imported[0].item
    done = library.export([item], tmp_path / "out", passphrase=PASS, jobs=1)
    if done.failed:
        assert "Traceback" not in done.failed[0].reason and done.failed[0].reason
        return
    [exported] = done.exported
    assert library.verify_file(exported.file)["credentials"] == "trusted"


def test_cancel_stops_export_and_keeps_what_was_written(museum, tmp_path):
    from provenance import CancelToken

    library, _ = museum
    token = CancelToken()

    def progress(done, total, message):
        token.cancel()  # stop after the first file

    report = library.export(
        ["P1", "P3", "P4", "P5"],
        tmp_path / "out",
        passphrase=PASS,
        jobs=1,
        progress=progress,
        cancel=token,
    )
    assert report.cancelled and len(report.exported) == 1
    written = [p for p in (tmp_path / "out").iterdir()]
    assert [p.name for p in written] == [report.exported[0].file.rsplit("/", 1)[-1]]
    rest = library.export(["P1", "P3", "P4", "P5"], tmp_path / "out", passphrase=PASS, jobs=1)
    assert len(rest.exported) == 4 and rest.failed == ()


def test_large_masters_go_through_a_working_file(museum, tmp_path, monkeypatch):
    """Masters over the in-memory limit take the file path; the result is the same."""
    import provenance.exporting.jobs

    library, sources = museum
    monkeypatch.setattr(provenance.exporting.jobs, "IN_MEMORY_LIMIT", 0)
    report = library.export(["P1", "P3"], tmp_path / "out", passphrase=PASS, jobs=1)
    assert report.failed == () and len(report.exported) == 2
    anchors = (library.identity_dir / "ca.pem").read_text()
    for name in ("P1.jpg", "P3.tiff"):
        assert _read(tmp_path / "out" / name, anchors)[0] == "Trusted"
        with Image.open(sources / name) as a, Image.open(tmp_path / "out" / name) as b:
            assert a.tobytes() == b.tobytes()
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


def _without(data, volatile):
    """`data` with the keys in `volatile` left out, at every depth."""
    if isinstance(data, dict):
        return {k: _without(v, volatile) for k, v in data.items() if k not in volatile}
    if isinstance(data, list):
        return [_without(v, volatile) for v in data]
    return data


def _comparable(path):
    """What an export says, without what differs from one signing to the next (the time of
    export, instance ids and the hashes of boxes that hold them, the signature)."""
    _state, store = _read(path)
    manifest = _active(store)
    volatile = {"exported_at", "hash", "instance_id", "instanceId"}
    assertions = {a["label"]: _without(a["data"], volatile) for a in manifest["assertions"]}
    ingredients = [(i["title"], i["relationship"]) for i in manifest.get("ingredients", [])]
    with Image.open(path) as im:
        pixels = hashlib.sha256(im.tobytes()).hexdigest()
        xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
    return assertions, ingredients, manifest["thumbnail"]["format"], pixels, _xmp_facts(xmp)


def _xmp_facts(xmp: bytes | str) -> list:
    """Every XMP element with its attributes and text, names spelled with their namespace URI:
    Exiv2 may write a namespace under another prefix (Iptc4xmpExt or iptcExt) depending on
    what the process registered before, which says the same thing."""
    import xml.etree.ElementTree as ET

    xmp = xmp.encode() if isinstance(xmp, str) else xmp
    start, end = xmp.index(b"<x:xmpmeta"), xmp.index(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")
    root = ET.fromstring(xmp[start:end])
    return sorted(
        (e.tag, tuple(sorted(e.attrib.items())), (e.text or "").strip()) for e in root.iter()
    )


def test_one_process_reading_ahead_writes_what_worker_processes_write(museum, tmp_path):
    """--jobs 1 reads the next file on a thread while one is signed; worker processes read
    and sign one file after the other. Both give the same files and the same report."""
    library, _ = museum
    items = ["P1", "P3", "P4", "P5"]
    here = library.export(items, tmp_path / "here", passphrase=PASS, jobs=1)
    workers = library.export(items, tmp_path / "workers", passphrase=PASS, jobs=2)
    assert here.failed == workers.failed == ()
    # Worker processes finish in any order.
    assert sorted((f.item, f.notes) for f in here.exported) == sorted(
        (f.item, f.notes) for f in workers.exported
    )
    names = sorted(p.name for p in (tmp_path / "here").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "workers").iterdir()) and len(names) == 4
    for name in names:
        ours, theirs = (
            _comparable(tmp_path / "here" / name),
            _comparable(tmp_path / "workers" / name),
        )
        assert ours == theirs
        assert "c2pa.soft-binding" in ours[0] and ours[4]  # a soft binding and XMP in both


def test_cancel_drops_the_working_file_read_ahead(museum, tmp_path, monkeypatch):
    """A run stopped while the next master is already read into its working file removes
    that file: only the files signed before the stop are left."""
    import provenance.exporting.jobs
    from provenance import CancelToken

    library, _ = museum
    monkeypatch.setattr(provenance.exporting.jobs, "IN_MEMORY_LIMIT", 0)
    token = CancelToken()
    report = library.export(
        ["P1", "P3", "P4", "P5"],
        tmp_path / "out",
        passphrase=PASS,
        jobs=1,
        progress=lambda done, total, message: token.cancel(),
        cancel=token,
    )
    assert report.cancelled and len(report.exported) == 1
    written = [p.name for p in (tmp_path / "out").iterdir()]
    assert written == [report.exported[0].file.rsplit("/", 1)[-1]]
