"""The reports and vocabulary views live in `domain.reports`, loaded on first use (a read
command never builds them); the package root gives them by name."""

from __future__ import annotations

import pickle
import subprocess
import sys

import provenance
from provenance.domain import reports


def test_every_public_name_of_the_package_resolves():
    for name in provenance.__all__:
        assert getattr(provenance, name) is not None, name


def test_the_package_gives_each_report_from_reports():
    own = [n for n, v in vars(reports).items() if getattr(v, "__module__", "") == reports.__name__]
    assert "ExportReport" in own and "HistoryVerification" in own
    for name in own:
        assert getattr(provenance, name, None) in (None, getattr(reports, name)), name


def test_a_report_pickles_as_itself():
    """Export workers send reports between processes."""
    report = reports.ExportReport(exported=(reports.ExportedFile("1", "a.jpg", "ab", None),))
    assert pickle.loads(pickle.dumps(report)) == report


def test_importing_the_package_builds_no_report():
    code = "import sys, provenance; print('provenance.domain.reports' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
