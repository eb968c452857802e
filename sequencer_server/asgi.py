"""Entry point for running under an ASGI server directly, e.g. several workers:

uvicorn sequencer_server.asgi:create_app_from_env --factory --workers 4
"""

from __future__ import annotations

from fastapi import FastAPI

from sequencer_server.app import create_app
from sequencer_server.config import Settings


def create_app_from_env() -> FastAPI:
    return create_app(Settings.from_env())
