"""Issue 12: the application's code carries no planning notes ("(issue 15)", "(a later
part)"). They say when something was built, not why it is so, and go stale as soon as
the issue closes; the why belongs in the docstring, the when in the commit."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("desktop_app", "sequencer_server", "sequencer_common", "benchmarks", "scripts")
NOTE = re.compile(r"\b[Ii]ssue \d+|\(a later part\)|\bTODO\b|\bFIXME\b")


def test_no_module_of_the_application_carries_planning_notes() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if NOTE.search(line)
    ]
    assert found == [], "\n".join(found)
