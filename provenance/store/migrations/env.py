"""Alembic environment. Credence runs migrations in-process with a connection it passes in."""

from alembic import context

from provenance.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table.
)
with context.begin_transaction():
    context.run_migrations()
