"""One websocket's outgoing side: a byte-bounded send queue drained by a writer task.

Publishers never wait on a socket: `send()` appends and returns. When a client reads too
slowly and the queue would exceed its byte limit, the connection is failed with 4009
("slow consumer") and the queue dropped, so memory stays flat whatever the client does.
"""

from __future__ import annotations

import asyncio
from collections import deque

from starlette.websockets import WebSocket

from hub.auth import CLOSE_SLOW_CONSUMER, Identity


class Connection:
    def __init__(self, websocket: WebSocket, identity: Identity, limit_bytes: int) -> None:
        self.websocket = websocket
        self.identity = identity
        self.user_id = identity.user_id
        self.limit_bytes = limit_bytes
        self._queue: deque[str] = deque()
        self._queued = 0
        self._wakeup = asyncio.Event()
        self.done = asyncio.Event()
        self.close_code = 1000
        self.close_reason = ""
        # While recovering, live events wait here until the replayed history has been queued.
        self._recovering: list[tuple[str, str]] | None = None
        self._replayed: set[str] = set()

    @property
    def queued_bytes(self) -> int:
        return self._queued

    def send(self, text: str) -> bool:
        """Queue `text`; False (and the connection failed) when the client is too slow."""
        if self.done.is_set():
            return False
        size = len(text)
        if self._queued + size > self.limit_bytes:
            self.fail(CLOSE_SLOW_CONSUMER, "slow consumer: send queue full")
            return False
        self._queue.append(text)
        self._queued += size
        self._wakeup.set()
        return True

    def sink(self, event_id: str, text: str) -> None:
        """The broker's delivery callback for this connection's user."""
        if self._recovering is not None:
            self._recovering.append((event_id, text))
        elif event_id not in self._replayed:
            self.send(text)

    def begin_recovery(self) -> None:
        self._recovering = []

    def end_recovery(self, replayed: list[tuple[str, str]] | None) -> None:
        """Queue replayed events, then the live ones that arrived meanwhile (without duplicates)."""
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
        if self.done.is_set():
            return
        self.close_code, self.close_reason = code, reason
        self._queue.clear()
        self._queued = 0
        self.done.set()
        self._wakeup.set()

    async def writer(self) -> None:
        while not self.done.is_set():
            while self._queue and not self.done.is_set():
                text = self._queue.popleft()
                self._queued -= len(text)
                await self.websocket.send_text(text)
            self._wakeup.clear()
            if not self._queue:
                await self._wakeup.wait()
