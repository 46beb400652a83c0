#!/usr/bin/env bash
# Smoke test of the frozen Credence bundle: packaging/smoke_test.sh [BUNDLE_DIR]  (default dist/credence)
#
# Runs the bundle the way a registrar's computer would: a clean environment (env -i: no Python,
# no virtual environment, no PYTHON* variables), an empty home folder, a scratch working folder,
# Qt on the offscreen platform. It creates a signing identity, imports images (the bundle's own
# sample collection, one under a non-ASCII name), records an approved AI disclosure, exports
# signed files with two worker processes (the frozen multiprocessing path), verifies them as
# trusted, checks that a tampered copy is caught, renders label PDF and PNG, verifies the
# history, opens the window (and, on first run, the welcome dialog) and closes it, and installs
# the desktop integration into a scratch prefix. With xvfb-run available it also opens the
# window on a real X11 server (xcb). Linux only (macOS/Windows: README-platforms.md).
#
# Exit status 0 when every step passed; 1 otherwise, after listing the failed steps. Each
# failure prints the command's output. Set SMOKE_KEEP=1 to keep the scratch folder,
# SMOKE_X11=0 to skip the Xvfb run.
set -u

BUNDLE=${1:-dist/credence}
if [ ! -x "$BUNDLE/credence" ]; then
    echo "smoke_test: no bundle at $BUNDLE (expected $BUNDLE/credence); run make package" >&2
    exit 1
fi
BUNDLE=$(cd "$BUNDLE" && pwd)
EXE="$BUNDLE/credence"
INTERNAL="$BUNDLE/_internal"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/credence-smoke.XXXXXX")
HOME_DIR="$WORK/home"
LIB="$WORK/library"
PASSPHRASE="smoke-test-passphrase-$$"
mkdir -p "$HOME_DIR" "$WORK/originals"
cd "$WORK" || exit 1 # never the repository: nothing may be picked up from a source tree

BG_PID=""
cleanup() {
    if [ -n "$BG_PID" ]; then kill -KILL "$BG_PID" 2>/dev/null; fi
    if [ "${SMOKE_KEEP:-0}" = 1 ]; then echo "scratch folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# The bundle in a clean environment. LANG is what any desktop session sets.
clean_env=(env -i "HOME=$HOME_DIR" PATH=/usr/bin:/bin LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen
    "CREDENCE_PASSPHRASE=$PASSPHRASE" "CREDENCE_USER=Smoke Test")
app() { "${clean_env[@]}" "$EXE" "$@"; }
lib() { app --library "$LIB" "$@"; }
fail() { echo "$*"; return 1; }
# Succeeds when the text in $1 contains $2; otherwise prints the text and fails.
contains() { case "$1" in *"$2"*) return 0 ;; *) printf '%s\n' "$1"; fail "expected: $2" ;; esac; }

PASSED=0
FAILED=()
step() {
    local name=$1 out
    shift
    printf '  %-58s ' "$name"
    if out=$("$@" 2>&1); then
        echo ok
        PASSED=$((PASSED + 1))
        [ -n "${SMOKE_VERBOSE:-}" ] && printf '%s\n' "$out" | sed 's/^/      /'
    else
        echo FAILED
        FAILED+=("$name")
        printf '%s\n' "$out" | tail -n 25 | sed 's/^/      | /'
    fi
    return 0
}
skip() { printf '  %-58s skipped (%s)\n' "$1" "$2"; }

# -- the bundle itself ---------------------------------------------------------------------

s_layout() {
    local missing=()
    for f in \
        "$INTERNAL/c2pa/libs/libc2pa_c.so" \
        "$INTERNAL/pyexiv2/lib/libexiv2.so" \
        "$INTERNAL/provenance/store/migrations/env.py" \
        "$INTERNAL/resources/disclosure/en.json" \
        "$INTERNAL/resources/label_templates/wall.json" \
        "$INTERNAL/resources/fonts/AtkinsonHyperlegible-Regular.ttf" \
        "$INTERNAL/resources/sample/catalog.csv" \
        "$INTERNAL/PySide6/Qt/plugins/platforms/libqxcb.so" \
        "$INTERNAL/PySide6/Qt/plugins/platforms/libqwayland.so" \
        "$INTERNAL/PySide6/Qt/plugins/platforms/libqoffscreen.so" \
        "$INTERNAL/PySide6/Qt/plugins/imageformats/libqjpeg.so" \
        "$BUNDLE/share/applications/org.credence.Credence.desktop" \
        "$BUNDLE/share/metainfo/org.credence.Credence.metainfo.xml" \
        "$BUNDLE/share/icons/hicolor/256x256/apps/org.credence.Credence.png" \
        "$BUNDLE/install.sh"; do
        [ -e "$f" ] || missing+=("${f#"$BUNDLE"/}")
    done
    ls "$INTERNAL"/provenance/store/migrations/versions/*.py >/dev/null 2>&1 || missing+=("migrations/versions/*.py")
    [ ${#missing[@]} -eq 0 ] || fail "missing from the bundle: ${missing[*]}" || return 1
    local unwanted
    unwanted=$(find "$INTERNAL" \( -name 'libQt6Qml*' -o -name 'libQt6Quick*' -o -name 'libQt6Network*' \
        -o -name 'libQt6WebEngine*' -o -name 'QtQml*' -o -name 'QtQuick*' -o -name 'QtNetwork*' \) -print)
    [ -z "$unwanted" ] || fail "Qt modules the app does not use were bundled: $unwanted"
}

# Every library in the bundle must find its dependencies in the bundle or in the small set the
# system always provides (glibc, GL/EGL, xcb, wayland). A "not found" for anything else means
# the Qt pruning in credence.spec dropped something still needed.
s_libraries() {
    command -v ldd >/dev/null || { echo "ldd not available; not checked"; return 0; }
    local missing
    missing=$(cd "$INTERNAL" && find . -name '*.so*' -type f -print0 |
        xargs -0 -n 20 env LD_LIBRARY_PATH="$INTERNAL:$INTERNAL/PySide6/Qt/lib" ldd 2>/dev/null |
        awk '/not found/ {print $1}' | sort -u)
    local bad="" name
    for name in $missing; do
        case "$name" in
            libexiv2.so.28) ;; # pyexiv2 loads its own copy by path before its extension module
            libGL.so.* | libEGL.so.* | libxcb.so.* | libwayland-*) echo "system library not on this machine: $name" ;;
            *) bad="$bad $name" ;;
        esac
    done
    [ -z "$bad" ] || fail "libraries the bundle needs but lacks:$bad"
}

s_version() {
    local out
    out=$(app --version) || fail "exit status $?: $out" || return 1
    contains "$out" "credence " || return 1
    case "$out" in *"+source"*) fail "no version metadata in the bundle: $out" ;; esac
}

s_help() {
    local out
    out=$(app --help) || return 1
    for verb in init import identity export verify labels history; do
        contains "$out" "$verb" || return 1
    done
}

s_usage_error() {
    local out rc
    out=$(app no-such-verb 2>&1)
    rc=$?
    [ "$rc" = 2 ] || fail "expected exit status 2 for a usage error, got $rc: $out"
}

# -- a library, end to end -----------------------------------------------------------------

s_init() { contains "$(lib init)" "Library ready"; }

s_identity() {
    lib identity create --org "Smoke Test Museum" || return 1
    contains "$(lib identity show)" "Smoke Test Museum"
}

s_import() {
    local sample="$INTERNAL/resources/sample"
    cp "$sample/CR.1901.12.jpg" "$WORK/originals/Harbour – Bokmål ø.jpg" || return 1
    cp "$sample/CR.2019.2.jpg" "$WORK/originals/CR.2019.2.jpg" || return 1
    local out
    # The catalog first: CR.2019.2.jpg then joins the catalog's item CR.2019.2 by its name.
    out=$(lib catalog import "$sample/catalog.csv") || fail "catalog import: $out" || return 1
    out=$(lib import "$WORK/originals" --json) || fail "exit status $?: $out" || return 1
    contains "$out" '"rejected": []' || return 1
    [ "$(grep -c '"asset":' <<<"$out")" = 2 ] || fail "expected 2 imported files: $out" || return 1
    # The items the images went to, for the export step ("CR.2019.2" and a new "#N").
    sed -n 's/^ *"item": "\(.*\)",$/\1/p' <<<"$out" >"$WORK/imported-items"
    grep -qx "CR.2019.2" "$WORK/imported-items" || fail "CR.2019.2.jpg did not join item CR.2019.2: $out"
}

s_disclosure() {
    lib tool add "Restorer X" --vendor "Acme Imaging" --version 2.1 --runs on-device || return 1
    lib event add CR.2019.2 --action restored --actor "Conservation lab" --date 2026-05 \
        --tool "Restorer X" || return 1
    lib disclose CR.2019.2 --category ai-restored --tool "Restorer X" \
        --purpose "reconstruct a torn corner" || return 1
    lib review CR.2019.2 --approve --by "Dana Registrar"
}

s_export() {
    local out
    local items
    mapfile -t items <"$WORK/imported-items"
    out=$(lib export "${items[@]}" --out "$WORK/exports" --jobs 2 --json) ||
        fail "exit status $?: $out" || return 1
    contains "$out" '"failed": []' || return 1
    [ "$(grep -c '"manifest": "urn:c2pa:' <<<"$out")" = 2 ] || fail "expected 2 exports: $out" || return 1
    [ "$(find "$WORK/exports" -name '*.jpg' | wc -l)" = 2 ] || fail "expected 2 signed files: $out"
}

s_verify() {
    local out
    out=$(lib verify "$WORK"/exports/*.jpg --json) || fail "exit status $?: $out" || return 1
    [ "$(grep -c '"credentials": "trusted"' <<<"$out")" = 2 ] || fail "not both trusted: $out"
}

s_tamper() {
    local file size out rc
    file=$(find "$WORK/exports" -name 'CR.2019.2*.jpg' | head -n 1)
    [ -n "$file" ] || fail "no export of CR.2019.2" || return 1
    cp "$file" "$WORK/tampered.jpg"
    size=$(stat -c %s "$WORK/tampered.jpg")
    # Invert one byte of the compressed pixels, well before the end-of-image marker.
    local at=$((size - 200)) byte
    byte=$(od -An -tu1 -j "$at" -N1 "$WORK/tampered.jpg" | tr -d ' ')
    # shellcheck disable=SC2059 # the format is the octal escape of the new byte
    printf "\\$(printf '%03o' $((byte ^ 255)))" |
        dd of="$WORK/tampered.jpg" bs=1 seek="$at" conv=notrunc status=none
    out=$(lib verify "$WORK/tampered.jpg" --json 2>&1)
    rc=$?
    [ "$rc" = 1 ] || fail "expected exit status 1 for a tampered file, got $rc: $out" || return 1
    contains "$out" '"credentials": "invalid"'
}

s_labels() {
    local out
    out=$(lib labels --all --template wall --out "$WORK/labels.pdf") || fail "exit status $?: $out" || return 1
    [ "$(head -c 5 "$WORK/labels.pdf")" = "%PDF-" ] || fail "labels.pdf is not a PDF: $out" || return 1
    out=$(lib labels CR.2019.2 --template sticker --out "$WORK/sticker.png") || fail "$out" || return 1
    [ "$(head -c 4 "$WORK/sticker.png" | tail -c 3)" = "PNG" ] || fail "sticker.png is not a PNG: $out"
}

s_history() { contains "$(lib history --verify)" "History intact"; }

# -- the window ------------------------------------------------------------------------------
# No test hook in the app yet, so: start the window with Qt's plugin-loading log on, wait until
# the log shows the window got as far as $2 (a plugin path), let it run a moment, check it is
# still alive and that every library it mapped is the bundle's or the system's (never a
# virtual environment's), then close it (SIGTERM). Fails on an early exit or on error output.
# $1: label, $2: plugin that proves progress, $3...: environment and arguments.
run_window() {
    local proof=$1
    shift
    local err="$WORK/window.err" deadline rc maps outside
    : >"$err"
    env -i "HOME=$HOME_DIR" PATH=/usr/bin:/bin LANG=C.UTF-8 QT_LOGGING_RULES="qt.core.library.debug=true" \
        "$@" 2>"$err" >"$WORK/window.out" &
    BG_PID=$!
    deadline=$((SECONDS + 30))
    until grep -q "$proof\" loaded library" "$err"; do
        if ! kill -0 "$BG_PID" 2>/dev/null; then
            wait "$BG_PID"
            rc=$?
            BG_PID=""
            cat "$WORK/window.out" "$err"
            fail "the window process ended early (exit status $rc)"
            return 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            cat "$err"
            fail "no sign of $proof within 30 s"
            return 1
        fi
        sleep 0.2
    done
    sleep 2 # a moment for anything that goes wrong right after the first paint
    if ! kill -0 "$BG_PID" 2>/dev/null; then
        wait "$BG_PID"
        rc=$?
        BG_PID=""
        cat "$err"
        fail "the window closed by itself (exit status $rc)"
        return 1
    fi
    maps=$(awk '$6 ~ /^\// {print $6}' "/proc/$BG_PID/maps" 2>/dev/null | sort -u)
    outside=$(grep -v -E "^($BUNDLE/|/usr/|/lib|/etc/|/var/cache/|/dev/|/memfd:|/SYSV|$WORK/)" <<<"$maps")
    kill -TERM "$BG_PID"
    wait "$BG_PID" 2>/dev/null
    BG_PID=""
    [ -z "$outside" ] || fail "files mapped from outside the bundle and the system: $outside" || return 1
    local problems
    problems=$(grep -v -e '^qt\.core\.library' -e 'does not support propagateSizeHints' "$err" |
        grep -i -E 'error|traceback|exception|fatal|cannot|could not|failed|abort|segmentation')
    [ -z "$problems" ] || fail "error output from the window: $problems"
}

s_window() {
    run_window "imageformats/libqjpeg.so" QT_QPA_PLATFORM=offscreen "$EXE" --library "$LIB"
}

s_first_run() {
    run_window "platforms/libqoffscreen.so" QT_QPA_PLATFORM=offscreen "$EXE" || return 1
    # The welcome dialog was showing when it was closed: nothing may have been created.
    [ ! -e "$HOME_DIR/.local/share/Credence/Library/library.sqlite" ] ||
        fail "closing the first-run dialog created a library"
}

s_window_x11() {
    # xvfb-run sets DISPLAY and XAUTHORITY; pass them through the clean environment.
    # shellcheck disable=SC2016 # expanded by the inner shell, under Xvfb
    xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
        source "$1"; shift
        run_window "platforms/libqxcb.so" DISPLAY="$DISPLAY" XAUTHORITY="${XAUTHORITY:-}" \
            QT_QPA_PLATFORM=xcb "$@" || exit 1
        # the thumbnails were drawn too (the jpeg plugin is loaded after the platform)
        grep -q "imageformats/libqjpeg.so\" loaded library" "$WORK/window.err" ||
            { cat "$WORK/window.err"; echo "the window showed no thumbnails"; exit 1; }
    ' _ "$WORK/functions.sh" "$EXE" --library "$LIB"
}

# -- desktop integration ---------------------------------------------------------------------

s_install() {
    local prefix="$WORK/prefix" desktop out
    "${clean_env[@]}" sh "$BUNDLE/install.sh" --prefix "$prefix" || return 1
    out=$("${clean_env[@]}" "$prefix/bin/credence" --version) || fail "installed command: $out" || return 1
    desktop="$prefix/share/applications/org.credence.Credence.desktop"
    grep -q "^Exec=$prefix/lib/credence/credence$" "$desktop" || fail "Exec not rewritten: $(cat "$desktop")" || return 1
    [ -f "$prefix/share/icons/hicolor/48x48/apps/org.credence.Credence.png" ] || fail "icons not installed" || return 1
    if command -v desktop-file-validate >/dev/null; then
        desktop-file-validate "$desktop" || return 1
    else
        echo "desktop-file-validate not available; .desktop not validated"
    fi
    if command -v appstreamcli >/dev/null; then
        appstreamcli validate --no-net "$prefix/share/metainfo/org.credence.Credence.metainfo.xml" || return 1
    else
        echo "appstreamcli not available; metainfo not validated"
    fi
    "${clean_env[@]}" sh "$prefix/lib/credence/install.sh" --uninstall --prefix "$prefix" || return 1
    [ ! -e "$prefix/bin/credence" ] && [ ! -e "$prefix/lib/credence" ] || fail "uninstall left files behind"
}

# The Xvfb step runs run_window in a child shell: hand it the functions and variables.
{
    declare -p BUNDLE WORK HOME_DIR
    declare -f fail run_window
    echo 'BG_PID=""'
} >"$WORK/functions.sh"

echo "Smoke test of $BUNDLE (scratch folder $WORK)"
step "bundle holds native libraries, migrations, resources" s_layout
step "bundled libraries resolve" s_libraries
step "credence --version (clean environment)" s_version
step "credence --help lists the verbs" s_help
step "usage error exits with status 2" s_usage_error
step "init a library in an empty home" s_init
step "identity create (CREDENCE_PASSPHRASE)" s_identity
step "catalog import, then images (one non-ASCII name)" s_import
step "tool, event, AI disclosure, approval" s_disclosure
step "export signed with --jobs 2 (frozen worker processes)" s_export
step "verify exports: trusted" s_verify
step "verify a tampered copy: invalid, exit status 1" s_tamper
step "labels: PDF and PNG" s_labels
step "history --verify" s_history
step "window opens (offscreen) and closes" s_window
step "history intact after closing the window" s_history
step "first run: welcome dialog opens and closes" s_first_run
if [ "${SMOKE_X11:-1}" = 0 ]; then
    skip "window on X11 (Xvfb)" "SMOKE_X11=0"
elif command -v xvfb-run >/dev/null && command -v Xvfb >/dev/null; then
    step "window on X11 (Xvfb, xcb platform plugin)" s_window_x11
else
    skip "window on X11 (Xvfb)" "xvfb-run not installed"
fi
step "install.sh into a prefix, validate, uninstall" s_install

if [ ${#FAILED[@]} -gt 0 ]; then
    echo "smoke test FAILED: ${#FAILED[@]} of $((PASSED + ${#FAILED[@]})) steps:"
    printf '  - %s\n' "${FAILED[@]}"
    exit 1
fi
echo "smoke test passed: $PASSED steps ($(du -sh "$BUNDLE" | cut -f1) bundle)"
