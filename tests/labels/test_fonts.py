"""The bundled font: present, licensed, small, and registered with Qt at render time."""

from __future__ import annotations

from importlib import resources

from PySide6.QtGui import QFontDatabase

from labels import register_fonts
from labels.fonts import FONT_FILES


def test_fonts_ship_with_their_licence_and_source():
    folder = resources.files("resources") / "fonts"
    for filename, _ in FONT_FILES:
        data = (folder / filename).read_bytes()
        assert data[:4] == b"\x00\x01\x00\x00", f"{filename} is not a TrueType font"
        assert len(data) < 2 * 1024 * 1024
    licence = (folder / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Braille Institute" in licence
    source = (folder / "SOURCE.txt").read_text(encoding="utf-8")
    assert "@fontsource/atkinson-hyperlegible" in source


def test_fonts_are_registered_on_demand(gui):
    register_fonts()
    register_fonts()  # a second call is harmless
    assert QFontDatabase.hasFamily("Atkinson Hyperlegible")
    assert QFontDatabase.hasFamily("Atkinson Hyperlegible Ext")
    styles = QFontDatabase.styles("Atkinson Hyperlegible")
    assert "Regular" in styles and "Bold" in styles
