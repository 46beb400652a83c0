"""The one JSON writer of the command line (`emit_json`) writes, byte for byte, what
`json.dumps(value, indent=2, ensure_ascii=False, default=str)` followed by `json_safe` writes,
for any value a command hands it: its own encoder only makes that faster."""

from __future__ import annotations

import enum
import json
import math
from datetime import date
from pathlib import PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.cli.output import dump_json, emit_json
from provenance import json_safe

#: Text with what a terminal must never be handed: controls, DEL, C1, bidi overrides, zero
#: width, lone surrogates, astral characters, quotes and backslashes.
_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from('\x00\x1b\x7f\x85\x9f\u200b\u202e\u2066\ufeff\ud800\udfff"\\\n\t🎨港'),
    )
)
_ATOMS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    _TEXT,
)
_KEYS = st.one_of(_TEXT, st.integers(), st.floats(), st.booleans(), st.none())
_VALUES = st.recursive(
    _ATOMS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(_KEYS, inner, max_size=4),
    ),
    max_leaves=30,
)


def _reference(value) -> str:
    return json_safe(json.dumps(value, indent=2, ensure_ascii=False, default=str))


@settings(max_examples=400, deadline=None)
@given(_VALUES)
def test_any_json_value_is_written_as_json_dumps_and_json_safe_write_it(value):
    assert dump_json(value) == _reference(value)


class _Colour(enum.IntEnum):
    RED = 1


class _Name(str):
    pass


def test_subclasses_and_other_objects_are_written_as_json_dumps_writes_them():
    value = {
        "when": date(2025, 3, 1),  # default=str
        "path": PurePosixPath("/scans/a\u202eb.jpg"),
        "colour": _Colour.RED,  # an int: written as its number
        _Name("name"): _Name("vase\x1b[31m"),
        "empty": [[], {}, ()],
        "floats": [0.1, -0.0, 1e16, 1e-7, math.inf, -math.inf, math.nan],
        1.5: "float key",
        True: "bool key",
        None: "no key",
        7: "int key",
    }
    assert dump_json(value) == _reference(value)
    assert "\\u202e" in dump_json(value) and "\\u001b" in dump_json(value)


def test_emit_json_writes_the_document_and_a_line_break(capsys):
    emit_json([{"title": "Harbour — 港 \u2066א\u2069"}])
    assert capsys.readouterr().out == _reference([{"title": "Harbour — 港 \u2066א\u2069"}]) + "\n"


def test_a_key_json_cannot_write_is_refused_as_json_dumps_refuses_it():
    for write in (dump_json, _reference):
        with pytest.raises(TypeError, match="keys must be str, int, float, bool or None"):
            write({(1, 2): "pair"})
