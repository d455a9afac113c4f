"""Leases in Redis: work a hub holds while it is alive, and that another hub takes over when it dies.

A lease table is three keys under one name: `leases` (sorted set: item -> expiry in ms),
`owners` (hash: item -> hub) and `items` (hash: item -> the JSON a hub needs to carry on). The
holder renews its leases while it works; a lease that runs out is an orphan, and the next hub to
scan claims it (a batch at a time, so a hub back from an outage takes its share, not all).
Followed jobs (`hub.follows`) and answers on their way to Windmill (`hub.answers`) are such work.

Time is Redis's own (`TIME`), so hubs with skewed clocks agree on what has run out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis

# Lua preamble: `now` in milliseconds by the Redis server's clock.
NOW_MS = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"

# KEYS: leases, owners. ARGV: owner, lease ms, item...
_RENEW = (
    NOW_MS
    + """
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[i])
  end
end
return 0
"""
)

# KEYS: leases, owners, items. ARGV: owner, lease ms, batch. Claims run-out leases; forgets
# leases whose item is gone.
_ORPHANS = (
    NOW_MS
    + """
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local claimed = {}
for _, item in ipairs(expired) do
  local info = redis.call('HGET', KEYS[3], item)
  if info then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), item)
    redis.call('HSET', KEYS[2], item, ARGV[1])
    table.insert(claimed, info)
  else
    redis.call('ZREM', KEYS[1], item)
    redis.call('HDEL', KEYS[2], item)
  end
end
return claimed
"""
)


class LeaseTable:
    """One lease table in Redis (`<prefix>:<name>:leases|owners|<items>`), held by `owner`."""

    BATCH = 50

    def __init__(self, redis: Redis, keys: list[str], owner: str, lease_s: float) -> None:
        self.keys = keys  # leases, owners, items: the order every script takes them in
        self.owner = owner
        self.lease_ms = int(lease_s * 1000)
        self._renew = redis.register_script(_RENEW)
        self._orphans = redis.register_script(_ORPHANS)

    async def renew(self, items: Iterable[str]) -> None:
        """Extend the leases this owner still holds on `items`."""
        ids = list(items)
        if ids:
            await self._renew(keys=self.keys[:2], args=[self.owner, self.lease_ms, *ids])

    async def orphans(self) -> list[str]:
        """Claim up to BATCH run-out leases; the JSON of each claimed item."""
        return await self._orphans(keys=self.keys, args=[self.owner, self.lease_ms, self.BATCH])
