"""The headless Credence core: storage, import, credentials, history and the Library facade."""
