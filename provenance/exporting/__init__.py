"""Exporting: the plan, the manifest, signing, the worker pool, and whether an export is stale."""
