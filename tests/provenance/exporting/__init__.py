"""Tests of provenance.exporting."""
