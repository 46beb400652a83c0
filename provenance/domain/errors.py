"""Errors the Library raises for a person to read. str(error) is the whole message."""


class CredenceError(Exception):
    """Base class: a problem the user can act on (never a programming error)."""


class NotFound(CredenceError):
    """An item, tool or disclosure named by the user does not exist."""


class InvalidValue(CredenceError):
    """A value given for a field is not acceptable; the message names the field and the fix."""


class LibraryError(CredenceError):
    """The library folder or database cannot be opened or used."""


class StaleEdit(CredenceError):
    """A change was made to a record that someone else changed since it was read (a team
    library with several writers). The message names the record, who changed it and when;
    reload it and make the change again."""
