"""HTTP details Starlette leaves to the application.

A path served by several routes (``GET`` and ``POST /api/v1/threads``) is matched route by
route, so a 405 names only the first route's methods in ``Allow``; RFC 9110 wants every
method the resource supports.
"""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Each method some route fully matches for this path (routes nest in included
    routers, so ask the top-level routes rather than walk them)."""
    return [
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in app.router.routes
        )
    ]


def install_method_not_allowed(app: FastAPI) -> None:
    default = app.exception_handlers[StarletteHTTPException]

    async def handler(request: Request, exc: Exception) -> Response:
        if isinstance(exc, StarletteHTTPException) and exc.status_code == 405:
            allow = ", ".join(allowed_methods(app, request))
            return JSONResponse(
                {"detail": "Method Not Allowed"}, status_code=405, headers={"Allow": allow}
            )
        answer = default(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(StarletteHTTPException, handler)
