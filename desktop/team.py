"""Team libraries in the window: opening one by its postgresql:// address, the password asked
for when the server wants one, and how the title bar and File > Open Recent name it.

The password a person types is given to libpq inside the address of that one connection pool
(the open Library) and nowhere else: never QSettings, never the Recent list, never a title or
message. Addresses are remembered and shown without it (`shown_location`). A password kept in
``~/.pgpass`` (or PGPASSWORD, a service file) is libpq's own business: nothing is asked then.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QDialog, QMenu, QWidget

from provenance import Library, LibraryError, library_url_problem, open_library, team_library_url

#: How many times a wrong password may be typed before the attempt is given up.
PASSWORD_TRIES = 3


# -- addresses -------------------------------------------------------------------------------


def shown_location(location: str) -> str:
    """A team library's address without any password (``user:secret@`` or ``?password=``): how
    it is remembered in Recent and shown. Credence's own "***" placeholder goes as well."""
    parts = urlsplit(location.strip())
    netloc = parts.netloc
    if "@" in netloc:
        credentials, _, hosts = netloc.rpartition("@")
        user = credentials.split(":", 1)[0]
        netloc = f"{user}@{hosts}" if user else hosts
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(k == "password" for k, _ in pairs):  # otherwise the query stays as typed
        query = urlencode([(k, v) for k, v in pairs if k != "password"], safe="/:", quote_via=quote)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _user_and_hosts(location: str) -> tuple[str | None, str]:
    netloc = urlsplit(location).netloc
    if "@" not in netloc:
        return None, netloc
    credentials, _, hosts = netloc.rpartition("@")
    user = unquote(credentials.split(":", 1)[0])
    return (user or None), hosts


def login_name(location: str) -> str:
    """The role libpq logs in as for `location`: the address's, else PGUSER, else the
    operating-system account (libpq's own order)."""
    import os

    user, _hosts = _user_and_hosts(location)
    if user:
        return user
    if os.environ.get("PGUSER"):
        return os.environ["PGUSER"]
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "postgres"


def with_password(location: str, password: str) -> str:
    """`location` with `password` (percent-encoded) and the login name in it, for libpq."""
    parts = urlsplit(shown_location(location))
    _user, hosts = _user_and_hosts(parts.geturl())
    user = quote(login_name(location), safe="")
    netloc = f"{user}:{quote(password, safe='')}@{hosts}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def server_name(location: str) -> str:
    """Where the server is, as a person says it: its host, or "this computer" for a socket."""
    parts = urlsplit(location)
    _user, hosts = _user_and_hosts(location)
    host = hosts.split(",")[0].split(":")[0].strip("[]")
    if not host:
        host = dict(parse_qsl(parts.query)).get("host", "")
    if not host or host.startswith("/") or host in ("localhost", "127.0.0.1", "::1"):
        return "this computer"
    return host


def database_name(location: str) -> str:
    """The database a team library address names."""
    return unquote(urlsplit(location).path.lstrip("/")) or "?"


def team_label(location: str) -> str:
    """A team library in a few words: "collections on db.museum.org"."""
    return f"{database_name(location)} on {server_name(location)}"


def window_title(library: Library, local_name: str) -> str:
    """The title bar: the library's name; for a team library also that it is one and which
    database role this window writes as (history entries name that role)."""
    if not library.team:
        return f"Credence — {local_name}"
    return f"Credence — {team_label(library.location)} — team library, you are {library.actor}"


def needs_password(message: str) -> bool:
    """Whether the server's refusal (LibraryError's sentence) asks for a password: none given,
    or a wrong one."""
    lowered = message.lower()
    return "refused the login" in lowered and (
        "no password supplied" in lowered or "password authentication failed" in lowered
    )


# -- opening -----------------------------------------------------------------------------------


def ask_password(location: str, retry: bool, parent: QWidget | None) -> str | None:
    """The password typed in a PasswordDialog, or None when the person cancelled."""
    from desktop.dialogs.team_dialog import PasswordDialog

    dialog = PasswordDialog(location, retry, parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.password.text()
    finally:
        dialog.password.clear()
        dialog.deleteLater()


def connect_team_library(location: str, parent: QWidget | None = None) -> Library | None:
    """Open the team library at `location` (a postgresql:// address), asking for a password
    when the server wants one that the address and ~/.pgpass do not give. None when the person
    cancels the password; LibraryError (one sentence, no password in it) when it cannot be
    opened."""
    typed = location.strip()
    if team_library_url(typed) is None:
        problem = library_url_problem(typed)
        raise LibraryError(
            problem
            or f"{shown_location(typed)} is not a team library's address: write "
            "postgresql://user@server/database"
        )
    attempt, retry = typed, False
    for _ in range(PASSWORD_TRIES + 1):
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return open_library(attempt)
        except LibraryError as exc:
            if not needs_password(str(exc)):
                raise
            failure = exc
        finally:
            QGuiApplication.restoreOverrideCursor()
        password = ask_password(typed, retry, parent)
        if password is None:
            return None
        attempt, retry = with_password(typed, password), True
    raise failure


# -- menus -----------------------------------------------------------------------------------


def install_team_menu(window: Any, file_menu: QMenu, library_menu: QMenu) -> None:
    """File > Check out…, Check in…, Conflicts… (before Quit) and Library > Storage roots…
    (before Preferences). `window` is the MainWindow (its selection, search and task runner)."""

    def before(menu: QMenu, text: str) -> QAction | None:
        return next((a for a in menu.actions() if a.text() == text), None)

    quit_action = before(file_menu, "&Quit")

    def add(menu: QMenu, anchor: QAction | None, text: str, slot: Callable[[], object]) -> QAction:
        act = QAction(text, window)
        act.triggered.connect(slot)
        menu.insertAction(anchor, act)
        return act

    window.checkout_action = add(file_menu, quit_action, "Chec&k out…", lambda: check_out(window))
    window.checkin_action = add(file_menu, quit_action, "C&heck in…", lambda: check_in(window))
    window.conflicts_action = add(
        file_menu, quit_action, "Conf&licts…", lambda: show_conflicts(window)
    )
    file_menu.insertSeparator(quit_action)
    window.roots_action = add(
        library_menu,
        before(library_menu, "&Preferences…"),
        "Storage &roots…",
        lambda: storage_roots(window),
    )


def check_out(window: Any) -> None:
    """File > Check out…: the selection, a search or everything, into a new folder."""
    from desktop.dialogs.offline_dialog import CheckOutDialog

    window._open(
        lambda: CheckOutDialog(
            window.library,
            window.selected_ids(),
            window.run_task,
            window,
            search=window.search.text().strip(),
        )
    )


def check_in(window: Any) -> None:
    """File > Check in…: a laptop library's work back into this one."""
    from desktop.dialogs.offline_dialog import CheckInDialog

    window._open(lambda: CheckInDialog(window.library, window.run_task, window))
    current = window.current_item_id()
    if current is not None:  # checked-in changes show in the inspector at once
        window._item_changed(current)


def show_conflicts(window: Any) -> None:
    """File > Conflicts…: decide the conflicts of checked-in work."""
    from desktop.dialogs.offline_dialog import ConflictsDialog

    window._open(lambda: ConflictsDialog(window.library, window))
    current = window.current_item_id()
    if current is not None:
        window._item_changed(current)


def storage_roots(window: Any) -> None:
    """Library > Storage roots…."""
    from desktop.dialogs.roots_dialog import StorageRootsDialog

    window._open(lambda: StorageRootsDialog(window.library, window))
