"""The inspector's tabs, in the order the window shows them."""

from __future__ import annotations

from desktop.inspector.base import InspectorTab
from desktop.inspector.catalog_tab import CatalogTab
from desktop.inspector.credentials_tab import CredentialsTab
from desktop.inspector.disclosure_tab import DisclosureTab
from desktop.inspector.history_tab import HistoryTab
from desktop.inspector.provenance_tab import ProvenanceTab

TABS: list[type[InspectorTab]] = [
    CatalogTab,
    ProvenanceTab,
    DisclosureTab,
    CredentialsTab,
    HistoryTab,
]
