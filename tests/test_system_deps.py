"""packaging/system-deps.sh, the first step of `make test` and `make run` (and so of CI): it
checks the system packages with dpkg and installs the missing ones, or stops with one line.

Run against fake dpkg, apt-get, apt-cache, id and sudo commands (real shell scripts first on
PATH), so the machine running the tests is never changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "packaging" / "system-deps.sh"
SH = shutil.which("sh") or "/bin/sh"
QT = [
    "libgl1",
    "libegl1",
    "libxkbcommon0",
    "libfontconfig1",
    "libdbus-1-3",
    "libglib2.0-0",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-image0",
    "libxcb-render-util0",
    "libxcb-xkb1",
    "libxkbcommon-x11-0",
    "libxcb-shape0",
    "libxcb-randr0",
]
TESTS = [
    "libimage-exiftool-perl",
    "poppler-utils",
    "fonts-dejavu-core",
    "fonts-droid-fallback",
    "postgresql",
]

FAKES = {
    # dpkg -s NAME: installed when NAME is in $FAKE_INSTALLED.
    "dpkg": '[ "$1" = "-s" ] || exit 2\n'
    'for p in $FAKE_INSTALLED; do [ "$p" = "$2" ] && exit 0; done\nexit 1\n',
    # apt-cache show NAME: known when NAME is in $FAKE_KNOWN.
    "apt-cache": 'for p in $FAKE_KNOWN; do [ "$p" = "$2" ] && exit 0; done\nexit 100\n',
    "apt-get": 'echo "apt-get $*" >> "$FAKE_LOG"\nexit "${FAKE_APT_RC:-0}"\n',
    "id": 'echo "${FAKE_UID:-1000}"\n',
    # sudo -n CMD...: runs CMD when passwordless sudo is allowed ($FAKE_SUDO=yes).
    "sudo": '[ "$FAKE_SUDO" = yes ] || exit 1\n[ "$1" = "-n" ] && shift\n'
    'echo "sudo $*" >> "$FAKE_LOG"\n"$@"\n',
}


def _run(tmp_path: Path, mode: str = "test", *, without=(), **env: str):
    fakes = tmp_path / "bin"
    fakes.mkdir(exist_ok=True)
    for name, body in FAKES.items():
        if name in without:
            continue
        path = fakes / name
        path.write_text("#!" + SH + "\n" + body)
        path.chmod(0o755)
    if not (fakes / "tr").exists():
        os.symlink(shutil.which("tr"), fakes / "tr")
    log = tmp_path / "log"
    log.touch()
    environment = {
        "PATH": str(fakes),  # nothing but the fakes (and tr): the real apt is out of reach
        "FAKE_LOG": str(log),
        "FAKE_INSTALLED": "",
        "FAKE_KNOWN": "",
        **env,
    }
    done = subprocess.run(
        [SH, str(SCRIPT), mode], env=environment, capture_output=True, text=True, timeout=60
    )
    return done, log.read_text().splitlines()


def test_nothing_missing_is_quiet_and_installs_nothing(tmp_path):
    done, calls = _run(tmp_path, FAKE_INSTALLED=" ".join(QT + TESTS))
    assert (done.returncode, done.stdout, done.stderr, calls) == (0, "", "", [])


def test_run_needs_only_what_the_window_needs(tmp_path):
    done, calls = _run(tmp_path, "run", FAKE_INSTALLED=" ".join(QT))
    assert done.returncode == 0 and calls == []


def test_root_installs_exactly_the_missing_packages(tmp_path):
    installed = [p for p in QT + TESTS if p not in ("libxcb-icccm4", "poppler-utils")]
    done, calls = _run(tmp_path, FAKE_UID="0", FAKE_INSTALLED=" ".join(installed))
    assert done.returncode == 0, done.stderr
    assert calls == [
        "apt-get update -q",
        "apt-get install -y -q --no-install-recommends libxcb-icccm4 poppler-utils",
    ]
    assert done.stdout == "system-deps: installing libxcb-icccm4 poppler-utils\n"


def test_a_user_with_passwordless_sudo_installs_through_it(tmp_path):
    installed = [p for p in QT + TESTS if p != "libgl1"]
    done, calls = _run(tmp_path, FAKE_SUDO="yes", FAKE_INSTALLED=" ".join(installed))
    assert done.returncode == 0, done.stderr
    assert "sudo apt-get install -y -q --no-install-recommends libgl1" in calls
    assert "apt-get install -y -q --no-install-recommends libgl1" in calls


def test_without_root_or_sudo_it_stops_with_one_line_naming_the_command(tmp_path):
    installed = [p for p in QT + TESTS if p not in ("libgl1", "libxcb-cursor0")]
    done, calls = _run(tmp_path, FAKE_INSTALLED=" ".join(installed))
    assert done.returncode == 1 and calls == [] and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line == (
        "system-deps: missing libgl1 libxcb-cursor0; install them with: sudo apt-get update "
        "&& sudo apt-get install -y -q --no-install-recommends libgl1 libxcb-cursor0"
    )


def test_no_sudo_command_at_all_is_the_same_one_line(tmp_path):
    done, calls = _run(tmp_path, "run", without={"sudo"}, FAKE_INSTALLED="")
    assert done.returncode == 1 and calls == []
    [line] = done.stderr.splitlines()
    assert line.startswith("system-deps: missing libgl1 libegl1 ")
    assert line.endswith("libxcb-shape0 libxcb-randr0")


def test_renamed_libraries_count_under_either_name(tmp_path):
    # Debian 13 and Ubuntu 24.04 ship libglib2.0-0t64 in place of libglib2.0-0.
    installed = ["libglib2.0-0t64" if p == "libglib2.0-0" else p for p in QT]
    done, calls = _run(tmp_path, "run", FAKE_INSTALLED=" ".join(installed))
    assert done.returncode == 0 and calls == []
    # Missing there, the name that system's apt knows is the one asked for.
    others = [p for p in QT if p != "libglib2.0-0"]
    done, calls = _run(
        tmp_path,
        "run",
        FAKE_UID="0",
        FAKE_INSTALLED=" ".join(others),
        FAKE_KNOWN="libglib2.0-0t64",
    )
    assert done.returncode == 0, done.stderr
    assert calls[-1] == "apt-get install -y -q --no-install-recommends libglib2.0-0t64"


def test_a_failed_install_says_what_to_run(tmp_path):
    done, _ = _run(tmp_path, "run", FAKE_UID="0", FAKE_APT_RC="100")
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith(
        "system-deps: could not update the package lists; run: sudo apt-get update && "
    )


def test_without_dpkg_it_says_so_and_lets_make_go_on(tmp_path):
    done, calls = _run(tmp_path, without={"dpkg"})
    assert done.returncode == 0 and calls == []
    [line] = done.stderr.splitlines()
    assert line.startswith("system-deps: not a Debian/Ubuntu system (no dpkg)")


@pytest.mark.parametrize("target", ["run", "test"])
def test_make_run_and_make_test_start_with_this_step(target):
    # Outside any make that runs this test (its MAKEFLAGS would change what -n prints).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    dry = subprocess.run(
        ["make", "--no-print-directory", "-n", target],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.splitlines()
    mode = "run" if target == "run" else "test"
    assert dry[0] == f"sh packaging/system-deps.sh {mode}", dry[:3]
    assert "make test" in (ROOT / ".ci" / "run").read_text()
