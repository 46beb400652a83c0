"""Can Qt open a window here? Checked before Qt is loaded, and said in plain words (Linux).

Qt's GUI library needs OpenGL/EGL, xkbcommon, fontconfig, D-Bus and GLib from the system, and
its xcb platform plugin (X11) needs a dozen xcb libraries more. When one is missing, importing
PySide6.QtGui fails with an ImportError about one file, or Qt aborts with its own message about
the plugin. This module asks the dynamic linker (`ldd` on Qt's own files, which lists every
library that would not be found, including indirect ones) without loading Qt, and names every
missing library with the Debian/Ubuntu package that has it. No Qt import here.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

#: Libraries Qt needs, and the Debian/Ubuntu package of each (for the message).
PACKAGES: dict[str, str] = {
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libGLX.so.0": "libglx0",
    "libOpenGL.so.0": "libopengl0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
}
#: What QtGui itself loads (any platform), and what the xcb plugin adds.
GUI_LIBRARIES: tuple[str, ...] = (
    "libGL.so.1",
    "libEGL.so.1",
    "libxkbcommon.so.0",
    "libfontconfig.so.1",
    "libdbus-1.so.3",
    "libglib-2.0.so.0",
)
XCB_LIBRARIES: tuple[str, ...] = (
    "libxcb-cursor.so.0",
    "libxcb-icccm.so.4",
    "libxcb-keysyms.so.1",
    "libxcb-image.so.0",
    "libxcb-render-util.so.0",
    "libxcb-xkb.so.1",
    "libxkbcommon-x11.so.0",
    "libxcb-shape.so.0",
    "libxcb-randr.so.0",
)
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$", re.MULTILINE)


def qt_files(xcb: bool) -> list[Path]:
    """QtGui's library (and the xcb plugin) inside the installed PySide6, without importing it."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return []
    qt = Path(next(iter(spec.submodule_search_locations))) / "Qt"
    files = [qt / "lib" / "libQt6Gui.so.6"]
    if xcb:
        files.append(qt / "plugins" / "platforms" / "libqxcb.so")
    return [f for f in files if f.is_file()]


def _ldd_missing(files: list[Path]) -> list[str] | None:
    """Libraries `ldd` reports as not found for `files`; None when ldd cannot tell."""
    ldd = shutil.which("ldd")
    if ldd is None or not files:
        return None
    missing: list[str] = []
    for file in files:
        try:
            done = subprocess.run(
                [ldd, str(file)], capture_output=True, text=True, timeout=20, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return None
        missing += _NOT_FOUND.findall(done.stdout)
    return list(dict.fromkeys(missing))


def _load_missing(names: tuple[str, ...]) -> list[str]:
    """The libraries of `names` the dynamic linker cannot load (when ldd is not available)."""
    import ctypes  # only here: most starts never need it, and it costs the window's start-up

    missing = []
    for name in names:
        try:
            ctypes.CDLL(name)
        except OSError:
            missing.append(name)
    return missing


def missing_libraries(*, xcb: bool, bundled: Path | None = None) -> list[str]:
    """Shared libraries Qt needs here that the system lacks (sonames, e.g. "libGL.so.1").

    With `xcb`, also what the X11 platform plugin needs. `bundled` is a folder whose copies
    count as present (the desktop bundle ships libxcb-cursor).
    """
    missing = _ldd_missing(qt_files(xcb))
    if missing is None:
        missing = _load_missing(GUI_LIBRARIES + (XCB_LIBRARIES if xcb else ()))
    if bundled is not None:
        missing = [name for name in missing if not (bundled / name).exists()]
    return missing


def libraries_sentence(missing: list[str]) -> str:
    """One plain sentence naming the missing libraries and the command that installs them."""
    packages = list(dict.fromkeys(PACKAGES[m] for m in missing if m in PACKAGES))
    install = (
        f" (Debian/Ubuntu: sudo apt-get install {' '.join(packages)}, or make deps-run in "
        "Credence's source folder)"
        if packages
        else ""
    )
    names = ", ".join(missing)
    return (
        f"Qt needs system libraries that are missing: {names}. Install them{install} and "
        "start Credence again"
    )
