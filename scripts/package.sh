#!/usr/bin/env bash
# Build the one-folder bundle (dist/sequencer/), report its size, archive it and run its
# smoke test: the bundle's own binary starts offscreen in a throw-away SEQUENCER_HOME,
# starts its embedded server (itself, frozen), and must pass every check.
#
#   scripts/package.sh            # what `make package` runs
#   SKIP_ARCHIVE=1 scripts/package.sh
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PY="$VENV/bin/python"
DIST=${DIST:-dist}
BUNDLE="$DIST/sequencer"
VERSION=$("$PY" -c 'import desktop_app; print(desktop_app.__version__)')
ARCH=$(uname -m)
ARCHIVE="$DIST/sequencer-$VERSION-linux-$ARCH.tar.gz"

if ! "$PY" -c 'import PyInstaller' 2>/dev/null; then
    echo "package: installing PyInstaller into $VENV (pip install -e \".[package]\")"
    "$PY" -m pip install -q -e ".[package]"
fi

echo "package: building $BUNDLE (PyInstaller $("$PY" -m PyInstaller --version))"
start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath build/pyinstaller packaging/sequencer.spec
echo "package: built in $(($(date +%s) - start)) s"

# The desktop files travel with the bundle, so an unpacked archive can install them
# (scripts/install_desktop.sh --bundle DIR).
mkdir -p "$BUNDLE/share"
cp -r packaging/linux "$BUNDLE/share/"
cp -r resources/icons "$BUNDLE/share/"
cp scripts/install_desktop.sh "$BUNDLE/install-desktop.sh"
cp LICENSE README.md "$BUNDLE/share/"

echo "package: size of $BUNDLE: $(du -sh "$BUNDLE" | cut -f1) ($(find "$BUNDLE" -type f | wc -l) files)"
echo "package: largest files:"
find "$BUNDLE" -type f -printf '%s %P\n' | sort -rn | head -8 |
    awk '{printf "    %6.1f MB  %s\n", $1 / 1048576, $2}'

echo "package: smoke test of the bundle"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
out=$(SEQUENCER_HOME="$home" QT_QPA_PLATFORM=offscreen \
    "$BUNDLE/sequencer" --smoke-test 2>"$home/stderr") || {
    echo "$out"
    cat "$home/stderr" >&2
    echo "package: the bundle's smoke test FAILED" >&2
    exit 1
}
echo "$out" | sed 's/^/    /'
# The checks must have used what the bundle carries, not the build machine's copies.
grep -q "libportaudio.so.*$BUNDLE\|$BUNDLE.*libportaudio.so\|_internal/libportaudio" <<<"$out" || {
    echo "package: PortAudio was not loaded from the bundle" >&2
    exit 1
}
grep -q -- "--run-embedded-server" <<<"$out" || {
    echo "package: the embedded server was not started from the bundle" >&2
    exit 1
}

if [[ -z "${SKIP_ARCHIVE:-}" ]]; then
    tar -C "$DIST" -czf "$ARCHIVE" sequencer
    echo "package: archive $ARCHIVE: $(du -sh "$ARCHIVE" | cut -f1)"
fi
echo "package: done: $BUNDLE/sequencer"
