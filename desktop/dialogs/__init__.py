"""Credence's dialogs. Each takes the Library facade (and, for long work, the window's runner)."""

from desktop.dialogs.batch_dialog import BatchDialog
from desktop.dialogs.export_dialog import ExportDialog
from desktop.dialogs.identity_dialog import IdentityWizard
from desktop.dialogs.import_dialog import CatalogImportDialog, ImportFilesDialog
from desktop.dialogs.preferences_dialog import PreferencesDialog
from desktop.dialogs.tools_dialog import AiToolsDialog

__all__ = [
    "AiToolsDialog",
    "BatchDialog",
    "CatalogImportDialog",
    "ExportDialog",
    "IdentityWizard",
    "ImportFilesDialog",
    "PreferencesDialog",
]
