"""The fonts that ship with Credence, registered with Qt when a label is first painted."""

from __future__ import annotations

import logging
from importlib import resources

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFont, QFontDatabase

log = logging.getLogger(__name__)
_MARK = "credenceLabelFontsRegistered"

#: Bundled font files (resources/fonts/) and the family each one provides.
FONT_FILES: tuple[tuple[str, str], ...] = (
    ("AtkinsonHyperlegible-Regular.ttf", "Atkinson Hyperlegible"),
    ("AtkinsonHyperlegible-Bold.ttf", "Atkinson Hyperlegible"),
    ("AtkinsonHyperlegible-Italic.ttf", "Atkinson Hyperlegible"),
    ("AtkinsonHyperlegible-BoldItalic.ttf", "Atkinson Hyperlegible"),
    ("AtkinsonHyperlegibleExt-Regular.ttf", "Atkinson Hyperlegible Ext"),
    ("AtkinsonHyperlegibleExt-Bold.ttf", "Atkinson Hyperlegible Ext"),
    # Plain (unslashed) zeros for wall and case labels, where "2024" must not read "2Ø24".
    ("SourceSans3-Regular.ttf", "Source Sans 3"),
    ("SourceSans3-Italic.ttf", "Source Sans 3"),
    ("SourceSans3-Bold.ttf", "Source Sans 3"),
    ("SourceSans3-BoldItalic.ttf", "Source Sans 3"),
)


def register_fonts() -> None:
    """Add the bundled fonts to Qt's font database unless their families are already there.

    Does nothing without a QGuiApplication. Qt's database (and a property on the application
    object) is the only state kept, so calling this for every label is cheap. Fonts are read as
    bytes through importlib.resources, so this works from a wheel or a frozen bundle too.
    """
    app = QCoreApplication.instance()
    # A mark on the application object (Qt's state, not ours) saves the family lookups, which
    # cost a quarter of a millisecond each, on every later label.
    if app is None or app.property(_MARK):
        return
    missing = {family for _, family in FONT_FILES if not QFontDatabase.hasFamily(family)}
    app.setProperty(_MARK, True)
    if not missing:
        return
    folder = resources.files("resources") / "fonts"
    for filename, family in FONT_FILES:
        if family not in missing:
            continue
        if QFontDatabase.addApplicationFontFromData((folder / filename).read_bytes()) < 0:
            # The label still renders with a system font; say so instead of failing the batch.
            log.warning("could not load the bundled font %s; using a system font", filename)


def label_font(
    families: tuple[str, ...], size_pt: float, *, bold: bool = False, italic: bool = False
) -> QFont:
    """A font for label text: `families` in order of preference, then Qt's system fallback.

    Hinting is off so that glyph advances scale exactly between preview, PDF and PNG.
    Standard ligatures are off: Qt's PDF text mapping loses the letters a ligature joins
    ("Gift" copied out of the PDF, or read by a screen reader, came out "Gi").
    """
    font = QFont()
    font.setFamilies(list(families))
    font.setPointSizeF(size_pt)
    font.setBold(bold)
    font.setItalic(italic)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    font.setKerning(True)
    font.setFeature(QFont.Tag("liga"), 0)
    return font
