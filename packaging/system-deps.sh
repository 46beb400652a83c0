#!/bin/sh
# The system packages Credence needs from Debian/Ubuntu, installed when missing.
#
#   packaging/system-deps.sh run    what the window needs: the libraries Qt loads (make run)
#   packaging/system-deps.sh test   that, plus what the tests read files with and the
#                                   PostgreSQL server they start (make test, CI)
#
# Checks each package with dpkg; installs the missing ones with apt-get as root, or through
# `sudo -n` when that works without a password. Otherwise it stops with ONE line naming the
# exact command to run, and exits 1, before anything else happens. Quiet when all is there.
# On a system without dpkg it says so in one line and lets the caller go on.
set -u

mode=${1:-test}

# Qt's GUI libraries (QtGui loads libGL/libEGL, fonts through fontconfig, D-Bus and GLib for
# the event loop), then what the xcb platform plugin needs to open a window under X11.
qt="libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0t64|libglib2.0-0
libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xkb1
libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0"
# ExifTool reads exported XMP independently of the app, poppler-utils reads rendered label
# PDFs, and the two font packages give the label tests Arabic and CJK glyphs. PostgreSQL's
# server binaries (initdb, pg_ctl) let the tests start a throwaway cluster of their own for the
# team-library tests (tests/pgcluster.py); the package's own cluster is not used.
tests="libimage-exiftool-perl poppler-utils fonts-dejavu-core fonts-droid-fallback postgresql"

case "$mode" in
  run) needed=$qt ;;
  test) needed="$qt $tests" ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

if ! command -v dpkg >/dev/null 2>&1; then
  echo "system-deps: not a Debian/Ubuntu system (no dpkg); make sure Qt 6's libraries" \
       "(OpenGL/EGL, xkbcommon, fontconfig, D-Bus, GLib, xcb-cursor and the xcb utility" \
       "libraries) are installed" >&2
  exit 0
fi

# A need may name alternatives ("new-name|old-name": Debian 13 and Ubuntu 24.04 renamed some
# libraries for 64-bit time): any one installed will do.
wanted=""
for need in $needed; do
  found=""
  for name in $(echo "$need" | tr '|' ' '); do
    if dpkg -s "$name" >/dev/null 2>&1; then found=$name; break; fi
  done
  [ -n "$found" ] || wanted="$wanted $need"
done
[ -z "$wanted" ] && exit 0

# The package names to ask apt for: of alternatives, the first this system's apt knows (the
# last one when it knows none yet, e.g. before the first `apt-get update`).
resolve() {
  names=""
  for need in $wanted; do
    pick=${need##*|}
    for name in $(echo "$need" | tr '|' ' '); do
      if apt-cache show "$name" >/dev/null 2>&1; then pick=$name; break; fi
    done
    names="$names $pick"
  done
  echo "${names# }"
}
missing=$(resolve)
install="apt-get install -y -q --no-install-recommends"
manual="sudo apt-get update && sudo $install $missing"
if [ "$(id -u)" -eq 0 ]; then
  run=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  run="sudo -n"
else
  echo "system-deps: missing $missing; install them with: $manual" >&2
  exit 1
fi

echo "system-deps: installing $missing"
export DEBIAN_FRONTEND=noninteractive
if ! $run apt-get update -q >/dev/null; then
  echo "system-deps: could not update the package lists; run: $manual" >&2
  exit 1
fi
missing=$(resolve)
if ! $run $install $missing >/dev/null; then
  echo "system-deps: could not install $missing; run: $manual" >&2
  exit 1
fi
