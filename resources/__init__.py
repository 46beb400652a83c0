"""Data that ships with Credence: disclosure wording, label templates, fonts, sample collection.

Read with `importlib.resources.files("resources")`, so it works from a source tree, an
installed wheel and the desktop bundle alike. Nothing here is downloaded at run time.
"""
