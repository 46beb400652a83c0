"""A new SQLite library's schema in one step, the same as running every migration.

Creating a library used to load Alembic and run each migration in turn (about 0.1 s of a
command that makes a library, such as `credence --library NEW catalog import FILE`). A new,
empty database file now gets the statements below instead, which are the schema exactly as
SQLite keeps it after the migrations (`sqlite_master`, in order), and the revision stamped in
`alembic_version` as Alembic stamps it. Any other database (one with tables in it, an older
revision, a team library) is migrated by Alembic as before, and so are later revisions.

The statements are written by `python -m provenance.store.head_schema` (then `make format`)
from a database that the migrations made; a test compares the two, so a new migration without
the statements regenerated fails there, and until then `engine.migrate` takes Alembic's way
(the statements are used only for the revision they were made from).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

#: The revision whose schema `STATEMENTS` create.
REVISION = "0010"

#: sqlite_master's statements of a database the migrations made up to REVISION, in order,
#: without the tables a virtual table makes for itself.
STATEMENTS: tuple[str, ...] = (
    (
        "CREATE TABLE alembic_version (\n"
        "\tversion_num VARCHAR(32) NOT NULL, \n"
        "\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n"
        ")"
    ),
    (
        "CREATE TABLE ai_tools (\n"
        "\tid INTEGER NOT NULL, \n"
        "\tname VARCHAR(200) NOT NULL, \n"
        "\tvendor VARCHAR(200) NOT NULL, \n"
        "\tversion VARCHAR(100), \n"
        "\truns VARCHAR(20), \n"
        "\ttraining_data TEXT, \n"
        "\tretention TEXT, \n"
        "\tdocumentation TEXT, \n"
        "\tcreated_at VARCHAR(40) NOT NULL, \n"
        "\tPRIMARY KEY (id), \n"
        "\tCONSTRAINT uq_ai_tools_name_version UNIQUE (name, version)\n"
        ")"
    ),
    (
        "CREATE TABLE history (\n"
        "\tseq INTEGER NOT NULL, \n"
        "\tat VARCHAR(40) NOT NULL, \n"
        "\tactor VARCHAR(200) NOT NULL, \n"
        "\tentity VARCHAR(40) NOT NULL, \n"
        "\tentity_id INTEGER, \n"
        "\titem_id INTEGER, \n"
        "\taction VARCHAR(60) NOT NULL, \n"
        "\tbefore_json TEXT, \n"
        "\tafter_json TEXT, \n"
        "\tnote TEXT, \n"
        "\tprev_hash VARCHAR(64) NOT NULL, \n"
        "\thash VARCHAR(64) NOT NULL, \n"
        "\tPRIMARY KEY (seq)\n"
        ")"
    ),
    ("CREATE INDEX ix_history_item ON history (item_id, seq)"),
    (
        "CREATE TABLE items (\n"
        "\tid INTEGER NOT NULL, \n"
        "\taccession VARCHAR(200), \n"
        "\ttitle TEXT, \n"
        "\tmaker TEXT, \n"
        "\tdate TEXT, \n"
        "\tmedium TEXT, \n"
        "\tcredit_line TEXT, \n"
        "\trights TEXT, \n"
        "\tdescription TEXT, \n"
        "\textra JSON NOT NULL, \n"
        "\tcreated_at VARCHAR(40) NOT NULL, \n"
        "\tupdated_at VARCHAR(40) NOT NULL, capture_type VARCHAR(40), object_type TEXT, "
        "maker_nationality TEXT, maker_dates TEXT, dimensions TEXT, inscription TEXT, "
        "version INTEGER DEFAULT '1' NOT NULL, \n"
        "\tPRIMARY KEY (id), \n"
        "\tUNIQUE (accession)\n"
        ")"
    ),
    ("CREATE INDEX ix_items_catalog_order ON items ((accession IS NULL), accession, id)"),
    (
        "CREATE TABLE meta (\n"
        '\t"key" VARCHAR(100) NOT NULL, \n'
        "\tvalue TEXT NOT NULL, \n"
        '\tPRIMARY KEY ("key")\n'
        ")"
    ),
    (
        "CREATE TABLE assets (\n"
        "\tid INTEGER NOT NULL, \n"
        "\titem_id INTEGER NOT NULL, \n"
        "\tpath TEXT NOT NULL, \n"
        "\tsha256 VARCHAR(64) NOT NULL, \n"
        "\tsize INTEGER NOT NULL, \n"
        "\tformat VARCHAR(20) NOT NULL, \n"
        "\tmime VARCHAR(80) NOT NULL, \n"
        "\twidth INTEGER, \n"
        "\theight INTEGER, \n"
        "\torientation INTEGER NOT NULL, \n"
        "\tthumbnail TEXT, \n"
        "\tcredential_state VARCHAR(20) NOT NULL, \n"
        "\tcredentials JSON NOT NULL, \n"
        "\timported_at VARCHAR(40) NOT NULL, ai_found BOOLEAN DEFAULT 0 NOT NULL, "
        "root VARCHAR(100), \n"
        "\tPRIMARY KEY (id), \n"
        "\tFOREIGN KEY(item_id) REFERENCES items (id) ON DELETE CASCADE\n"
        ")"
    ),
    ("CREATE INDEX ix_assets_credential_state ON assets (credential_state)"),
    ("CREATE INDEX ix_assets_item_id ON assets (item_id)"),
    ("CREATE INDEX ix_assets_sha256 ON assets (sha256)"),
    (
        "CREATE TABLE events (\n"
        "\tid INTEGER NOT NULL, \n"
        "\titem_id INTEGER NOT NULL, \n"
        "\taction VARCHAR(100) NOT NULL, \n"
        "\tactor TEXT NOT NULL, \n"
        "\tdate VARCHAR(100), \n"
        "\tdate_earliest VARCHAR(10), \n"
        "\tdate_latest VARCHAR(10), \n"
        "\tplace TEXT, \n"
        "\tsource TEXT, \n"
        "\tnote TEXT, \n"
        "\ttool_id INTEGER, \n"
        "\tcreated_at VARCHAR(40) NOT NULL, version INTEGER DEFAULT '1' NOT NULL, \n"
        "\tPRIMARY KEY (id), \n"
        "\tFOREIGN KEY(item_id) REFERENCES items (id) ON DELETE CASCADE, \n"
        "\tFOREIGN KEY(tool_id) REFERENCES ai_tools (id)\n"
        ")"
    ),
    ("CREATE INDEX ix_events_item_id ON events (item_id)"),
    (
        "CREATE TABLE disclosures (\n"
        "\tid INTEGER NOT NULL, \n"
        "\titem_id INTEGER NOT NULL, \n"
        "\tasset_id INTEGER, \n"
        "\tcategory VARCHAR(40) NOT NULL, \n"
        "\tpurpose TEXT, \n"
        "\textent TEXT, \n"
        "\tfields JSON NOT NULL, \n"
        "\toverrides JSON NOT NULL, \n"
        "\treview_state VARCHAR(20) NOT NULL, \n"
        "\treviewed_by VARCHAR(200), \n"
        "\treviewed_at VARCHAR(40), \n"
        "\tapproved_by VARCHAR(200), \n"
        "\tapproved_at VARCHAR(40), \n"
        "\tcreated_at VARCHAR(40) NOT NULL, version INTEGER DEFAULT '1' NOT NULL, \n"
        "\tPRIMARY KEY (id), \n"
        "\tFOREIGN KEY(asset_id) REFERENCES assets (id) ON DELETE SET NULL, \n"
        "\tFOREIGN KEY(item_id) REFERENCES items (id) ON DELETE CASCADE\n"
        ")"
    ),
    ("CREATE INDEX ix_disclosures_item_id ON disclosures (item_id)"),
    ("CREATE INDEX ix_disclosures_review_state ON disclosures (review_state)"),
    (
        "CREATE TABLE exports (\n"
        "\tid INTEGER NOT NULL, \n"
        "\titem_id INTEGER NOT NULL, \n"
        "\tasset_id INTEGER, \n"
        "\tpath TEXT NOT NULL, \n"
        "\tsha256 VARCHAR(64) NOT NULL, \n"
        "\tmanifest_id VARCHAR(200), \n"
        "\tsigner_fingerprint VARCHAR(100), \n"
        "\trecord_digest VARCHAR(64), \n"
        "\tcreated_at VARCHAR(40) NOT NULL, stale_since VARCHAR(40), stale_reason TEXT, "
        "soft_binding VARCHAR(80), soft_binding_key BIGINT, \n"
        "\tPRIMARY KEY (id), \n"
        "\tFOREIGN KEY(asset_id) REFERENCES assets (id) ON DELETE SET NULL, \n"
        "\tFOREIGN KEY(item_id) REFERENCES items (id) ON DELETE CASCADE\n"
        ")"
    ),
    ("CREATE INDEX ix_exports_item_id ON exports (item_id)"),
    (
        "CREATE TABLE disclosure_tools (\n"
        "\tdisclosure_id INTEGER NOT NULL, \n"
        "\ttool_id INTEGER NOT NULL, \n"
        "\tPRIMARY KEY (disclosure_id, tool_id), \n"
        "\tFOREIGN KEY(disclosure_id) REFERENCES disclosures (id) ON DELETE CASCADE, \n"
        "\tFOREIGN KEY(tool_id) REFERENCES ai_tools (id)\n"
        ")"
    ),
    ("CREATE INDEX ix_assets_ai_found ON assets (ai_found)"),
    ("CREATE INDEX ix_exports_stale_since ON exports (stale_since)"),
    (
        "CREATE TABLE vocab_schemes (\n"
        "\tid INTEGER NOT NULL, \n"
        "\turi TEXT NOT NULL, \n"
        "\ttitles JSON NOT NULL, \n"
        "\tsource TEXT, \n"
        "\timported_at VARCHAR(40) NOT NULL, \n"
        "\tPRIMARY KEY (id), \n"
        "\tUNIQUE (uri)\n"
        ")"
    ),
    (
        "CREATE TABLE vocab_concepts (\n"
        "\tid INTEGER NOT NULL, \n"
        "\turi TEXT NOT NULL, \n"
        "\tscheme_id INTEGER NOT NULL, \n"
        "\tPRIMARY KEY (id), \n"
        "\tUNIQUE (uri), \n"
        "\tFOREIGN KEY(scheme_id) REFERENCES vocab_schemes (id)\n"
        ")"
    ),
    ("CREATE INDEX ix_vocab_concepts_scheme_id ON vocab_concepts (scheme_id)"),
    (
        "CREATE TABLE vocab_labels (\n"
        "\tid INTEGER NOT NULL, \n"
        "\tconcept_id INTEGER NOT NULL, \n"
        "\tkind VARCHAR(10) NOT NULL, \n"
        "\tlanguage VARCHAR(40) NOT NULL, \n"
        "\tlabel TEXT NOT NULL, \n"
        "\tfolded TEXT NOT NULL, \n"
        "\tPRIMARY KEY (id), \n"
        "\tFOREIGN KEY(concept_id) REFERENCES vocab_concepts (id) ON DELETE CASCADE\n"
        ")"
    ),
    ("CREATE INDEX ix_vocab_labels_concept_id ON vocab_labels (concept_id)"),
    ("CREATE INDEX ix_vocab_labels_folded ON vocab_labels (folded)"),
    (
        "CREATE TABLE vocab_broader (\n"
        "\tconcept_id INTEGER NOT NULL, \n"
        "\tbroader_id INTEGER NOT NULL, \n"
        "\tPRIMARY KEY (concept_id, broader_id), \n"
        "\tFOREIGN KEY(concept_id) REFERENCES vocab_concepts (id) ON DELETE CASCADE, \n"
        "\tFOREIGN KEY(broader_id) REFERENCES vocab_concepts (id) ON DELETE CASCADE\n"
        ")"
    ),
    ("CREATE INDEX ix_vocab_broader_broader_id ON vocab_broader (broader_id)"),
    (
        "CREATE TABLE item_keywords (\n"
        "\tid INTEGER NOT NULL, \n"
        "\titem_id INTEGER NOT NULL, \n"
        "\tkeyword TEXT NOT NULL, \n"
        "\tfolded TEXT NOT NULL, \n"
        "\tPRIMARY KEY (id), \n"
        "\tCONSTRAINT uq_item_keywords_folded UNIQUE (item_id, folded), \n"
        "\tFOREIGN KEY(item_id) REFERENCES items (id) ON DELETE CASCADE\n"
        ")"
    ),
    ("CREATE INDEX ix_item_keywords_folded ON item_keywords (folded)"),
    (
        "CREATE TABLE item_subjects (\n"
        "\tid INTEGER NOT NULL, \n"
        "\titem_id INTEGER NOT NULL, \n"
        "\tconcept_id INTEGER NOT NULL, \n"
        "\tPRIMARY KEY (id), \n"
        "\tCONSTRAINT uq_item_subjects UNIQUE (item_id, concept_id), \n"
        "\tFOREIGN KEY(item_id) REFERENCES items (id) ON DELETE CASCADE, \n"
        "\tFOREIGN KEY(concept_id) REFERENCES vocab_concepts (id)\n"
        ")"
    ),
    ("CREATE INDEX ix_item_subjects_concept_id ON item_subjects (concept_id)"),
    (
        "CREATE VIEW items_search AS SELECT id, accession, title, maker, date, medium, "
        "credit_line, rights, description, (SELECT group_concat(value, "
        "' ') FROM json_each(items.extra)) AS extra, object_type, maker_nationality, "
        "inscription, (SELECT group_concat(k.keyword, "
        "' ') FROM item_keywords k WHERE k.item_id = items.id) AS keywords, "
        "(SELECT group_concat(l.label, "
        "' ') FROM item_subjects s JOIN vocab_labels l ON l.concept_id = s.concept_id"
        " WHERE s.item_id = items.id) AS subjects FROM items"
    ),
    (
        "CREATE VIRTUAL TABLE items_fts USING fts5(accession, title, maker, date, "
        "medium, credit_line, rights, description, extra, object_type, "
        "maker_nationality, inscription, keywords, subjects, content='items_search', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    ),
    (
        "CREATE TABLE storage_roots (\n"
        "\tname VARCHAR(100) NOT NULL, \n"
        "\tcreated_at VARCHAR(40) NOT NULL, \n"
        "\tPRIMARY KEY (name)\n"
        ")"
    ),
    (
        "CREATE TABLE checkin_entries (\n"
        "\tid INTEGER NOT NULL, \n"
        "\tsource_id VARCHAR(40) NOT NULL, \n"
        "\tentry_hash VARCHAR(64) NOT NULL, \n"
        "\tsource_seq INTEGER NOT NULL, \n"
        "\toutcome VARCHAR(20) NOT NULL, \n"
        "\tchecked_in_at VARCHAR(40) NOT NULL, \n"
        "\tPRIMARY KEY (id), \n"
        "\tCONSTRAINT uq_checkin_entries UNIQUE (source_id, entry_hash)\n"
        ")"
    ),
    (
        "CREATE TABLE checkin_ids (\n"
        "\tsource_id VARCHAR(40) NOT NULL, \n"
        "\tkind VARCHAR(20) NOT NULL, \n"
        "\tsource_key INTEGER NOT NULL, \n"
        "\tteam_id INTEGER NOT NULL, \n"
        "\tPRIMARY KEY (source_id, kind, source_key)\n"
        ")"
    ),
    (
        "CREATE TABLE conflicts (\n"
        "\tid INTEGER NOT NULL, \n"
        "\tkind VARCHAR(20) NOT NULL, \n"
        "\tsource_id VARCHAR(40) NOT NULL, \n"
        "\tsource_name TEXT NOT NULL, \n"
        "\tentry_hash VARCHAR(64) NOT NULL, \n"
        "\tsource_seq INTEGER NOT NULL, \n"
        "\titem_id INTEGER, \n"
        "\tentity VARCHAR(40) NOT NULL, \n"
        "\tentity_id INTEGER, \n"
        "\tfield VARCHAR(200) NOT NULL, \n"
        "\tbase_json TEXT, \n"
        "\tours_json TEXT, \n"
        "\ttheirs_json TEXT, \n"
        "\tactor VARCHAR(200) NOT NULL, \n"
        "\tat VARCHAR(40) NOT NULL, \n"
        "\tcreated_at VARCHAR(40) NOT NULL, \n"
        "\tstate VARCHAR(20) NOT NULL, \n"
        "\tresolution TEXT, \n"
        "\tresolved_by VARCHAR(200), \n"
        "\tresolved_at VARCHAR(40), \n"
        "\tPRIMARY KEY (id)\n"
        ")"
    ),
    ("CREATE INDEX ix_conflicts_state ON conflicts (state, id)"),
)


def statements_of(conn: Connection) -> list[str]:
    """The statements that make the schema of the database on `conn`, in sqlite_master's
    order: every one SQLite keeps, but the tables a virtual table makes for itself (FTS5's
    `_data`, `_idx`, ...) and indexes made by a table's own constraints (no statement)."""
    rows = conn.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
    ).all()
    virtual = [name for _type, name, sql in rows if sql.upper().startswith("CREATE VIRTUAL")]
    return [
        sql
        for kind, name, sql in rows
        if not (kind == "table" and any(name.startswith(f"{v}_") for v in virtual))
    ]


def is_empty(conn: Connection) -> bool:
    """Whether the database on `conn` has nothing in it yet (no table, index or view)."""
    return conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar() == 0


def create(conn: Connection, statements: Sequence[str] = STATEMENTS) -> None:
    """Make the schema of REVISION in the empty database on `conn` (inside the caller's
    transaction) and stamp the revision, as Alembic does after its last migration."""
    for statement in statements:
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES (?)", (REVISION,))


def _write_module() -> None:
    """Rewrite STATEMENTS and REVISION in this file from a database the migrations make."""
    import re
    import tempfile
    from pathlib import Path

    from provenance.store.engine import HEAD_REVISION, make_engines, migrate

    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "library.sqlite"
        reader, writer = make_engines(db_path)
        try:
            migrate(writer, db_path, Path(folder) / "backups", quick=False)
            with reader.connect() as conn:
                statements = statements_of(conn)
        finally:
            reader.dispose()
            writer.dispose()
    lines = ["STATEMENTS: tuple[str, ...] = ("]
    for statement in statements:
        # One literal per line of the statement (a long line cut after its commas), so that
        # it reads as SQLite keeps it and no line of this file is too long.
        parts = re.findall(r"[^\n]{1,76}(?:, |\n|$)|[^\n]{76}|\n", statement)
        lines += ["    (", *(f"        {part!r}" for part in parts), "    ),"]
    lines.append(")")
    source = Path(__file__)
    text = source.read_text(encoding="utf-8")
    block = "\n".join(lines) + "\n"  # as it is: a function replacement takes no escapes
    text = re.sub(r'REVISION = "[^"]*"', f'REVISION = "{HEAD_REVISION}"', text, count=1)
    text = re.sub(
        r"STATEMENTS: tuple\[str, \.\.\.\] = \(.*?\n\)\n",
        lambda _match: block,
        text,
        count=1,
        flags=re.DOTALL,
    )
    source.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    _write_module()
