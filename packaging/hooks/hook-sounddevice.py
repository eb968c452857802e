"""Bundle PortAudio with sounddevice on every platform.

The contributed hook bundles the system ``libportaudio.so.2`` on Linux, but sounddevice
looks the library up with ``ctypes.util.find_library("portaudio")``, which never looks
inside the bundle, so the copy would go unused (and the app silently fell back to no
sound on a machine without libportaudio2). This hook collects the same library and the
runtime hook ``rthook_portaudio.py`` points sounddevice at it. A build without PortAudio
fails here rather than producing a mute app.
"""

from __future__ import annotations

import ctypes.util
import os
import pathlib
import subprocess

from PyInstaller.utils.hooks import get_module_file_attribute

binaries = []
datas = []

module_dir = pathlib.Path(get_module_file_attribute("sounddevice")).parent
bundled_dir = module_dir / "_sounddevice_data" / "portaudio-binaries"


def _system_portaudio() -> str | None:
    """The real path of the system library ``find_library`` names (``ldconfig -p``)."""
    name = ctypes.util.find_library("portaudio")
    if name is None:
        return None
    if os.path.isabs(name) and os.path.exists(name):
        return os.path.realpath(name)
    try:
        listing = subprocess.run(
            ["ldconfig", "-p"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        listing = ""
    for line in listing.splitlines():
        soname, _, path = line.strip().partition(" => ")
        if soname.split(" ", 1)[0] == name and os.path.exists(path):
            return path  # keep the soname file name: that is what the loader looks for
    for folder in ("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib"):
        candidate = os.path.join(folder, name)
        if os.path.exists(candidate):
            return candidate
    return None


if bundled_dir.is_dir():  # Windows and macOS wheels carry their own PortAudio
    for lib in bundled_dir.glob("libportaudio*.*"):
        binaries.append((str(lib), "_sounddevice_data/portaudio-binaries"))
else:
    lib = _system_portaudio()
    if lib is None:
        raise SystemExit(
            "hook-sounddevice: PortAudio not found; install it first "
            "(Debian/Ubuntu: sudo apt-get install libportaudio2)"
        )
    binaries.append((lib, "."))
