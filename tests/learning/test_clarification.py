"""Clarification answers are never lost (issue 15): an answer sent 0 ms after the question reaches
the flow, held until the flow waits for it; a second answer is refused; a hub that dies holding an
answer does not lose it. The flow is the real clarify step suspending inside a branch (as
handle_request asks), on the strict dev runtime, through real hubs."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.hub.conftest import (
    JWT_SECRET,
    PUSH_SECRET,
    Client,
    RunningHub,
    done_for,
    hub_process,
    make_settings,
    serve_in_thread,
)
from tests.support.devruntime import DevRuntime

FLOW = "f/learntest/ask"
RUNS = 50
AT_ONCE = 5  # requests in flight together (the machine has two shared cores)


async def send_answer(client: Client, message_id: str, question_id: str, answers: dict[str, str]) -> None:
    """The person's answer: a USER_REQUEST whose correlationId is the question's messageId."""
    await client.send(
        {
            "type": "USER_REQUEST",
            "sessionId": "sess_1",
            "messageId": message_id,
            "correlationId": question_id,
            "payload": {"content": ", ".join(answers.values()), "answers": answers},
        }
    )


def is_question(frame: dict[str, Any]) -> bool:
    return frame["type"] == "ASSISTANT_RESPONSE" and bool(frame["payload"].get("questions"))


async def ask_and_answer_at_once(
    client: Client, n: int, *, answer_via: Client | None = None, linger_s: float = 0.0
) -> dict[str, Any]:
    """Send a request; the moment its question arrives, answer it (0 ms). Returns what came back."""
    request_id, answer_id = f"msg_req_{n}_{uuid.uuid4().hex[:6]}", f"msg_ans_{n}_{uuid.uuid4().hex[:6]}"
    topic = f"topic number {n}"
    linger = f" linger={linger_s}" if linger_s else ""
    await client.request(f"Write a post{linger}", request_id)
    frames = await client.until(
        lambda f: is_question(f) and f.get("correlationId") == request_id, timeout=120
    )
    question = frames[-1]
    await send_answer(answer_via or client, answer_id, question["messageId"], {"topic": topic})
    frames += await client.until(done_for(request_id), timeout=120)
    final = frames[-1]
    answer = next(
        (
            f
            for f in reversed(frames)
            if f["type"] == "ASSISTANT_RESPONSE" and f.get("correlationId") == request_id
        ),
        None,
    )
    return {
        "topic": topic,
        "question_id": question["messageId"],
        "request_id": request_id,
        "final": final,
        "content": (answer or {}).get("payload", {}).get("content", "")
        if final["type"] == "TASK_COMPLETE"
        else "",
    }


def resumed(outcome: dict[str, Any]) -> bool:
    return (
        outcome["final"]["type"] == "TASK_COMPLETE"
        and f"Resumed with {outcome['topic']}" in outcome["content"]
    )


def held_count(metrics_text: str) -> int:
    found = re.search(r'hub_requests_total\{outcome="answer_held"\} ([0-9.]+)', metrics_text)
    return int(float(found.group(1))) if found else 0


def wire_pushes(runtime: DevRuntime, hub: RunningHub) -> None:
    runtime.set_variable("f/openanalyst/hub_url", hub.http)
    runtime.set_variable("f/openanalyst/hub_push_secret", PUSH_SECRET, is_secret=True)


def test_an_answer_sent_0_ms_after_the_question_resumes_the_flow_50_of_50(runtime: DevRuntime):
    settings = make_settings(
        backend="local",
        windmill_url=runtime.base_url,
        windmill_token=runtime.token,
        flow_path=FLOW,
        backend_timeout_s=10,
        poll_interval_s=0.1,
    )
    with serve_in_thread(settings) as hub:
        wire_pushes(runtime, hub)

        async def scenario() -> list[dict[str, Any]]:
            users = [f"user_{uuid.uuid4().hex[:8]}" for _ in range(AT_ONCE)]
            clients = {user: await hub.connect(user) for user in users}

            async def make(n: int) -> dict[str, Any]:
                # A fifth of the runs linger after asking, so the answer surely comes before the suspend.
                return await ask_and_answer_at_once(
                    clients[users[n % AT_ONCE]], n, linger_s=0.3 if n % 5 == 0 else 0.0
                )

            # One client per user, requests of one user in turn (a client reads its own frames).
            gate = {user: asyncio.Lock() for user in users}

            async def serial(n: int) -> dict[str, Any]:
                async with gate[users[n % AT_ONCE]]:
                    return await make(n)

            outcomes = await asyncio.gather(*(serial(n) for n in range(RUNS)))
            for client in clients.values():
                await client.close()
            return outcomes

        outcomes = asyncio.run(scenario())
        assert hub.hub is not None
        held = held_count(hub.hub.metrics.render().decode())
    ok = [o for o in outcomes if resumed(o)]
    assert len(ok) == RUNS, [o["final"] for o in outcomes if not resumed(o)][:3]
    # The race is real: answers arrived before their flow waited, and were held, not dropped.
    assert held >= RUNS // 5, held
    assert not runtime.violations, runtime.violations


def test_a_second_answer_is_refused_and_an_expired_question_says_so(runtime: DevRuntime):
    settings = make_settings(
        backend="local",
        windmill_url=runtime.base_url,
        windmill_token=runtime.token,
        flow_path=FLOW,
        backend_timeout_s=10,
        poll_interval_s=0.1,
    )
    with serve_in_thread(settings) as hub:
        wire_pushes(runtime, hub)
        user = f"user_{uuid.uuid4().hex[:8]}"

        async def scenario() -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
            client = await hub.connect(user)
            first = await ask_and_answer_at_once(client, 1)
            await send_answer(client, "msg_second", first["question_id"], {"topic": "else"})
            second = await client.until(done_for("msg_second"), timeout=30)
            await send_answer(client, "msg_nothing", "msg_never_asked", {"topic": "x"})
            nothing = await client.until(done_for("msg_nothing"), timeout=30)
            await client.close()
            return first, second, nothing

        first, second, nothing = asyncio.run(scenario())
    assert resumed(first)
    refused = second[-1]["payload"]
    assert second[-1]["type"] == "TASK_ERROR" and refused["code"] == "question_answered"
    assert "already answered" in refused["error"] and refused["action"]
    assert nothing[-1]["payload"]["code"] == "question_unknown"


def test_an_answer_to_an_expired_question_says_it_expired(runtime: DevRuntime):
    settings = make_settings(
        backend="local",
        windmill_url=runtime.base_url,
        windmill_token=runtime.token,
        flow_path=FLOW,
        backend_timeout_s=10,
        poll_interval_s=0.1,
        question_ttl_s=1,
    )
    with serve_in_thread(settings) as hub:
        wire_pushes(runtime, hub)
        user = f"user_{uuid.uuid4().hex[:8]}"

        async def scenario() -> list[dict[str, Any]]:
            client = await hub.connect(user)
            await client.request("Write a post", "msg_late")
            frames = await client.until(lambda f: is_question(f), timeout=120)
            await asyncio.sleep(1.5)
            await send_answer(client, "msg_late_answer", frames[-1]["messageId"], {"topic": "t"})
            late = await client.until(done_for("msg_late_answer"), timeout=30)
            await client.close()
            return late

        late = asyncio.run(scenario())
    assert late[-1]["type"] == "TASK_ERROR" and late[-1]["payload"]["code"] == "question_expired"
    assert "expired" in late[-1]["payload"]["error"]


# ---------------------------------------------------------------- several hub processes on Redis


@pytest.fixture(scope="module")
def hub_env(runtime: DevRuntime, redis_url: str) -> dict[str, str]:
    return {
        "HUB_BACKEND": "local",
        "WINDMILL_URL": runtime.base_url,
        "WINDMILL_TOKEN": runtime.token,
        "HUB_JWT_SECRET": JWT_SECRET,
        "HUB_PUSH_SECRET": PUSH_SECRET,
        "REDIS_URL": redis_url,
        "HUB_REDIS_PREFIX": f"learn{uuid.uuid4().hex[:8]}",
        "HUB_FLOW_PATH": FLOW,
        "HUB_POLL_INTERVAL_S": "0.1",
        "HUB_FOLLOW_LEASE_S": "1.5",
        "OPENANALYST_LOG_LEVEL": "INFO",
    }


@pytest.fixture
def two_hubs(
    hub_env: dict[str, str], tmp_path: Path, runtime: DevRuntime
) -> Iterator[tuple[RunningHub, RunningHub]]:
    with ExitStack() as stack:
        a = stack.enter_context(hub_process(hub_env, tmp_path / "hub_a.log"))
        b = stack.enter_context(hub_process(hub_env, tmp_path / "hub_b.log"))
        # The flow's pushes (the question) go to hub B; requests and answers come through either.
        wire_pushes(runtime, b)
        yield a, b


@pytest.mark.redis
def test_with_two_hub_processes_on_redis_50_of_50_answers_sent_at_once_resume(two_hubs):
    a, b = two_hubs

    async def scenario() -> list[dict[str, Any]]:
        users = [f"user_{uuid.uuid4().hex[:8]}" for _ in range(AT_ONCE)]
        on_a = {user: await a.connect(user) for user in users}
        on_b = {user: await b.connect(user) for user in users}
        locks = {user: asyncio.Lock() for user in users}

        async def make(n: int) -> dict[str, Any]:
            user = users[n % AT_ONCE]
            async with locks[user]:
                # Half the answers go through the other hub than the request's.
                via = on_b[user] if n % 2 else None
                outcome = await ask_and_answer_at_once(
                    on_a[user], n, answer_via=via, linger_s=0.3 if n % 5 == 0 else 0.0
                )
                if via is not None:  # drain what the second socket saw meanwhile
                    await via.until(done_for(outcome["request_id"]), timeout=60)
                return outcome

        outcomes = await asyncio.gather(*(make(n) for n in range(RUNS)))
        for client in [*on_a.values(), *on_b.values()]:
            await client.close()
        return outcomes

    outcomes = asyncio.run(scenario())
    ok = [o for o in outcomes if resumed(o)]
    assert len(ok) == RUNS, [o["final"] for o in outcomes if not resumed(o)][:3]
    held = sum(held_count(httpx.get(f"{hub.http}/metrics").text) for hub in (a, b))
    assert held >= RUNS // 5, held


@pytest.mark.redis
def test_a_hub_killed_while_holding_an_answer_loses_nothing(
    hub_env: dict[str, str], tmp_path: Path, runtime: DevRuntime
):
    """The answer reaches a hub that dies (SIGKILL) before the flow waits; another hub delivers it."""
    with ExitStack() as stack:
        a = stack.enter_context(hub_process(hub_env, tmp_path / "hub_a.log"))
        doomed = stack.enter_context(hub_process(hub_env, tmp_path / "hub_doomed.log"))
        wire_pushes(runtime, a)
        user = f"user_{uuid.uuid4().hex[:8]}"

        async def scenario() -> list[dict[str, Any]]:
            on_a = await a.connect(user)
            on_doomed = await doomed.connect(user)
            await on_a.request("Write a post linger=4", "msg_kill")
            frames = await on_a.until(lambda f: is_question(f), timeout=120)
            await send_answer(on_doomed, "msg_kill_answer", frames[-1]["messageId"], {"topic": "kept"})
            # Accepted (the hub says it is working on it), then the hub dies before the flow waits.
            await on_doomed.until(
                lambda f: f["type"] == "ASSISTANT_TYPING" and f.get("correlationId") == "msg_kill_answer"
            )
            assert doomed.process is not None
            os.kill(doomed.process.pid, signal.SIGKILL)
            frames += await on_a.until(done_for("msg_kill"), timeout=120)
            await on_a.close()
            return frames

        frames = asyncio.run(scenario())
    assert frames[-1]["type"] == "TASK_COMPLETE", frames[-1]
    answer = [f for f in frames if f["type"] == "ASSISTANT_RESPONSE" and not f["payload"].get("questions")]
    assert "Resumed with kept" in answer[-1]["payload"]["content"]
