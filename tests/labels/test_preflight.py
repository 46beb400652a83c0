"""Preflight rules: each with one failing and one passing label."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from labels import LabelContent, Template, contrast_ratio, count_words, get_template, paint_label
from labels import preflight as run_preflight
from tests.labels.conftest import sample


def check(content: LabelContent, template: Template) -> set[str]:
    """Paint the label off screen and return the ids of the rules it fails."""
    _, _, width, height = template.label_rect_pt(0)
    image = QImage(round(width), round(height), QImage.Format.Format_RGB32)
    painter = QPainter(image)
    layout = paint_label(painter, QRectF(0, 0, width, height), content, template)
    painter.end()
    findings = run_preflight(content, layout, template)
    for finding in findings:
        assert finding.message and finding.message[0].isupper()
    return {finding.rule for finding in findings}


def test_a_typical_label_passes_every_rule(gui):
    for name in ("wall", "case", "a5", "a6", "avery-5163", "avery-l7163", "sticker"):
        assert check(sample(), get_template(name)) == set(), name


def test_type_below_the_minimum(gui):
    template = get_template("case")
    small = dataclasses.replace(template, sizes=template.sizes | {"credit_line": 12.0})
    assert "min-type-size" in check(sample(), small)
    assert "min-type-size" not in check(sample(), template)


def test_contrast_below_7_to_1(gui):
    template = get_template("wall")
    grey = dataclasses.replace(template, colours=template.colours | {"text": "#767676"})
    assert "contrast" in check(sample(), grey)  # 4.5:1, enough for AA but not AAA
    pale_badge = dataclasses.replace(
        template, colours=template.colours | {"badge_background": "#5b8bd0"}
    )
    assert "contrast" in check(sample(), pale_badge)
    assert "contrast" not in check(sample(), template)


def test_contrast_formula():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#ffffff", "#1f3a5f") >= 7


def test_average_line_over_55_characters(gui):
    template = get_template("a5")
    # The same sentence in small type on a wide card: long lines.
    wide = dataclasses.replace(
        template, sizes=template.sizes | {"sentence": 10.0}, min_size_pt=10.0
    )
    long_sentence = sample(sentence="Restored. " + "The sky and sea were repainted. " * 6)
    assert "line-length" in check(long_sentence, wide)
    assert "line-length" not in check(long_sentence, template)


def test_sentence_over_25_words(gui):
    template = get_template("wall")
    long = " ".join(["word"] * 26) + "."
    short = " ".join(["word"] * 25) + ". Another short one."
    assert "sentence-length" in check(sample(sentence=long), template)
    assert "sentence-length" not in check(sample(sentence=short), template)


def test_label_over_100_words(gui):
    template = get_template("a5")
    compact = dataclasses.replace(
        template, sizes=dict.fromkeys(template.sizes, 9.0), min_size_pt=9.0
    )
    chatty = sample(credit_line=" ".join(["Gift of many friends."] * 20))
    assert count_words(chatty.credit_line or "") == 80
    assert "word-count" in check(chatty, compact)
    assert "word-count" not in check(sample(), compact)


def test_overflow(gui):
    template = get_template("avery-l7163")
    assert "overflow" in check(sample(title="A long title that goes on " * 30), template)
    assert "overflow" not in check(sample(), template)


def test_words_in_languages_without_spaces():
    assert count_words("富士山の風景") == 3
    assert count_words("Mount Fuji 富士山") == 4
