"""One websocket's outgoing side: direct writes while the client keeps up, a bounded queue when not.

Publishers never wait on a socket. `send()` writes at once when nothing is pending and the
socket is writable (uvicorn then completes the ASGI send without suspending, so no task
switch per delivery, which dominates relay cost). When the socket is not writable, the send is
finished by a drain task and later frames wait in a byte-bounded queue; when that queue would
exceed its limit the connection is failed with 4009 ("slow consumer") and the queue dropped,
so memory stays flat whatever the client does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Coroutine
from typing import Any

from starlette.types import Message, Send
from starlette.websockets import WebSocket

from hub.auth import CLOSE_SLOW_CONSUMER, Identity

# Where `hub.app.ServerSend` puts the server's own ASGI `send` in a websocket's scope. Frames go
# straight to it: Starlette's WebSocket.send and exception wrappers add three coroutine layers
# per delivery and do nothing for an accepted socket's `websocket.send` (about 15 % of relay CPU).
SERVER_SEND = "hub.server_send"


async def _finish(coro: Coroutine[Any, Any, Any], yielded: Any) -> None:
    """Drive to completion a coroutine that was started outside a task and suspended on `yielded`."""
    try:
        while True:
            if isinstance(yielded, asyncio.Future):
                await asyncio.wait([yielded])  # the coroutine reads the outcome when resumed
            else:
                await asyncio.sleep(0)
            try:
                yielded = coro.send(None)
            except StopIteration:
                return
    except BaseException:
        coro.close()
        raise


class Connection:
    def __init__(self, websocket: WebSocket, identity: Identity, limit_bytes: int) -> None:
        self.websocket = websocket
        self._send: Send = websocket.scope.get(SERVER_SEND) or websocket.send
        self.identity = identity
        self.user_id = identity.user_id
        self.limit_bytes = limit_bytes
        self._queue: deque[str] = deque()
        self._queued = 0
        self._drain: asyncio.Task[None] | None = None
        self.done = asyncio.Event()
        self.failed = False  # = done.is_set(), read without a method call on every delivery
        self.close_code = 1000
        self.close_reason = ""
        # While recovering, live events wait here until the replayed history has been queued.
        self._recovering: list[tuple[str, str]] | None = None
        self._replayed: set[str] = set()

    @property
    def queued_bytes(self) -> int:
        return self._queued

    def send(self, text: str) -> bool:
        """Deliver or queue `text`; False (and the connection failed) when the client is too slow."""
        if self.failed:
            return False
        if self._drain is None and not self._queue:
            coro = self._send({"type": "websocket.send", "text": text})
            try:
                yielded = coro.send(None)
            except StopIteration:
                return True  # written to the transport
            except Exception:
                self.fail(1006, "")  # the client is gone
                return False
            self._drain = asyncio.get_running_loop().create_task(self._drain_queue(coro, yielded))
            return True
        size = len(text)
        if self._queued + size > self.limit_bytes:
            self.fail(CLOSE_SLOW_CONSUMER, "slow consumer: send queue full")
            return False
        self._queue.append(text)
        self._queued += size
        return True

    async def _drain_queue(self, coro: Coroutine[Any, Any, Any], yielded: Any) -> None:
        try:
            await _finish(coro, yielded)
            while self._queue and not self.failed:
                text = self._queue.popleft()
                self._queued -= len(text)
                message: Message = {"type": "websocket.send", "text": text}
                await self._send(message)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.fail(1006, "")
        finally:
            self._drain = None

    def sink(self, event_id: str, text: str) -> None:
        """The broker's delivery callback for this connection's user."""
        if self._recovering is not None:
            self._recovering.append((event_id, text))
        elif event_id not in self._replayed:
            self.send(text)

    def begin_recovery(self) -> None:
        self._recovering = []

    def end_recovery(self, replayed: list[tuple[str, str]] | None) -> None:
        """Send replayed events, then the live ones that arrived meanwhile (without duplicates)."""
        buffered, self._recovering = self._recovering or [], None
        seen = set()
        for event_id, text in replayed or []:
            seen.add(event_id)
            self.send(text)
        for event_id, text in buffered:
            if event_id not in seen:
                self.send(text)
        self._replayed = seen

    def fail(self, code: int, reason: str) -> None:
        if self.failed:
            return
        self.failed = True
        self.close_code, self.close_reason = code, reason
        self._queue.clear()
        self._queued = 0
        self.done.set()

    async def stop(self) -> None:
        """Cancel a pending drain (after `done`)."""
        task, self._drain = self._drain, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
