"""Domain vocabulary and frozen views: no SQLAlchemy, c2pa or Pillow."""
