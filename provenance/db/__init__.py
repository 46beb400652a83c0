"""Storage: SQLAlchemy models, engine set-up and migrations. Only the Library facade uses this."""
