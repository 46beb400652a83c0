"""`credence bag` and `credence iiif`: JSON shapes, plain refusals and exit statuses."""

from __future__ import annotations

import json

import bagit
import pytest
from iiif_prezi3 import Manifest

from desktop.cli import main
from provenance import open_library
from tests.provenance.c2pa_helpers import make_jpeg

PASS = "correct horse battery staple"


@pytest.fixture
def cli(tmp_path, capsys):
    """A library with one signed export (1976.37) and one item never exported (NE-1); runs
    `credence --library <it> ...` in-process and returns (status, stdout, stderr)."""
    folder = tmp_path / "lib"
    masters = tmp_path / "masters"
    masters.mkdir()
    make_jpeg(masters / "1976.37.jpg", (80, 60))
    make_jpeg(masters / "NE-1.jpg")
    with open_library(folder, actor="alice") as lib:
        lib.create_identity("Музей", PASS)
        lib.create_item({"accession": "1976.37", "title": "Портрет", "rights": "CC0"})
        lib.create_item({"accession": "NE-1", "title": "Never exported"})
        lib.import_files([masters])
        report = lib.export(["1976.37"], tmp_path / "exports", passphrase=PASS, jobs=1)
        assert report.exported

    def run(*args: str):
        status = main(["--library", str(folder), *args])
        out, err = capsys.readouterr()
        return status, out, err

    run.masters = masters
    return run


def test_bag_json_and_exit_status(cli, tmp_path):
    status, out, err = cli("bag", "--all", "--out", str(tmp_path / "bag"), "--json")
    data = json.loads(out)
    assert status == 1 and err == ""  # NE-1 was left out
    assert set(data) == {"folder", "items", "files", "left_out"}
    assert data["items"] == 1 and data["files"][0]["file"] == "data/objects/1976.37.jpg"
    assert "never been exported" in data["left_out"][0]["reason"]
    bagit.Bag(data["folder"]).validate()

    status, out, _ = cli("bag", "1976.37", "--out", str(tmp_path / "bag-2"))
    assert status == 0
    assert "bagged    1976.37 (Портрет) -> data/objects/1976.37.jpg" in out
    assert "bag of 1 item (1 signed file) written to" in out


def test_bag_refusals_are_one_sentence(cli, tmp_path):
    status, _out, err = cli("bag", "--all", "--out", str(cli.masters))
    assert status == 1 and "holds imported originals" in err and "Traceback" not in err
    status, _out, err = cli("bag", "1976.37", "--all", "--out", str(tmp_path / "b"))
    assert status == 2 and "one of them" in err
    status, _out, err = cli("bag", "NO-SUCH", "--out", str(tmp_path / "b"))
    assert status == 2 and "NO-SUCH" in err
    status, out, _err = cli("bag", "NE-1", "--out", str(tmp_path / "b"))
    assert status == 1 and "nothing was written" in out and not (tmp_path / "b").exists()


def test_iiif_json_and_refusals(cli, tmp_path):
    out_dir = tmp_path / "web"
    status, out, err = cli(
        "iiif",
        "--search",
        "Портрет",
        "--out",
        str(out_dir),
        "--base-url",
        "https://museum.example/iiif/",
        "--json",
    )
    data = json.loads(out)
    assert status == 0 and err == ""
    assert set(data) == {"folder", "collection", "manifests", "left_out", "notes"}
    assert data["collection"] == "https://museum.example/iiif/collection.json"
    [manifest] = data["manifests"]
    assert manifest["id"] == "https://museum.example/iiif/1976.37-1/manifest.json"
    loaded = Manifest(**json.loads((out_dir / manifest["file"]).read_text("utf-8")))
    assert loaded.rights == "http://creativecommons.org/publicdomain/zero/1.0/"

    status, _out, err = cli(
        "iiif", "--all", "--out", str(tmp_path / "web2"), "--base-url", "file:///srv/iiif"
    )
    assert status == 2 and "must start with https://" in err and "Traceback" not in err
    status, _out, err = cli(
        "iiif", "--all", "--out", str(out_dir), "--base-url", "https://museum.example/iiif"
    )
    assert status == 1 and "is not empty" in err
