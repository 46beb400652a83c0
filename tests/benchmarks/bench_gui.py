"""The desktop window's own goals, each measured in a child process (QT_QPA_PLATFORM=offscreen):

- start-up: process start to the main window painted on a 100,000-item library, against a
  baseline process that imports the same third-party libraries and paints an empty QMainWindow
  (goal: at most 1.3x at 100,000 items, 1.5x at 1,000,000);
- a 10 ms heartbeat timer on the UI thread while the window imports 200 12 MP JPEGs and then
  exports them through the Export dialog (goal: longest gap under 100 ms);
- scrolling the grid of 100,000 items from top to bottom, a page down at a time, so every cell
  is drawn once (goal: peak RSS under 400 MB), in a 1600x1000 window on a 1920x1080 screen.

The 100,000-item library is built once under SCRATCH and reused: a generated catalog CSV, plus
200 real JPEGs attached to items spread through the catalog so thumbnails appear.
`python -m tests.benchmarks.bench_gui heartbeat|scroll ...` runs one child measurement.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

from tests.benchmarks.common import ROOT, SCRATCH, side_by_side

LIB_ROWS = 100_000
THUMBED = 200  # items with a real imported JPEG
PASS = "bench passphrase, not a secret"
HEARTBEAT_MS = 10
GAP_GOAL_MS = 100.0
RSS_GOAL_MB = 400.0
OWN_PACKAGES = {"desktop", "provenance", "labels", "tests"}

# -- set-up (not timed) -------------------------------------------------------------------------


def _child_env() -> dict[str, str]:
    """Offscreen Qt; a scratch config folder, so the user's saved window layout is not used; and
    a bytecode cache under SCRATCH, as an installed app has (a PYTHONDONTWRITEBYTECODE checkout
    would otherwise compile every project module at each start-up, ~0.1 s)."""
    config = SCRATCH / "gui-config"
    config.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(config)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(SCRATCH / "pycache")
    return env


def big_library(rows: int = LIB_ROWS) -> Path:
    """The `rows`-item library with THUMBED items carrying a real JPEG (built once, then reused)."""
    from provenance import open_library
    from tests.benchmarks.bench_catalog import make_csv
    from tests.benchmarks.bench_import import make_jpegs

    lib_dir = SCRATCH / f"gui-lib-{rows}"
    ready = lib_dir / ".bench-ready"
    if ready.exists():
        return lib_dir
    jpegs = make_jpegs(SCRATCH / "jpeg12mp", THUMBED)
    csv_path = SCRATCH / f"catalog-{rows}.csv"
    if not csv_path.exists():
        make_csv(csv_path, rows)
    print(f"building a {rows:,}-item library in {lib_dir} (once; about a minute)...", flush=True)
    start = time.perf_counter()
    shutil.rmtree(lib_dir, ignore_errors=True)
    with open_library(lib_dir, actor="bench") as lib:
        report = lib.import_catalog(csv_path)
        if report.created != rows:
            raise RuntimeError(f"catalog import created {report.created} items, expected {rows}")
        # Half the pictures on the first page, the rest spread one per 1,000 rows down the list.
        first = THUMBED // 2
        accessions = [i.accession for i in lib.list_items(limit=first)]
        step = rows // (THUMBED - first)
        accessions += [
            lib.list_items(limit=1, offset=n * step)[0].accession
            for n in range(1, THUMBED - first + 1)
            if n * step < rows
        ]
        # Files named after accession numbers attach to those items on import.
        attach = SCRATCH / "gui-attach"
        shutil.rmtree(attach, ignore_errors=True)
        attach.mkdir(parents=True)
        for accession, jpeg in zip(accessions, jpegs, strict=False):
            (attach / f"{accession}.jpg").symlink_to(jpeg)
        imported = lib.import_files([attach])
        if len(imported.imported) != len(accessions) or lib.count_items() != rows:
            raise RuntimeError(
                f"attaching JPEGs: {len(imported.imported)} imported of {len(accessions)}, "
                f"{lib.count_items()} items; rejected: {imported.rejected[:3]}"
            )
    ready.touch()
    print(f"  done in {time.perf_counter() - start:.0f}s", flush=True)
    return lib_dir


# -- 1. start-up --------------------------------------------------------------------------------

# Shared by both start-up drivers: stop right after the first paint of a QMainWindow.
_WATCH = """
import json, os, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication(sys.argv[:1])
seen = []


def third_party(name):
    top = sys.modules.get(name.split(".")[0])
    return "site-packages" in (getattr(top, "__file__", None) or "")


def painted():
    # The measurement ends when the first paint has finished, for both drivers: closing the
    # window and its library (saving the layout, closing connections) is not start-up.
    if sys.argv[2:] == ["--modules"]:
        # The third-party modules loaded up to the first paint (packages in site-packages).
        print(json.dumps([m for m in list(sys.modules) if third_party(m)]))
    print("painted", seen[0] if seen else -1, flush=True)
    os._exit(0)  # the same for both: no tear-down in the measurement


class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if not seen and event.type() == QEvent.Type.Paint:
            model = getattr(obj, "model", None)
            seen.append(model.rowCount() if model is not None else 0)
            QTimer.singleShot(0, painted)  # after this paint has finished
        return False

watcher = FirstPaint()
# The main window alone is watched, from when it is shown. A filter on the whole application
# called Python for every event of every widget (hundreds while the real window is built; the
# first item view's internal empty model also had all of QtCore's enums built to name its
# class: ~20 ms), which the empty baseline window hardly paid and the app itself never pays.
_show = QMainWindow.show

def show(window):
    window.installEventFilter(watcher)
    _show(window)

QMainWindow.show = show
QTimer.singleShot(60_000, app.quit)  # never painted: stop (and say so) instead of waiting
"""

_OURS = (
    _WATCH
    + """
from desktop.cli import main

main(["--library", sys.argv[1]])  # the real `credence --library X`, entry point included
painted()  # never painted (stopped after 60 s): says so
"""
)

_BASELINE = (
    _WATCH
    + """
import importlib

for name in sys.argv[1].split(","):
    try:
        importlib.import_module(name)
    except Exception:
        pass
window = QMainWindow()
window.resize(1280, 800)
window.show()
app.exec()
painted()
"""
)


def _run_child(command: list[str], what: str) -> str:
    done = subprocess.run(
        command, env=_child_env(), cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{what} exited {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout


def startup(lib_dir: Path, rounds: int, rows: int = LIB_ROWS) -> None:
    ours_cmd = [sys.executable, "-c", _OURS, str(lib_dir)]
    # The modules the real start-up loads; the baseline imports their third-party part.
    out = _run_child([*ours_cmd, "--modules"], "the start-up driver")
    modules = [m for m in json.loads(out.splitlines()[0]) if m.split(".")[0] not in OWN_PACKAGES]
    tops = sorted({m.split(".")[0] for m in modules})
    print(f"  baseline imports {len(modules)} modules of {', '.join(tops)}", flush=True)
    base_cmd = [sys.executable, "-c", _BASELINE, ",".join(modules)]

    def ours() -> None:
        painted = _run_child(ours_cmd, "the start-up driver").split()
        if painted[:1] != ["painted"] or int(painted[1]) <= 0:
            raise RuntimeError(f"the window painted without rows: {painted}")

    def baseline() -> None:
        _run_child(base_cmd, "the baseline start-up driver")

    baseline()  # warm the page cache for both
    ours()
    side_by_side(
        f"start-up to the painted window on {rows:,} items vs an empty QMainWindow",
        ours,
        baseline,
        rounds,
        goal=1.3 if rows <= 100_000 else 1.5,
    )


# -- 2. heartbeat during import and export ------------------------------------------------------


def _gap_stats(ticks: list[float], finished: float) -> dict[str, float]:
    """The longest and 99th-percentile gaps between ticks (ms), when the longest one began and
    when the task finished (s from the first tick), and the load average (other processes
    competing for the cores show up as gaps)."""
    gaps = [(b - a) * 1000 for a, b in pairwise(ticks)]
    longest = max(range(len(gaps)), key=gaps.__getitem__)
    return {
        "longest": gaps[longest],
        "p99": statistics.quantiles(gaps, n=100)[-1],
        "ticks": len(ticks),
        "at": ticks[longest] - ticks[0],
        "finished": finished - ticks[0],
        "load": os.getloadavg()[0],
    }


def heartbeat_child(folder: Path, lib_dir: Path, out_dir: Path) -> dict[str, Any]:
    """Import `folder` through MainWindow, then export every item through the Export dialog."""
    from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from desktop.dialogs.export_dialog import ExportDialog
    from desktop.main_window import MainWindow
    from provenance import open_library

    app = QApplication(sys.argv[:1])
    # A message box would wait for a click for ever: note what it says and stop instead.
    problems: list[str] = []

    def no_box(_parent, _title, text, *_args, **_kwargs):
        problems.append(text)
        QTimer.singleShot(0, lambda: QApplication.instance().exit(1))
        return QMessageBox.StandardButton.Ok

    for name in ("information", "warning", "critical", "question"):
        setattr(QMessageBox, name, staticmethod(no_box))
    shutil.rmtree(lib_dir, ignore_errors=True)
    shutil.rmtree(out_dir, ignore_errors=True)
    ticks: list[float] = []
    finished: list[float] = []
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(HEARTBEAT_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))

    def wait(signal, settle_ms: int = 1000) -> None:
        """Run the event loop until `signal`, then `settle_ms` more (late thumbnails, repaints)."""
        loop = QEventLoop()
        signal.connect(loop.quit)
        loop.exec()
        finished.append(time.perf_counter())
        QTimer.singleShot(settle_ms, loop.quit)
        loop.exec()
        if problems:
            raise RuntimeError(f"the window reported: {problems[0]}")

    def phase(run) -> dict[str, float]:
        ticks[:] = [time.perf_counter()]
        timer.start()
        run()
        timer.stop()
        return _gap_stats(ticks, finished[-1])

    with open_library(lib_dir, actor="bench") as lib:
        lib.create_identity("Bench Museum", PASS)
        settings = QSettings(str(SCRATCH / "gui-config" / "heartbeat.ini"), QSettings.IniFormat)
        window = MainWindow(lib, settings)
        window.set_view_mode("grid")
        window.show()
        app.processEvents()

        def do_import() -> None:
            window._import_paths([str(folder)])
            wait(window.tasks.worker.signals.finished)

        imported = phase(do_import)
        count = lib.count_items()
        ids = [i.id for i in lib.list_items()]
        dialog = ExportDialog(lib, ids, window.run_task, window)

        def do_export() -> None:
            dialog.folder_edit.setText(str(out_dir))
            dialog.passphrase_edit.setText(PASS)
            dialog.show()  # starts the refusal check through the window's runner
            wait(dialog.check_worker.signals.finished, settle_ms=200)
            dialog.start_export()
            wait(dialog.worker.signals.finished)

        exported = phase(do_export)
        written = len(dialog.report.exported) if dialog.report else 0
        dialog.close()
        window.close()
    return {"import": imported, "export": exported, "items": count, "written": written}


def heartbeat(count: int) -> None:
    from tests.benchmarks.bench_import import make_jpegs

    folder = SCRATCH / "jpeg12mp"
    make_jpegs(folder, count)
    out = _run_child(
        [
            sys.executable,
            "-m",
            "tests.benchmarks.bench_gui",
            "heartbeat",
            str(folder),
            str(SCRATCH / "gui-heartbeat-lib"),
            str(SCRATCH / "gui-heartbeat-out"),
        ],
        "the heartbeat child",
    )
    result = json.loads(out.strip().splitlines()[-1])
    if result["items"] != count or result["written"] != count:
        raise RuntimeError(f"heartbeat run: {result}")
    for what in ("import", "export"):
        stats = result[what]
        verdict = "meets" if stats["longest"] < GAP_GOAL_MS else "MISSES"
        print(
            f"UI heartbeat ({HEARTBEAT_MS} ms timer) during the {what} of {count} 12 MP JPEGs: "
            f"longest gap {stats['longest']:.0f} ms (at {stats['at']:.1f}s of "
            f"{stats['finished']:.1f}s), p99 {stats['p99']:.0f} ms over {stats['ticks']} ticks, "
            f"load average {stats['load']:.1f} ({verdict} the {GAP_GOAL_MS:.0f} ms goal)",
            flush=True,
        )


# -- 3. scrolling the grid ----------------------------------------------------------------------


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


#: The window the grid is scrolled in: a desktop screen's worth (the offscreen platform's own
#: screen is 800x800, where the grid is one cell wide and a million items take 330,000 steps).
SCROLL_SCREEN = (1920, 1080)
SCROLL_WINDOW = (1600, 1000)


def scroll_child(lib_dir: Path) -> dict[str, Any]:
    """Open the library in grid mode in a SCROLL_WINDOW-sized window and page down from the
    first item to the last, timing each step (by tenth of the list, to show whether a step
    costs more further down)."""
    from PySide6.QtCore import QEventLoop, QSettings
    from PySide6.QtWidgets import QApplication

    from desktop.item_model import ItemListModel
    from desktop.main_window import MainWindow
    from provenance import open_library

    # Time each page read (it runs on the UI thread when a row is first drawn), to tell
    # reading from painting.
    reads: list[float] = []
    read_rows = ItemListModel._read_rows

    def timed_read(self, rows, first: int, stop: int) -> None:
        start = time.perf_counter()
        read_rows(self, rows, first, stop)
        reads.append(time.perf_counter() - start)

    ItemListModel._read_rows = timed_read
    screen = SCRATCH / "gui-config" / "scroll-screen.json"
    width, height = SCROLL_SCREEN
    screen.write_text(json.dumps({"screens": [{"name": "b", "width": width, "height": height}]}))
    app = QApplication([sys.argv[0], "-platform", f"offscreen:configfile={screen}"])
    with open_library(lib_dir, actor="bench") as lib:
        settings = QSettings(str(SCRATCH / "gui-config" / "scroll.ini"), QSettings.IniFormat)
        window = MainWindow(lib, settings)
        window.set_view_mode("grid")
        window.resize(*SCROLL_WINDOW)
        window.show()
        app.processEvents()
        model, grid = window.model, window.grid
        bar = grid.verticalScrollBar()
        shown_mb = _rss_mb()
        reads.clear()  # from here on: the pages read while scrolling
        total = model.total
        tenths: list[list[float]] = [[] for _ in range(10)]
        start = time.perf_counter()
        steps = 0
        # As a person paging down (Page Down, or a click in the scroll bar's trough): every
        # cell of the list is drawn once on the way.
        # The view lists more rows (fetchMore) each time it reaches the bottom of those listed.
        while bar.value() < bar.maximum() or model.canFetchMore():
            began = time.perf_counter()
            before = bar.value()
            bar.setValue(before + bar.pageStep())
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)
            if bar.value() == before and model.canFetchMore():  # as the view does at the end
                model.fetchMore()
            steps += 1
            top = grid.indexAt(grid.viewport().rect().topLeft()).row()
            tenths[min(9, max(top, 0) * 10 // max(total, 1))].append(time.perf_counter() - began)
        elapsed = time.perf_counter() - start
        rows = model.rowCount()
        last_in_view = grid.visualRect(model.index(rows - 1, 0)).intersects(grid.viewport().rect())
        viewport = grid.viewport().size()
        cells = (viewport.width() // grid.gridSize().width()) * bar.pageStep()
        window.close()
    return {
        "rows": rows,
        "last_in_view": last_in_view,
        "seconds": elapsed,
        "steps": steps,
        "cells_a_step": cells,
        "step_ms_by_tenth": [statistics.median(t) * 1000 if t else 0.0 for t in tenths],
        "shown": shown_mb,
        "peak": _rss_mb(),
        "reading": sum(reads),
        "pages": len(reads),
        "slowest_page_ms": max(reads, default=0.0) * 1000,
    }


def print_scroll(result: dict[str, Any]) -> None:
    """The scroll child's figures, as both benchmarks print them."""
    verdict = "meets" if result["peak"] < RSS_GOAL_MB else "MISSES"
    width, height = SCROLL_WINDOW
    print(
        f"grid scroll through {result['rows']:,} items ({result['steps']:,} page-down steps of "
        f"{result['cells_a_step']} cells, a {width}x{height} window): {result['seconds']:.1f}s, "
        f"peak RSS {result['peak']:.0f} MB ({result['shown']:.0f} MB when shown; {verdict} the "
        f"{RSS_GOAL_MB:.0f} MB goal), load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    by_tenth = " ".join(f"{ms:.1f}" for ms in result["step_ms_by_tenth"])
    print(f"  median ms a step, by tenth of the list from the top: {by_tenth}", flush=True)
    print(
        f"  of which {result['reading']:.1f}s reading {result['pages']} pages of rows on the UI "
        f"thread (slowest {result['slowest_page_ms']:.0f} ms)",
        flush=True,
    )


def scroll(lib_dir: Path) -> None:
    out = _run_child(
        [sys.executable, "-m", "tests.benchmarks.bench_gui", "scroll", str(lib_dir)],
        "the scroll child",
    )
    result = json.loads(out.strip().splitlines()[-1])
    if result["rows"] != LIB_ROWS or not result["last_in_view"]:
        raise RuntimeError(f"the grid did not reach its last item: {result}")
    print_scroll(result)


# -- the benchmark ------------------------------------------------------------------------------


def run(rounds: int = 2) -> None:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    lib_dir = big_library()
    startup(lib_dir, max(rounds, 3))
    heartbeat(THUMBED)
    scroll(lib_dir)


def _child_main(argv: list[str]) -> None:
    if argv[0] == "heartbeat":
        result = heartbeat_child(Path(argv[1]), Path(argv[2]), Path(argv[3]))
    elif argv[0] == "scroll":
        result = scroll_child(Path(argv[1]))
    else:
        raise SystemExit(f"unknown child measurement {argv[0]!r}")
    print(json.dumps(result), flush=True)
    os._exit(0)  # skip the tear-down of Qt objects and pools


if __name__ == "__main__":
    if len(sys.argv) > 1:
        _child_main(sys.argv[1:])
    else:
        run()
