"""The life of one websocket: authenticate, register, recover, read frames, close.

Nothing but an AUTH frame is processed before the token is verified. The token comes from
the `token` query parameter or an AUTH first frame within HUB_AUTH_TIMEOUT_S (preferred:
query strings end up in proxy logs). After that every frame is validated with the protocol
models; a bad one gets an ERROR frame naming the field and the connection stays up.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json
from starlette.websockets import WebSocket, WebSocketDisconnect

from f.openanalyst.lib.log import bind, get_logger, log
from f.openanalyst.lib.protocol import (
    CLIENT_TYPES,
    Auth,
    Connected,
    ConnectedPayload,
    Error,
    ErrorPayload,
    Ping,
    Pong,
    TaskError,
    TaskErrorPayload,
    UserRequest,
    parse_frame,
)
from hub.auth import (
    CLOSE_FORBIDDEN,
    CLOSE_SLOW_CONSUMER,
    CLOSE_TOKEN_EXPIRED,
    CLOSE_TOO_MANY_CONNECTIONS,
    CLOSE_UNAUTHORIZED,
    AuthError,
    Identity,
)
from hub.connection import Connection
from hub.core import Hub
from hub.relay import ACTION_SEND_AGAIN_SOON, Relay

logger = get_logger("hub.session")

# Frames per minute one connection may send before it is closed (requests have their own limit).
MAX_FRAMES_PER_MINUTE = 600


def describe_error(exc: ValidationError) -> tuple[str | None, str]:
    """(field path in wire names, message) of the first validation error."""
    err = exc.errors(include_url=False)[0]
    kind = err.get("type", "")
    if kind == "json_invalid":
        reason = (err.get("ctx") or {}).get("error")
        return None, f"frame is not valid JSON ({reason})" if reason else "frame is not valid JSON"
    if kind in ("union_tag_not_found", "union_tag_invalid", "model_attributes_type"):
        return "type", f"unknown or missing frame type; clients send {', '.join(sorted(CLIENT_TYPES))}"
    loc = [str(part) for part in err.get("loc", ())]
    if loc and loc[0].isupper():  # the discriminator value (e.g. USER_REQUEST) heads the path
        loc = loc[1:]
    field = ".".join(loc) or None
    return field, f"{field or 'frame'}: {err.get('msg', 'invalid')}"


class Session:
    def __init__(self, hub: Hub, websocket: WebSocket) -> None:
        self.hub = hub
        self.websocket = websocket
        self.relay = Relay(hub)
        self.conn: Connection | None = None
        self._frame_window = (0, 0)
        self._expiry: asyncio.TimerHandle | None = None

    # --------------------------------------------------------------- helpers

    def _error_text(
        self, code: str, message: str, field: str | None = None, correlation: str | None = None
    ) -> str:
        frame = Error(
            session_id="hub",
            user_id=self.conn.user_id if self.conn else None,
            correlation_id=correlation,
            payload=ErrorPayload(code=code, message=message, field=field),
        )
        return frame.model_dump_json(exclude_none=True)

    async def _close(self, code: int, reason: str, timeout: float = 1.0) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.websocket.close(code, reason[:120]), timeout=timeout)

    async def _authenticate(self) -> tuple[Identity, str | None] | None:
        """Verify the query token or the AUTH first frame; close and return None on failure."""
        settings, metrics = self.hub.settings, self.hub.metrics
        params = self.websocket.query_params
        token, last_event_id = params.get("token"), params.get("last_event_id")
        if not token:
            try:
                message = await asyncio.wait_for(self.websocket.receive(), timeout=settings.auth_timeout_s)
            except TimeoutError:
                metrics.connects.labels(result="auth_timeout").inc()
                await self._close(CLOSE_UNAUTHORIZED, "auth required: send an AUTH frame first")
                return None
            if message["type"] == "websocket.disconnect":
                return None
            try:
                frame = parse_frame(message.get("text") or message.get("bytes") or b"")
            except ValidationError:
                frame = None
            if not isinstance(frame, Auth):
                metrics.connects.labels(result="no_auth").inc()
                await self._close(CLOSE_UNAUTHORIZED, "auth required: the first frame must be AUTH")
                return None
            token = frame.payload.token
            last_event_id = frame.payload.last_event_id or last_event_id
        try:
            identity = await self.hub.verifier.averify(token)
        except AuthError as exc:
            metrics.connects.labels(result="refused").inc()
            log(logger, 20, "connection refused", reason=exc.reason)
            await self._close(exc.code, exc.reason)
            return None
        return identity, last_event_id

    # ------------------------------------------------------------------ main

    async def run(self) -> None:
        hub = self.hub
        await self.websocket.accept()
        auth = await self._authenticate()
        if auth is None:
            return
        identity, last_event_id = auth
        conn = self.conn = Connection(self.websocket, identity, hub.settings.send_queue_bytes)
        if not hub.register(conn):
            hub.metrics.connects.labels(result="too_many").inc()
            await self._close(
                CLOSE_TOO_MANY_CONNECTIONS,
                f"too many connections: at most {hub.settings.max_connections_per_user} per user",
            )
            return
        hub.metrics.connects.labels(result="accepted").inc()
        with bind(user_id=conn.user_id):
            try:
                await self._serve(conn, last_event_id)
            finally:
                hub.unregister(conn)
                hub.metrics.disconnects.labels(reason=str(conn.close_code)).inc()

    async def _serve(self, conn: Connection, last_event_id: str | None) -> None:
        hub = self.hub
        recovered: bool | None = None
        replayed: list[tuple[str, str]] | None = None
        if last_event_id:
            conn.begin_recovery()
            replayed = await hub.broker.replay(conn.user_id, last_event_id)
            recovered = replayed is not None
        connected = Connected(
            session_id="hub",
            user_id=conn.user_id,
            payload=ConnectedPayload(
                user_id=conn.user_id, ttl=conn.identity.ttl(), epoch=hub.broker.epoch, recovered=recovered
            ),
        )
        conn.send(connected.model_dump_json(exclude_none=True))
        if last_event_id:
            conn.end_recovery(replayed)
        reader = asyncio.create_task(self._reader(conn), name="ws-reader")
        self._schedule_expiry(conn)
        try:
            await conn.done.wait()
        finally:
            if self._expiry is not None:
                self._expiry.cancel()
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            await conn.stop()
        hub.unregister(conn)  # before a possibly slow close: no more events for this socket
        timeout = 1.0
        if conn.close_code == CLOSE_SLOW_CONSUMER:
            log(logger, 30, "slow consumer disconnected", queued_limit=conn.limit_bytes)
            # Its queue is already freed; give the close frame time to get past the full socket.
            timeout = 10.0
        await self._close(conn.close_code, conn.close_reason, timeout)

    def _schedule_expiry(self, conn: Connection) -> None:
        """Close the connection when its token expires (a refresh reschedules)."""
        if self._expiry is not None:
            self._expiry.cancel()
        delay = conn.identity.expires_at + self.hub.settings.jwt_leeway_s - time.time()
        loop = asyncio.get_running_loop()
        self._expiry = loop.call_later(
            max(0.0, delay), conn.fail, CLOSE_TOKEN_EXPIRED, "token expired: reconnect with a new token"
        )

    async def _reader(self, conn: Connection) -> None:
        try:
            await self._read(conn)
        finally:
            conn.fail(1011, "internal error")  # no-op unless the loop ended unexpectedly

    async def _read(self, conn: Connection) -> None:
        while True:
            try:
                message = await self.websocket.receive()
            except (WebSocketDisconnect, RuntimeError):
                conn.fail(1000, "")
                return
            if message["type"] == "websocket.disconnect":
                conn.fail(int(message.get("code") or 1000), "")
                return
            text = message.get("text")
            if text is None:
                conn.send(self._error_text("bad_frame", "binary frames are not supported; send JSON text"))
                continue
            if not self._count_frame():
                conn.fail(CLOSE_TOO_MANY_CONNECTIONS, "too many frames: slow down")
                return
            try:
                await self._on_text(conn, text)
            except Exception as exc:  # one frame's failure must not end the connection (1011)
                log(logger, 40, "frame handling failed", error=f"{type(exc).__name__}: {exc}")
                conn.send(self._error_text("internal", "the hub could not handle this frame; send it again"))

    def _count_frame(self) -> bool:
        minute = int(time.time() // 60)
        window, count = self._frame_window
        count = count + 1 if window == minute else 1
        self._frame_window = (minute, count)
        return count <= MAX_FRAMES_PER_MINUTE

    async def _on_text(self, conn: Connection, text: str) -> None:
        hub = self.hub
        try:
            frame = parse_frame(text)
        except ValidationError as exc:
            field, message = describe_error(exc)
            hub.metrics.frames_in.labels(type="invalid").inc()
            conn.send(self._error_text("bad_frame", message, field, _message_id_of(text)))
            return
        hub.metrics.frames_in.labels(type=frame.type).inc()
        if frame.type not in CLIENT_TYPES:
            conn.send(
                self._error_text(
                    "bad_frame",
                    f"clients may not send {frame.type}; send {', '.join(sorted(CLIENT_TYPES))}",
                    "type",
                    frame.message_id,
                )
            )
            return
        if frame.user_id is not None and frame.user_id != conn.user_id:
            hub.metrics.requests.labels(outcome="forbidden").inc()
            log(logger, 30, "frame claimed another user id; refused")
            conn.send(
                self._error_text(
                    "forbidden",
                    "userId does not match your token; it is set by the hub",
                    "userId",
                    frame.message_id,
                )
            )
            return
        if isinstance(frame, Ping):
            pong = Pong(session_id=frame.session_id, user_id=conn.user_id, correlation_id=frame.message_id)
            conn.send(pong.model_dump_json(exclude_none=True))
        elif isinstance(frame, Pong):
            pass  # liveness only
        elif isinstance(frame, Auth):
            await self._refresh(conn, frame)
        elif isinstance(frame, UserRequest):
            try:
                allowed = await hub.broker.allow_request(conn.user_id, hub.settings.requests_per_minute)
            except Exception as exc:  # the broker is unreachable: say so on this socket, never drop it
                log(logger, 40, "could not count the request; refused", error=f"{type(exc).__name__}: {exc}")
                hub.metrics.requests.labels(outcome="not_started").inc()
                refused = TaskError(
                    session_id=frame.session_id,
                    user_id=conn.user_id,
                    correlation_id=frame.message_id,
                    payload=TaskErrorPayload(
                        error="the hub could not accept the request right now",
                        code="unavailable",
                        retryable=True,
                        action=ACTION_SEND_AGAIN_SOON,
                    ),
                )
                conn.send(refused.model_dump_json(exclude_none=True))
                return
            if not allowed:
                hub.metrics.requests.labels(outcome="rate_limited").inc()
                conn.send(
                    self._error_text(
                        "rate_limited",
                        f"too many requests: at most {hub.settings.requests_per_minute} per minute; "
                        "wait a minute and send it again",
                        None,
                        frame.message_id,
                    )
                )
                return
            if hub.history is not None:
                await hub.history.record_request(conn.user_id, frame)
            await self.relay.handle_request(conn.user_id, frame)

    async def _refresh(self, conn: Connection, frame: Auth) -> None:
        """An AUTH frame on an open connection: a fresh token for the same user extends it."""
        try:
            identity = await self.hub.verifier.averify(frame.payload.token)
        except AuthError as exc:
            conn.send(self._error_text("unauthorized", f"token refused: {exc.reason}", "payload.token"))
            return
        if identity.user_id != conn.user_id:
            conn.fail(CLOSE_FORBIDDEN, "a refreshed token must be for the same user")
            return
        conn.identity = identity
        self._schedule_expiry(conn)
        connected = Connected(
            session_id=frame.session_id,
            user_id=conn.user_id,
            correlation_id=frame.message_id,
            payload=ConnectedPayload(user_id=conn.user_id, ttl=identity.ttl(), epoch=self.hub.broker.epoch),
        )
        conn.send(connected.model_dump_json(exclude_none=True))


def _message_id_of(text: str) -> str | None:
    """The messageId of an invalid frame, when there is a usable one, to correlate the error."""
    try:
        # pydantic's parser stops at a depth limit; json.loads would raise RecursionError deep down.
        data: Any = from_json(text)
    except ValueError:
        return None
    value = data.get("messageId") if isinstance(data, dict) else None
    if isinstance(value, str) and 0 < len(value) <= 128 and all(c.isalnum() or c in "_.:-" for c in value):
        return value
    return None
