"""Tests of provenance.importing."""
