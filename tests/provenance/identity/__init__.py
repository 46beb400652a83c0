"""Tests of provenance.identity."""
