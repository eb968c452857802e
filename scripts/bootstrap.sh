#!/usr/bin/env bash
# Prepare a machine to run or test Sequencer: the Debian libraries Qt, QtMultimedia and
# PortAudio load at run time, then a virtual environment with the project installed.
# Idempotent and quiet when nothing is missing, so `make run` / `make test` can call it
# every time.
#
#   scripts/bootstrap.sh          # the app only: pip install -e .        (make run)
#   scripts/bootstrap.sh test     # and the test tools: -e ".[test]"      (make test),
#                                 # and Debian's hydrogen-drumkits for the kit tests
#
# Each set of extras has its own stamp, so switching between `make run` and `make test`
# installs what the other lacks, and an edited pyproject.toml installs again.
set -euo pipefail
cd "$(dirname "$0")/.."

EXTRAS=${1:-}
if [[ ! "$EXTRAS" =~ ^[a-z0-9,-]*$ ]]; then
    echo "bootstrap: extras must be names from pyproject.toml separated by commas, not '$EXTRAS'" >&2
    exit 2
fi
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
EXTRA_PACKAGES=${EXTRA_PACKAGES:-}

# What the wheels of PySide6 (xcb/offscreen platform, QtMultimedia's FFmpeg backend) and
# sounddevice dlopen at run time, and the MP3 encoder (libmp3lame0, through ctypes); none
# of them comes with pip.
PACKAGES="libpulse0 libportaudio2 libmp3lame0 libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0
libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0 libxcb-cursor0 libxcb-icccm4
libxcb-keysyms1 libxcb-image0 libxcb-randr0 libxcb-render-util0 libxcb-shape0
libxcb-xinerama0 libxcb-xkb1 $EXTRA_PACKAGES"

# The test set imports real Hydrogen drumkits (tests/unit/test_hydrogen_import.py).
if [[ ",$EXTRAS," == *",test,"* ]]; then
    PACKAGES="$PACKAGES hydrogen-drumkits"
    # A private session bus and gdbus for the desktop-notification tests.
    PACKAGES="$PACKAGES dbus-daemon libglib2.0-bin"
fi

if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
    PACKAGES="$PACKAGES python3-venv"
fi

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
    for p in $PACKAGES; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [[ "$status" == *"install ok installed"* ]] || missing+=("$p")
    done
else
    echo "bootstrap: not a Debian system; make sure the Qt/PulseAudio/PortAudio libraries are installed" >&2
fi

if ((${#missing[@]})); then
    cmd="apt-get install -y --no-install-recommends ${missing[*]}"
    if [[ $(id -u) -eq 0 ]]; then
        echo "bootstrap: installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
            apt-get update -q >/dev/null
            apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
        }
    else
        echo "bootstrap: these Debian packages are missing; install them with:" >&2
        echo "    sudo apt-get update && sudo $cmd" >&2
        exit 1
    fi
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "bootstrap: creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi

if [[ -n "$EXTRAS" ]]; then
    spec=".[$EXTRAS]"
    stamp="$VENV/.installed-${EXTRAS//,/-}"
else
    spec="."
    stamp="$VENV/.installed-app"
fi
if [[ ! -f "$stamp" || pyproject.toml -nt "$stamp" ]]; then
    echo "bootstrap: installing the project into $VENV (pip install -e \"$spec\")"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e "$spec"
    touch "$stamp"
fi
