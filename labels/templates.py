"""Label templates: page or sheet geometry, type, colours and which blocks a label shows.

Templates are JSON files in `resources/label_templates/`, read with importlib.resources so they
work from a source tree, a wheel and the desktop bundle. Every length is in millimetres, every
type size in points (1/72 inch). A single label (wall, case, A6, A5, sticker) is a one-label
"sheet" whose page is the label itself.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

#: Every block a template may show, in the default reading order.
BLOCKS: tuple[str, ...] = (
    "title",
    "maker",
    "date",
    "medium",
    "dimensions",
    "credit_line",
    "accession",
    "description",
    "badge",
    "sentence",
    "qr",
)
#: Blocks that hold text set in type (all but the QR code).
TEXT_BLOCKS: tuple[str, ...] = tuple(b for b in BLOCKS if b != "qr")
#: Colours a template declares (missing ones take these defaults).
DEFAULT_COLOURS: tuple[tuple[str, str], ...] = (
    ("text", "#1a1a1a"),
    ("background", "#ffffff"),
    ("rule", "#1f3a5f"),
    ("badge_text", "#ffffff"),
    ("badge_background", "#1f3a5f"),
    ("draft", "#b3261e"),
)
DIRECTIONS: tuple[str, ...] = ("auto", "ltr", "rtl")
ALIGNS: tuple[str, ...] = ("start", "centre")
DISCLOSURE_POSITIONS: tuple[str, ...] = ("follow", "bottom")
MM_PER_INCH = 25.4
PT_PER_MM = 72.0 / MM_PER_INCH
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Sheets are measured to 0.01 mm; anything within this of the page edge still fits.
_TOLERANCE_MM = 0.05


@dataclass(frozen=True)
class Template:
    """A label template (see `resources/label_templates/*.json` for the fields in use).

    `blocks` lists what the label shows, in reading order, from `BLOCKS`; short text blocks may
    share one line joined with a comma ("maker+date"). `sizes` gives the type size of each text
    block entry. `qr_position` puts the QR code in the "top" or "bottom" corner on the end side
    (right for left-to-right labels).

    Geometry is in millimetres: the page, then `columns` x `rows` labels of
    `label_width_mm` x `label_height_mm`, the first one at (`margin_left_mm`, `margin_top_mm`)
    from the page's top-left corner and the others `pitch_x_mm` / `pitch_y_mm` apart.
    `padding_mm` is kept clear inside each label. Type sizes (`sizes`, per block, and
    `min_size_pt`) are in points. `direction` is "auto" (from the content's language), "ltr" or
    "rtl"; `align` is "start" (top, start edge) or "centre".

    `italic` lists the blocks set in italic (by default the title, as museums set titles of
    works). `disclosure_position` is "follow" (the badge and sentence follow the object's
    fields after one blank line, so a missing field never leaves a gap) or "bottom" (anchored
    to the bottom of the label, for sheets that line labels up). Blocks with nothing to say
    are left out and the blocks below move up.
    """

    name: str
    description: str
    page_width_mm: float
    page_height_mm: float
    columns: int
    rows: int
    label_width_mm: float
    label_height_mm: float
    margin_left_mm: float
    margin_top_mm: float
    pitch_x_mm: float
    pitch_y_mm: float
    padding_mm: float
    font_family: str
    fallback_families: tuple[str, ...]
    sizes: dict[str, float]
    bold: tuple[str, ...]
    min_size_pt: float
    line_spacing: float
    colours: dict[str, str]
    blocks: tuple[str, ...]
    qr_size_mm: float
    qr_position: str = "bottom"
    direction: str = "auto"
    align: str = "start"
    italic: tuple[str, ...] = ("title",)
    disclosure_position: str = "follow"

    @property
    def labels_per_sheet(self) -> int:
        """How many labels one page holds."""
        return self.columns * self.rows

    @property
    def page_size_pt(self) -> tuple[float, float]:
        """Page width and height in points."""
        return self.page_width_mm * PT_PER_MM, self.page_height_mm * PT_PER_MM

    def label_origin_mm(self, slot: int) -> tuple[float, float]:
        """Top-left corner (mm from the page's top-left) of label `slot` (0-based, row by row)."""
        if not 0 <= slot < self.labels_per_sheet:
            raise ValueError(f"slot {slot} is outside this {self.labels_per_sheet}-label sheet")
        row, column = divmod(slot, self.columns)
        return (
            self.margin_left_mm + column * self.pitch_x_mm,
            self.margin_top_mm + row * self.pitch_y_mm,
        )

    def label_rect_pt(self, slot: int) -> tuple[float, float, float, float]:
        """Label `slot` as (x, y, width, height) in points from the page's top-left corner."""
        x, y = self.label_origin_mm(slot)
        return (
            x * PT_PER_MM,
            y * PT_PER_MM,
            self.label_width_mm * PT_PER_MM,
            self.label_height_mm * PT_PER_MM,
        )


def parse_template(data: dict[str, Any], source: str = "template") -> Template:
    """Validate one template's JSON object and build it; ValueError names `source` and field."""
    names = {f.name for f in fields(Template)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"{source}: unknown field(s) {', '.join(unknown)}")
    values = dict(data)
    try:
        values.setdefault("columns", 1)
        values.setdefault("rows", 1)
        values.setdefault("label_width_mm", values["page_width_mm"])
        values.setdefault("label_height_mm", values["page_height_mm"])
        values.setdefault("margin_left_mm", 0.0)
        values.setdefault("margin_top_mm", 0.0)
        values.setdefault("pitch_x_mm", values["label_width_mm"])
        values.setdefault("pitch_y_mm", values["label_height_mm"])
    except KeyError as missing:
        raise ValueError(f"{source}: missing field {missing.args[0]}") from None
    values.setdefault("fallback_families", ())
    values.setdefault("bold", ("title", "badge"))
    values.setdefault("line_spacing", 1.25)
    values.setdefault("qr_size_mm", 0.0)
    values.setdefault("description", "")
    colours = dict(DEFAULT_COLOURS)
    colours.update(values.get("colours") or {})
    values["colours"] = colours
    try:
        values["sizes"] = {k: float(v) for k, v in dict(values.get("sizes") or {}).items()}
    except (TypeError, ValueError):
        raise ValueError(f"{source}: sizes must be numbers of points") from None
    for key in ("fallback_families", "bold", "blocks", "italic"):
        if key in values:
            values[key] = tuple(values[key])
    optional = {"direction", "align", "qr_position", "italic", "disclosure_position"}
    missing = sorted(names - set(values) - optional)
    if missing:
        raise ValueError(f"{source}: missing field(s) {', '.join(missing)}")
    template = Template(**values)
    _check(template, source)
    return template


@functools.lru_cache(maxsize=256)  # a handful of entries, asked for on every label
def block_parts(entry: str) -> tuple[str, ...]:
    """The content fields a template block entry shows: "maker+date" -> ("maker", "date")."""
    return tuple(entry.split("+"))


def _valid_entry(entry: str) -> bool:
    parts = block_parts(entry)
    if len(parts) == 1:
        return parts[0] in BLOCKS
    joinable = set(TEXT_BLOCKS) - {"badge", "sentence"}
    return len(set(parts)) == len(parts) and all(p in joinable for p in parts)


def _check(t: Template, source: str) -> None:
    bad_blocks = [b for b in t.blocks if not _valid_entry(b)]
    if bad_blocks:
        raise ValueError(
            f"{source}: unknown block(s) {', '.join(bad_blocks)}; use {', '.join(BLOCKS)} "
            "(text blocks may be joined on one line, e.g. maker+date)"
        )
    unsized = [b for b in t.blocks if b != "qr" and b not in t.sizes]
    if unsized:
        raise ValueError(f"{source}: no type size for block(s) {', '.join(unsized)}")
    if "qr" in t.blocks and t.qr_size_mm <= 0:
        raise ValueError(f"{source}: shows a QR code but qr_size_mm is not set")
    for key, value in t.colours.items():
        if not _COLOUR.match(value):
            raise ValueError(f"{source}: colour {key} must look like #1a2b3c, not {value!r}")
    if t.direction not in DIRECTIONS:
        raise ValueError(f"{source}: direction must be one of {', '.join(DIRECTIONS)}")
    if t.qr_position not in ("top", "bottom"):
        raise ValueError(f"{source}: qr_position must be top or bottom")
    if t.disclosure_position not in DISCLOSURE_POSITIONS:
        raise ValueError(
            f"{source}: disclosure_position must be one of {', '.join(DISCLOSURE_POSITIONS)}"
        )
    odd = [b for b in (*t.bold, *t.italic) if not _valid_entry(b)]
    if odd:
        raise ValueError(f"{source}: bold and italic name unknown block(s) {', '.join(odd)}")
    if t.align not in ALIGNS:
        raise ValueError(f"{source}: align must be one of {', '.join(ALIGNS)}")
    if t.columns < 1 or t.rows < 1 or t.min_size_pt <= 0 or t.line_spacing < 1:
        raise ValueError(f"{source}: columns, rows, min_size_pt and line_spacing must be positive")
    right = t.margin_left_mm + (t.columns - 1) * t.pitch_x_mm + t.label_width_mm
    bottom = t.margin_top_mm + (t.rows - 1) * t.pitch_y_mm + t.label_height_mm
    if right > t.page_width_mm + _TOLERANCE_MM or bottom > t.page_height_mm + _TOLERANCE_MM:
        raise ValueError(
            f"{source}: the labels ({right:.2f} x {bottom:.2f} mm) do not fit on the page "
            f"({t.page_width_mm} x {t.page_height_mm} mm)"
        )
    if 2 * t.padding_mm >= min(t.label_width_mm, t.label_height_mm):
        raise ValueError(f"{source}: padding_mm leaves no room inside the label")


def load_templates() -> dict[str, Template]:
    """All templates shipped in `resources/label_templates/`, by name, in name order.

    Raises ValueError naming the file when a template is malformed.
    """
    folder = resources.files("resources") / "label_templates"
    found: dict[str, Template] = {}
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".json"):
            continue
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{entry.name}: not valid JSON ({error})") from None
        template = parse_template(data, entry.name)
        if template.name != entry.name[: -len(".json")]:
            raise ValueError(f"{entry.name}: its name field says {template.name!r}")
        found[template.name] = template
    return found


def get_template(name: str) -> Template:
    """The template called `name`; ValueError naming the available ones when there is none."""
    templates = load_templates()
    try:
        return templates[name]
    except KeyError:
        raise ValueError(
            f"no label template called {name!r}; available: {', '.join(templates)}"
        ) from None


# Sheets and their files: plain arithmetic, no Qt (the command line plans with these).
def page_count(labels: int, template: Template) -> int:
    """How many pages `labels` labels take on `template`'s sheets."""
    return max(1, -(-labels // template.labels_per_sheet))


def png_page_path(path: Path, page: int) -> Path:
    """Where `render_png` writes page `page` (1-based): `path` itself, then name-2.png, ..."""
    path = Path(path)
    if page == 1:
        return path
    return path.with_name(f"{path.stem}-{page}{path.suffix or '.png'}")
