"""Runtime hook: make sounddevice load the PortAudio bundled next to the app.

Runs before any application import; sounddevice asks ``ctypes.util.find_library``, so the
bundled file is answered for "portaudio" and every other name is looked up as usual.
"""

import ctypes.util
import glob
import os
import sys


def _install() -> None:
    matches = sorted(glob.glob(os.path.join(sys._MEIPASS, "libportaudio.so*")))
    if not matches:
        return
    bundled = matches[0]
    system_find_library = ctypes.util.find_library

    def find_library(name):
        if name == "portaudio":
            return bundled
        return system_find_library(name)

    ctypes.util.find_library = find_library


_install()
