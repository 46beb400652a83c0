"""What a label says: the catalog fields of an item plus its disclosure wording."""

from __future__ import annotations

from dataclasses import dataclass

from provenance import DEFAULT_LANGUAGE, ItemView, Wording, describe_date

#: Extra catalog fields a label prints when an item has them (free "extra" fields today).
EXTRA_DIMENSIONS = "dimensions"
EXTRA_MAKER_NATIONALITY = "maker_nationality"
EXTRA_MAKER_DATES = "maker_dates"


@dataclass(frozen=True)
class LabelContent:
    """The text of one label. Empty fields are None; the template decides what is shown.

    `date` is already in words in the label's language ("22 March 2024", "about 1890");
    `maker` carries the maker's nationality and dates when known ("Émile Durand (French,
    1851–1919)").

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
    dimensions: str | None = None
    description: str | None = None
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


def _field(item: ItemView, name: str) -> str | None:
    # A catalog field if the item has one of that name, else a free extra field.
    value = getattr(item, name, None)
    if value is None:
        value = (item.extra or {}).get(name)
    return _clean(value) if isinstance(value, str) else None


def maker_line(item: ItemView) -> str | None:
    """The maker as a label names them: "Émile Durand (French, 1851–1919)".

    Nationality and dates come from the item's fields of those names when it has them; a
    maker already written with them in brackets is left as it is.
    """
    maker = _clean(item.maker)
    if not maker:
        return None
    about = [
        v for v in (_field(item, EXTRA_MAKER_NATIONALITY), _field(item, EXTRA_MAKER_DATES)) if v
    ]
    if not about or maker.endswith(")"):
        return maker
    return f"{maker} ({', '.join(about)})"


def label_content(
    item: ItemView,
    wording: Wording | None,
    *,
    qr_text: str | None = None,
    draft: bool = False,
    language: str | None = None,
) -> LabelContent:
    """The label content of `item` with its disclosure `wording` (None: no disclosure shown).

    The caller decides what the QR code says (e.g. the object's web page, built from a pattern
    like ``https://collection.example.org/objects/{accession}``, or a manifest id plus file hash)
    and whether the label is a draft (typically: the disclosure is not yet approved).
    `language` (default: the wording's) decides how the date is said: an EDTF or ISO date
    prints in words ("2024-03-22" -> "22 March 2024", "1890~" -> "about 1890").
    """
    language = language or (wording.language if wording else DEFAULT_LANGUAGE)
    return LabelContent(
        title=_clean(item.title),
        maker=maker_line(item),
        date=_clean(describe_date(item.date, language)),
        medium=_clean(item.medium),
        credit_line=_clean(item.credit_line),
        accession=_clean(item.accession),
        dimensions=_field(item, EXTRA_DIMENSIONS),
        description=_clean(item.description),
        badge=_clean(wording.badge) if wording else None,
        sentence=_clean(wording.sentence) if wording else None,
        qr_text=qr_text or None,
        draft=draft,
        language=language,
    )
