"""Fan-out of events to a user's sockets, with a bounded per-user history for recovery.

Every event for a person goes through `publish(user_id, frame_json)`, which gives it an
event id `<epoch>:<offset>` and delivers it to that user's sinks only. A reconnecting client
sends the last event id it saw; `replay()` returns every later event, or None when that
event is no longer in history (the client is then told `recovered: false` and refetches).
Never a partial set.

`InProcessBroker` serves one process. `RedisBroker` (REDIS_URL) keeps each user's history in
a Redis stream (`XADD ... MAXLEN ~ N`) and fans out over one pub/sub channel, so several hub
processes serve one user base; a Lua script appends and publishes atomically, so every
process sees a user's events in stream order.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable

from f.openanalyst.lib.log import get_logger, log
from hub.metrics import Metrics

logger = get_logger("hub.broker")

# A sink takes (event_id, frame text with eventId set).
Sink = Callable[[str, str], None]


def with_event_id(data: str, event_id: str) -> str:
    """Add `eventId` to a serialized frame without re-encoding it (ids never need escaping)."""
    return f'{data[:-1]},"eventId":"{event_id}"}}'


def split_event_id(event_id: str | None) -> tuple[str, str] | None:
    if not event_id or ":" not in event_id:
        return None
    epoch, _, offset = event_id.partition(":")
    return epoch, offset


class Broker(ABC):
    def __init__(self, metrics: Metrics, history_size: int = 300, history_ttl_s: int = 86400) -> None:
        self.metrics = metrics
        self.history_size = history_size
        self.history_ttl_s = history_ttl_s
        self.epoch = ""
        self._sinks: dict[str, set[Sink]] = {}
        # Called when live delivery had a gap (events may have been missed): the hub then asks
        # its clients to reconnect with their last event id, so history fills the gap.
        self.on_gap: Callable[[], None] | None = None

    # -- local fan-out
    def attach(self, user_id: str, sink: Sink) -> None:
        self._sinks.setdefault(user_id, set()).add(sink)

    def detach(self, user_id: str, sink: Sink) -> None:
        sinks = self._sinks.get(user_id)
        if sinks is not None:
            sinks.discard(sink)
            if not sinks:
                del self._sinks[user_id]

    def _deliver(self, user_id: str, event_id: str, data: str, published_at: float) -> None:
        sinks = self._sinks.get(user_id)
        if not sinks:
            return
        text = with_event_id(data, event_id)
        for sink in tuple(sinks):
            sink(event_id, text)
        self.metrics.relay_latency.observe(max(0.0, time.time() - published_at))

    # -- interface
    async def start(self) -> None:  # noqa: B027 - optional hook
        pass

    async def close(self) -> None:  # noqa: B027 - optional hook
        pass

    @abstractmethod
    async def ping(self) -> str:
        """A short description when reachable; raises when not."""

    @abstractmethod
    async def publish(self, user_id: str, data: str) -> str:
        """Append `data` (a frame's JSON without eventId) to the user's stream; return its id."""

    @abstractmethod
    async def replay(self, user_id: str, last_event_id: str) -> list[tuple[str, str]] | None:
        """[(event_id, text)] after `last_event_id`, or None when that cannot be done exactly."""

    @abstractmethod
    async def allow_request(self, user_id: str, per_minute: int) -> bool:
        """Count one request for the user in the current minute; False when over the limit."""

    @abstractmethod
    async def first_time(self, key: str, ttl_s: int) -> bool:
        """True the first time `key` is seen within `ttl_s` (shared by every hub on one Redis)."""

    @abstractmethod
    async def high_water(self, key: str, value: int, ttl_s: int) -> int:
        """The largest value given for `key` within `ttl_s`, this one included (atomic, shared by
        every hub on one Redis)."""


class InProcessBroker(Broker):
    def __init__(self, metrics: Metrics, history_size: int = 300, history_ttl_s: int = 86400) -> None:
        super().__init__(metrics, history_size, history_ttl_s)
        self.epoch = secrets.token_hex(4)
        self._history: dict[str, deque[tuple[int, str]]] = {}
        self._seq: dict[str, int] = {}
        self._rate: dict[str, tuple[int, int]] = {}
        self._seen: dict[str, float] = {}
        self._highs: dict[str, tuple[int, float]] = {}  # key -> (largest value, expires)
        self._prune_seen_at = 1000  # size at which expired entries are dropped (then doubles)
        self._last_publish: dict[str, float] = {}
        self._publishes = 0

    async def ping(self) -> str:
        return "in-process"

    def _prune(self, now: float) -> None:
        """Forget the history of users with no event for history_ttl_s (memory stays bounded)."""
        for user_id, last in list(self._last_publish.items()):
            if now - last > self.history_ttl_s:
                del self._last_publish[user_id]
                self._history.pop(user_id, None)
                self._rate.pop(user_id, None)

    async def publish(self, user_id: str, data: str) -> str:
        now = time.time()
        self._publishes += 1
        if self._publishes % 1000 == 0:
            self._prune(now)
        self._last_publish[user_id] = now
        seq = self._seq.get(user_id, 0) + 1
        self._seq[user_id] = seq
        history = self._history.get(user_id)
        if history is None:
            history = self._history[user_id] = deque(maxlen=self.history_size)
        history.append((seq, data))
        self.metrics.events.inc()
        event_id = f"{self.epoch}:{seq}"
        self._deliver(user_id, event_id, data, now)
        return event_id

    async def replay(self, user_id: str, last_event_id: str) -> list[tuple[str, str]] | None:
        parts = split_event_id(last_event_id)
        if parts is None or parts[0] != self.epoch or not parts[1].isdigit():
            return None
        last = int(parts[1])
        history = self._history.get(user_id, deque())
        if not any(seq == last for seq, _ in history):
            return None
        out = []
        for seq, data in history:
            if seq > last:
                event_id = f"{self.epoch}:{seq}"
                out.append((event_id, with_event_id(data, event_id)))
        return out

    async def allow_request(self, user_id: str, per_minute: int) -> bool:
        minute = int(time.time() // 60)
        window, count = self._rate.get(user_id, (minute, 0))
        if window != minute:
            count = 0
        count += 1
        self._rate[user_id] = (minute, count)
        return count <= per_minute

    async def first_time(self, key: str, ttl_s: int) -> bool:
        now = time.monotonic()
        if len(self._seen) > self._prune_seen_at:  # amortised: not a full scan on every call
            self._seen = {k: expires for k, expires in self._seen.items() if expires > now}
            self._prune_seen_at = max(1000, 2 * len(self._seen))
        expires = self._seen.get(key)
        if expires is not None and expires > now:
            return False
        self._seen[key] = now + ttl_s
        return True

    async def high_water(self, key: str, value: int, ttl_s: int) -> int:
        now = time.monotonic()
        if len(self._highs) > self._prune_seen_at:
            self._highs = {k: v for k, v in self._highs.items() if v[1] > now}
        high, expires = self._highs.get(key, (value, 0.0))
        high = max(high, value) if expires > now else value
        self._highs[key] = (high, now + ttl_s)
        return high


_PUBLISH_LUA = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'd', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5] .. '\\n' .. id .. '\\n' .. ARGV[6] .. '\\n' .. ARGV[2])
return id
"""

# The larger of the stored value and ARGV[1], stored with a fresh expiry (one round trip, atomic).
_HIGH_WATER_LUA = """
local high = math.max(tonumber(redis.call('GET', KEYS[1]) or ARGV[1]), tonumber(ARGV[1]))
redis.call('SET', KEYS[1], high, 'EX', ARGV[2])
return high
"""


class RedisBroker(Broker):
    def __init__(
        self,
        url: str,
        metrics: Metrics,
        history_size: int = 300,
        history_ttl_s: int = 86400,
        *,
        prefix: str = "oa:hub",
        max_connections: int = 50,
        pool_timeout_s: float = 10.0,
    ) -> None:
        super().__init__(metrics, history_size, history_ttl_s)
        import redis.asyncio as aioredis

        self.url = url
        self.prefix = prefix
        self.channel = f"{prefix}:events"
        # Named, so an operator (or a test) can tell this process's connections apart.
        self.client_name = f"oa-hub-{os.getpid()}-{secrets.token_hex(3)}"
        # A blocking pool: in a burst, callers wait up to pool_timeout_s for a free connection
        # instead of failing at once (redis-py's default pool raises when it is exhausted).
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=pool_timeout_s,
            decode_responses=True,
            health_check_interval=30,
            client_name=self.client_name,
        )
        self.redis = aioredis.Redis(connection_pool=pool)
        self._script = self.redis.register_script(_PUBLISH_LUA)
        self._high_water = self.redis.register_script(_HIGH_WATER_LUA)
        self._listener: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        self._closing = False

    def key(self, *parts: str) -> str:
        """A Redis key under this hub deployment's prefix."""
        return ":".join((self.prefix, *parts))

    def _stream(self, user_id: str) -> str:
        return self.key("u", user_id, "events")

    async def start(self) -> None:
        epoch_key = self.key("epoch")
        await self.redis.set(epoch_key, secrets.token_hex(4), nx=True)
        self.epoch = await self.redis.get(epoch_key) or ""
        self._listener = asyncio.create_task(self._listen(), name="redis-broker-listener")
        await asyncio.wait_for(self._subscribed.wait(), timeout=10)

    async def close(self) -> None:
        self._closing = True
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
        await self.redis.aclose()
        await self.redis.connection_pool.aclose()

    async def _listen(self) -> None:
        delay = 0.2
        interrupted = False
        while not self._closing:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self._subscribed.set()
                delay = 0.2
                if interrupted and self.on_gap is not None:
                    interrupted = False
                    self.on_gap()
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._on_message(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a Redis restart or network error: resubscribe
                interrupted = True
                log(logger, 30, "redis pub/sub lost; resubscribing", error=str(exc), retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _on_message(self, raw: str) -> None:
        try:
            user_id, stream_id, published_ms, data = raw.split("\n", 3)
            published_at = int(published_ms) / 1000
        except ValueError:
            log(logger, 30, "ignored a malformed broker message")
            return
        self._deliver(user_id, f"{self.epoch}:{stream_id}", data, published_at)

    async def ping(self) -> str:
        await self.redis.ping()
        return "redis"

    async def publish(self, user_id: str, data: str) -> str:
        stream_id = await self._script(
            keys=[self._stream(user_id)],
            args=[
                self.history_size,
                data,
                self.history_ttl_s,
                self.channel,
                user_id,
                int(time.time() * 1000),
            ],
        )
        self.metrics.events.inc()
        return f"{self.epoch}:{stream_id}"

    async def replay(self, user_id: str, last_event_id: str) -> list[tuple[str, str]] | None:
        parts = split_event_id(last_event_id)
        if parts is None or parts[0] != self.epoch:
            return None
        stream, last = self._stream(user_id), parts[1]
        try:
            if not await self.redis.xrange(stream, last, last, count=1):
                return None  # trimmed, expired or never ours: cannot say what was missed
            entries = await self.redis.xrange(stream, f"({last}", "+", count=self.history_size * 2)
        except Exception as exc:  # a malformed id is refused by Redis: treat as not recoverable
            log(logger, 30, "replay failed", error=str(exc))
            return None
        out = []
        for stream_id, fields in entries:
            event_id = f"{self.epoch}:{stream_id}"
            out.append((event_id, with_event_id(fields["d"], event_id)))
        return out

    async def allow_request(self, user_id: str, per_minute: int) -> bool:
        key = self.key("u", user_id, "rate", str(int(time.time() // 60)))
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 120)
            count, _ = await pipe.execute()
        return int(count) <= per_minute

    async def first_time(self, key: str, ttl_s: int) -> bool:
        return bool(await self.redis.set(self.key("once", key), "1", nx=True, ex=ttl_s))

    async def high_water(self, key: str, value: int, ttl_s: int) -> int:
        return int(await self._high_water(keys=[self.key("high", key)], args=[value, ttl_s]))
