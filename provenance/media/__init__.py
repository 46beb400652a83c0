"""Media: reading and writing files: probe, thumbnails, XMP, C2PA reading, the output writer."""
