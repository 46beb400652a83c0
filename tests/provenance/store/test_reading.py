"""store.reading (plain SQL, no ORM models) reads what the ORM reads: the same item views with
their assets, events, disclosures, tags and staleness, the same history and export records,
the same items for a reference, on SQLite and PostgreSQL (see conftest: `library` runs on both).

The expected side is built here from the ORM rows and relationships (as the views were built
before store.reading existed), through the same store.convert builders."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from provenance import ITEM_FIELDS, InvalidValue, ItemView, NotFound, SearchFilters
from provenance.store import convert, reading
from provenance.store import items as stored_items
from provenance.store.models import Export, HistoryEntry, Item, Tool
from tests.conftest import tamper
from tests.provenance.store.test_tags import write_small

PASS = "correct horse battery staple"
ODD = 'Harbour, "Study" — 港 \u2066א\u2069 🎨\nsecond line\t\x1b[31m'


def _orm_item(session, item_id: int, languages: tuple[str, ...]) -> ItemView:
    """The view of an item as the ORM finds it (relationships in their declared order)."""
    item = session.get(Item, item_id)
    ordered = sorted(item.events, key=lambda e: (e.date_earliest or "9999", e.id))
    return ItemView(
        id=item.id,
        **{name: getattr(item, name) for name in ITEM_FIELDS},
        extra=dict(item.extra or {}),
        created_at=item.created_at,
        updated_at=item.updated_at,
        capture_type=item.capture_type,
        version=item.version or 1,
        assets=tuple(convert.asset_view(a) for a in item.assets),
        disclosures=tuple(convert.disclosure_view(d) for d in item.disclosures),
        keywords=tuple(k.keyword for k in item.keyword_rows),
        subjects=tuple(
            convert.subject_view(
                s.concept.uri,
                s.concept.scheme.uri,
                [(lb.kind, lb.language, lb.label) for lb in s.concept.labels],
                languages,
            )
            for s in item.subject_rows
        ),
        events=tuple(convert.event_view(e) for e in ordered),
    )


def _orm_staleness(session) -> dict[int, tuple[str, str]]:
    """Item id -> (earliest stale since, reasons) from the newest export of each image."""
    newest: dict[tuple[int, int], Export] = {}
    for row in session.scalars(select(Export).order_by(Export.id)):
        if row.asset_id is not None:
            newest[(row.item_id, row.asset_id)] = row
    found: dict[int, tuple[str, list[str]]] = {}
    for row in sorted(newest.values(), key=lambda r: r.id):
        if row.stale_since is None:
            continue
        since, reasons = found.setdefault(row.item_id, (row.stale_since, []))
        found[row.item_id] = (min(since, row.stale_since), reasons)
        for part in (row.stale_reason or reading.UNEXPLAINED).split("; "):
            if part not in reasons:
                reasons.append(part)
    return {k: (since, "; ".join(reasons)) for k, (since, reasons) in found.items()}


@pytest.fixture
def collection(library, tmp_path):
    """`fill_collection` of the library."""
    return fill_collection(library, tmp_path)


def fill_collection(library, tmp_path):
    """Items with odd text, no accession number, events with and without an AI tool,
    disclosures (reviewed, with an own sentence), keywords, subjects, images under a storage
    root and not, signed exports (one stale since)."""
    from PIL import Image

    library.create_identity("Credence Test Museum", PASS)
    library.import_vocabulary(write_small(tmp_path))
    library.add_tool("Restorer X", "Acme", version="2.1")
    library.add_tool("Captioner", "Other Co")
    masters = tmp_path / "masters"
    masters.mkdir()
    library.add_root("masters", masters)
    for n in range(6):
        library.create_item(
            {"accession": f"A{n}" if n != 4 else None, "title": f"{ODD} {n}", "maker": "Émile"},
            {"note": f"{ODD}", "ref ü": str(n)} if n % 2 else None,
        )
    library.create_item({"accession": "007", "title": "digits as an accession number"})
    for n, (ref, date) in enumerate([("A0", "1890~"), ("A0", "189X"), ("A1", None), ("A0", None)]):
        tool = "Restorer X 2.1" if n % 2 else None
        library.add_event(
            ref, "restored" if tool else "acquired", f"Actor {n}", date=date, tool=tool
        )
    library.disclose("A0", "ai-restored", tools=["Restorer X 2.1", "Captioner"], purpose="cleaning")
    library.disclose("A1", "ai-described", tools=["Captioner"], fields=["description"])
    library.review("A0", "reviewed", "Jane Doe")
    library.override_sentence("A1", "ai-described", "fr", "Écrit par une IA.")
    library.tag(["A0", "A1", "A3"], add=["Harbour", "Öl", ODD])
    library.tag(
        ["A0", "A2"], subjects=["http://example.org/voc/jug", "http://example.org/voc/blue"]
    )
    for n, folder in ((0, masters), (1, tmp_path), (2, masters)):
        path = folder / f"scan {n} é.jpg"
        Image.new("RGB", (40, 30), (n * 60, 90, 140)).save(path, "JPEG")
        library.import_files([path], item=f"A{n}", capture_type="digitalCapture")
    out = tmp_path / "out"
    report = library.export(["A0", "A1"], out, passphrase=PASS, allow_unreviewed=True)
    assert len(report.exported) == 2, report
    library.update_item("A0", {"title": "Harbour at dawn"})  # A0's export is stale since
    return library


def test_item_views_are_the_ones_the_orm_reads(collection):
    store = collection._store
    with store.read() as session:
        languages = reading.library_languages(session.connection())
        stale = _orm_staleness(session)
        ids = list(session.scalars(select(Item.id).order_by(Item.id)))
        expected = [_orm_item(session, i, languages) for i in ids]
    assert stale  # the fixture made one export stale
    with store.read() as session:
        conn = session.connection()
        got = reading.item_views(conn, ids, details=True, languages=languages)
    for want, have in zip(expected, got, strict=True):
        assert have.stale_since == stale.get(want.id, (None,))[0]
        assert have.stale_reason == (stale[want.id][1] if want.id in stale else None)
        fresh = ItemView(**{**vars(have), "stale_since": None, "stale_reason": None})
        assert fresh == want
    assert any(v.assets and v.disclosures and v.keywords and v.subjects for v in got)


def test_the_facade_reads_items_history_and_exports_as_the_orm_does(collection):
    store = collection._store
    everything = collection.list_items(details=True)
    assert [i.id for i in everything] == [
        i.id
        for i in stored_items.list_items(
            store, None, SearchFilters(), limit=None, offset=0, details=False
        )
    ]  # catalog order: accession numbers first, the item without one last
    assert everything[-1].accession is None
    assert collection.list_items(limit=2, offset=3) == collection.list_items()[3:5]
    assert collection.list_items(offset=6) == collection.list_items()[6:]
    assert collection.list_items(limit=0) == []
    for view in everything:
        full = collection.get_item(view.id)
        assert full == ItemView(**{**vars(view), "events": full.events})
    # An image under a storage root shows where it is on this computer.
    assert collection.get_item("A0").assets[0].root == "masters"
    assert "masters" in collection.get_item("A0").assets[0].path
    with store.read() as session:
        history = [convert.history_view(e) for e in session.scalars(select(HistoryEntry))]
        exports = {
            ref: [
                convert.export_view(r)
                for r in session.scalars(
                    select(Export)
                    .where(Export.item_id == stored_items.resolve_item(session, ref).id)
                    .order_by(Export.id.desc())
                )
            ]
            for ref in ("A0", "A1", "A2")
        }
    assert collection.history() == history
    assert collection.history(limit=3) == history[:3]
    a0 = collection.get_item("A0").id
    assert collection.history("A0") == [e for e in history if e.item_id == a0]
    for ref, records in exports.items():
        assert collection.exports_of(ref) == records
    assert exports["A0"][0].stale and not exports["A1"][0].stale


def test_the_count_of_every_item_and_the_tools_read_plainly_as_the_orm_does(collection):
    store = collection._store
    # The same name without a version and with another one: NULL sorts as the engine sorts it.
    collection.add_tool("Restorer X", "Acme")
    collection.add_tool(
        "Restorer X",
        "Acme",
        version="1.0",
        runs="cloud",
        training_data=ODD,
        retention="30 days",
        documentation="https://example.org/x",
    )
    with store.read() as session:
        tools = [
            convert.tool_view(t)
            for t in session.scalars(select(Tool).order_by(Tool.name, Tool.version))
        ]
    assert collection.list_tools() == tools
    assert len(tools) == 4 and any(t.training_data == ODD for t in tools)
    every = stored_items.count_items(store, None, SearchFilters())
    assert every == len(collection.list_items()) == 7
    for search in (None, "", "  "):
        assert collection.count_items(search) == every
        assert collection.count_items(search, SearchFilters()) == every
    collection.delete_item("A2")
    assert collection.count_items() == stored_items.count_items(store, None, SearchFilters()) == 6


@pytest.mark.parametrize(
    "ref", ["A1", "#2", 2, " A1 ", "007", "#007", "7", "#99", 99, "A99", "", True, 2.0, "#x"]
)
def test_references_find_the_same_item_or_the_same_sentence(collection, ref):
    def outcome(find):
        try:
            return find()
        except (NotFound, InvalidValue) as error:
            return type(error), str(error)

    with collection._store.read() as session:
        expected = outcome(lambda: stored_items.resolve_item(session, ref).id)
        got = outcome(lambda: reading.resolve_item_id(session.connection(), ref))
    assert got == expected


def test_files_saying_ai_read_plainly(collection, tmp_path):
    ids = [i.id for i in collection.list_items()]
    assert collection.files_saying_ai(ids) == {}
    target = collection.get_item("A1").assets[0]
    tamper(collection, ("UPDATE assets SET ai_found = ? WHERE id = ?", True, target.id))
    assert collection.files_saying_ai([*ids, *ids]) == {target.item_id: target.path}


def test_wordings_read_plainly_are_the_ones_the_orm_rows_give(collection):
    """Each disclosure's wording (tools from the registry, the library's language and reviewer
    display) as it was built from the ORM rows before store.reading read them."""
    from provenance.domain.wording import available_languages, disclosure_wording
    from provenance.store.settings import load_settings

    collection.update_settings({"reviewer_display": "role", "reviewer_role": "the registrar"})
    collection.disclose("A2", "none")
    store = collection._store
    ids = [i.id for i in collection.list_items()]
    for language in (None, *available_languages()):
        with store.read() as session:
            settings = load_settings(session)
            expected = {}
            for item_id in ids:
                expected[item_id] = []
                for d in session.get(Item, item_id).disclosures:
                    view = convert.disclosure_view(d)
                    wording = disclosure_wording(
                        view,
                        [convert.tool_view(t) for t in d.tools],
                        language=language or settings.language,
                        reviewer=settings.reviewer_role,
                        source_language=settings.language,
                    )
                    expected[item_id].append((view, wording))
        assert collection.wordings_of([*ids, 999_999], language) == {**expected, 999_999: []}
        for item_id in ids:
            assert collection.wordings(item_id, language) == expected[item_id]
    assert sum(map(len, expected.values())) == 3 and expected[collection.get_item("A0").id]
    with pytest.raises(InvalidValue, match="no disclosure wording in 'xx'"):
        collection.wordings_of(ids, "xx")
    with pytest.raises(NotFound, match="A99"):
        collection.wordings("A99")
