"""Templates: the shipped set, their geometry, and clear errors for bad ones."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources

import pytest

from labels import BLOCKS, get_template, load_templates, parse_template
from labels.fonts import FONT_FILES
from labels.templates import PT_PER_MM

BUNDLED_FAMILIES = {family for _, family in FONT_FILES}
REQUIRED = {"wall", "case", "a6", "a5", "avery-5163", "avery-l7163", "sticker"}


def test_the_issue_templates_are_all_shipped():
    templates = load_templates()
    assert templates.keys() >= REQUIRED
    for template in templates.values():
        assert template.description
        assert template.font_family in BUNDLED_FAMILIES
        assert set(template.fallback_families) <= BUNDLED_FAMILIES
        assert template.blocks
    # Visitors read dates on wall and case labels: a face with plain zeros ("2024", not "2Ø24").
    assert get_template("wall").font_family == get_template("case").font_family == "Source Sans 3"
    assert "title" in get_template("wall").italic


def test_unknown_template_names_the_available_ones():
    with pytest.raises(ValueError) as error:
        get_template("poster")
    message = str(error.value)
    assert "poster" in message
    assert "wall" in message and "avery-5163" in message


def test_wall_and_case_body_type_sizes():
    wall, case = get_template("wall"), get_template("case")
    assert (wall.page_width_mm, wall.page_height_mm) == (228.6, 152.4)  # 9 x 6 in landscape
    assert wall.min_size_pt >= 24 and min(wall.sizes.values()) >= 24
    assert (case.page_width_mm, case.page_height_mm) == (152.4, 101.6)  # 6 x 4 in
    assert case.min_size_pt >= 18 and min(case.sizes.values()) >= 18


def test_avery_5163_is_ten_4_by_2_inch_labels_on_letter():
    t = get_template("avery-5163")
    assert t.page_size_pt == pytest.approx((612, 792))
    assert (t.columns, t.rows, t.labels_per_sheet) == (2, 5, 10)
    assert (t.label_width_mm, t.label_height_mm) == (101.6, 50.8)
    # Avery's published layout: 1/2 in top margin, 5/32 in side margins, 3/16 in gutter.
    assert t.margin_top_mm == pytest.approx(12.7)
    assert t.margin_left_mm == pytest.approx(25.4 * 5 / 32)
    assert t.pitch_x_mm - t.label_width_mm == pytest.approx(25.4 * 3 / 16)


def test_avery_l7163_is_fourteen_99_by_38_mm_labels_on_a4():
    t = get_template("avery-l7163")
    assert (t.page_width_mm, t.page_height_mm) == (210, 297)
    assert (t.columns, t.rows, t.labels_per_sheet) == (2, 7, 14)
    assert (t.label_width_mm, t.label_height_mm) == (99.1, 38.1)
    assert (t.margin_left_mm, t.margin_top_mm) == (4.65, 15.15)
    assert (t.pitch_x_mm, t.pitch_y_mm) == (101.6, 38.1)


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_labels_sit_symmetrically_on_the_page(name):
    t = get_template(name)
    x, y, width, height = t.label_rect_pt(t.labels_per_sheet - 1)
    page_w, page_h = t.page_size_pt
    assert page_w - (x + width) == pytest.approx(t.margin_left_mm * PT_PER_MM, abs=0.01)
    assert page_h - (y + height) == pytest.approx(t.margin_top_mm * PT_PER_MM, abs=0.01)


def test_sticker_shows_the_badge_only():
    assert get_template("sticker").blocks == ("badge",)
    assert get_template("sticker").page_size_pt == pytest.approx((144, 72))


def test_every_template_declares_what_the_issue_asks():
    for template in load_templates().values():
        assert set(template.colours) >= {"text", "background", "badge_text", "badge_background"}
        assert template.min_size_pt > 0 and template.padding_mm > 0
        for entry in template.blocks:
            assert all(part in BLOCKS for part in entry.split("+"))


def _wall_json() -> dict:
    path = resources.files("resources") / "label_templates" / "wall.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"blocks": ["title", "poem"]}, "unknown block(s) poem"),
        ({"colours": {"text": "black"}}, "colour text"),
        ({"page_width_mm": 100, "label_width_mm": 228.6}, "do not fit on the page"),
        ({"surprise": 1}, "unknown field(s) surprise"),
        ({"sizes": {"title": 30}}, "no type size for block(s)"),
        ({"direction": "up"}, "direction"),
        ({"italic": ["title", "poem"]}, "bold and italic name unknown block(s) poem"),
        ({"disclosure_position": "top"}, "disclosure_position must be one of follow, bottom"),
    ],
)
def test_bad_templates_are_refused_with_a_clear_message(change, expected):
    data = _wall_json() | change
    with pytest.raises(ValueError, match=r"my-template\.json") as error:
        parse_template(data, "my-template.json")
    assert expected in str(error.value)


def test_a_missing_field_is_named():
    data = _wall_json()
    del data["min_size_pt"]
    with pytest.raises(ValueError, match=r"missing field.*min_size_pt"):
        parse_template(data, "x.json")


def test_templates_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_template("wall").name = "other"  # type: ignore[misc]


def test_blocks_bold_italic_and_disclosure_position_are_the_templates_choice(gui, tmp_path):
    from labels import LabelContent, render_png

    data = _wall_json()
    plain = parse_template(data | {"italic": []}, "wall.json")
    assert plain.italic == () and get_template("wall").italic == ("title",)
    anchored = parse_template(data | {"disclosure_position": "bottom"}, "wall.json")
    content = LabelContent(title="Harbour", accession="1", badge="AI-restored")
    [follow] = render_png([content], get_template("wall"), tmp_path / "f.png", dpi=72)
    [bottom] = render_png([content], anchored, tmp_path / "b.png", dpi=72)
    # Anchored, the badge sits at the foot of the label; following, just below the fields.
    _, _, _, height = anchored.label_rect_pt(0)
    badge_bottom = bottom.layout.boxes["badge"][1] + bottom.layout.boxes["badge"][3]
    assert badge_bottom > height - anchored.padding_mm * 72 / 25.4 - 30
    assert follow.layout.boxes["badge"][1] < bottom.layout.boxes["badge"][1] - 100
