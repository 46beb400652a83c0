"""The sample collection: a small, complete library a newcomer can explore at once."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from provenance import Library, open_library


def open_sample_collection(base: Path) -> Library:
    """Copy the shipped sample to `base`/Sample collection and open it (built on first use)."""
    folder = base / "Sample collection"
    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    source = resources.files("resources") / "sample"
    for entry in source.iterdir():
        if entry.name.endswith((".jpg", ".csv")) and not (images / entry.name).exists():
            with resources.as_file(entry) as path:
                shutil.copyfile(path, images / entry.name)
    library = open_library(folder / "Library")
    if library.count_items() == 0:
        _fill(library, images)
    return library


def _fill(library: Library, images: Path) -> None:
    library.import_catalog(images / "catalog.csv")
    library.import_files([p for p in sorted(images.glob("*.jpg"))])
    library.add_tool(
        "Restorer X",
        "Acme Imaging",
        version="2.1",
        runs="on-device",
        training_data="Vendor states: licensed photographs only",
        retention="Runs on this computer; nothing is uploaded",
    )
    library.add_tool("Caption Draft", "Example Labs", version="1", runs="cloud")
    library.add_event("CR.2019.2", "made", "Unknown photographer", date="1890~", place="Bergen")
    library.add_event("CR.2019.2", "acquired", "Credence Sample Museum", date="2019-03")
    library.add_event("CR.2019.2", "digitised", "Museum photo studio", date="2019-04")
    library.add_event(
        "CR.2019.2", "restored", "Conservation lab", date="2026-05", tool="Restorer X"
    )
    library.disclose(
        "CR.2019.2",
        "ai-restored",
        tools=["Restorer X"],
        purpose="reconstruct a torn corner",
        extent="lower left corner, about 4% of the image",
    )
    library.review("CR.2019.2", "approved", "Sample Registrar")
    library.disclose("CR.1901.12", "ai-described", tools=["Caption Draft"], fields=["description"])
    library.add_event("CR.1934.7", "acquired", "Credence Sample Museum", date="1934")
