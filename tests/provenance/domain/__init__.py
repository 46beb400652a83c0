"""Tests of provenance.domain."""
