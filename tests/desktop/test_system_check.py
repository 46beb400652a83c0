"""The window's start-up check names every missing system library in plain words, before Qt
loads: never an ImportError, never Qt's own abort. A fake `ldd` first on PATH plays a machine
that lacks libraries; the machine itself is not changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.app import display_problem
from desktop.system_check import libraries_sentence, missing_libraries, qt_files

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux check")


def _fake_ldd(folder: Path, *missing: str) -> Path:
    folder.mkdir(exist_ok=True)
    ldd = folder / "ldd"
    lines = "".join(f'echo "\t{name} => not found"\n' for name in missing)
    ldd.write_text(f"#!/bin/sh\necho '\tlibc.so.6 => /lib/libc.so.6 (0x0)'\n{lines}")
    ldd.chmod(0o755)
    return folder


def test_this_machine_has_what_qt_needs():
    assert qt_files(xcb=True)  # QtGui and the xcb plugin were found without importing Qt
    assert missing_libraries(xcb=True) == []


def test_every_missing_xcb_library_is_named_with_its_package(tmp_path, monkeypatch):
    fake = _fake_ldd(tmp_path / "bin", "libxcb-icccm.so.4", "libxcb-keysyms.so.1")
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    problem = display_problem()
    assert problem == (
        "Qt needs system libraries that are missing: libxcb-icccm.so.4, libxcb-keysyms.so.1. "
        "Install them (Debian/Ubuntu: sudo apt-get install libxcb-icccm4 libxcb-keysyms1, or "
        "make deps-run in Credence's source folder) and start Credence again"
    )


def test_an_unknown_library_is_still_named():
    assert "libfoo.so.9" in libraries_sentence(["libfoo.so.9"])
    assert "apt-get" not in libraries_sentence(["libfoo.so.9"])


def _credence(tmp_path: Path, fake: Path, code: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}",
        "DISPLAY": ":99",
        "HOME": str(tmp_path / "home"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    env.pop("QT_QPA_PLATFORM", None)
    env.pop("WAYLAND_DISPLAY", None)
    script = code + "import sys\nfrom desktop.cli import main\nsys.exit(main([]))\n"
    return subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )


def test_make_run_says_which_libraries_the_window_lacks(tmp_path):
    fake = _fake_ldd(tmp_path / "bin", "libxcb-cursor.so.0", "libxkbcommon-x11.so.0")
    done = _credence(tmp_path, fake)
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith("credence: cannot open the window: Qt needs system libraries")
    assert "libxcb-cursor.so.0, libxkbcommon-x11.so.0" in line
    assert "sudo apt-get install libxcb-cursor0 libxkbcommon-x11-0" in line


# Plays a machine without libGL: importing QtGui fails as it does there.
_NO_LIBGL = """
import importlib.abc, sys
class _NoQtGui(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name in ("PySide6.QtGui", "PySide6.QtWidgets"):
            raise ImportError("libGL.so.1: cannot open shared object file: No such file")
        return None
sys.meta_path.insert(0, _NoQtGui())
"""


def test_a_missing_libgl_is_a_plain_line_not_an_import_error(tmp_path):
    fake = _fake_ldd(tmp_path / "bin", "libGL.so.1", "libEGL.so.1")
    done = _credence(tmp_path, fake, _NO_LIBGL)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "ImportError" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line == (
        "credence: cannot open the window: Qt needs system libraries that are missing: "
        "libGL.so.1, libEGL.so.1. Install them (Debian/Ubuntu: sudo apt-get install libgl1 "
        "libegl1, or make deps-run in Credence's source folder) and start Credence again"
    )
