"""The Starlette application of the dev runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from scripts.devruntime.config import Settings
from scripts.devruntime.http import Violations, build_routes
from scripts.devruntime.jobs import Runtime
from scripts.devruntime.routes import all_ops
from scripts.devruntime.spec import SpecValidator


def create_app(settings: Settings, runtime: Runtime | None = None) -> Starlette:
    runtime = runtime or Runtime(settings)
    validator = SpecValidator(settings.spec_path)
    violations = Violations()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    async def not_found(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/apps/get/"):  # a link to an app an answer gave
            path = request.url.path.removeprefix("/apps/get/")
            return PlainTextResponse(
                "The dev runtime serves Windmill's API, not its web app, so apps are not shown here. "
                f"The app is stored: GET /api/w/<workspace>/apps/get/p/{path} returns it; deploy the "
                "bundle to Windmill to open it.",
                404,
            )
        return PlainTextResponse(
            f"Not found: {request.method} {request.url.path} is not served by the dev runtime", 404
        )

    app = Starlette(
        routes=build_routes(all_ops(), runtime, validator, violations),
        lifespan=lifespan,
        exception_handlers={404: not_found, 405: not_found},
    )
    app.state.runtime = runtime
    app.state.violations = violations
    app.state.validator = validator
    return app
