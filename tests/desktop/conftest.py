"""Desktop tests share one QApplication, created before anything else can create a plain
QGuiApplication (the command line's label rendering does that when no app exists), because
widgets abort the process without a QApplication."""

import pytest


@pytest.fixture(autouse=True)
def _widgets_application(qapp):
    return qapp
