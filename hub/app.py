"""The Starlette application: `WS /ws`, `POST /internal/push`, `GET /health`, `GET /metrics`, `GET /`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

import f.openanalyst.lib.signing as signing
from f.openanalyst.lib.log import get_logger, log
from f.openanalyst.lib.protocol import AssistantResponse, parse_frame
from hub import cancel, history
from hub.connection import SERVER_SEND
from hub.core import Hub
from hub.metrics import CONTENT_TYPE_LATEST
from hub.relay import Relay
from hub.session import Session
from hub.settings import Settings
from hub.takeover import keep_following

logger = get_logger("hub.app")

# What a flow may push: the server-to-client events.
PUSHABLE = frozenset(
    {"ASSISTANT_TYPING", "ASSISTANT_RESPONSE", "TASK_PROGRESS", "TASK_COMPLETE", "TASK_ERROR"}
)


class ServerSend:
    """Keep the server's own `send` in a websocket's scope (`hub.connection.SERVER_SEND`).

    Outermost user middleware, so `send` is still uvicorn's (Starlette's ServerErrorMiddleware
    passes websocket scopes through untouched); connections write events with it directly.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[SERVER_SEND] = send
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None, hub: Hub | None = None) -> Starlette:
    settings = settings or (hub.settings if hub else Settings.from_env())
    hub = hub or Hub(settings)
    if settings.store and hub.history is None:
        hub.history = history.History.from_setting(settings.store)

    async def websocket_endpoint(websocket: WebSocket) -> None:
        await Session(hub, websocket).run()

    async def push(request: Request) -> Response:
        secret = settings.push_secret.get_secret_value() if settings.push_secret else ""
        if not secret:
            hub.metrics.pushes.labels(result="disabled").inc()
            return JSONResponse({"error": "pushes are disabled: HUB_PUSH_SECRET is not set"}, status_code=503)
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > settings.max_push_bytes:
                hub.metrics.pushes.labels(result="too_large").inc()
                return JSONResponse(
                    {"error": f"body larger than {settings.max_push_bytes} bytes"}, status_code=413
                )
        try:
            signing.verify(secret, bytes(body), dict(request.headers))
        except signing.BadSignature as exc:
            hub.metrics.pushes.labels(result="bad_signature").inc()
            log(logger, 30, "push refused", reason=str(exc))
            return JSONResponse({"error": f"bad signature: {exc}"}, status_code=401)
        # A valid signature is accepted once: the same body and signature again is a replay.
        signature = request.headers.get(signing.SIGNATURE_HEADER, "")
        if not await hub.broker.first_time(f"push:{signature}", 2 * signing.MAX_SKEW_S):
            hub.metrics.pushes.labels(result="replay").inc()
            log(logger, 30, "push refused", reason="replay")
            return JSONResponse({"error": "this push was already delivered (replay)"}, status_code=409)
        try:
            frame = parse_frame(bytes(body))
        except ValidationError as exc:
            hub.metrics.pushes.labels(result="invalid").inc()
            err = exc.errors(include_url=False)[0]
            field = ".".join(str(p) for p in err.get("loc", ()))
            return JSONResponse({"error": f"invalid frame: {field}: {err.get('msg')}"}, status_code=400)
        if frame.type not in PUSHABLE:
            hub.metrics.pushes.labels(result="invalid").inc()
            return JSONResponse({"error": f"{frame.type} cannot be pushed"}, status_code=400)
        if frame.user_id is None:
            hub.metrics.pushes.labels(result="invalid").inc()
            return JSONResponse({"error": "userId is required"}, status_code=400)
        if isinstance(frame, AssistantResponse):
            await Relay(hub).remember_question(frame.user_id, frame)
        event_id = await hub.emit(frame.user_id, frame)
        if event_id is None:  # reached this process's sockets only, not the history
            hub.metrics.pushes.labels(result="local_only").inc()
            return JSONResponse({"error": "the hub's broker is unavailable; try again"}, status_code=503)
        hub.metrics.pushes.labels(result="delivered").inc()
        return JSONResponse({"delivered": True, "eventId": event_id}, status_code=202)

    async def health(request: Request) -> Response:
        checks: dict[str, dict[str, Any]] = {}

        async def check(name: str, probe: Any) -> None:
            try:
                detail = await asyncio.wait_for(probe(), timeout=3)
                checks[name] = {"ok": True, "detail": detail}
            except Exception as exc:
                checks[name] = {"ok": False, "reason": f"{type(exc).__name__}: {exc}"[:300]}

        await asyncio.gather(check("backend", hub.backend.health), check("broker", hub.broker.ping))
        checks["backend"]["kind"] = settings.backend
        checks["backend"]["url"] = settings.backend_url
        ok = all(c["ok"] for c in checks.values())
        connections = sum(len(c) for c in hub.connections.values())
        body = {"ok": ok, "checks": checks, "connections": connections, "epoch": hub.broker.epoch}
        return JSONResponse(body, status_code=200 if ok else 503)

    async def metrics(request: Request) -> Response:
        return Response(hub.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await hub.start()
        hub.spawn(keep_following(hub), name="follow-leases")
        log(logger, 20, "hub started", backend=settings.backend, broker=type(hub.broker).__name__)
        try:
            yield
        finally:
            await hub.stop()
            if hub.history is not None:
                await hub.history.close()

    routes: list[Any] = [
        WebSocketRoute("/ws", websocket_endpoint),
        Route("/internal/push", push, methods=["POST"]),
        Route("/health", health),
        Route("/metrics", metrics),
        *history.routes(hub, hub.history),
        *cancel.routes(hub),
    ]
    if settings.chat_dir.is_dir():
        routes.append(Mount("/", StaticFiles(directory=settings.chat_dir, html=True), name="chat"))
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(ServerSend)])
    app.state.hub = hub
    return app
