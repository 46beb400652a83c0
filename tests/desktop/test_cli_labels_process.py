"""`credence labels` as a whole process paints in a second process, forked before the library
opens (issue 16): the same pages, findings and files as painting in one process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli import main

# The command in a fresh interpreter, then whether it loaded Qt itself and whether a child
# process of it is left (running or not yet collected).
_RUN = """
import json, os, sys
from desktop.cli import main
status = main(sys.argv[1:])
try:
    left = os.waitpid(-1, os.WNOHANG) is not None
except ChildProcessError:
    left = False
print("REPORT " + json.dumps(["PySide6" in sys.modules, left]), file=sys.stderr)
sys.exit(status)
"""


def _process(
    *args: str, env: dict[str, str] | None = None, preload_qt: bool = False, first: str = ""
) -> tuple[int, str, str, bool]:
    """`credence ARGS` in a fresh interpreter: status, stdout, stderr, whether it loaded Qt.
    `env`: more environment; `preload_qt`: Qt loaded first, so labels paint in one process;
    `first`: Python code run before the command."""
    preamble = ("import PySide6\n" if preload_qt else "") + first + "\n"
    done = subprocess.run(
        [sys.executable, "-c", preamble + _RUN, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})},
    )
    report = [line for line in done.stderr.splitlines() if line.startswith("REPORT ")]
    qt, child_left = json.loads(report[-1].removeprefix("REPORT "))
    assert not child_left, "the painter process outlived its command"
    return done.returncode, done.stdout, done.stderr, qt


def _in_process(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> str:
    """Labels that pass, overflow, run right to left, carry a DRAFT, and one refused."""
    from provenance import open_library

    folder = tmp_path_factory.mktemp("labels-process") / "lib"
    with open_library(folder) as lib:
        lib.add_tool("Restorer X", "Acme Imaging")
        rows = [
            ("P1", "Harbour at Dusk", "Émile Laurent", "ai-restored", True),
            ("P2", "Study of a Vase " + "and the Old Bridge " * 30, "Farah Z", "none", True),
            ("P3", "ميناء عند الغسق", "فرح زيد", "ai-restored", True),
            ("P4", "黄昏的港口", "陈伟", "ai-enhanced", False),
            ("P5", "Winter Market", "Unknown maker", None, False),
        ]
        for accession, title, maker, slug, approved in rows:
            lib.create_item({"accession": accession, "title": title, "maker": maker})
            if slug:
                lib.disclose(accession, slug, tools=("Restorer X",) if slug != "none" else ())
            if approved:
                lib.review(accession, "approved", "Jane Doe")
    return str(folder)


@pytest.mark.parametrize("suffix", [".pdf", ".png"])
def test_two_processes_paint_what_one_does(library, tmp_path: Path, capsys, suffix):
    """Same JSON (pages, drafts, findings, refusals) and the same file contents."""
    args = ["labels", "--all", "--template", "avery-5163", "--json", "--allow-unreviewed"]
    forked = tmp_path / f"forked{suffix}"
    status, out, err, qt = _process("--library", library, *args, "--out", str(forked))
    assert status == 0, err
    assert qt is False  # the command itself never loaded Qt: the painter process did
    alone = tmp_path / f"alone{suffix}"
    status_alone, out_alone, _ = _in_process(
        capsys, "--library", library, *args, "--out", str(alone)
    )
    assert status_alone == 0
    assert json.loads(out) == json.loads(out_alone)
    report = json.loads(out)["labels"]
    assert len(report) == 5 and any(label["findings"] for label in report)
    assert any(label["draft"] for label in report)
    if suffix == ".png":
        assert forked.read_bytes() == alone.read_bytes()
    elif shutil.which("pdftotext") and shutil.which("pdftoppm"):
        text = [
            subprocess.run(
                ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True
            ).stdout
            for pdf in (forked, alone)
        ]
        assert text[0] == text[1] and "Harbour at Dusk" in text[0].decode()
        pixels = [
            subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf)], capture_output=True).stdout
            for pdf in (forked, alone)
        ]
        assert pixels[0] == pixels[1]
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_refusals_and_bad_targets_end_in_one_sentence(library, tmp_path: Path):
    """The painter never sees a refused or impossible target; no traceback, no stray file."""
    args = ["--library", library, "labels", "--all", "--template", "wall"]
    status, _, err, _ = _process(*args, "--out", str(tmp_path / "missing" / "l.pdf"))
    assert status == 2 and "does not exist" in err and "Traceback" not in err
    inside = Path(library) / "labels.pdf"
    status, _, err, _ = _process(*args, "--out", str(inside))
    assert status == 1 and "library" in err and "Traceback" not in err
    assert not inside.exists()
    not_a_library = tmp_path / "file"
    not_a_library.write_text("not a library", encoding="utf-8")
    status, _, err, _ = _process("--library", str(not_a_library), *args[2:], "--out", "x.pdf")
    assert status == 1 and "Traceback" not in err
    status, out, err, _ = _process(*args, "--out", str(tmp_path / "l.pdf"))
    assert status == 1 and "P4" in out + err and "wrote 4 labels" in out  # P4 is not approved


def test_a_painter_start_up_failure_is_reported_as_in_one_process(library, tmp_path: Path):
    """A bundled font that cannot be read (here a folder where the file should be, in a copy
    of the resources put first on the path) fails the painter's start-up: the command says
    what failed, in the same sentence as when it paints in one process, not that its painter
    stopped."""
    import resources

    copy = tmp_path / "path" / "resources"
    shutil.copytree(Path(resources.__file__).parent, copy)
    font = copy / "fonts" / "AtkinsonHyperlegible-Regular.ttf"
    font.unlink()
    font.mkdir()
    # PYTHONSAFEPATH: `python -c` would put the current folder (the repository) first.
    path = os.pathsep.join([str(copy.parent), os.environ.get("PYTHONPATH", "")])
    env = {"PYTHONPATH": path, "PYTHONSAFEPATH": "1"}
    args = ["--library", library, "labels", "P1", "--template", "wall"]
    status, _, err, qt = _process(*args, "--out", str(tmp_path / "forked.pdf"), env=env)
    assert qt is False  # painted by the forked child
    sentence = [line for line in err.splitlines() if line.startswith("credence:")]
    assert status == 1 and "Traceback" not in err
    assert "IsADirectoryError" in sentence[0] and "AtkinsonHyperlegible-Regular" in sentence[0]
    # Qt loaded first: no painter process, the same failure in this one.
    status, _, err, qt = _process(
        *args, "--out", str(tmp_path / "alone.pdf"), env=env, preload_qt=True
    )
    assert qt is True and status == 1
    assert [line for line in err.splitlines() if line.startswith("credence:")] == sentence
    assert not list(tmp_path.glob("*.pdf")) and not list(tmp_path.glob(".*"))


# Planned a few items at a time (P4, refused, in the last chunk), as a thousand are.
_SMALL_CHUNKS = "import desktop.cli.commands.labels as command; command._CHUNKS = (1, 2)"


def _pdf_text_and_pixels(pdf: Path) -> tuple[bytes, bytes]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True).stdout
    pixels = subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf)], capture_output=True)
    return text, pixels.stdout


def test_labels_streamed_to_the_painter_in_chunks_are_those_of_one_batch(
    library, tmp_path: Path, capsys, monkeypatch
):
    """Labels planned and sent a chunk at a time, painted as they come (two processes), or
    painted as they are planned (one process): the same report and PDF as one batch."""
    import desktop.cli.commands.labels as command

    args = ["labels", "--all", "--template", "wall", "--json", "--out"]
    streamed = tmp_path / "streamed.pdf"
    status, out, err, qt = _process("--library", library, *args, str(streamed), first=_SMALL_CHUNKS)
    assert status == 1 and qt is False, err  # 1: P4 is refused
    alone = tmp_path / "alone.pdf"
    status_alone, out_alone, _, _ = _process(
        "--library", library, *args, str(alone), first=_SMALL_CHUNKS, preload_qt=True
    )
    monkeypatch.setattr(command, "_CHUNKS", (1000, 1000))
    whole = tmp_path / "whole.pdf"
    status_whole, out_whole, _ = _in_process(capsys, "--library", library, *args, str(whole))
    assert status_alone == status_whole == 1
    report = json.loads(out)
    assert report == json.loads(out_alone) == json.loads(out_whole)
    assert [label["item"][:2] for label in report["labels"]] == ["P1", "P2", "P3", "P5"]
    assert [refused["item"][:2] for refused in report["refused"]] == ["P4"]
    if shutil.which("pdftotext") and shutil.which("pdftoppm"):
        whole_pdf = _pdf_text_and_pixels(whole)
        assert _pdf_text_and_pixels(streamed) == whole_pdf == _pdf_text_and_pixels(alone)
        assert "Harbour at Dusk" in whole_pdf[0].decode()
    assert not list(tmp_path.glob(".*"))


def test_a_failure_half_way_through_the_stream_is_reported_and_leaves_nothing(
    library, tmp_path: Path
):
    """The painter failing after some labels, while more are still being sent, and planning
    failing after some labels were sent: each ends in its own sentence, no file, no
    temporary file, no painter left running (checked by `_process`)."""
    args = ["--library", library, "labels", "--all", "--template", "wall"]
    args += ["--allow-unreviewed", "--out", str(tmp_path / "labels.pdf")]
    painter_fails = _SMALL_CHUNKS.replace("(1, 2)", "(1, 1)") + (
        "\ndef paint(kind, contents, template, files):"
        "\n    next(contents)"
        "\n    raise ValueError('the painter gave up')"
        "\ncommand.paint = paint"
        # Batches after the first are sent once the painter has answered: to a closing pipe.
        "\nimport select"
        "\nsend, batches = command._Painter._send, []"
        "\ndef _send(self, message):"
        "\n    if isinstance(message, list):"
        "\n        batches.append(message)"
        "\n        if len(batches) > 1:"
        "\n            assert select.select([self._replies], [], [], 10)[0]"
        "\n    send(self, message)"
        "\ncommand._Painter._send = _send"
    )
    status, _, err, qt = _process(*args, first=painter_fails)
    assert qt is False and status == 1 and "Traceback" not in err
    assert "ValueError: the painter gave up" in err
    planning_fails = _SMALL_CHUNKS + (
        "\nimport desktop.labelling as labelling"
        "\nplan, calls = labelling.plan_labels, []"
        "\ndef plan_labels(*args, **kwargs):"
        "\n    calls.append(1)"
        "\n    if len(calls) == 3:"
        "\n        raise LookupError('planning gave up')"
        "\n    return plan(*args, **kwargs)"
        "\nlabelling.plan_labels = plan_labels"
    )
    status, _, err, qt = _process(*args, first=planning_fails)
    assert qt is False and status == 1 and "Traceback" not in err
    assert "LookupError: planning gave up" in err
    assert not list(tmp_path.iterdir())


def test_a_local_library_read_without_sqlalchemy_prints_what_the_library_prints(
    library, tmp_path: Path, capsys
):
    """The command reads a local library with sqlite3 alone (never importing SQLAlchemy): the
    same report, refusals and PDF as reading it through the Library, which a search still
    does (and a team library)."""
    from desktop.cli import build_parser
    from desktop.cli.commands.labels import run_labels
    from provenance import LibraryReader, open_library, read_library

    args = ["labels", "--all", "--template", "wall", "--json", "--allow-unreviewed", "--out"]
    plainly = tmp_path / "plainly.pdf"
    said = "print('SQLALCHEMY', 'sqlalchemy' in sys.modules)"
    loaded = f"import atexit\natexit.register(lambda: {said})"
    status, out, err, qt = _process("--library", library, *args, str(plainly), first=loaded)
    assert status == 0 and qt is False, err
    assert "SQLALCHEMY False" in out
    out = out.split("SQLALCHEMY")[0]
    fully = tmp_path / "fully.pdf"
    argv = [*args, str(fully)]
    with open_library(library) as lib:
        capsys.readouterr()
        assert run_labels(lib, build_parser(argv).parse_args(argv)) == 0
        out_fully = capsys.readouterr().out
    assert json.loads(out) == json.loads(out_fully) and len(json.loads(out)["labels"]) == 5
    if shutil.which("pdftotext") and shutil.which("pdftoppm"):
        assert _pdf_text_and_pixels(plainly) == _pdf_text_and_pixels(fully)
    # A search is read through the Library.
    search = ["labels", "--search", "harbour", "--template", "wall", "--out", "x.pdf"]
    with read_library(library) as reader:
        assert isinstance(reader, LibraryReader)
    parsed = build_parser(search).parse_args(search)
    assert parsed.read(library, parsed) is None
