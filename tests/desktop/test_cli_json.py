"""The one JSON writer of the command line (`emit_json`): `json.dumps(value, indent=2,
ensure_ascii=False, default=str)` then `json_safe`, which leaves plain ASCII text unscanned and
escapes everything a terminal must never be handed, whatever the value holds."""

from __future__ import annotations

import json
import math
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.cli.output import emit_json
from provenance import json_safe

#: Text with what a terminal must never be handed: controls, DEL, C1, bidi overrides, zero
#: width, lone surrogates, astral characters, quotes and backslashes.
_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from('\x00\x1b\x7f\x85\x9f\u200b\u202e\u2066\ufeff\ud800\udfff"\\\n\t🎨港'),
    )
)
_ATOMS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _TEXT)
_VALUES = st.recursive(
    _ATOMS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_TEXT, inner, max_size=4)),
    max_leaves=30,
)
#: What may reach a terminal from the writer: no C0/C1 control, DEL, bidi control or zero width.
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _reference(value) -> str:
    return json_safe(json.dumps(value, indent=2, ensure_ascii=False, default=str))


@settings(max_examples=400, deadline=None)
@given(_VALUES)
def test_json_safe_keeps_the_values_and_leaves_nothing_unsafe(value):
    dumped = json.dumps(value, indent=2, ensure_ascii=False)
    safe = json_safe(dumped)
    assert not _UNSAFE.search(safe)
    assert json.dumps(json.loads(safe), indent=2, ensure_ascii=False) == dumped
    if dumped.isascii() and "\x7f" not in dumped:
        assert safe == dumped


def test_del_in_plain_ascii_is_escaped_too():
    assert json_safe(json.dumps("a\x7fb", ensure_ascii=False)) == '"a\\u007fb"'
    assert json_safe(json.dumps([math.pi, "plain"])) == json.dumps([math.pi, "plain"])


def test_emit_json_writes_the_document_and_a_line_break(capsys):
    emit_json([{"title": "Harbour — 港 \u2066א\u2069"}])
    assert capsys.readouterr().out == _reference([{"title": "Harbour — 港 \u2066א\u2069"}]) + "\n"


def _json_safe_reference(dumped: str) -> str:
    """json_safe as first written: one class of every unsafe character but the C0 controls,
    astral ranges included (slow: checked range by range at every character)."""
    from provenance.domain import text

    unsafe = re.compile(f"[{text._UNSAFE.removeprefix(chr(0) + '-' + chr(0x1F))}]")

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        if code <= 0xFFFF:
            return f"\\u{code:04x}"
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"

    return unsafe.sub(escape, dumped)


#: Astral characters, safe (emoji, CJK extension, historic scripts) and unsafe (tags, the
#: Egyptian hieroglyph format controls, musical symbol formatting, shorthand format controls).
_ASTRAL = st.one_of(
    st.characters(min_codepoint=0x10000),
    st.sampled_from("\U000110bd\U000110cd\U00013430\U0001343f\U0001bca0\U0001d173\U000e0001"),
    st.sampled_from("\U000e0020\U000e007f\U0001f3a8\U00020000\U000110bc\U0001d17b"),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_TEXT, st.lists(_ASTRAL).map("".join)), max_size=6))
def test_json_safe_scans_the_bmp_and_gives_safe_astral_characters_back(values):
    """json_safe's fast scan (a table of the BMP and one astral range, safe astral characters
    given back) escapes exactly what the one class of every unsafe character escapes."""
    dumped = json.dumps(values, indent=2, ensure_ascii=False)
    assert json_safe(dumped) == _json_safe_reference(dumped)


def _terminal_safe_reference(value: str) -> str:
    """terminal_safe as first written: one class of every unsafe character, astral ranges
    included, over the whole text."""
    from provenance.domain import text

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        if 0xDC80 <= code <= 0xDCFF:
            return f"\\x{code - 0xDC00:02x}"
        if code <= 0xFF:
            return f"\\x{code:02x}"
        if code <= 0xFFFF:
            return f"\\u{code:04x}"
        return f"\\U{code:08x}"

    return text._UNSAFE_RE.sub(escape, value)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_TEXT, st.lists(_ASTRAL).map("".join), st.text(st.characters(max_codepoint=127))))
def test_terminal_safe_skips_printable_ascii_and_gives_safe_astral_characters_back(value):
    """terminal_safe's fast paths (printable ASCII as it is; a table of the BMP and one astral
    range, safe astral characters given back) escape exactly what the one class escapes."""
    from provenance import terminal_safe

    assert terminal_safe(value) == _terminal_safe_reference(value)
