"""Shared helpers for label tests: poppler read-backs, sample contents, a Qt application."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from labels import LabelContent

ROOT_DIR = Path(__file__).resolve().parents[2]

POPPLER_TOOLS = ("pdftotext", "pdffonts", "pdfinfo", "pdftoppm", "pdfimages")
needs_poppler = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in POPPLER_TOOLS),
    reason="poppler-utils (pdftotext, pdffonts, pdfinfo, pdftoppm, pdfimages) is not installed",
)
_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)

SENTENCE = (
    "Damaged areas were reconstructed with Photoshop Generative Fill (Adobe); approved by "
    "Jane Doe, March 2025."
)


def sample(**changes: object) -> LabelContent:
    """A typical label; keyword arguments replace fields."""
    values: dict[str, object] = {
        "title": "Harbour at Dusk, Saint-Malo",
        "maker": "Émile Laurent (French, 1851–1919)",
        "date": "c. 1890",
        "medium": "Albumen silver print from a glass negative",
        "credit_line": "Gift of the Friends of the Museum, 1952",
        "accession": "1952.14.3",
        "badge": "AI-restored",
        "sentence": SENTENCE,
        "qr_text": "https://collection.example.org/objects/1952.14.3",
    }
    values.update(changes)
    return LabelContent(**values)  # type: ignore[arg-type]


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def pdf_text(path: Path, page: int | None = None) -> str:
    """The text poppler extracts (one page, or all), with whitespace runs made single spaces."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return " ".join(_run("pdftotext", *pages, str(path), "-").split())


def plain(text: str) -> str:
    """Text as a reader means it: compatibility forms folded (Arabic presentation forms back to
    letters) and the bidi control characters poppler adds removed."""
    return unicodedata.normalize("NFKC", text).translate(_BIDI_CONTROLS)


def pdf_info(path: Path) -> dict[str, str]:
    info = {}
    for line in _run("pdfinfo", str(path)).splitlines():
        key, _, value = line.partition(":")
        info[key.strip()] = value.strip()
    return info


def page_size(path: Path) -> tuple[float, float]:
    match = re.match(r"([\d.]+) x ([\d.]+) pts", pdf_info(path)["Page size"])
    assert match, pdf_info(path)["Page size"]
    return float(match.group(1)), float(match.group(2))


def pdf_fonts(path: Path) -> list[dict[str, str]]:
    """pdffonts rows as dicts (name, type, encoding, emb, sub, uni), split on its column rule."""
    lines = _run("pdffonts", str(path)).splitlines()
    rule = lines[1]
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", rule)]
    keys = ("name", "type", "encoding", "emb", "sub", "uni", "object", "id")
    return [
        {k: line[a:b].strip() for k, (a, b) in zip(keys, spans, strict=False)} for line in lines[2:]
    ]


def fc_families(language: str) -> set[str]:
    """Installed font families that fontconfig says cover `language` (empty without fc-list)."""
    if not shutil.which("fc-list"):
        return set()
    out = _run("fc-list", f":lang={language}", "family")
    return {name.strip() for line in out.splitlines() for name in line.split(",") if name}


@pytest.fixture
def gui(qapp):
    """A Qt application for painting. pytest-qt's (a QApplication) so that widget tests in the
    same session keep working; the labels code itself only needs QGuiApplication."""
    return qapp
