"""`credence set`: the same catalog field values for many items, with a dry run."""

from __future__ import annotations

import json

from provenance import open_library
from tests.desktop.test_cli import cli  # noqa: F401 - the fixture


def test_set_previews_then_sets_fields_of_many_items(cli):  # noqa: F811
    assert cli("init")[0] == 0
    with open_library(cli.library) as lib:
        lib.create_item({"accession": "S1", "dimensions": "10 x 12 cm"})
        lib.create_item({"accession": "S2"})
    status, out, err = cli(
        "set",
        "S1",
        "S2",
        "nope",
        "--object-type",
        "photograph",
        "--clear",
        "dimensions",
        "--dry-run",
    )
    assert status == 1 and "not found nope" in err  # the others are still listed
    assert out.splitlines() == [
        "S1: object type (empty) -> photograph",
        "S1: dimensions 10 x 12 cm -> (empty)",
        "S2: object type (empty) -> photograph",
    ]
    with open_library(cli.library) as lib:
        assert lib.get_item("S1").object_type is None  # a dry run writes nothing
    status, out, _err = cli("set", "--all", "--maker-dates", "1890–1962", "--json")
    report = json.loads(out)
    assert status == 0 and report["applied"] and report["changed"] == ["S1", "S2"]
    with open_library(cli.library) as lib:
        assert [lib.get_item(a).maker_dates for a in ("S1", "S2")] == ["1890–1962"] * 2
    status, _out, err = cli("set", "S1")
    assert status == 2 and "name at least one field" in err
    status, _out, err = cli("set", "S1", "--clear", "colour")
    assert status == 2 and "not a catalog field" in err
