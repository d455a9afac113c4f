"""Clarification answers: accepted once, held until the flow waits for them, never lost.

A flow's `clarify` step pushes its question while the step still runs, so the person can answer
before the flow suspends. Windmill refuses to resume a flow whose current module is not waiting
(`get_suspended_flow_info` behind `resume_suspended` / `resume_suspended_flow_as_owner`:
https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/src/jobs.rs), so an early
answer is *held* here and delivered once the flow waits. Windmill itself counts the resume
events of a step when that step ends (`SELECT ... FROM resume_job WHERE job = $1` in
https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/worker_flow.rs), and
refuses a second resume with the same id ("resume request already sent", jobs.rs): one answer per
question is all a suspend step takes.

What is kept (in Redis when the hub has one, so every hub of a deployment sees the same):
- the question: which job its answer resumes, and until when it may be answered;
- the answer: accepted atomically at most once per question (a second one is refused);
- the pending delivery, with a lease like followed jobs have (hub/follows.py): the hub that took
  the answer delivers it; when that hub dies its lease runs out and another hub delivers it.
"""

from __future__ import annotations

import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from hub.leases import NOW_MS, LeaseTable

if TYPE_CHECKING:
    from redis.asyncio import Redis


class Question(BaseModel):
    """An open clarification: what its answer resumes and whose request it belongs to."""

    model_config = ConfigDict(frozen=True)

    resume_job_id: str  # the flow job whose suspended step waits (WM_FLOW_JOB_ID of clarify)
    correlation_id: str  # the original request's messageId
    session_id: str
    expires_at: float  # epoch seconds: after this the question is expired


class Pending(BaseModel):
    """An accepted answer not yet delivered to its flow."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    question_id: str
    question: Question
    answers: dict[str, Any]
    session_id: str  # where the answer was sent from
    message_id: str  # the answer's own messageId

    @property
    def key(self) -> str:
        return f"{self.user_id}\n{self.question_id}"


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    ANSWERED = "answered"
    RESENT = "resent"  # the same answer (same messageId) again


class Answers(ABC):
    def __init__(self, lease_s: float, keep_s: int) -> None:
        self.lease_s = lease_s
        self.keep_s = keep_s  # how long a question (and its answer) is remembered after expiring
        self.owner = f"hub-{secrets.token_hex(6)}"

    @abstractmethod
    async def ask(self, user_id: str, question_id: str, question: Question) -> None:
        """Remember an open question (kept `keep_s` past its expiry, to say it expired)."""

    @abstractmethod
    async def question(self, user_id: str, question_id: str) -> Question | None: ...

    @abstractmethod
    async def accept(self, pending: Pending) -> Verdict:
        """Take the answer when the question is open and not answered yet (atomically); it is then
        pending, leased to this hub."""

    @abstractmethod
    async def renew(self, keys: Iterable[str]) -> None:
        """Extend our leases on pending answers."""

    @abstractmethod
    async def orphans(self) -> list[Pending]:
        """Claim and return pending answers whose hub is gone."""

    @abstractmethod
    async def done(self, key: str) -> None:
        """The answer reached its flow (or never can): no longer pending."""


class InProcessAnswers(Answers):
    def __init__(self, lease_s: float, keep_s: int) -> None:
        super().__init__(lease_s, keep_s)
        self._questions: dict[tuple[str, str], Question] = {}
        self._answered: dict[tuple[str, str], str] = {}  # -> the answer's messageId
        self._pending: dict[str, Pending] = {}

    def _prune(self) -> None:
        now = time.time()
        for key, q in list(self._questions.items()):
            if q.expires_at + self.keep_s < now:
                del self._questions[key]
                self._answered.pop(key, None)

    async def ask(self, user_id: str, question_id: str, question: Question) -> None:
        if len(self._questions) > 1000:
            self._prune()
        self._questions[(user_id, question_id)] = question

    async def question(self, user_id: str, question_id: str) -> Question | None:
        return self._questions.get((user_id, question_id))

    async def accept(self, pending: Pending) -> Verdict:
        key = (pending.user_id, pending.question_id)
        question = self._questions.get(key)
        if key in self._answered:
            return Verdict.RESENT if self._answered[key] == pending.message_id else Verdict.ANSWERED
        if question is None:
            return Verdict.UNKNOWN
        if question.expires_at < time.time():
            return Verdict.EXPIRED
        self._answered[key] = pending.message_id
        self._pending[pending.key] = pending
        return Verdict.ACCEPTED

    async def renew(self, keys: Iterable[str]) -> None:
        pass

    async def orphans(self) -> list[Pending]:
        return []

    async def done(self, key: str) -> None:
        self._pending.pop(key, None)


# KEYS: question, answered marker, leases (zset key -> expiry ms), owners (hash), pending (hash)
# ARGV: pending key, pending JSON, owner, lease ms, seconds the answered marker is kept, answer id
_ACCEPT = (
    NOW_MS
    + """
local previous = redis.call('GET', KEYS[2])
if previous then
  if previous == ARGV[6] then
    return 'resent'
  end
  return 'answered'
end
local expires = redis.call('HGET', KEYS[1], 'expires_ms')
if not expires then
  return 'unknown'
end
if tonumber(expires) < now then
  return 'expired'
end
redis.call('SET', KEYS[2], ARGV[6], 'EX', tonumber(ARGV[5]))
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[5], ARGV[1], ARGV[2])
return 'accepted'
"""
)


class RedisAnswers(Answers):
    def __init__(self, redis: Redis, prefix: str, lease_s: float, keep_s: int) -> None:
        super().__init__(lease_s, keep_s)
        self.redis = redis
        self.prefix = prefix
        self.keys = [f"{prefix}:answers:leases", f"{prefix}:answers:owners", f"{prefix}:answers:pending"]
        self._accept = redis.register_script(_ACCEPT)
        self.leases = LeaseTable(redis, self.keys, self.owner, lease_s)

    def _question_key(self, user_id: str, question_id: str) -> str:
        return f"{self.prefix}:u:{user_id}:question:{question_id}"

    def _answered_key(self, user_id: str, question_id: str) -> str:
        return f"{self.prefix}:u:{user_id}:answered:{question_id}"

    async def ask(self, user_id: str, question_id: str, question: Question) -> None:
        key = self._question_key(user_id, question_id)
        ttl = max(1, int(question.expires_at - time.time()) + self.keep_s)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={"q": question.model_dump_json(), "expires_ms": int(question.expires_at * 1000)},
            )
            pipe.expire(key, ttl)
            await pipe.execute()

    async def question(self, user_id: str, question_id: str) -> Question | None:
        raw = await self.redis.hget(self._question_key(user_id, question_id), "q")
        return Question.model_validate_json(raw) if raw else None

    async def accept(self, pending: Pending) -> Verdict:
        keep = max(1, int(pending.question.expires_at - time.time()) + self.keep_s)
        keys = [
            self._question_key(pending.user_id, pending.question_id),
            self._answered_key(pending.user_id, pending.question_id),
            *self.keys,
        ]
        args = [
            pending.key,
            pending.model_dump_json(),
            self.owner,
            self.leases.lease_ms,
            keep,
            pending.message_id,
        ]
        return Verdict(await self._accept(keys=keys, args=args))

    async def renew(self, keys: Iterable[str]) -> None:
        await self.leases.renew(keys)

    async def orphans(self) -> list[Pending]:
        return [Pending.model_validate_json(info) for info in await self.leases.orphans()]

    async def done(self, key: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self.keys[0], key)
            pipe.hdel(self.keys[1], key)
            pipe.hdel(self.keys[2], key)
            await pipe.execute()
