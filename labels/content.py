"""What a label says: the catalog fields of an item plus its disclosure wording."""

from __future__ import annotations

from dataclasses import dataclass

from provenance import DEFAULT_LANGUAGE, ItemView, Wording


@dataclass(frozen=True)
class LabelContent:
    """The text of one label. Empty fields are None; the template decides what is shown.

    `badge` and `sentence` are the disclosure wording (levels 1 and 2); `qr_text` is what the
    QR code encodes (None: no code); `draft` prints a visible DRAFT mark; `language` is a BCP 47
    tag for the wording, used for the label's writing direction.
    """

    title: str | None = None
    maker: str | None = None
    date: str | None = None
    medium: str | None = None
    credit_line: str | None = None
    accession: str | None = None
    badge: str | None = None
    sentence: str | None = None
    qr_text: str | None = None
    draft: bool = False
    language: str = DEFAULT_LANGUAGE

    def field(self, name: str) -> str | None:
        """The text of block `name` ("title", "badge", ...), or None when empty."""
        value = getattr(self, name)
        return value if isinstance(value, str) and value.strip() else None


def _clean(value: str | None) -> str | None:
    # Catalog fields come from spreadsheets: collapse stray whitespace and line breaks, which
    # the layout would otherwise print as they are.
    if value is None:
        return None
    text = " ".join(value.split())
    return text or None


def label_content(
    item: ItemView,
    wording: Wording | None,
    *,
    qr_text: str | None = None,
    draft: bool = False,
) -> LabelContent:
    """The label content of `item` with its disclosure `wording` (None: no disclosure shown).

    The caller decides what the QR code says (e.g. the object's web page, built from a pattern
    like ``https://collection.example.org/objects/{accession}``, or a manifest id plus file hash)
    and whether the label is a draft (typically: the disclosure is not yet approved).
    """
    return LabelContent(
        title=_clean(item.title),
        maker=_clean(item.maker),
        date=_clean(item.date),
        medium=_clean(item.medium),
        credit_line=_clean(item.credit_line),
        accession=_clean(item.accession),
        badge=_clean(wording.badge) if wording else None,
        sentence=_clean(wording.sentence) if wording else None,
        qr_text=qr_text or None,
        draft=draft,
        language=wording.language if wording else DEFAULT_LANGUAGE,
    )
