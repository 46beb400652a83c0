"""History entries as one readable line each (the command line and the History tab)."""

from __future__ import annotations

import re
from typing import Any

from provenance import CATEGORIES, ITEM_FIELD_WORDS, capture_label, describe_date

#: Catalog fields as a person names them (history records the stored names).
FIELD_WORDS = {**ITEM_FIELD_WORDS, "capture_type": "capture type"}
_CATEGORY_WORDS = {c.slug: c.label for c in CATEGORIES}
_UNDO_NOTE = re.compile(r"undo of entry (\d+)")


def field_words(key: str) -> str:
    """`credit_line` -> "credit line"; `extra.keywords` -> "keywords" (a free field)."""
    if key.startswith("extra."):
        return f"{key[6:]} (extra field)"
    return FIELD_WORDS.get(key, key.replace("_", " "))


def category_words(slug: object) -> str:
    """A disclosure category's label ("AI-restored"), not its slug."""
    return _CATEGORY_WORDS.get(str(slug), str(slug))


def _short(value: Any) -> str:
    text = "(empty)" if value in (None, "") else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _change(key: str, old: Any, new: Any) -> str:
    if key == "capture_type":  # a vocabulary key: say what it means
        return f"capture type {capture_label(old)} -> {capture_label(new)}"
    return f"{field_words(key)} {_short(old)} -> {_short(new)}"


def _statement_changes(before: dict, after: dict) -> list[str]:
    """What changed in a disclosure statement besides its review, in words."""
    said = []
    for key, words in (("purpose", "purpose"), ("extent", "extent"), ("tools", "tools")):
        if key in after and before.get(key) != after.get(key):
            said.append(f"{words} {_short(before.get(key))} -> {_short(after.get(key))}")
    if "fields" in after and before.get("fields") != after.get("fields"):
        said.append("fields " + (", ".join(map(field_words, after.get("fields") or [])) or "none"))
    old, new = before.get("overrides") or {}, after.get("overrides") or {}
    for key in sorted(set(old) | set(new)):
        if old.get(key) == new.get(key):
            continue
        kind, _, language = key.rpartition(":")
        what = "purpose translation" if kind == "purpose" else "own sentence"
        language = language or key
        if key not in new:
            said.append(f"{what} in {language} removed")
        else:
            said.append(f"{what} in {language}: {_short(new[key])}")
    return said


def _tag_changes(before: dict, after: dict) -> list[str]:
    """Keywords and subjects added (+) and removed (-) by a tagging entry."""
    said = []
    for key, words in (("keywords", "keyword"), ("subjects", "subject")):
        old, new = before.get(key) or [], after.get(key) or []
        said += [f"+{words} {_short(v)}" for v in new if v not in old]
        said += [f"-{words} {_short(v)}" for v in old if v not in new]
    return said or ["unchanged"]


def describe_entry(e) -> str:
    """One line saying what a history entry changed, for a person."""
    after, before = e.after or {}, e.before or {}
    if e.entity == "item" and e.action == "create":
        label = after.get("accession") or f"#{e.entity_id}"
        return f"created item {label} {_short(after.get('title'))}"
    if e.entity == "item" and e.action == "tag":
        return "tags: " + "; ".join(_tag_changes(before, after))
    if e.action in ("update", "review") and after:
        if e.entity == "disclosure":
            said = [*_statement_changes(before, after)]
            if before.get("review_state") != after.get("review_state") or not said:
                who = after.get("approved_by") or after.get("reviewed_by")
                by = f" by {who}" if after.get("review_state") != "draft" and who else ""
                said.append(f"{before.get('review_state')} -> {after.get('review_state')}{by}")
            return f"disclosure {category_words(after.get('category'))}: " + "; ".join(said)
        changes = [_change(k, before.get(k), v) for k, v in after.items()]
        target = f"{e.entity} {e.entity_id}" if e.entity_id else e.entity
        return f"{target}: " + "; ".join(changes)
    if e.entity == "event":
        verb = "recorded" if e.action == "create" else "removed"
        data = after or before
        when = describe_date(data.get("date"))  # "about 1890", not "1890~"
        return f"{verb} event: {data.get('action')} by {data.get('actor')} {when}".rstrip()
    if e.entity == "disclosure":
        verb = "disclosed" if e.action == "create" else "removed disclosure"
        data = after or before
        return f"{verb} {category_words(data.get('category'))} ({data.get('review_state')})"
    if e.entity == "asset":
        state = after.get("credentials")
        return f"imported {after.get('file')} ({after.get('format')}, credentials {state})"
    if e.entity == "identity":
        fingerprint = after.get("fingerprint", "")[:16]
        return f"{e.action} signing identity {after.get('organisation')} ({fingerprint}...)"
    if e.entity == "export":
        return f"exported {after.get('file')} (manifest {after.get('manifest')})"
    if e.entity == "trust":
        return f"trusted CA {after.get('ca', '')[:16]}..."
    if e.entity == "tool":
        return f"registered AI tool {after.get('name')} {after.get('version') or ''}".rstrip()
    return f"{e.action} {e.entity} {e.entity_id or ''}".rstrip()


def entry_line(e) -> str:
    """What the History tab shows for an entry: an undo says it is one, and what it undid."""
    what = describe_entry(e)
    undone = _UNDO_NOTE.fullmatch(e.note or "")
    if undone:
        return f"Undo of entry {undone.group(1)}: {what}"
    return f"{what} ({e.note})" if e.note else what


def from_file_words(entry) -> str:
    """What an imported file filled in its item: "title (XMP), maker (EXIF)", with what another
    block said when they disagreed ("title (XMP; IPTC-IIM said 'Old')")."""
    said = []
    for name, block in entry.from_file.items():
        others = entry.file_disagreements.get(name) or {}
        disagreed = "".join(f"; {other} said '{_short(text)}'" for other, text in others.items())
        said.append(f"{field_words(name)} ({block}{disagreed})")
    return ", ".join(said)


def fields_read_words(report) -> str:
    """ "7 fields read from the files" for an import report."""
    count = report.fields_from_files
    return f"{count} field{'' if count == 1 else 's'} read from the files"
