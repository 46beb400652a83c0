"""Benchmarks run by `make bench`: each prints a ratio against a plain baseline run side by side.

Nothing here asserts a time; the ratios are for people to read (and quote in issue notes).
"""
