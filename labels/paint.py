"""One renderer for every output: paint a label onto any QPainter.

Unit convention: `paint_label` works in **points** (1/72 inch). `rect` is the label's rectangle
in the painter's logical coordinates, and the caller scales the painter so that one logical unit
is one point. The on-screen preview scales by (widget pixels per point), the PDF writer by
(resolution / 72), a PNG by (dpi / 72), a QPrinter by (printer.resolution() / 72). Nothing else
differs between them, so the preview shows exactly what prints.

Inside, text is shaped with QTextLayout (HarfBuzz: right-to-left scripts, CJK, combining marks)
against a fixed 1152 dpi reference device, i.e. in sixteenths of a point. That keeps glyph
advances independent of the screen's DPI and of hinting, so line breaks are the same in every
output. The painter is scaled by 1/16 while drawing.

Blocks with nothing to say are left out and the rest close up; the disclosure group (badge and
sentence) follows the object's fields after one blank line, or sits at the bottom when the
template says `"disclosure_position": "bottom"`.

Fitting: each block starts at the template's size. When the text does not fit, every block
shrinks by the same factor, but never below the template's minimum size (a block the template
itself sets smaller is left as it is, and preflight reports it). When even the minimum does not
fit, the label is flagged as overflowing: the lines that do not fit are listed in
`LabelLayout.hidden_lines`, and a red frame with "TEXT DOES NOT FIT" is painted on the label,
so nothing is ever cut off silently.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QPainter,
    QPen,
    QTextLayout,
    QTextLine,
    QTextOption,
)

from labels.content import LabelContent
from labels.fonts import label_font, register_fonts
from labels.preflight import slants
from labels.qr import QUIET_ZONE, qr_matrix, qr_path
from labels.templates import PT_PER_MM, Template, block_parts

#: Layout units per point (the reference device is 72 * 16 = 1152 dpi).
UNITS_PER_PT = 16.0
#: Languages written right to left (primary subtags).
RTL_LANGUAGES = frozenset({"ar", "arc", "dv", "fa", "he", "iw", "ks", "ku", "ps", "sd", "ug", "ur"})
#: Blocks that form the disclosure group, kept together at the bottom of the label.
DISCLOSURE_BLOCKS = frozenset({"badge", "sentence"})
DRAFT_MARK = "DRAFT"
FSI, PDI = "\u2068", "\u2069"
_NO_BIDI_CONTROLS = str.maketrans("", "", "\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e")
OVERFLOW_MARK = "TEXT DOES NOT FIT"
_OVERFLOW_COLOUR = "#b3261e"
# Badge padding, in ems of the badge's type size.
_BADGE_PAD_X = 0.45
_BADGE_PAD_Y = 0.18
_FIT_ROUNDS = 8
# Qt enum lookups are slow in PySide; these are looked up once.
_LTR = Qt.LayoutDirection.LeftToRight
_RTL = Qt.LayoutDirection.RightToLeft
_WRAP = QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere
_ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignAbsolute
_ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignAbsolute
_ALIGN_CENTRE = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignAbsolute
#: Paragraph alignments by code: left, right, centre (see ShapeCache.option).
_ALIGNMENTS = (_ALIGN_LEFT, _ALIGN_RIGHT, _ALIGN_CENTRE)
_SMOOTH = QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
_NO_PEN = Qt.PenStyle.NoPen
_ORIGIN = QPointF(0, 0)


@dataclass(frozen=True)
class LabelLayout:
    """How a label was laid out and painted. Lengths are points, in the painter's coordinates.

    `sizes_used` is the type size of each block entry shown (e.g. "title", "maker+date"),
    `lines` every line its text was broken into, `hidden_lines` the lines that did not fit
    (only when `overflow`), `boxes` the painted area of each block as (x, y, width, height),
    `scale` the common shrink factor applied to the template's sizes, `qr_modules` the QR
    symbol's size in modules (0: none drawn).
    """

    overflow: bool
    smallest_pt: float
    sizes_used: dict[str, float]
    lines: dict[str, list[str]]
    hidden_lines: dict[str, list[str]] = field(default_factory=dict)
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    scale: float = 1.0
    direction: str = "ltr"
    qr_modules: int = 0
    draft: bool = False


@functools.lru_cache(maxsize=4096)  # a batch of labels repeats its texts
def text_direction(text: str) -> Qt.LayoutDirection:
    """The paragraph direction of `text` from its first strong character (Unicode rule P2).

    Characters inside isolates (FSI/LRI/RLI ... PDI) are skipped, as the rule says.
    """
    if text.isascii():  # no right-to-left letters, no isolates: left to right (the default)
        return _LTR
    depth = 0
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("FSI", "LRI", "RLI"):
            depth += 1
        elif kind == "PDI":
            depth = max(0, depth - 1)
        elif depth:
            continue
        elif kind == "L":
            return _LTR
        elif kind in ("R", "AL"):
            return _RTL
    return _LTR


#: Bidi classes of characters that run right to left or change how others run.
_NOT_LEFT_TO_RIGHT = frozenset(
    {"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
)


@functools.lru_cache(maxsize=4096)  # a batch of labels repeats its texts
def _left_to_right_only(text: str) -> bool:
    """True when no character of `text` runs right to left or changes how others run: in a
    left-to-right paragraph, every character of it then runs left to right, isolated or not."""
    if text.isascii():
        return True
    bidirectional = unicodedata.bidirectional
    return not any(bidirectional(c) in _NOT_LEFT_TO_RIGHT for c in text)


def label_is_rtl(content: LabelContent, template: Template) -> bool:
    """Whether the label as a whole runs right to left (start edge on the right)."""
    if template.direction != "auto":
        return template.direction == "rtl"
    by_language = _language_is_rtl(content.language or "")
    if by_language is not None:
        return by_language
    first = content.field("title") or content.field("maker") or content.field("sentence") or ""
    return text_direction(first) == Qt.LayoutDirection.RightToLeft


@functools.lru_cache(maxsize=64)  # asked for every label: a batch has a language or two
def _language_is_rtl(tag: str) -> bool | None:
    # Whether BCP 47 tag `tag` names a language written right to left (its primary subtag);
    # None when it names none.
    language = tag.replace("_", "-").split("-")[0].lower()
    return language in RTL_LANGUAGES if language else None


def _reference_device() -> QImage:
    # A 1x1 image is the cheapest QPaintDevice with a settable resolution.
    image = QImage(1, 1, QImage.Format.Format_Mono)
    dots_per_metre = round(72 * UNITS_PER_PT / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    return image


#: (entry, its content fields, bold, italic) of a template's text block (see ShapeCache.styles).
_Style = tuple[str, tuple[str, ...], bool, bool]


class ShapeCache:
    """Shaped text kept between the labels of one batch (optional; see `paint_label`).

    Batches repeat a lot of text (credit lines, disclosure wording), and shaping is the costly
    part of laying it out. A cache belongs to one thread and one batch; it never changes what
    is painted. It holds at most `limit` paragraphs, forgetting the least recently used first
    (a batch's one-off texts, such as titles, then never push out the texts it repeats).
    """

    def __init__(self, limit: int = 512) -> None:
        self.limit = limit
        self.device = _reference_device()
        self.layouts: dict[tuple[object, ...], QTextLayout] = {}
        self.fonts: dict[tuple[object, ...], QFont] = {}
        # Per layout: the widths its lines were last broken at, their heights, texts and (for
        # a badge) natural widths. The same widths break the same way: lines only need moving.
        self.breaks: dict[
            int, tuple[QTextLayout, list[tuple[float, float]], list[str], list[float]]
        ] = {}
        # Per layout: where its lines were last put [top, frame, lines, boxes, painted], where
        # painted is what `paint_label` worked out for them the first time (their box in
        # points, and a badge's pill): a label that puts them at the same place on the same
        # frame (so the same label rectangle) finds all of it there already.
        self.placed: dict[int, list] = {}
        self.colours: dict[str, QColor] = {}
        self.pens: dict[str, QPen] = {}
        self.brushes: dict[str, QBrush] = {}
        self.no_pen = QPen(_NO_PEN)  # as QPainter.setPen(Qt.PenStyle.NoPen) makes
        # One text option per (right to left, alignment): layouts copy it, so all share one.
        self.options: dict[tuple[bool, int], QTextOption] = {}
        self.fonts_registered = False
        self.frames: dict[tuple[object, ...], tuple[Template, _Frame]] = {}
        self._styles: dict[int, tuple[Template, list[_Style]]] = {}
        self._rects: dict[int, tuple[Template, list[QRectF]]] = {}

    def styles(self, template: Template) -> list[_Style]:
        """(entry, its content fields, bold, italic) of each text block of `template`, in order.

        Italic is what the template asks for; a text that cannot slant still stands upright.
        """
        known = self._styles.get(id(template))
        if known is not None and known[0] is template:
            return known[1]
        styles = []
        for entry in template.blocks:
            if entry == "qr":
                continue
            parts = block_parts(entry)
            named = (entry, *parts)
            bold = any(p in template.bold for p in named)
            italic = any(p in template.italic for p in named)
            styles.append((entry, parts, bold, italic))
        self._styles[id(template)] = (template, styles)
        return styles

    def slot_rects(self, template: Template) -> list[QRectF]:
        """The rectangle of each label of a sheet of `template`, in points (see `paint_label`)."""
        known = self._rects.get(id(template))
        if known is not None and known[0] is template:
            return known[1]
        rects = [QRectF(*template.label_rect_pt(s)) for s in range(template.labels_per_sheet)]
        self._rects[id(template)] = (template, rects)
        return rects

    def pen(self, name: str) -> QPen:
        """A pen of colour `name`, as QPainter.setPen(QColor) makes (a QPen is passed to Qt
        without the overload resolution a QColor costs)."""
        pen = self.pens.get(name)
        if pen is None:
            pen = self.pens[name] = QPen(self.colour(name))
        return pen

    def brush(self, name: str) -> QBrush:
        """A solid brush of colour `name`, as QPainter.setBrush(QColor) makes."""
        brush = self.brushes.get(name)
        if brush is None:
            brush = self.brushes[name] = QBrush(self.colour(name))
        return brush

    def colour(self, name: str) -> QColor:
        colour = self.colours.get(name)
        if colour is None:
            colour = self.colours[name] = QColor(name)
        return colour

    def font(
        self, families: tuple[str, ...], size: float, bold: bool, italic: bool = False
    ) -> QFont:
        key = (families, size, bold, italic)
        font = self.fonts.get(key)
        if font is None:
            font = self.fonts[key] = label_font(families, size, bold=bold, italic=italic)
        return font

    def option(self, rtl: bool, align: int) -> QTextOption:
        """How a paragraph wraps, runs (`rtl`) and aligns (`align`: 0 start, 1 end, 2 centre,
        as in `_ALIGNMENTS`). Keys are plain values: hashing a Qt enum runs Python code."""
        option = self.options.get((rtl, align))
        if option is None:
            option = self.options[rtl, align] = QTextOption()
            option.setWrapMode(_WRAP)
            option.setTextDirection(_RTL if rtl else _LTR)
            option.setAlignment(_ALIGNMENTS[align])
        return option

    def kept(self, key: tuple[object, ...]) -> QTextLayout | None:
        """The layout kept under `key`, now the most recently used; None when none is kept."""
        layout = self.layouts.pop(key, None)
        if layout is not None:
            self.layouts[key] = layout  # dicts keep insertion order: now the newest
        return layout

    def layout(
        self, key: tuple[object, ...], text: str, font: QFont, option: QTextOption
    ) -> QTextLayout:
        """The layout of paragraph `text` kept under `key` (made when not kept yet)."""
        layout = self.kept(key)
        return layout if layout is not None else self.new_layout(key, text, font, option)

    def new_layout(
        self, key: tuple[object, ...], text: str, font: QFont, option: QTextOption
    ) -> QTextLayout:
        """A new layout of paragraph `text`, kept under `key` (which holds none yet)."""
        layouts = self.layouts
        if len(layouts) >= self.limit:
            oldest = layouts.pop(next(iter(layouts)))
            self.breaks.pop(id(oldest), None)
            self.placed.pop(id(oldest), None)
        layout = layouts[key] = QTextLayout(text, font, self.device)
        layout.setTextOption(option)
        layout.setCacheEnabled(True)
        return layout


class _Para:
    """One block entry being laid out (mutable scratch state of one paint call)."""

    __slots__ = (
        "badge",
        "bottom",
        "boxes",
        "entry",
        "layout",
        "line_height",
        "lines",
        "naturals",
        "placed",
        "size",
        "text",
        "texts",
        "top",
        "visible",
    )

    def __init__(
        self, entry: str, text: str, size: float, layout: QTextLayout, line_height: float
    ) -> None:
        self.entry = entry
        self.text = text
        self.size = size
        self.layout = layout
        self.badge = entry == "badge"
        self.line_height = line_height
        # Set by `_Builder.flow`, which every paragraph goes through before it is used: where
        # it starts and ends, its lines and what they say, (x, y, width) of each line's box in
        # layout units, and a badge's lines' natural widths (its pill fits the longest).
        self.top = self.bottom = 0.0
        self.lines: list[QTextLine]
        self.texts: list[str]
        self.boxes: list[tuple[float, float, float]]
        self.naturals: list[float]
        # Which lines are painted; None: all of them (the usual case, so no list is made).
        self.visible: list[bool] | None = None
        # The cache's record of where the lines were put (see ShapeCache.placed), or None.
        self.placed: list | None = None


@dataclass
class _Frame:
    """The label's geometry in layout units, and where the QR code sits."""

    width: float
    height: float
    left: float
    top: float
    inner_width: float
    inner_height: float
    rtl: bool
    centre: bool
    qr: QRectF | None
    qr_gap: float
    # The whole label, (0, 0, width, height): made once with the frame, filled on every label.
    area: QRectF = field(init=False)

    def __post_init__(self) -> None:
        self.area = QRectF(0, 0, self.width, self.height)

    @property
    def bottom(self) -> float:
        return self.top + self.inner_height

    def line_box(self, y: float, height: float) -> tuple[float, float]:
        """(x, width) of a line whose box is [y, y + height]: narrower beside the QR code."""
        if (
            self.qr is not None
            and y < self.qr.bottom() + self.qr_gap
            and y + height > (self.qr.top() - self.qr_gap)
        ):
            narrow = self.inner_width - self.qr.width() - self.qr_gap
            return (self.left + self.inner_width - narrow if self.rtl else self.left), narrow
        return self.left, self.inner_width


class _Builder:
    """Lays out one label's blocks at a given scale (one instance per paint call)."""

    def __init__(
        self, content: LabelContent, template: Template, frame: _Frame, cache: ShapeCache
    ) -> None:
        self.content = content
        self.template = template
        self.frame = frame
        self.cache = cache
        self.device = cache.device
        self.families = (template.font_family, *template.fallback_families)
        self.align = 2 if frame.centre else 1 if frame.rtl else 0  # see _ALIGNMENTS
        self.pitch = template.line_spacing * UNITS_PER_PT
        # (entry, text, right to left, bold, italic) of each block with something to show; a
        # block with nothing to show is left out, so the ones below it move up.
        self.entries: list[tuple[str, str, bool, bool, bool]] = []
        separator = "، " if frame.rtl else ", "
        field = content.field
        for entry, parts, bold, italic in cache.styles(template):
            if len(parts) == 1:  # most blocks show one field
                text = field(parts[0])
                if not text:
                    continue
                if text.isascii():  # left to right, and it can slant (as the two functions
                    # below say, without a cache lookup for a text that is new on every label)
                    self.entries.append((entry, text, False, bold, italic))
                else:
                    rtl = text_direction(text) is _RTL
                    self.entries.append((entry, text, rtl, bold, italic and slants(text)))
                continue
            texts = [t for t in (field(p) for p in parts) if t]
            italic = italic and all(slants(t) for t in texts)
            if len(texts) == 1:
                # A block on its own takes its direction from its text (like dir="auto").
                rtl = text_direction(texts[0]) is _RTL
                self.entries.append((entry, texts[0], rtl, bold, italic))
            elif texts:
                # Joined fields ("maker, date") follow the label's direction, and each field is
                # isolated, so an Arabic name never drags the date to the wrong side. Where
                # nothing can run right to left, the order is the same without isolates, and
                # the line is one run: kerned across the separator as plain text is, and one
                # PDF text object instead of five (a wall label's page: 8 text objects, not 12,
                # 7% smaller; 4% fewer instructions painting 1,000 labels).
                if frame.rtl or not all(map(_left_to_right_only, texts)):
                    joined = separator.join(f"{FSI}{t}{PDI}" for t in texts)
                else:
                    joined = separator.join(texts)
                self.entries.append((entry, joined, frame.rtl, bold, italic))

    def size_of(self, entry: str, scale: float) -> float:
        base = self.template.sizes[entry]
        floor = self.template.min_size_pt
        if base <= floor:
            return base
        return max(floor, round(base * scale * 4) / 4)

    def floor_scale(self) -> float:
        """The scale at which every block that can shrink has reached the minimum size."""
        bases = [self.template.sizes[e[0]] for e in self.entries]
        biggest = max(bases, default=self.template.min_size_pt)
        return min(1.0, self.template.min_size_pt / biggest)

    def paras(self, scale: float) -> tuple[list[_Para], list[_Para]]:
        """The (object, disclosure) groups of paragraphs at `scale`, not yet positioned."""
        upper: list[_Para] = []
        lower: list[_Para] = []
        cache, families, align, pitch = self.cache, self.families, self.align, self.pitch
        sizes, floor = self.template.sizes, self.template.min_size_pt
        for entry, text, rtl, bold, italic in self.entries:
            base = sizes[entry]  # as size_of says, without a call per block
            size = base if base <= floor else max(floor, round(base * scale * 4) / 4)
            # The entry is part of the key: two blocks with the same text need their own lines.
            key = (entry, text, size, bold, italic, rtl, align, families)
            layout = cache.kept(key)
            if layout is None:  # its font and text option are needed only to make it
                font = cache.font(families, size, bold, italic)
                layout = cache.new_layout(key, text, font, cache.option(rtl, align))
            para = _Para(entry, text, size, layout, size * pitch)
            # Everything from the first disclosure block on stays together at the bottom.
            (lower if lower or entry in DISCLOSURE_BLOCKS else upper).append(para)
        return upper, lower

    def gap_before(self, previous: _Para, para: _Para) -> float:
        if previous.entry == "title":
            return 0.45 * previous.size * UNITS_PER_PT
        if previous.badge:
            return 0.45 * para.size * UNITS_PER_PT
        return 0.2 * para.size * UNITS_PER_PT

    def group_gap(self, lower: list[_Para]) -> float:
        return 1.0 * max(p.size for p in lower) * UNITS_PER_PT

    def flow(self, paras: list[_Para], y: float) -> float:
        """Break and position `paras` from `y` down; returns the bottom. Widths follow the QR."""
        previous: _Para | None = None
        for para in paras:
            if previous is not None:
                y += self.gap_before(previous, para)
            para.top = y
            pad_x = _BADGE_PAD_X * para.size * UNITS_PER_PT if para.badge else 0.0
            pad_y = _BADGE_PAD_Y * para.size * UNITS_PER_PT if para.badge else 0.0
            y += pad_y
            y = self._break(para, y, pad_x, pad_y)
            y += pad_y
            para.bottom = y
            para.visible = None
            previous = para
        return y

    def _break(self, para: _Para, y: float, pad_x: float, pad_y: float) -> float:
        """Break `para` into lines from `y` (widths follow the QR code); returns the bottom.

        Lines are set at the template's pitch whatever the font's own ascent and descent
        (fallback fonts for CJK or Arabic are taller): an even rhythm, text centred on its line.
        """
        frame, pitch, layout = self.frame, para.line_height, para.layout
        known = self.cache.breaks.get(id(layout))
        before = known[1] if known is not None and known[0] is layout else None
        placed = self.cache.placed.get(id(layout))
        if before is not None and placed is not None and placed[0] == y and placed[1] is frame:
            # Broken and positioned just so for an earlier label: nothing to do. (Nothing
            # changes these lists in place, so they are shared, not copied.)
            para.lines, para.boxes, para.texts = placed[2], placed[3], known[2]
            para.naturals, para.placed = known[3], placed
            return y + len(before) * pitch
        para.lines, para.boxes = [], []
        start = y
        if known is not None and before is not None:
            # Same widths as last time: the same line breaks, so only move the lines.
            boxes, top = [], y
            for width_used, _ in before:
                x, width = frame.line_box(top - pad_y, pitch + 2 * pad_y)
                if max(1.0, width - 2 * pad_x) != width_used:
                    break
                boxes.append((x, top, width))
                top += pitch
            else:
                for i, ((x, line_y, _), (_, height)) in enumerate(zip(boxes, before, strict=True)):
                    line = layout.lineAt(i)
                    line.setPosition(QPointF(x + pad_x, line_y + (pitch - height) / 2))
                    para.lines.append(line)
                para.boxes = boxes
                para.texts, para.naturals = known[2], known[3]
                para.placed = [start, frame, para.lines, boxes, None]
                self.cache.placed[id(layout)] = para.placed
                return top
        record = []
        text = para.text
        # ASCII text (most titles and numbers, new on every label) counts the same in Python
        # as in Qt (UTF-16), so what each line says, and whether it took the rest of the text,
        # is read as it is made: no call for a line Qt would refuse, no second pass.
        ascii_texts = [] if text.isascii() else None
        layout.beginLayout()
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            x, width = frame.line_box(y - pad_y, pitch + 2 * pad_y)
            width_used = max(1.0, width - 2 * pad_x)
            line.setLineWidth(width_used)
            height = line.height()
            line.setPosition(QPointF(x + pad_x, y + (pitch - height) / 2))
            record.append((width_used, height))
            para.lines.append(line)
            para.boxes.append((x, y, width))
            y += pitch
            if ascii_texts is not None:
                start = line.textStart()
                end = start + line.textLength()
                ascii_texts.append(text[start:end].strip())
                if end >= len(text):  # Qt makes no line after the one that ends the text
                    break
        layout.endLayout()
        para.texts = ascii_texts if ascii_texts is not None else _line_texts(text, para.lines)
        para.naturals = [line.naturalTextWidth() for line in para.lines] if para.badge else []
        self.cache.breaks[id(layout)] = (layout, record, para.texts, para.naturals)
        para.placed = self.cache.placed[id(layout)] = [start, frame, para.lines, para.boxes, None]
        return y

    def _fits_shifted(self, paras: list[_Para], dy: float) -> bool:
        """Whether every line keeps its width when `paras` move down by `dy`."""
        for para in paras:
            pad_y = _BADGE_PAD_Y * para.size * UNITS_PER_PT if para.badge else 0.0
            for x, y, width in para.boxes:
                if self.frame.line_box(y + dy - pad_y, para.line_height + 2 * pad_y) != (x, width):
                    return False
        return True

    def _shift(self, paras: list[_Para], dy: float) -> None:
        """Move laid-out `paras` down by `dy` without breaking their lines again."""
        for para in paras:
            self.cache.placed.pop(id(para.layout), None)  # the lines leave where _break put them
            para.placed = None
            para.top += dy
            para.bottom += dy
            for line in para.lines:
                position = line.position()
                line.setPosition(QPointF(position.x(), position.y() + dy))
            para.boxes = [(x, y + dy, width) for x, y, width in para.boxes]

    def place_lower(self, lower: list[_Para], earliest: float) -> float:
        """Anchor the disclosure group to the bottom (not above `earliest`); returns its top.

        Line widths depend on where the lines fall next to the QR code, and the group's height
        on the widths. Start where the group most likely ends up (beside a bottom QR code,
        below a top one), then move it without re-breaking when the widths allow, or settle
        the position in a few rounds.
        """
        frame = self.frame
        guess = earliest
        if frame.qr is not None:
            at_bottom = frame.qr.center().y() > frame.top + frame.inner_height / 2
            guess = frame.qr.top() - frame.qr_gap if at_bottom else frame.qr.bottom() + frame.qr_gap
        top = max(earliest, guess)
        height = self.flow(lower, top) - top
        # Highest-reaching position seen at which the group fits: beside the QR code lines
        # are narrower, so moving down can add a line, which moves the group up again, where
        # the lines are wider... In such a cycle, keep the lowest position that fits.
        best = top if top + height <= frame.bottom + 0.5 else None
        for _ in range(4):
            wanted = max(earliest, frame.bottom - height)
            if abs(wanted - top) < 0.5:
                break
            if self._fits_shifted(lower, wanted - top):
                self._shift(lower, wanted - top)
                return wanted
            top = wanted
            height = self.flow(lower, top) - top
            if top + height <= frame.bottom + 0.5 and (best is None or top > best):
                best = top
        if top + height > frame.bottom + 0.5 and best is not None:
            self.flow(lower, best)
            return best
        return top

    def attempt(self, scale: float) -> tuple[list[_Para], list[_Para], bool, float]:
        """Lay out every block at `scale`.

        Returns the (object, disclosure) groups, whether they fit, and the height they need.
        """
        upper, lower = self.paras(scale)
        frame = self.frame
        upper_bottom = self.flow(upper, frame.top)
        if not lower:
            needed = upper_bottom - frame.top
            return upper, lower, upper_bottom <= frame.bottom + 0.5, needed
        gap = self.group_gap(lower) if upper else 0.0
        if self.template.disclosure_position == "follow":
            # The disclosure follows the object's fields after one blank line: however few
            # fields an item has, there is no hole in the middle of the label.
            lower_top = upper_bottom + gap
            self.flow(lower, lower_top)
        else:
            lower_top = self.place_lower(lower, upper_bottom + gap)
        fits = lower[-1].bottom <= frame.bottom + 0.5 and upper_bottom + gap <= lower_top + 0.5
        needed = (upper_bottom - frame.top) + gap + (lower[-1].bottom - lower_top)
        return upper, lower, fits, needed

    def fit(self) -> tuple[list[_Para], list[_Para], bool, float]:
        """Lay out at the largest common scale that fits, down to the minimum type size.

        Returns the groups, whether they fit and the scale. Each round shrinks by the ratio of
        the room to the height needed (at least 1.5 %), so a near miss costs one more round.
        """
        upper, lower, fits, needed = self.attempt(1.0)
        if fits:  # most labels: nothing to shrink
            return upper, lower, fits, 1.0
        scale, floor = 1.0, self.floor_scale()
        for _ in range(_FIT_ROUNDS):
            if fits or scale <= floor:
                break
            ratio = self.frame.inner_height / max(needed, 1.0)
            scale = max(floor, scale * min(0.985, ratio))
            upper, lower, fits, needed = self.attempt(scale)
        if not fits and scale > floor:
            scale = floor
            upper, lower, fits, needed = self.attempt(scale)
        return upper, lower, fits, scale

    def centre_vertically(self, upper: list[_Para], lower: list[_Para]) -> None:
        paras = upper + lower
        if not paras:
            return
        height = paras[-1].bottom - paras[0].top
        self.flow(paras, self.frame.top + max(0.0, (self.frame.inner_height - height) / 2))

    def hide_overflow(self, upper: list[_Para], lower: list[_Para]) -> None:
        """Mark the lines that do not fit: the disclosure group wins over the object fields."""
        frame = self.frame
        if lower:
            top = max(frame.top, frame.bottom - (lower[-1].bottom - lower[0].top))
            self.flow(lower, top)
            limit = lower[0].top - (self.group_gap(lower) if upper else 0.0)
        else:
            limit = frame.bottom
        for para in upper:
            para.visible = [y + para.line_height <= limit + 0.5 for _, y, _ in para.boxes]
        for para in lower:
            para.visible = [y + para.line_height <= frame.bottom + 0.5 for _, y, _ in para.boxes]


def _frame(
    content: LabelContent,
    template: Template,
    rect: QRectF,
    geometry: tuple[float, float, float, float],
    cache: ShapeCache,
) -> _Frame:
    """The frame of a label in `rect`, whose (x, y, width, height) are `geometry`."""
    rtl = label_is_rtl(content, template)
    with_qr = "qr" in template.blocks and content.field("qr_text") is not None
    # The labels of a batch mostly share one frame (same template, slot, direction and code).
    key = (id(template), *geometry, rtl, with_qr)
    known = cache.frames.get(key)
    if known is not None and known[0] is template:
        return known[1]
    frame = _new_frame(template, rect, rtl, with_qr)
    cache.frames[key] = (template, frame)
    return frame


def _new_frame(template: Template, rect: QRectF, rtl: bool, with_qr: bool) -> _Frame:
    unit = UNITS_PER_PT
    width, height = rect.width() * unit, rect.height() * unit
    pad = template.padding_mm * PT_PER_MM * unit
    inner_w, inner_h = max(1.0, width - 2 * pad), max(1.0, height - 2 * pad)
    qr = None
    gap = 0.0
    if with_qr:
        size = min(template.qr_size_mm * PT_PER_MM * unit, inner_h, inner_w * 0.5)
        x = pad if rtl else pad + inner_w - size
        y = pad if template.qr_position == "top" else pad + inner_h - size
        qr = QRectF(x, y, size, size)
        # Room between text and the code: the quiet zone is white, but text needs air too.
        gap = max(4.0 * PT_PER_MM * unit, 0.12 * size)
    return _Frame(
        width, height, pad, pad, inner_w, inner_h, rtl, template.align == "centre", qr, gap
    )


def _line_texts(text: str, lines: list[QTextLine]) -> list[str]:
    """What each line says, without the bidi controls that isolate joined fields."""
    texts = []
    for line in lines:
        start = line.textStart()
        piece = text[start : start + line.textLength()]
        texts.append(piece.translate(_NO_BIDI_CONTROLS).strip())
    return texts


def _text_box(
    para: _Para, shown: int, to_pt: Callable[..., tuple[float, float, float, float]]
) -> tuple[float, float, float, float]:
    """The painted area of a text block's first `shown` lines, in points (see `to_pt`)."""
    boxes = para.boxes
    if len(boxes) == 1:  # most paragraphs are one line
        x0, y0, width = boxes[0]
        x1 = x0 + width
    else:
        x0 = min(b[0] for b in boxes)
        x1 = max(b[0] + b[2] for b in boxes)
        y0 = boxes[0][1]
    y1 = boxes[shown - 1][1] + para.line_height
    return to_pt(x0, y0, x1 - x0, y1 - y0)


def _pill(
    para: _Para,
    shown: list[QTextLine],
    frame: _Frame,
    to_pt: Callable[..., tuple[float, float, float, float]],
) -> tuple[tuple[float, float, float, float], QRectF, float]:
    """A badge's pill round its `shown` lines: (its box in points, its rectangle, radius)."""
    unit = UNITS_PER_PT
    pad_x = _BADGE_PAD_X * para.size * unit
    pad_y = _BADGE_PAD_Y * para.size * unit
    visible = para.visible or [True] * len(para.lines)
    natural = max(n for n, ok in zip(para.naturals, visible, strict=True) if ok)
    natural += 2 * pad_x
    first = para.boxes[0]
    last = para.boxes[len(shown) - 1]
    top = first[1] - pad_y
    height = last[1] + para.line_height - first[1] + 2 * pad_y
    if frame.centre:
        x = first[0] + (first[2] - natural) / 2
    elif frame.rtl:
        x = first[0] + first[2] - natural
    else:
        x = first[0]
    pill = QRectF(x, top, min(natural, first[2]), height)
    radius = min(pill.height() / 2, 0.35 * para.size * unit)
    return to_pt(pill.x(), pill.y(), pill.width(), pill.height()), pill, radius


def _single_line(text: str, font: QFont, device: QImage) -> QTextLayout:
    layout = QTextLayout(text, font, device)
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(1e7)
    line.setPosition(QPointF(0, 0))
    layout.endLayout()
    return layout


def _paint_draft(painter: QPainter, frame: _Frame, builder: _Builder, colour: str) -> None:
    # A large translucent diagonal mark over everything (so a badge or QR code cannot hide
    # it): unmistakable, yet the text under it stays readable.
    size_pt = max(8.0, min(frame.width, frame.height) / UNITS_PER_PT * 0.3)
    font = label_font(builder.families, size_pt, bold=True)
    font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 110)
    mark = _single_line(DRAFT_MARK, font, builder.device)
    line = mark.lineAt(0)
    painter.save()
    painter.translate(frame.width / 2, frame.height / 2)
    painter.rotate(-18 if not frame.rtl else 18)
    painter.setOpacity(0.2)
    painter.setPen(QColor(colour))
    mark.draw(painter, QPointF(-line.naturalTextWidth() / 2, -line.height() / 2))
    painter.restore()
    # And a solid tag in the top start corner, legible whatever lies under the big mark.
    _corner_tag(painter, frame, builder, DRAFT_MARK, colour, end=False)


def _corner_tag(
    painter: QPainter, frame: _Frame, builder: _Builder, text: str, colour: str, *, end: bool
) -> None:
    """A small white-on-colour tag in a top corner, inside the label's padding."""
    unit = UNITS_PER_PT
    size_pt = max(5.0, min(12.0, frame.top / unit * 0.45))
    tag = _single_line(text, label_font(builder.families, size_pt, bold=True), builder.device)
    line = tag.lineAt(0)
    pad = 0.3 * size_pt * unit
    width, height = line.naturalTextWidth() + 2 * pad, line.height()
    at_right = end != frame.rtl
    x = frame.left + frame.inner_width - width if at_right else frame.left
    y = max(unit, (frame.top - height) / 2)
    painter.fillRect(QRectF(x, y, width, height), QColor(colour))
    painter.setPen(QColor("#ffffff"))
    tag.draw(painter, QPointF(x + pad, y))


def _paint_overflow(painter: QPainter, frame: _Frame, builder: _Builder) -> None:
    colour = QColor(_OVERFLOW_COLOUR)
    unit = UNITS_PER_PT
    pen = QPen(colour, 2 * unit)
    pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(QRectF(unit, unit, frame.width - 2 * unit, frame.height - 2 * unit))
    _corner_tag(painter, frame, builder, OVERFLOW_MARK, _OVERFLOW_COLOUR, end=True)


def paint_label(
    painter: QPainter,
    rect: QRectF,
    content: LabelContent,
    template: Template,
    *,
    cache: ShapeCache | None = None,
) -> LabelLayout:
    """Paint one label into `rect` (points, in the painter's logical units) and say how.

    The caller scales the painter so that one logical unit is one point (see the module notes);
    the same call serves the preview, PDF, PNG and printing. Needs a QGuiApplication (see
    `ensure_gui`). The painter's state is restored afterwards. A `ShapeCache` shared by the
    labels of a batch (same thread) saves shaping repeated text again.
    """
    cache = cache or ShapeCache()
    if not cache.fonts_registered:  # once per batch: asking Qt costs time on every label
        register_fonts()
        cache.fonts_registered = True
    geometry = rect.getRect()  # (x, y, width, height) in one call
    frame = _frame(content, template, rect, geometry, cache)
    builder = _Builder(content, template, frame, cache)

    upper, lower, fits, scale = builder.fit()
    overflow = not fits
    if overflow:
        builder.hide_overflow(upper, lower)
    elif frame.centre:
        builder.centre_vertically(upper, lower)

    colours = template.colours
    colour = cache.colour
    unit = UNITS_PER_PT
    painter.save()
    rect_x, rect_y = geometry[0], geometry[1]
    painter.translate(rect_x, rect_y)
    painter.scale(1 / unit, 1 / unit)
    painter.setRenderHints(_SMOOTH, True)
    painter.fillRect(frame.area, colour(colours["background"]))

    sizes: dict[str, float] = {}
    lines: dict[str, list[str]] = {}
    hidden: dict[str, list[str]] = {}
    boxes: dict[str, tuple[float, float, float, float]] = {}

    def to_pt(x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
        return (
            round(rect_x + x / unit, 3),
            round(rect_y + y / unit, 3),
            round(w / unit, 3),
            round(h / unit, 3),
        )

    text_pen = cache.pen(colours["text"])
    origin = _ORIGIN
    pen_is_text = False  # setting the same pen again costs a call for nothing
    for para in upper + lower:
        lines[para.entry] = list(para.texts)
        visible = para.visible
        every = visible is None or all(visible)
        if every:
            shown = para.lines
        else:
            shown = [line for line, ok in zip(para.lines, visible, strict=True) if ok]
            hidden[para.entry] = [t for t, ok in zip(para.texts, visible, strict=True) if not ok]
        if not shown:
            continue
        sizes[para.entry] = para.size
        # Where these lines were put before, the same box (and pill) was worked out before.
        placed = para.placed if every else None
        painted = placed[4] if placed is not None else None
        if para.badge:
            if painted is None:
                painted = _pill(para, shown, frame, to_pt)
                if placed is not None:
                    placed[4] = painted
            box, pill, radius = painted
            painter.setPen(cache.no_pen)
            painter.setBrush(cache.brush(colours["badge_background"]))
            painter.drawRoundedRect(pill, radius, radius)
            painter.setPen(cache.pen(colours["badge_text"]))
            pen_is_text = False
        else:
            if not pen_is_text:
                painter.setPen(text_pen)
                pen_is_text = True
            if painted is None:
                painted = _text_box(para, len(shown), to_pt)
                if placed is not None:
                    placed[4] = painted
            box = painted
        boxes[para.entry] = box
        if every:
            para.layout.draw(painter, origin)
        else:
            for line in shown:
                line.draw(painter, origin)

    qr_modules = 0
    if frame.qr is not None and content.qr_text:
        matrix = qr_matrix(content.qr_text)
        qr_modules = len(matrix)
        module = frame.qr.width() / qr_modules
        quiet = frame.qr.adjusted(
            -QUIET_ZONE * module, -QUIET_ZONE * module, QUIET_ZONE * module, QUIET_ZONE * module
        ).intersected(frame.area)
        painter.fillRect(quiet, QColor("#ffffff"))
        painter.setPen(_NO_PEN)
        painter.setBrush(QColor("#000000"))
        painter.drawPath(qr_path(matrix, frame.qr))
        boxes["qr"] = to_pt(frame.qr.x(), frame.qr.y(), frame.qr.width(), frame.qr.height())

    if content.draft:
        _paint_draft(painter, frame, builder, colours["draft"])
    if overflow:
        _paint_overflow(painter, frame, builder)
    painter.restore()

    return LabelLayout(
        overflow=overflow,
        smallest_pt=min(sizes.values(), default=0.0),
        sizes_used=sizes,
        lines=lines,
        hidden_lines=hidden,
        boxes=boxes,
        scale=round(scale, 4),
        direction="rtl" if frame.rtl else "ltr",
        qr_modules=qr_modules,
        draft=content.draft,
    )
