"""Institution settings as values (policy, privacy, naming, language) and their validation.

How they are kept in the library's database is provenance.store.settings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from provenance.domain.categories import capture_type
from provenance.domain.errors import InvalidValue
from provenance.domain.naming import parse_pattern
from provenance.domain.wording import available_languages

_MAY_BE_EMPTY = ("qr_pattern", "capture_type_default")

_CHOICES: dict[str, tuple[str, ...]] = {
    "training_mining": ("notAllowed", "allowed", "constrained"),
    "reviewer_display": ("name", "role"),
}


@dataclass(frozen=True)
class Settings:
    """The institution's choices. Defaults are the cautious ones."""

    #: cawg.training-mining and plus:DataMining: may AI be trained on exported images?
    training_mining: str = "notAllowed"
    #: Print and sign the reviewer's name, or a role (privacy).
    reviewer_display: str = "name"
    reviewer_role: str = "the registrar"
    #: Export file names: {name} {stem} {ext} {accession} {id}.
    export_naming: str = "{name}"
    #: Language of the disclosure wording signed into exports and printed on labels.
    language: str = "en"
    #: What label QR codes say: a URL pattern with {accession} or {id}, "export" (the newest
    #: export's manifest id and file hash), or empty for no QR code.
    qr_pattern: str = ""
    #: Capture type recorded on items an import creates (a CAPTURE_TYPES key); empty: none.
    capture_type_default: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The settings as a plain dict (name -> value)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> Settings:
        """Settings from a stored dict; names this version does not know are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in stored.items() if k in known})


def changed_settings(current: Settings, changes: dict[str, str]) -> Settings:
    """Validate `changes` (name -> text) against `current`; raise InvalidValue naming the key."""
    known = {f.name for f in fields(Settings)}
    for key, value in changes.items():
        if key not in known:
            raise InvalidValue(f"unknown setting {key!r}; settings are {', '.join(sorted(known))}")
        if key in _CHOICES and value not in _CHOICES[key]:
            raise InvalidValue(f"setting {key}: use one of {', '.join(_CHOICES[key])}")
        if not str(value).strip() and key not in _MAY_BE_EMPTY:
            raise InvalidValue(f"setting {key} cannot be empty")
    if "capture_type_default" in changes:
        try:
            key = capture_type(changes["capture_type_default"])
        except ValueError as exc:
            raise InvalidValue(f"setting capture_type_default: {exc}") from None
        changes = {**changes, "capture_type_default": key or ""}
    if "export_naming" in changes:
        parse_pattern(changes["export_naming"])  # InvalidValue with the plain reason
    if "language" in changes and changes["language"] not in available_languages():
        raise InvalidValue(
            f"no disclosure wording in {changes['language']!r}; "
            f"available: {', '.join(available_languages())}"
        )
    return replace(current, **changes)
