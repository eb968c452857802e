"""Process-wide workarounds for bugs in the Qt binding, applied once on import of the package.

PySide6 6.12.0 (abi3 wheels) on CPython 3.11 drops one reference to ``None`` on every call
of a binding method that returns void (``widget.update()``, ``label.setText()``,
``super().paintEvent()``) and every time C++ receives ``None`` from a Python override such
as ``QAbstractItemModel.data()``. ``None`` starts with a few thousand references, so a GUI
aborts within seconds ("Fatal Python error: none_dealloc"). CPython 3.12 made ``None``
immortal, which is why the wheels get away with it there. Giving ``None`` a huge
reference count makes it effectively immortal on 3.11 too; ``None`` is never freed anyway,
so this changes nothing else.
"""

from __future__ import annotations

import ctypes
import sys

_BOOST = 1 << 60


def apply() -> None:
    """Idempotent; a no-op on interpreters where ``None`` is already immortal."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    refcnt = ctypes.c_ssize_t.from_address(id(None))
    if refcnt.value < _BOOST // 2:
        refcnt.value += _BOOST
