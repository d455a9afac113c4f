"""Which hub follows which job, so a followed job outlives the hub that followed it.

A hub that relays a job's progress holds a lease on it, renewed while it follows. When a hub
dies (or stops: it then gives its leases back), its leases run out, and any hub of the same
deployment claims the job and carries on following it; the person's sockets, wherever they
are, get the rest through the broker. Only the lease holder reports a job's end: `finish`
gives the lease up and says whether it was still ours, atomically, so two hubs never both
report it, and it is remembered as reported (for the history's lifetime): a resent request
(same messageId) is never run twice nor answered twice; its answer is in the event history the
reconnecting client replays.
"""

from __future__ import annotations

import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from hub.leases import NOW_MS, LeaseTable

if TYPE_CHECKING:
    from redis.asyncio import Redis


class FollowedJob(BaseModel):
    """A job being relayed to a person, with what a hub needs to resume relaying it."""

    model_config = ConfigDict(frozen=True)

    job_id: str
    user_id: str
    session_id: str
    correlation_id: str
    started_at: float  # wall clock (epoch seconds), for the reported duration


class Follows(ABC):
    def __init__(self, lease_s: float, reported_ttl_s: int) -> None:
        self.lease_s = lease_s
        self.reported_ttl_s = reported_ttl_s
        self.owner = f"hub-{secrets.token_hex(6)}"

    @abstractmethod
    async def claim(self, job: FollowedJob) -> bool:
        """Hold the lease on `job` unless another hub holds a live one; True when ours."""

    @abstractmethod
    async def renew(self, job_ids: Iterable[str]) -> None:
        """Extend our leases on `job_ids`."""

    @abstractmethod
    async def orphans(self) -> list[FollowedJob]:
        """Claim and return the jobs whose lease ran out (their hub is gone)."""

    @abstractmethod
    async def finish(self, job_id: str) -> bool:
        """Drop our lease on a job that ended; True when it was still ours (we report the end,
        and the job counts as reported from now on)."""

    @abstractmethod
    async def reported(self, job_id: str) -> bool:
        """True when the job's end was already reported to its person."""

    @abstractmethod
    async def release(self, job_ids: Iterable[str]) -> None:
        """Give our leases back at once (shutting down): another hub takes over without waiting."""


class InProcessFollows(Follows):
    def __init__(self, lease_s: float, reported_ttl_s: int) -> None:
        super().__init__(lease_s, reported_ttl_s)
        self._jobs: dict[str, FollowedJob] = {}
        self._reported: dict[str, float] = {}  # job id -> until when (monotonic)
        self._prune_at = 1000

    async def claim(self, job: FollowedJob) -> bool:
        if job.job_id in self._jobs or await self.reported(job.job_id):
            return False
        self._jobs[job.job_id] = job
        return True

    async def renew(self, job_ids: Iterable[str]) -> None:
        pass

    async def orphans(self) -> list[FollowedJob]:
        return []

    async def finish(self, job_id: str) -> bool:
        if self._jobs.pop(job_id, None) is None:
            return False
        now = time.monotonic()
        if len(self._reported) > self._prune_at:
            self._reported = {k: until for k, until in self._reported.items() if until > now}
            self._prune_at = max(1000, 2 * len(self._reported))
        self._reported[job_id] = now + self.reported_ttl_s
        return True

    async def reported(self, job_id: str) -> bool:
        return self._reported.get(job_id, 0.0) > time.monotonic()

    async def release(self, job_ids: Iterable[str]) -> None:
        for job_id in job_ids:
            self._jobs.pop(job_id, None)


# KEYS: leases (zset job -> expiry ms), owners (hash job -> hub), jobs (hash job -> JSON), and for
# one job's claim or finish its "reported" marker.
_CLAIM = (
    NOW_MS
    + """
if redis.call('EXISTS', KEYS[4]) == 1 then
  return 0
end
local expires = redis.call('ZSCORE', KEYS[1], ARGV[1])
if expires and tonumber(expires) > now and redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
return 1
"""
)

_FINISH = """
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('SET', KEYS[4], '1', 'EX', ARGV[3])
return 1
"""

_RELEASE = """
for i = 2, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then
    redis.call('ZADD', KEYS[1], 0, ARGV[i])
  end
end
return 0
"""


class RedisFollows(Follows):
    def __init__(self, redis: Redis, prefix: str, lease_s: float, reported_ttl_s: int) -> None:
        super().__init__(lease_s, reported_ttl_s)
        self.redis = redis
        self.prefix = prefix
        self.keys = [f"{prefix}:follow:leases", f"{prefix}:follow:owners", f"{prefix}:follow:jobs"]
        self._claim = redis.register_script(_CLAIM)
        self.leases = LeaseTable(redis, self.keys, self.owner, lease_s)
        self._finish = redis.register_script(_FINISH)
        self._release = redis.register_script(_RELEASE)

    def _reported_key(self, job_id: str) -> str:
        return f"{self.prefix}:follow:reported:{job_id}"

    async def claim(self, job: FollowedJob) -> bool:
        args = [job.job_id, self.owner, self.leases.lease_ms, job.model_dump_json()]
        return bool(await self._claim(keys=[*self.keys, self._reported_key(job.job_id)], args=args))

    async def renew(self, job_ids: Iterable[str]) -> None:
        await self.leases.renew(job_ids)

    async def orphans(self) -> list[FollowedJob]:
        return [FollowedJob.model_validate_json(info) for info in await self.leases.orphans()]

    async def finish(self, job_id: str) -> bool:
        keys = [*self.keys, self._reported_key(job_id)]
        return bool(await self._finish(keys=keys, args=[job_id, self.owner, self.reported_ttl_s]))

    async def reported(self, job_id: str) -> bool:
        return bool(await self.redis.exists(self._reported_key(job_id)))

    async def release(self, job_ids: Iterable[str]) -> None:
        ids = list(job_ids)
        if ids:
            await self._release(keys=self.keys, args=[self.owner, *ids])
