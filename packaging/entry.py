"""The bundle's entry point: the same ``main`` as the ``sequencer`` script.

``desktop_app.__main__.main`` also serves ``--run-embedded-server`` (the frozen app
starts its own local server as a child process of itself), so nothing else is needed
here beyond multiprocessing's hook for frozen executables.
"""

import multiprocessing
import sys

from desktop_app.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
