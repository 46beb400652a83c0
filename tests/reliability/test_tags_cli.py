"""`credence vocab import | list`, `credence tag` and `credence items --tag` as subprocesses."""

from __future__ import annotations

import json

from tests.conftest import data_file
from tests.reliability.conftest import assert_plain, run_cli

TATE = "vocabularies/tate-subjects/tate-skos.ttl"
ORANGE = "http://w3id.org/tate-skos#0132c001b3e2429fa3cc12fff10d73e4"  # nature > trees > orange


def test_vocab_tag_and_items_by_tag(tmp_path):
    lib = tmp_path / "lib"
    assert run_cli(lib, "init").returncode == 0
    done = run_cli(lib, "vocab", "import", str(data_file(TATE)), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["concepts"] == 2409
    listed = json.loads(run_cli(lib, "vocab", "list", "--json").stdout)
    assert [v["title"] for v in listed] == ["Tate subject hierarchy"]
    from provenance import open_library

    with open_library(lib) as library:
        library.create_item({"accession": "T1", "title": "Orchard"})
    done = run_cli(lib, "tag", "T1", "--add", "Fruit", "--subject", ORANGE)
    assert done.returncode == 0, done.stderr
    items = json.loads(run_cli(lib, "items", "--tag", "nature", "--json").stdout)
    assert [i["accession"] for i in items] == ["T1"]
    assert items[0]["keywords"] == ["Fruit"]
    assert items[0]["subjects"][0]["uri"] == ORANGE
    assert items[0]["subjects"][0]["label"] == "orange"
    missing = run_cli(lib, "tag", "NOPE", "--add", "x")
    assert missing.returncode != 0 and "NOPE" in missing.stderr
    unknown = run_cli(lib, "tag", "T1", "--subject", "http://example.org/none")
    assert unknown.returncode != 0 and "no imported vocabulary" in unknown.stderr
    bad = tmp_path / "bad.ttl"
    bad.write_text("not rdf {", encoding="utf-8")
    refused = run_cli(lib, "vocab", "import", str(bad))
    assert refused.returncode != 0 and "bad.ttl" in refused.stderr
    for d in (missing, unknown, refused):
        assert_plain(d)


def test_catalog_import_names_a_subject_it_left_out_and_exports_tags(tmp_path):
    lib = tmp_path / "lib"
    assert run_cli(lib, "vocab", "import", str(data_file(TATE))).returncode == 0
    src = tmp_path / "cat.csv"
    src.write_text(
        "accession,title,keywords,subjects\n"
        f'C1,Orchard,"fruit; Obst\\; Früchte","{ORANGE}; http://example.org/none"\n'
        "C2,Quay,harbour,\n",
        encoding="utf-8",
    )
    done = run_cli(lib, "catalog", "import", str(src))
    assert done.returncode != 0  # something in the file was not imported
    assert "cat.csv: line 2: column 'subjects'" in done.stderr
    assert "http://example.org/none" in done.stderr and "import its vocabulary" in done.stderr
    assert "2 created" in done.stdout and "1 value left out" in done.stdout
    assert_plain(done)
    out = tmp_path / "out.csv"
    assert run_cli(lib, "catalog", "export", str(out)).returncode == 0
    assert "fruit; Obst\\; Früchte" in out.read_text(encoding="utf-8")
    again = run_cli(lib, "catalog", "import", str(out), "--json")
    report = json.loads(again.stdout)
    assert again.returncode == 0 and report["unchanged"] == 2 and report["left_out"] == []


def test_shipped_vocabularies_listed_and_imported_by_name(tmp_path):
    lib = tmp_path / "lib"
    listed = run_cli(lib, "vocab", "list", "--available", "--json")
    assert listed.returncode == 0, listed.stderr
    names = [v["name"] for v in json.loads(listed.stdout)]
    assert names == ["tate-subjects", "unesco-culture", "iptc-mediatopics"]
    text = run_cli(lib, "vocab", "list", "--available").stdout
    assert "CC BY-SA 3.0 IGO" in text and "credence vocab import unesco-culture" in text
    done = run_cli(lib, "vocab", "import", "unesco-culture")
    assert done.returncode == 0 and "UNESCO Thesaurus: 771 concepts" in done.stdout
    done = run_cli(lib, "vocab", "import", "--builtin", "tate-subjects", "--json")
    assert json.loads(done.stdout)["concepts"] == 2409
    text = run_cli(lib, "vocab", "list", "--available").stdout
    assert text.count("[imported]") == 2
    unknown = run_cli(lib, "vocab", "import", "--builtin", "lcsh")
    assert unknown.returncode != 0 and "the shipped ones are" in unknown.stderr
    nothing = run_cli(lib, "vocab", "import")
    assert nothing.returncode != 0 and "--builtin NAME" in nothing.stderr
    for d in (unknown, nothing):
        assert_plain(d)
