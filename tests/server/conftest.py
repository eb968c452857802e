"""Fixtures shared by the server tests; a module that needs other settings defines its own
``served``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server.helpers import BACKEND_KINDS, serve


@pytest.fixture(params=BACKEND_KINDS)
def served(request, tmp_path) -> Iterator[tuple]:
    with serve(request, tmp_path, MAX_UPLOAD_MB="100") as pair:
        yield pair
