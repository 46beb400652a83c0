"""Errors the Library raises for a person to read. str(error) is the whole message."""


class CredenceError(Exception):
    """Base class: a problem the user can act on (never a programming error)."""


class NotFound(CredenceError):
    """An item, tool or disclosure named by the user does not exist."""


class InvalidValue(CredenceError):
    """A value given for a field is not acceptable; the message names the field and the fix."""


class LibraryError(CredenceError):
    """The library folder or database cannot be opened or used."""
