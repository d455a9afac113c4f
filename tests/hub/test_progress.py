"""Progress a person sees only moves forward, whichever source reports it and whichever hub.

A request's progress comes from the relay (from the flow's steps) and from the steps' own pushes,
which may reach another hub process: each TASK_PROGRESS is raised to the furthest shown for that
request, on the in-process broker and on Redis (shared by every hub).
"""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from f.openanalyst.lib.protocol import TaskProgress, TaskProgressPayload
from hub.core import Hub
from tests.hub.conftest import make_settings


def progress(message_id: str, step: str, percent: int) -> TaskProgress:
    return TaskProgress(
        session_id="s1",
        correlation_id=message_id,
        payload=TaskProgressPayload(step=step, percent=percent, message=f"{step} running"),
    )


async def shown(hubs: list[Hub], sends: list[tuple[int, TaskProgress]]) -> list[tuple[str, int]]:
    """Emit each frame through hub `i` and return (correlationId, percent) as the person's socket saw
    them (attached to the first hub)."""
    seen: list[tuple[str, int]] = []

    def sink(_event_id: str, text: str) -> None:
        frame = json.loads(text)
        seen.append((frame["correlationId"], frame["payload"]["percent"]))

    hubs[0].broker.attach("alice", sink)
    for index, frame in sends:
        await hubs[index].emit("alice", frame)
    for _ in range(100):  # Redis delivers through pub/sub
        if len(seen) == len(sends):
            break
        await asyncio.sleep(0.02)
    return seen


def scenario(first: str, second: str) -> list[tuple[int, TaskProgress]]:
    return [
        (0, progress(first, "analyze_intent", 12)),
        (0, progress(first, "attempt_1", 40)),
        (1, progress(first, "plan", 25)),  # a re-plan's own push: behind what was shown
        (0, progress(second, "plan", 25)),  # another request starts from its own
        (1, progress(first, "respond", 95)),
        (0, progress(first, "attempt_2", 60)),  # the relay's view lags the step's push
    ]


def expected(first: str, second: str) -> list[tuple[str, int]]:
    return [(first, 12), (first, 40), (first, 40), (second, 25), (first, 95), (first, 95)]


def test_progress_only_moves_forward_on_one_hub() -> None:
    async def run() -> list[tuple[str, int]]:
        hub = Hub(make_settings())
        return await shown([hub, hub], scenario("m1", "m2"))

    assert asyncio.run(run()) == expected("m1", "m2")


@pytest.mark.redis
def test_progress_only_moves_forward_across_two_hubs_on_redis(redis_url: str) -> None:
    first, second = f"m_{uuid.uuid4().hex[:8]}", f"m_{uuid.uuid4().hex[:8]}"

    async def run() -> list[tuple[str, int]]:
        prefix = f"oa:test:{uuid.uuid4().hex[:8]}"
        hubs = [Hub(make_settings(redis_url=redis_url, redis_prefix=prefix)) for _ in range(2)]
        for hub in hubs:
            await hub.broker.start()
        try:
            return await shown(hubs, scenario(first, second))
        finally:
            for hub in hubs:
                await hub.broker.close()

    assert asyncio.run(run()) == expected(first, second)


def test_a_relay_line_behind_a_steps_own_words_is_not_shown() -> None:
    # The flow's view lags the steps' pushes: its "Working on it: step 10 of 10" after the last step
    # said "Needs something from you" replaced that line with an older one; a step's own words
    # behind the furthest (a re-plan) are still shown, raised to it.
    async def run() -> list[tuple[str, int]]:
        hub = Hub(make_settings())
        seen: list[tuple[str, int]] = []
        hub.broker.attach("alice", lambda _id, text: seen.append(_line(text)))
        await hub.emit("alice", progress("m1", "respond", 100))
        await hub.emit("alice", progress("m1", "attempt_1", 99), if_behind="drop")
        await hub.emit("alice", progress("m1", "plan", 40))
        await hub.emit("alice", progress("m1", "respond", 100), if_behind="drop")
        return seen

    assert asyncio.run(run()) == [("respond running", 100), ("plan running", 100), ("respond running", 100)]


def _line(text: str) -> tuple[str, int]:
    payload = json.loads(text)["payload"]
    return payload["message"], payload["percent"]
