"""Importing: image files and catalog files into the store, one bad file never sinking a batch."""
