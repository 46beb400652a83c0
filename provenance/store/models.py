"""SQLAlchemy 2.0 typed models. Portable SQL: nothing SQLite-only here (FTS is in the migration)."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """The declarative base of every table (JSON columns for dicts and lists)."""

    type_annotation_map: ClassVar = {dict[str, Any]: JSON, list[str]: JSON}


class Item(Base):
    """A catalog entry. The accession number is unique when given (NULLs may repeat)."""

    __tablename__ = "items"
    # Catalog order (accession numbers first, then the rest by id): what list pages sort by.
    # Without it every page of a 100,000-item library sorted the whole table (~0.3-0.7 s).
    __table_args__ = (
        Index("ix_items_catalog_order", text("(accession IS NULL)"), "accession", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    accession: Mapped[str | None] = mapped_column(String(200), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    maker: Mapped[str | None] = mapped_column(Text)
    date: Mapped[str | None] = mapped_column(Text)
    medium: Mapped[str | None] = mapped_column(Text)
    credit_line: Mapped[str | None] = mapped_column(Text)
    rights: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: How the image was made (a CAPTURE_TYPES key such as negativeFilm); None = unrecorded.
    capture_type: Mapped[str | None] = mapped_column(String(40))
    # Catalog fields every museum record and label needs (revision 0003), free text.
    object_type: Mapped[str | None] = mapped_column(Text)
    maker_nationality: Mapped[str | None] = mapped_column(Text)
    maker_dates: Mapped[str | None] = mapped_column(Text)
    dimensions: Mapped[str | None] = mapped_column(Text)
    inscription: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))
    #: Optimistic concurrency (revision 0008): every change adds one, and an UPDATE that saw an
    #: older version changes nothing (so a change by another workstation is never lost).
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    __mapper_args__: ClassVar = {"version_id_col": version}

    # Deleting an item deletes its records (the database cascades; the history keeps them).
    # Without the cascade here the ORM would first set their item_id to NULL, which the
    # schema refuses, and no item with an image, event or disclosure could be deleted.
    assets: Mapped[list[Asset]] = relationship(
        back_populates="item",
        order_by="Asset.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    events: Mapped[list[Event]] = relationship(
        back_populates="item",
        order_by="Event.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    disclosures: Mapped[list[Disclosure]] = relationship(
        back_populates="item",
        order_by="Disclosure.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    # Tags (revision 0004): free keywords and subjects from controlled vocabularies.
    keyword_rows: Mapped[list[ItemKeyword]] = relationship(
        order_by="ItemKeyword.id", cascade="all, delete-orphan", passive_deletes=True
    )
    subject_rows: Mapped[list[ItemSubject]] = relationship(
        order_by="ItemSubject.id", cascade="all, delete-orphan", passive_deletes=True
    )


class ItemKeyword(Base):
    """A free keyword on an item. `folded` (NFC, casefolded) is unique per item, so
    "Harbour" and "harbour" are one keyword; `keyword` keeps the spelling first given."""

    __tablename__ = "item_keywords"
    __table_args__ = (UniqueConstraint("item_id", "folded", name="uq_item_keywords_folded"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    keyword: Mapped[str] = mapped_column(Text)
    folded: Mapped[str] = mapped_column(Text, index=True)


class ItemSubject(Base):
    """A concept from a controlled vocabulary given to an item as its subject."""

    __tablename__ = "item_subjects"
    __table_args__ = (UniqueConstraint("item_id", "concept_id", name="uq_item_subjects"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    concept_id: Mapped[int] = mapped_column(ForeignKey("vocab_concepts.id"), index=True)

    concept: Mapped[Concept] = relationship()


class ConceptScheme(Base):
    """A controlled vocabulary (a SKOS concept scheme), by its URI."""

    __tablename__ = "vocab_schemes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uri: Mapped[str] = mapped_column(Text, unique=True)
    #: Titles per language ({"en": "Tate subjects"}; "" = no language given).
    titles: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The file it was last imported from (its name only) and when.
    source: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[str] = mapped_column(String(40))


class Concept(Base):
    """A concept of a vocabulary, by its URI. Kept when a newer version of its vocabulary
    leaves it out, so items tagged with it keep their tag."""

    __tablename__ = "vocab_concepts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uri: Mapped[str] = mapped_column(Text, unique=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("vocab_schemes.id"), index=True)

    scheme: Mapped[ConceptScheme] = relationship()
    labels: Mapped[list[ConceptLabel]] = relationship(
        order_by="ConceptLabel.id", cascade="all, delete-orphan", passive_deletes=True
    )


class ConceptLabel(Base):
    """One label of a concept: kind pref/alt/hidden, language ("" = none), text, and the
    NFC casefolded text that tag filters compare."""

    __tablename__ = "vocab_labels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    concept_id: Mapped[int] = mapped_column(
        ForeignKey("vocab_concepts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(Text)
    folded: Mapped[str] = mapped_column(Text, index=True)


class ConceptBroader(Base):
    """A broader link: `broader_id` is broader than `concept_id` (poly-hierarchy allowed)."""

    __tablename__ = "vocab_broader"

    concept_id: Mapped[int] = mapped_column(
        ForeignKey("vocab_concepts.id", ondelete="CASCADE"), primary_key=True
    )
    broader_id: Mapped[int] = mapped_column(
        ForeignKey("vocab_concepts.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Asset(Base):
    """An image file of an item, referenced in place (originals are never modified)."""

    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    #: With `root` set, the path relative to that storage root ("/" separated); without, the
    #: absolute path as `path_text` spells it. Resolve it with store.roots (never by hand).
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(20))
    mime: Mapped[str] = mapped_column(String(80))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    orientation: Mapped[int] = mapped_column(Integer, default=1)
    thumbnail: Mapped[str | None] = mapped_column(Text)
    credential_state: Mapped[str] = mapped_column(String(20), index=True)
    credentials: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The file's own credentials or XMP say AI made or changed it (found on import).
    ai_found: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    imported_at: Mapped[str] = mapped_column(String(40))
    #: The storage root the path is relative to (revision 0009); None: an absolute path.
    root: Mapped[str | None] = mapped_column(String(100))

    item: Mapped[Item] = relationship(back_populates="assets")


class Tool(Base):
    """An AI tool registry entry."""

    __tablename__ = "ai_tools"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_ai_tools_name_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    vendor: Mapped[str] = mapped_column(String(200))
    version: Mapped[str | None] = mapped_column(String(100))
    runs: Mapped[str | None] = mapped_column(String(20))
    training_data: Mapped[str | None] = mapped_column(Text)
    retention: Mapped[str | None] = mapped_column(Text)
    documentation: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))


class Event(Base):
    """One provenance record. `date` is EDTF; the earliest/latest bounds sort a timeline."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(Text)
    date: Mapped[str | None] = mapped_column(String(100))
    date_earliest: Mapped[str | None] = mapped_column(String(10))
    date_latest: Mapped[str | None] = mapped_column(String(10))
    place: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    tool_id: Mapped[int | None] = mapped_column(ForeignKey("ai_tools.id"))
    created_at: Mapped[str] = mapped_column(String(40))
    #: Optimistic concurrency, as on items (revision 0008).
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    __mapper_args__: ClassVar = {"version_id_col": version}

    item: Mapped[Item] = relationship(back_populates="events")
    tool: Mapped[Tool | None] = relationship()


class DisclosureTool(Base):
    """Which registered AI tools a disclosure names (many to many)."""

    __tablename__ = "disclosure_tools"

    disclosure_id: Mapped[int] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), primary_key=True
    )
    tool_id: Mapped[int] = mapped_column(ForeignKey("ai_tools.id"), primary_key=True)


class Disclosure(Base):
    """What AI did, and the human review of that statement (draft -> reviewed -> approved)."""

    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str | None] = mapped_column(Text)
    extent: Mapped[str | None] = mapped_column(Text)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Registrar's own sentence per language ({"en": "..."}); it prints and signs instead.
    overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    review_state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[str | None] = mapped_column(String(40))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[str] = mapped_column(String(40))
    #: Optimistic concurrency, as on items (revision 0008): a review saved over a newer one
    #: is refused.
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    __mapper_args__: ClassVar = {"version_id_col": version}

    item: Mapped[Item] = relationship(back_populates="disclosures")
    tools: Mapped[list[Tool]] = relationship(secondary="disclosure_tools", order_by="Tool.id")


class Export(Base):
    """One signed output file (written by the export pipeline)."""

    __tablename__ = "exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    manifest_id: Mapped[str | None] = mapped_column(String(200))
    signer_fingerprint: Mapped[str | None] = mapped_column(String(100))
    record_digest: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(40))
    #: Set when what this export signed has changed in the record since (None = current).
    stale_since: Mapped[str | None] = mapped_column(String(40), index=True)
    stale_reason: Mapped[str | None] = mapped_column(Text)
    #: The ISCC image code of the signed pixels (the manifest's c2pa.soft-binding, 256 bits),
    #: and its first 64 bits as a signed integer for the one-pass search of `identify`.
    soft_binding: Mapped[str | None] = mapped_column(String(80))
    soft_binding_key: Mapped[int | None] = mapped_column(BigInteger)


class HistoryEntry(Base):
    """An append-only, hash-chained record of one change. `seq` is assigned by the writer."""

    __tablename__ = "history"
    __table_args__ = (Index("ix_history_item", "item_id", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    item_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(60))
    before_json: Mapped[str | None] = mapped_column(Text)
    after_json: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Meta(Base):
    """Library-wide key/value facts (library id, history head)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# -- storage roots and offline check-in (revision 0009) -----------------------------------------


class StorageRoot(Base):
    """A named storage root of the library. Only the name is shared: where the root is on each
    computer is that computer's own setting (see provenance.store.roots)."""

    __tablename__ = "storage_roots"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[str] = mapped_column(String(40))


class CheckinEntry(Base):
    """A laptop library's history entry, by hash, that this library has checked in (or held
    as a conflict): what makes a second check-in apply nothing new."""

    __tablename__ = "checkin_entries"
    __table_args__ = (UniqueConstraint("source_id", "entry_hash", name="uq_checkin_entries"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(String(40))
    entry_hash: Mapped[str] = mapped_column(String(64))
    source_seq: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    checked_in_at: Mapped[str] = mapped_column(String(40))


class CheckinId(Base):
    """A record made offline (item, event, disclosure, asset, tool) and its id here."""

    __tablename__ = "checkin_ids"

    source_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    source_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    team_id: Mapped[int] = mapped_column(Integer)


class Conflict(Base):
    """A change from a laptop that was not applied because the value here changed meanwhile
    (or the record was deleted, or an accession number clashed); open until resolved."""

    __tablename__ = "conflicts"
    __table_args__ = (Index("ix_conflicts_state", "state", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str] = mapped_column(String(40))
    source_name: Mapped[str] = mapped_column(Text)
    entry_hash: Mapped[str] = mapped_column(String(64))
    source_seq: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int | None] = mapped_column(Integer)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(200))
    base_json: Mapped[str | None] = mapped_column(Text)
    ours_json: Mapped[str | None] = mapped_column(Text)
    theirs_json: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default="open")
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[str | None] = mapped_column(String(40))
