"""The inspector: tabs that show and edit the selected item (Catalog, Provenance, Disclosure,
Credentials, History). Each tab is an `InspectorTab`; the main window builds them from TABS."""
