"""Writing files: atomic replacement, progress, cancel, clear errors, and a GUI-less start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from labels import LabelsCancelled, get_template, render_pdf, render_png, write_pdf
from provenance import CancelToken
from tests.labels.conftest import ROOT_DIR, needs_poppler, pdf_text, sample


def test_progress_is_reported_per_label(gui, tmp_path: Path):
    seen = []
    render_pdf(
        [sample()] * 3,
        get_template("avery-5163"),
        tmp_path / "p.pdf",
        progress=lambda done, total, message: seen.append((done, total)),
    )
    assert seen == [(1, 3), (2, 3), (3, 3)]


@needs_poppler
def test_labels_painted_as_they_come_are_those_of_a_list(gui, tmp_path: Path):
    """A stream (an iterator) of labels, taken a sheet at a time, paints what the same labels
    as a list do: the same layouts, findings and pages; progress counts without a total."""
    contents = [sample(title=f"Study {n}", accession=f"1952.14.{n}") for n in range(23)]
    contents[5] = sample(title="IMG_0005.jpg")  # a finding
    template = get_template("avery-5163")  # 10 a sheet: the stream ends inside a sheet
    listed = write_pdf(contents, template, tmp_path / "listed.pdf")
    seen: list[tuple[int, int, str]] = []
    streamed = write_pdf(
        (content for content in contents),
        template,
        tmp_path / "streamed.pdf",
        progress=lambda done, total, message: seen.append((done, total, message)),
    )
    assert streamed == listed and streamed[-1].page == 3
    assert any(label.findings for label in streamed)
    assert seen == [(n, 0, f"label {n}") for n in range(1, 24)]
    assert pdf_text(tmp_path / "streamed.pdf") == pdf_text(tmp_path / "listed.pdf")
    with pytest.raises(ValueError, match="no labels"):
        write_pdf(iter([]), template, tmp_path / "none.pdf")
    assert not (tmp_path / "none.pdf").exists()


@pytest.mark.parametrize("render", [render_pdf, render_png])
def test_cancel_leaves_the_old_file_and_no_debris(render, gui, tmp_path: Path):
    out = tmp_path / ("labels.pdf" if render is render_pdf else "labels.png")
    out.write_bytes(b"the previous run")
    token = CancelToken()

    def progress(done: int, total: int | None, message: str) -> None:
        if done == 2:
            token.cancel()

    with pytest.raises(LabelsCancelled):
        render([sample()] * 5, get_template("wall"), out, progress=progress, cancel=token)
    assert out.read_bytes() == b"the previous run"
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


@needs_poppler
def test_an_existing_file_is_replaced_whole(gui, tmp_path: Path):
    out = tmp_path / "labels.pdf"
    out.write_bytes(b"old")
    render_pdf([sample(title="Fresh title")], get_template("case"), out)
    assert "Fresh title" in pdf_text(out)
    assert [p.name for p in tmp_path.iterdir()] == ["labels.pdf"]


def test_clear_errors(gui, tmp_path: Path):
    with pytest.raises(ValueError, match="no labels"):
        render_pdf([], get_template("wall"), tmp_path / "x.pdf")
    with pytest.raises(ValueError, match="does not exist"):
        render_pdf([sample()], get_template("wall"), tmp_path / "missing" / "x.pdf")


@needs_poppler
def test_the_command_line_can_render_without_a_display(tmp_path: Path):
    # A fresh interpreter, no display and no Qt platform chosen: ensure_gui must start a
    # QGuiApplication (not a widgets QApplication) on the offscreen platform.
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    script = f"""
from pathlib import Path
from PySide6.QtGui import QGuiApplication
from labels import LabelContent, ensure_gui, get_template, render_pdf
ensure_gui()
app = QGuiApplication.instance()
print(type(app).__name__, app.platformName())
out = Path({str(tmp_path / "cli.pdf")!r})
render_pdf([LabelContent(title="From the shell")], get_template("case"), out)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["QGuiApplication", "offscreen"]
    assert "From the shell" in pdf_text(tmp_path / "cli.pdf")
