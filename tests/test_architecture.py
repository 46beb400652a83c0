"""House rules import-linter cannot express (it only sees top-level external packages)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update((path.name, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add((path.name, node.module))
    return found


def test_labels_use_qtgui_only():
    widgets = {(f, m) for f, m in _imports("labels") if m.startswith("PySide6.QtWidgets")}
    assert widgets == set(), f"labels/ must not import Qt widgets: {sorted(widgets)}"


def test_core_has_no_module_level_mutable_state_in_facade():
    # The facade module holds no module-level caches or singletons (house rule 2).
    tree = ast.parse((ROOT / "provenance" / "library.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict | ast.List | ast.Set):
            raise AssertionError(f"module-level mutable value at line {node.lineno}")


def test_qt_calls_keep_their_reference_to_none():
    """PySide6 6.12.0 on CPython 3.11 dropped a reference to None per void call (a crash after
    a few thousand). The pinned version must not."""
    import sys

    from PySide6.QtCore import QPointF

    point = QPointF()
    before = sys.getrefcount(None)
    for _ in range(1000):
        point.setX(1.0)
    assert sys.getrefcount(None) - before > -10
