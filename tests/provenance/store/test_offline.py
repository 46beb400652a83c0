"""Offline work on real SQLite libraries: check out, edit on the laptop and in the team
meanwhile, check in: applied changes keep their author and time, conflicts of every kind are
held (never overwritten), a second check-in applies nothing, both chains verify, and a check-in
killed half way leaves the team library as it was."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import text

from provenance import LibraryError, NotFound, open_library
from tests.conftest import ROOT


@pytest.fixture(params=["sqlite", "postgresql"])
def team(request, tmp_path):
    """The team library: a library folder, and a team library on PostgreSQL (as role alice)."""
    if request.param == "postgresql":
        lib = open_library(request.getfixturevalue("pg_url"))
    else:
        lib = open_library(tmp_path / "team", actor="registrar")
    lib.add_tool("Restorer X", "Acme Imaging", version="2.1", runs="on-device")
    lib.create_item({"accession": "A1", "title": "Harbour", "maker": "Durand", "date": "1890"})
    lib.create_item({"accession": "A2", "title": "Boats", "maker": "Unknown"})
    lib.create_item({"accession": "A3", "title": "Pier"})
    lib.create_item({"accession": "A4", "title": "Lighthouse"})
    lib.create_item({"accession": "B1", "title": "Not checked out"})
    lib.tag(["A1"], add=["harbour", "sea"])
    lib.disclose("A2", "ai-restored", tools=["Restorer X"], purpose="Scratches removed")
    lib.add_event("A1", "acquired", "Museum", date="1950")
    yield lib
    lib.close()


def _checkout(team, tmp_path, actor="photographer", **what):
    report = team.checkout(tmp_path / "laptop", **(what or {"search": "A"}))
    return report, open_library(tmp_path / "laptop", actor=actor)


def test_checkout_copies_the_items_with_their_records(team, tmp_path):
    report, laptop = _checkout(team, tmp_path, refs=["A1", "A2"])
    assert (report.items, report.events, report.disclosures, report.tools) == (2, 1, 1, 1)
    assert report.team_head == team.history_head()
    assert [i.accession for i in laptop.list_items()] == ["A1", "A2"]
    a1 = laptop.get_item("A1")
    assert a1.keywords == ("harbour", "sea") and a1.events[0].action == "acquired"
    assert laptop.get_item("A2").disclosures[0].tools == ("Restorer X 2.1",)
    assert [i.accession for i in laptop.list_items("harbour")] == ["A1"]  # search index built
    # The laptop's own chain starts with where it came from.
    first = laptop.history()[0]
    assert first.entity == "checkout" and first.after["team_head"] == report.team_head
    assert laptop.verify_history().ok
    with pytest.raises(LibraryError, match="already holds a library"):
        team.checkout(tmp_path / "laptop", refs=["A3"])
    with pytest.raises(NotFound):
        team.checkout(tmp_path / "other", search="nothing-matches-this")
    laptop.close()


def test_checkin_applies_merges_and_holds_conflicts_of_every_kind(team, tmp_path):
    _report, laptop = _checkout(team, tmp_path, everything=True)
    team_b1 = team.get_item("B1").id
    # Offline work on the laptop.
    laptop.update_item("A1", {"title": "Harbour at dawn", "maker": "E. Durand"})
    laptop.tag(["A1"], add=["dawn"], remove=["sea"])
    laptop.add_event("A1", "photographed", "Photographer", date="2024-05", place="Store 3")
    laptop.review("A2", "reviewed", "Photographer")
    laptop.update_item("A3", {"title": "Pier at night"})
    laptop.update_item("A4", {"description": "Lamp room"})
    laptop.create_item({"accession": "N1", "title": "Found in the store"})
    laptop.create_item({"accession": "B9", "title": "Offline B9"})
    laptop.add_event("N1", "found", "Photographer")
    laptop.delete_item("B1")
    # Meanwhile in the team library.
    team.update_item("A1", {"maker": "Émile Durand"})
    team.tag(["A1"], add=["boats"])
    team.delete_item("A3")
    team.create_item({"accession": "B9", "title": "Team B9"})
    team.update_item("B1", {"title": "Changed on the team"})
    team.update_item("A4", {"description": "Lamp room"})  # the same change on both sides
    head_before = team.history_head()

    report = team.checkin(laptop.folder)
    conflicts = {(c.kind, c.field): c for c in report.conflicts}
    assert set(conflicts) == {
        ("field", "maker"),
        ("deleted", "title"),
        ("accession", "accession"),
        ("changed", "(item)"),
    }
    maker = conflicts[("field", "maker")]
    assert (maker.ours, maker.theirs, maker.base) == ("E. Durand", "Émile Durand", "Durand")
    assert maker.by == "photographer" and maker.item_label.startswith("A1")
    a1 = team.get_item("A1")
    # The title applied, the maker held (never overwritten), tags merged keyword by keyword.
    assert (a1.title, a1.maker) == ("Harbour at dawn", "Émile Durand")
    assert sorted(a1.keywords) == ["boats", "dawn", "harbour"]
    assert [e.action for e in a1.events] == ["acquired", "photographed"]
    assert team.get_item("A2").disclosures[0].review_state == "reviewed"
    assert team.get_item("A4").description == "Lamp room" and report.unchanged >= 1
    # New items got team ids; the clashing one arrived without the accession number.
    n1 = team.get_item("N1")
    assert [e.action for e in n1.events] == ["found"]
    clash = conflicts[("accession", "accession")]
    assert clash.ours == "B9" and team.get_item(clash.item).accession is None
    assert team.get_item("B9").title == "Team B9"
    assert ("item", laptop.get_item("N1").id, n1.id) in report.new_ids
    # Deleted offline, changed on the team meanwhile: the team's item stays.
    assert team.get_item(team_b1).title == "Changed on the team"
    # Applied entries keep the laptop's author and time, noted as checked in.
    applied = [h for h in team.history() if h.seq > head_before and h.note]
    assert applied and all(h.actor == "photographer" for h in applied)
    assert all(h.note.startswith("checked in from laptop on ") for h in applied)
    laptop_times = {h.at for h in laptop.history()}
    assert {h.at for h in applied} <= laptop_times
    assert team.verify_history().ok and laptop.verify_history().ok
    assert report.applied == len(applied)

    # Idempotent: again, nothing new.
    head = team.history_head()
    again = team.checkin(laptop.folder)
    assert (again.applied, again.conflicts) == (0, ())
    assert again.already == len(laptop.history()) - 1
    assert team.history_head() == head
    assert len(team.conflicts()) == 4

    # More offline work after the first check-in travels on the next one, by the mapped ids.
    laptop.update_item("N1", {"maker": "Unknown hand"})
    third = team.checkin(laptop.folder)
    assert third.applied == 1 and team.get_item("N1").maker == "Unknown hand"
    assert team.verify_history().ok
    laptop.close()


def test_disclosure_words_in_conflict_hold_the_approval_with_them(team, tmp_path):
    _report, laptop = _checkout(team, tmp_path, refs=["A2"])
    laptop.disclose("A2", "ai-restored", tools=["Restorer X"], purpose="Dust removed")
    laptop.review("A2", "reviewed", "Photographer")
    team.disclose("A2", "ai-restored", tools=["Restorer X"], purpose="Tears mended")
    report = team.checkin(laptop.folder)
    fields = sorted(c.field for c in report.conflicts)
    assert "purpose" in fields and "review_state" in fields
    disclosure = team.get_item("A2").disclosures[0]
    # The team's words stay, and nobody's review is applied to words they did not see.
    assert (disclosure.purpose, disclosure.review_state) == ("Tears mended", "draft")
    laptop.close()


def test_resolve_keep_mine_theirs_or_a_value_is_recorded(team, tmp_path):
    _report, laptop = _checkout(team, tmp_path, refs=["A1", "A2"])
    laptop.update_item("A1", {"maker": "E. Durand", "date": "1891"})
    laptop.update_item("A2", {"maker": "Studio K"})
    laptop.create_item({"accession": "B1", "title": "Clash"})
    team.update_item("A1", {"maker": "Émile Durand", "date": "c. 1890"})
    team.update_item("A2", {"maker": "Atelier K"})
    report = team.checkin(laptop.folder)
    by_field = {(c.item_label.split(" ")[0], c.field): c.id for c in report.conflicts}
    team.resolve_conflict(by_field[("A1", "maker")], keep="mine")
    team.resolve_conflict(by_field[("A1", "date")], keep="theirs")
    team.resolve_conflict(by_field[("A2", "maker")], value="Studio K (Atelier K)")
    clash = next(c for c in report.conflicts if c.kind == "accession")
    with pytest.raises(Exception, match="already used"):
        team.resolve_conflict(clash.id, keep="mine")
    team.resolve_conflict(clash.id, value="B1-offline")
    a1, a2 = team.get_item("A1"), team.get_item("A2")
    assert (a1.maker, a1.date, a2.maker) == ("E. Durand", "c. 1890", "Studio K (Atelier K)")
    assert team.get_item("B1-offline").title == "Clash"
    assert team.conflicts() == []
    done = team.conflicts(include_resolved=True)
    assert {c.resolution for c in done} == {
        "kept the laptop's value",
        "kept the team's value",
        "gave a new value",
    }
    # On PostgreSQL the author is the database role the server logged in, not a typed name.
    assert all(c.resolved_by == ("alice" if team.team else "registrar") for c in done)
    decisions = [h for h in team.history() if h.entity == "conflict"]
    assert len(decisions) == 4
    with pytest.raises(Exception, match="already resolved"):
        team.resolve_conflict(clash.id, keep="theirs")
    assert team.verify_history().ok
    laptop.close()


def test_checkin_refuses_a_library_that_was_not_checked_out_or_comes_from_elsewhere(team, tmp_path):
    stranger = open_library(tmp_path / "stranger")
    stranger.create_item({"accession": "S1"})
    stranger.close()
    with pytest.raises(LibraryError, match="not made by `credence checkout`"):
        team.checkin(tmp_path / "stranger")
    other = open_library(tmp_path / "other-team")
    other.create_item({"accession": "O1"})
    other.checkout(tmp_path / "other-laptop", everything=True)
    with pytest.raises(LibraryError, match="checked out from another library"):
        team.checkin(tmp_path / "other-laptop")
    other.close()
    with pytest.raises(LibraryError, match="there is no library"):
        team.checkin(tmp_path / "nowhere")


def test_a_tampered_laptop_history_is_refused_before_anything_is_checked_in(team, tmp_path):
    _report, laptop = _checkout(team, tmp_path, refs=["A1"])
    laptop.update_item("A1", {"title": "Forged"})
    laptop.close()
    with sqlite3.connect(tmp_path / "laptop" / "library.sqlite") as con:
        con.execute("UPDATE history SET actor = 'someone else' WHERE seq = 2")
    head = team.history_head()
    with pytest.raises(LibraryError, match="does not verify"):
        team.checkin(tmp_path / "laptop")
    assert team.history_head() == head and team.get_item("A1").title == "Harbour"


_KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from provenance import open_library

    def progress(done, total, message):
        if done == 3:  # mid-way, inside the one write transaction
            os.kill(os.getpid(), signal.SIGKILL)

    with open_library(sys.argv[1]) as team:
        team.checkin(sys.argv[2], progress=progress)
    """
)


def test_a_checkin_killed_half_way_leaves_the_team_library_as_it_was(team, tmp_path):
    _report, laptop = _checkout(team, tmp_path, everything=True)
    for n in range(6):
        laptop.update_item("A1", {"title": f"Draft {n}"})
    laptop.close()
    head, title = team.history_head(), team.get_item("A1").title
    run = subprocess.run(
        [sys.executable, "-c", _KILLER, team.location, str(tmp_path / "laptop")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr
    assert (team.history_head(), team.get_item("A1").title) == (head, title)
    with team._store.read() as session:
        assert session.execute(text("SELECT count(*) FROM checkin_entries")).scalar() == 0
    assert team.verify_history().ok
    report = team.checkin(tmp_path / "laptop")
    assert report.applied == 6 and team.get_item("A1").title == "Draft 5"
    assert team.verify_history().ok


def test_command_line_checkout_checkin_conflicts_resolve(team, tmp_path):
    def credence(*args):
        return subprocess.run(
            [sys.executable, "-m", "desktop.cli", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    team_dir, laptop_dir = team.location, str(tmp_path / "cli-laptop")
    out = credence("checkout", "--from", team_dir, "--to", laptop_dir, "A1", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["items"] == 1
    assert credence("--library", laptop_dir, "set", "A1", "--maker", "Laptop").returncode == 0
    team.update_item("A1", {"maker": "Team"})
    out = credence("checkin", "--from", laptop_dir, "--to", team_dir, "--json")
    assert out.returncode == 1  # a conflict waits for a decision
    data = json.loads(out.stdout)
    assert data["applied"] == 0
    [conflict] = data["conflicts"]
    assert {k: conflict[k] for k in ("field", "ours", "theirs", "entry")} == {
        "field": "maker",
        "ours": "Laptop",
        "theirs": "Team",
        "entry": 2,
    }
    out = credence("checkin", "--from", laptop_dir, "--to", team_dir, "--json")
    assert (out.returncode, json.loads(out.stdout)["applied"]) == (0, 0)
    out = credence("--library", team_dir, "conflicts")
    assert f"conflict {conflict['id']}: A1" in out.stdout
    out = credence("--library", team_dir, "resolve", str(conflict["id"]), "--keep", "mine")
    assert out.returncode == 0 and "kept the laptop's value" in out.stdout
    assert team.get_item("A1").maker == "Laptop"
    out = credence("checkin", "--from", str(tmp_path / "nothing"), "--to", team_dir)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith("credence: there is no library at")
    out = credence("checkout", "--from", team_dir, "--to", str(tmp_path / "x"))
    assert out.returncode == 2  # say what to check out
