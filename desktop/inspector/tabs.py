"""The inspector's tabs, in the order the window shows them.

A tab's module is imported when the tab is first built: the window builds only the tab in
view before its first paint (the other four hold most of the inspector's widgets)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.inspector.base import InspectorTab

#: (title, module, class) of each tab, in order: the tab bar names them before they are built.
TAB_SPECS: tuple[tuple[str, str, str], ...] = (
    ("Catalog", "desktop.inspector.catalog_tab", "CatalogTab"),
    ("Provenance", "desktop.inspector.provenance_tab", "ProvenanceTab"),
    ("Disclosure", "desktop.inspector.disclosure_tab", "DisclosureTab"),
    ("Credentials", "desktop.inspector.credentials_tab", "CredentialsTab"),
    ("History", "desktop.inspector.history_tab", "HistoryTab"),
)


def tab_class(index: int) -> type[InspectorTab]:
    """The class of the tab at `index` (its module imported now if it was not)."""
    _title, module, name = TAB_SPECS[index]
    return getattr(import_module(module), name)


def __getattr__(name: str) -> list[type[InspectorTab]]:
    if name == "TABS":  # every tab's class, in order (imports them all)
        return [tab_class(i) for i in range(len(TAB_SPECS))]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
