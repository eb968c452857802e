"""The server's data folder is for its owner only: ``sequencer.sqlite3`` holds private
threads' messages, ``media/`` their recordings, and ``signing.key`` the secret of their
signed URLs. New files are made owner-only (a umask for the whole process, and explicit
modes where the server makes them), and a folder made by an older version, or copied in
with looser modes, is tightened when the server starts."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("sequencer_server")

OWNER_ONLY_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600


def make_new_files_owner_only() -> None:
    """Every file and folder this process makes from now on: no access for others."""
    os.umask(OWNER_ONLY_UMASK)


def restrict(path: Path) -> bool:
    """Take group and other access away from ``path`` (not following links); True when
    it had any."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(st.st_mode) or not st.st_mode & 0o077:
        return False
    os.chmod(path, DIR_MODE if stat.S_ISDIR(st.st_mode) else st.st_mode & FILE_MODE)
    return True


def tighten_data_dir(folder: Path) -> int:
    """Make ``folder`` and everything in it owner-only; logs and returns how many entries
    were open to others. A folder that does not exist yet is left to be made."""
    if not folder.is_dir():
        return 0
    changed = int(restrict(folder))
    for dirpath, dirs, files in os.walk(folder):
        for name in (*dirs, *files):
            changed += restrict(Path(dirpath, name))
    if changed:
        log.warning(
            "🔒 %d files and folders in %s were readable by other local users; they are "
            "now for this user only (folders 0700, files 0600)",
            changed,
            folder,
        )
    return changed
