"""Disclosure wording and exhibit label rendering (QtGui only, no widgets).

Depends on `provenance`'s public domain types only; `desktop` builds on it.
"""
