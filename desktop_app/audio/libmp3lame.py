"""LAME itself (``libmp3lame.so.0``, Debian's ``libmp3lame0``) through ctypes.

Why not lameenc: it has no mode setter, so it codes plain L/R stereo at every bitrate
(29.5 dB SNR against the WAV at 320 kbit/s where the ``lame`` CLI, joint stereo, gets
32.0 dB), while the tag we wrote claimed joint stereo. The library is the same code the
``lame`` CLI runs, so we get its joint stereo and psychoacoustics, float input without an
int16 round trip, and its own LAME tag (``lame_get_lametag_frame``): delay, padding,
lowpass, mode and the music CRC, all true of the stream. It ships with every Debian and
Ubuntu (``libmp3lame0``; scripts/bootstrap.sh installs it, the PyInstaller spec bundles
it) and keeps a stable C ABI, so a handful of ctypes declarations is all it takes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from pathlib import Path

# MPEG_mode in lame.h
STEREO = 0
JOINT_STEREO = 1
MONO = 3
LIBRARY_NAMES = ("libmp3lame.so.0", "libmp3lame.so", "libmp3lame.0.dylib", "libmp3lame.dll")


class LameUnavailable(OSError):
    """libmp3lame cannot be loaded; the message says how to install it. An OSError, like
    the loader's own, so that callers handling I/O failures (the recorder) report it."""


_lib: ctypes.CDLL | None = None


def _candidates() -> list[str]:
    names: list[str] = []
    bundle = getattr(sys, "_MEIPASS", None)  # a PyInstaller bundle carries its own copy
    if bundle:
        names += [str(Path(bundle) / n) for n in LIBRARY_NAMES]
    override = os.environ.get("SEQUENCER_LIBMP3LAME")
    if override:
        names.insert(0, override)
    found = ctypes.util.find_library("mp3lame")
    names += [*LIBRARY_NAMES, *([found] if found else [])]
    return names


def load() -> ctypes.CDLL:
    """The library with its functions declared (loaded once)."""
    global _lib
    if _lib is not None:
        return _lib
    errors = []
    for name in _candidates():
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError as exc:
            errors.append(str(exc))
    else:
        raise LameUnavailable(
            "MP3 encoding needs the LAME library (libmp3lame.so.0), which is not installed: "
            "on Debian/Ubuntu run `apt-get install libmp3lame0` "
            f"({'; '.join(errors[:2]) or 'not found'})"
        )
    handle, c_int, c_float_p, c_buf = (
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_float),
        ctypes.c_char_p,
    )
    lib.lame_init.restype = handle
    lib.lame_init.argtypes = []
    for setter in (
        "lame_set_in_samplerate",
        "lame_set_out_samplerate",
        "lame_set_num_channels",
        "lame_set_brate",
        "lame_set_mode",
        "lame_set_quality",
        "lame_set_VBR",
        "lame_set_bWriteVbrTag",
    ):
        fn = getattr(lib, setter)
        fn.restype = c_int
        fn.argtypes = [handle, c_int]
    lib.lame_init_params.restype = c_int
    lib.lame_init_params.argtypes = [handle]
    lib.lame_get_lowpassfreq.restype = c_int
    lib.lame_get_lowpassfreq.argtypes = [handle]
    lib.lame_get_encoder_delay.restype = c_int
    lib.lame_get_encoder_delay.argtypes = [handle]
    lib.lame_encode_buffer_interleaved_ieee_float.restype = c_int
    lib.lame_encode_buffer_interleaved_ieee_float.argtypes = [
        handle,
        c_float_p,
        c_int,
        c_buf,
        c_int,
    ]
    lib.lame_encode_buffer_ieee_float.restype = c_int
    lib.lame_encode_buffer_ieee_float.argtypes = [handle, c_float_p, c_float_p, c_int, c_buf, c_int]
    lib.lame_encode_flush.restype = c_int
    lib.lame_encode_flush.argtypes = [handle, c_buf, c_int]
    lib.lame_get_lametag_frame.restype = ctypes.c_size_t
    lib.lame_get_lametag_frame.argtypes = [handle, c_buf, ctypes.c_size_t]
    lib.lame_close.restype = c_int
    lib.lame_close.argtypes = [handle]
    _lib = lib
    return lib
