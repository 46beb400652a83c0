"""The store: engines, models, migrations, history chain, search; Store read/write transactions."""
