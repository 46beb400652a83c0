"""Tests of provenance.store."""
