"""Reading a manifest store's JUMBF boxes: the active manifest's label as c2pa's sign() returns
it, without asking a Reader."""

from __future__ import annotations

from collections.abc import Iterator


def _jumbf_boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of the JUMBF boxes in data[start:end]."""
    at = start
    while at + 8 <= end:
        size = int.from_bytes(data[at : at + 4], "big")
        if size < 8 or at + size > end:
            return
        yield data[at + 4 : at + 8], at + 8, at + size
        at += size


def _jumbf_label(data: bytes, start: int, end: int) -> str | None:
    for kind, payload, box_end in _jumbf_boxes(data, start, end):
        # A superbox starts with its description box: 16-byte UUID, toggles, then the label.
        if kind == b"jumd" and payload + 17 <= box_end and data[payload + 16] & 0x02:
            label_end = data.find(b"\0", payload + 17, box_end)
            if label_end > 0:
                return data[payload + 17 : label_end].decode("utf-8", "replace")
        return None
    return None


def active_manifest_label(store: bytes | None) -> str | None:
    """The label (id) of the active manifest in a manifest store as c2pa's sign() returns it:
    the last manifest superbox of the store. None when the bytes are not shaped as expected
    (the caller then asks a Reader)."""
    if not store:
        return None
    for kind, payload, end in _jumbf_boxes(store, 0, len(store)):
        if kind != b"jumb":
            return None
        labels = [
            _jumbf_label(store, child, child_end)
            for child_kind, child, child_end in _jumbf_boxes(store, payload, end)
            if child_kind == b"jumb"
        ]
        return labels[-1] if labels else None
    return None
