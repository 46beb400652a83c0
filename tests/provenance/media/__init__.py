"""Tests of provenance.media."""
