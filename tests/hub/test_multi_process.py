"""Two `python -m hub` processes on one real Redis, flows on the dev runtime."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from tests.hub.conftest import JWT_SECRET, PUSH_SECRET, RunningHub, done_for, hub_process
from tests.support.devruntime import DevRuntime

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def two_hubs(
    runtime: DevRuntime, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningHub, RunningHub, Path]]:
    tmp_path = tmp_path_factory.mktemp("hubs")
    env = {
        "HUB_BACKEND": "local",
        "WINDMILL_URL": runtime.base_url,
        "WINDMILL_TOKEN": runtime.token,
        "HUB_JWT_SECRET": JWT_SECRET,
        "HUB_PUSH_SECRET": PUSH_SECRET,
        "REDIS_URL": redis_url,
        "HUB_FLOW_PATH": "f/hubtest/handle_request",
        "HUB_POLL_INTERVAL_S": "0.2",
        "OPENANALYST_LOG_LEVEL": "INFO",
    }
    with ExitStack() as stack:
        a = stack.enter_context(hub_process(env, tmp_path / "hub_a.log"))
        b = stack.enter_context(hub_process(env, tmp_path / "hub_b.log"))
        runtime.set_variable("f/openanalyst/hub_url", a.http)
        runtime.set_variable("f/openanalyst/hub_push_secret", PUSH_SECRET, is_secret=True)
        yield a, b, tmp_path


def new_user() -> str:
    return f"user_{uuid.uuid4().hex[:10]}"


def test_a_request_through_one_hub_reaches_the_users_socket_on_the_other(two_hubs):
    a, b, _ = two_hubs
    user, other = new_user(), new_user()

    async def scenario() -> tuple[list[dict], list[dict], list[dict]]:
        on_a = await a.connect(user)
        on_b = await b.connect(user)
        stranger = await b.connect(other)
        await on_a.request("Create a Twitter post about AI trends", "msg_multi")
        seen_a = await on_a.until(done_for("msg_multi"), timeout=60)
        seen_b = await on_b.until(done_for("msg_multi"), timeout=60)
        with pytest.raises(TimeoutError):
            await stranger.recv(timeout=0.5)
        for client in (on_a, on_b, stranger):
            await client.close()
        return seen_a, seen_b, [f for f in stranger.seen if f["type"] != "CONNECTED"]

    seen_a, seen_b, stranger_seen = asyncio.run(scenario())
    assert [f["eventId"] for f in seen_b] == [f["eventId"] for f in seen_a]
    assert seen_b[0]["type"] == "ASSISTANT_TYPING"
    assert [f["type"] for f in seen_b][-2:] == ["ASSISTANT_RESPONSE", "TASK_COMPLETE"]
    assert stranger_seen == []


def test_a_reconnecting_client_gets_the_events_it_missed(two_hubs):
    a, b, _ = two_hubs
    user = new_user()

    async def scenario() -> tuple[list[dict], dict, list[dict], dict, dict]:
        first = await a.connect(user)
        await first.request("Create a Twitter post about AI trends", "msg_resume")
        before = await first.until(lambda f: f["type"] == "ASSISTANT_TYPING")
        last_event_id = before[-1]["eventId"]
        await first.ws.close()  # the socket dies mid-flow
        # The flow finishes while nobody of this user is connected.
        for _ in range(300):
            if await asyncio.to_thread(_recent_done, a, user):
                break
            await asyncio.sleep(0.1)
        again = await b.connect(user, last_event_id=last_event_id)
        missed = await again.until(done_for("msg_resume"), timeout=30)
        await again.close()
        stale = await b.connect(user, last_event_id=f"{again.connected['payload']['epoch']}:1-0")
        await stale.close()
        fresh_epoch = await b.connect(user, last_event_id="00000000:1-0")
        await fresh_epoch.close()
        return before, again.connected, missed, stale.connected, fresh_epoch.connected

    before, connected, missed, stale, other_epoch = asyncio.run(scenario())
    assert connected["payload"]["recovered"] is True
    types = [f["type"] for f in missed]
    assert "ASSISTANT_TYPING" not in types  # already seen before the socket died
    assert types[-2:] == ["ASSISTANT_RESPONSE", "TASK_COMPLETE"]
    assert all(f["correlationId"] == "msg_resume" for f in missed)
    assert missed[0]["eventId"] != before[-1]["eventId"]
    assert stale["payload"]["recovered"] is False  # not in history: refetch
    assert other_epoch["payload"]["recovered"] is False


def test_tokens_never_reach_the_logs(two_hubs):
    a, b, logs = two_hubs
    user = new_user()
    token = a.token(user)

    async def scenario() -> None:
        from websockets.asyncio.client import connect

        async with connect(f"{a.ws}?token={token}") as ws:
            await asyncio.wait_for(ws.recv(), 5)
        client = await b.connect(user)
        await client.close()

    asyncio.run(scenario())
    text = (logs / "hub_a.log").read_text() + (logs / "hub_b.log").read_text()
    assert "WebSocket /ws?token=[redacted]" in text  # uvicorn's line, redacted
    assert token not in text and token.split(".")[2] not in text


def _recent_done(hub: RunningHub, user: str) -> bool:
    """True once the user's stream holds a TASK_COMPLETE (read straight from Redis)."""
    import redis

    client = redis.Redis.from_url(hub.settings.redis_url or "", decode_responses=True)
    try:
        entries = client.xrevrange(f"oa:hub:u:{user}:events", count=5)
        return any('"TASK_COMPLETE"' in fields["d"] for _, fields in entries)
    finally:
        client.close()


def test_a_lost_redis_subscription_makes_clients_recover_from_history(redis_url: str, fake_windmill):
    """No silent gaps: after the pub/sub link drops, sockets are told to reconnect and resume."""
    import redis

    from hub.auth import CLOSE_RECONNECT
    from tests.hub.conftest import make_settings, serve_in_thread

    user = new_user()
    with serve_in_thread(make_settings(redis_url=redis_url)) as hub:
        broker = hub.hub.broker  # type: ignore[union-attr]

        async def scenario() -> tuple[int | None, dict, list[dict]]:
            client = await hub.connect(user)
            await client.request("hello", "msg_gap")
            seen = await client.until(lambda f: f["type"] == "ASSISTANT_TYPING")
            admin = redis.Redis.from_url(redis_url, decode_responses=True)
            for info in admin.client_list(_type="pubsub"):
                if info["name"] == broker.client_name:
                    admin.client_kill_filter(_id=info["id"])
            admin.close()
            with pytest.raises(ConnectionClosed):
                while True:
                    await client.recv(timeout=10)
            again = await hub.connect(user, last_event_id=seen[-1]["eventId"])
            rest = await again.until(done_for("msg_gap"), timeout=20)
            await again.close()
            return client.ws.close_code, again.connected, rest

        code, connected, rest = asyncio.run(scenario())
    assert code == CLOSE_RECONNECT
    assert connected["payload"]["recovered"] is True
    assert rest[-1]["type"] == "TASK_COMPLETE" and rest[-1]["correlationId"] == "msg_gap"
    assert "ASSISTANT_TYPING" not in [f["type"] for f in rest]
