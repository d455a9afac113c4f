"""The hub's shared state: settings, verifier, broker, backend, metrics and open connections."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, Literal

from f.openanalyst.lib.log import get_logger, log
from f.openanalyst.lib.protocol import TaskProgress, WSMessage
from hub.answers import Answers, InProcessAnswers, RedisAnswers
from hub.auth import CLOSE_RECONNECT, TokenVerifier
from hub.backend import WindmillBackend
from hub.broker import Broker, InProcessBroker, RedisBroker
from hub.connection import Connection
from hub.follows import Follows, InProcessFollows, RedisFollows
from hub.metrics import Metrics
from hub.settings import Settings

if TYPE_CHECKING:
    from hub.history import History

logger = get_logger("hub")

# Events kept in the person's conversation history (hub/history.py).
KEPT = frozenset({"ASSISTANT_RESPONSE", "TASK_ERROR"})


def make_broker(settings: Settings, metrics: Metrics) -> Broker:
    if settings.redis_url:
        return RedisBroker(
            settings.redis_url,
            metrics,
            settings.history_size,
            settings.history_ttl_s,
            prefix=settings.redis_prefix,
            max_connections=settings.redis_max_connections,
            pool_timeout_s=settings.redis_pool_timeout_s,
        )
    return InProcessBroker(metrics, settings.history_size, settings.history_ttl_s)


def make_follows(settings: Settings, broker: Broker) -> Follows:
    if isinstance(broker, RedisBroker):
        return RedisFollows(broker.redis, broker.prefix, settings.follow_lease_s, settings.history_ttl_s)
    return InProcessFollows(settings.follow_lease_s, settings.history_ttl_s)


def make_answers(settings: Settings, broker: Broker) -> Answers:
    if isinstance(broker, RedisBroker):
        return RedisAnswers(broker.redis, broker.prefix, settings.follow_lease_s, settings.history_ttl_s)
    return InProcessAnswers(settings.follow_lease_s, settings.history_ttl_s)


class Hub:
    def __init__(
        self,
        settings: Settings,
        *,
        broker: Broker | None = None,
        backend: WindmillBackend | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.verifier = TokenVerifier(settings)
        self.broker = broker or make_broker(settings, self.metrics)
        self.backend = backend or WindmillBackend(settings, self.metrics)
        self.follows = make_follows(settings, self.broker)
        self.answers = make_answers(settings, self.broker)
        self.delivering: set[str] = set()  # pending clarification answers this process delivers
        self.connections: dict[str, set[Connection]] = {}
        self.following: set[str] = set()  # job ids this process relays
        self._tasks: set[asyncio.Task[Any]] = set()
        self.history: History | None = None  # set by hub.app when HUB_STORE is configured
        self.broker.on_gap = self._on_gap

    def _on_gap(self) -> None:
        """Live events may have been lost: every client reconnects and recovers from history."""
        for conns in list(self.connections.values()):
            for conn in list(conns):
                conn.fail(CLOSE_RECONNECT, "event stream interrupted: reconnect with your lastEventId")

    async def start(self) -> None:
        await self.broker.start()

    async def stop(self) -> None:
        # Hand the jobs this process follows to the other hubs at once (they would wait a lease).
        try:
            await self.follows.release(self.following)
        except Exception as exc:
            log(
                logger,
                30,
                "could not release followed jobs; others take over after the lease",
                error=str(exc),
            )
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for conns in list(self.connections.values()):
            for conn in list(conns):
                conn.fail(1001, "hub shutting down")
        await self.broker.close()
        await self.backend.aclose()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run a request relay in the background; it outlives the socket that asked for it."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ---------------------------------------------------------------- registry

    def register(self, conn: Connection) -> bool:
        conns = self.connections.setdefault(conn.user_id, set())
        if len(conns) >= self.settings.max_connections_per_user:
            if not conns:
                del self.connections[conn.user_id]
            return False
        conns.add(conn)
        self.broker.attach(conn.user_id, conn.sink)
        self.metrics.connections.inc()
        return True

    def unregister(self, conn: Connection) -> None:
        conns = self.connections.get(conn.user_id)
        if conns is None or conn not in conns:
            return
        conns.discard(conn)
        if not conns:
            del self.connections[conn.user_id]
        self.broker.detach(conn.user_id, conn.sink)
        self.metrics.connections.dec()

    # ------------------------------------------------------------------ events

    async def emit(
        self, user_id: str, frame: WSMessage, *, if_behind: Literal["raise", "drop"] = "raise"
    ) -> str | None:
        """Publish a frame to every socket of `user_id` (and to its recovery history); its event id.

        A TASK_PROGRESS behind the furthest shown for its request is raised to it (a step's own
        words are news however far it is), or with `if_behind="drop"` not sent (the relay's "step
        9 of 10" after the last step said it needs something from the person would replace that
        line with an older one); None then. When the broker cannot take a frame (Redis unreachable
        even after waiting for a connection), it still reaches this process's sockets of that user,
        without an event id."""
        frame.user_id = user_id
        if isinstance(frame, TaskProgress) and frame.correlation_id:
            # Two sources report a request's progress (the relay, from the flow's steps, and the
            # steps' own pushes, which may reach another hub): the person sees only the furthest.
            key = f"progress:{user_id}:{frame.correlation_id}"
            with contextlib.suppress(Exception):  # unreachable broker: publishing says so below
                ttl = self.settings.history_ttl_s
                high = await self.broker.high_water(key, frame.payload.percent, ttl)
                if high > frame.payload.percent and if_behind == "drop":
                    return None
                frame.payload.percent = high
        data = frame.model_dump_json(exclude_none=True)
        event_id: str | None = None
        try:
            event_id = await self.broker.publish(user_id, data)
        except Exception as exc:
            self.metrics.publish_failures.inc()
            log(logger, 40, "could not publish; delivered to this process's sockets only", error=str(exc))
            for conn in list(self.connections.get(user_id, ())):
                conn.send(data)
        if self.history is not None and frame.type in KEPT:
            # Kept before the relay goes on to TASK_COMPLETE: a page reloaded then finds the answer.
            await self.history.record_event(user_id, frame)
        return event_id
