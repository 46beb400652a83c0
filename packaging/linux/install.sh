#!/bin/sh
# Install (or remove) the Credence bundle this script sits in, with its menu entry and icons.
#
#   ./install.sh                      # for you only: ~/.local (no root needed)
#   sudo ./install.sh --prefix /usr/local     # for everyone on this computer
#   ./install.sh --uninstall [--prefix P]     # remove it again (your libraries are kept)
#
# What it does: copies this folder to PREFIX/lib/credence, links PREFIX/bin/credence to it,
# and puts the .desktop file, AppStream metainfo and icons under PREFIX/share. Your libraries
# (~/.local/share/Credence/...) are never touched, by install or by uninstall.
set -eu

APP_ID=org.credence.Credence
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX="$HOME/.local"
UNINSTALL=0

while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) PREFIX=${2:?--prefix needs a folder}; shift 2 ;;
        --prefix=*) PREFIX=${1#--prefix=}; shift ;;
        --uninstall) UNINSTALL=1; shift ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

LIB="$PREFIX/lib/credence"
BIN="$PREFIX/bin"
SHARE="$PREFIX/share"

refresh_caches() {
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$SHARE/applications" 2>/dev/null || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$SHARE/icons/hicolor/index.theme" ]; then
        gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" 2>/dev/null || true
    fi
}

if [ "$UNINSTALL" = 1 ]; then
    rm -f "$BIN/credence" "$SHARE/applications/$APP_ID.desktop" "$SHARE/metainfo/$APP_ID.metainfo.xml"
    rm -f "$SHARE"/icons/hicolor/*/apps/"$APP_ID".png "$SHARE/icons/hicolor/scalable/apps/$APP_ID.svg"
    rm -rf "$LIB"
    refresh_caches
    echo "Credence removed from $PREFIX. Your libraries were not touched."
    exit 0
fi

if [ ! -x "$HERE/credence" ] || [ ! -d "$HERE/_internal" ]; then
    echo "install.sh: run the copy inside the Credence folder (next to the credence program)" >&2
    exit 1
fi

mkdir -p "$LIB" "$BIN" "$SHARE/applications" "$SHARE/metainfo"
if [ "$HERE" != "$LIB" ]; then
    rm -rf "$LIB.new"
    cp -a "$HERE" "$LIB.new"
    rm -rf "$LIB"
    mv "$LIB.new" "$LIB"
fi
ln -sf "$LIB/credence" "$BIN/credence"

# The menu entry names the program by its full path: ~/.local/bin is not always on PATH.
sed -e "s|^Exec=credence|Exec=$LIB/credence|" -e "s|^TryExec=credence|TryExec=$LIB/credence|" \
    "$LIB/share/applications/$APP_ID.desktop" > "$SHARE/applications/$APP_ID.desktop"
cp "$LIB/share/metainfo/$APP_ID.metainfo.xml" "$SHARE/metainfo/"
for icon in "$LIB"/share/icons/hicolor/*/apps/*; do
    size_dir=$(basename "$(dirname "$(dirname "$icon")")")
    mkdir -p "$SHARE/icons/hicolor/$size_dir/apps"
    cp "$icon" "$SHARE/icons/hicolor/$size_dir/apps/"
done
refresh_caches

echo "Credence installed in $LIB"
echo "  menu entry: $SHARE/applications/$APP_ID.desktop"
echo "  command:    $BIN/credence (try: credence --version)"
case ":$PATH:" in
    *":$BIN:"*) ;;
    *) echo "  note: $BIN is not on your PATH; start Credence from the menu or add it." ;;
esac
