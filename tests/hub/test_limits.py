"""Limits that keep one client from hurting the hub or others; heartbeat; signed pushes."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

import f.openanalyst.lib.signing as signing
from hub.auth import CLOSE_SLOW_CONSUMER, CLOSE_TOO_MANY_CONNECTIONS
from tests.hub.conftest import PUSH_SECRET, RunningHub, done_for


def progress_push(user_id: str, n: int, filler: int = 0) -> dict:
    return {
        "type": "TASK_PROGRESS",
        "userId": user_id,
        "sessionId": "sess_1",
        "messageId": f"push_{n}",
        "correlationId": "msg_x",
        "payload": {"step": "execute", "percent": n % 100, "message": "x" * filler},
    }


def push(hub: RunningHub, frame: dict, secret: str = PUSH_SECRET, **header_overrides: str) -> httpx.Response:
    body = json.dumps(frame).encode()
    headers = {"content-type": "application/json", **signing.sign(secret, body), **header_overrides}
    return httpx.post(f"{hub.http}/internal/push", content=body, headers=headers)


def connections(hub: RunningHub) -> int:
    return httpx.get(f"{hub.http}/health").json()["connections"]


def test_frames_over_64_kib_close_the_connection(hub_server: RunningHub):
    async def scenario() -> int | None:
        client = await hub_server.connect("alice")
        await client.send(
            {"type": "USER_REQUEST", "sessionId": "s", "payload": {"content": "x" * (70 * 1024)}}
        )
        with pytest.raises(ConnectionClosed):
            await client.recv()
        return client.ws.close_code

    assert hub_server.settings.max_frame_bytes == 64 * 1024
    assert asyncio.run(scenario()) == 1009


def test_requests_per_minute_are_limited_per_user(hub_factory, fake_windmill):
    hub = hub_factory(requests_per_minute=2)

    async def scenario() -> list[dict]:
        a1 = await hub.connect("alice")
        a2 = await hub.connect("alice")  # the limit is per user, not per socket
        await a1.request("one", "m1")
        await a1.until(done_for("m1"))
        await a2.request("two", "m2")
        await a2.until(done_for("m2"))
        await a2.request("three", "m3")
        refused = await a2.until(lambda f: f["type"] == "ERROR")
        bob = await hub.connect("bob")  # another user is not affected
        await bob.request("bob's", "mb")
        bob_frames = await bob.until(done_for("mb"))
        for c in (a1, a2, bob):
            await c.close()
        return [refused[-1], bob_frames[-1]]

    error, bob_done = asyncio.run(scenario())
    assert error["payload"]["code"] == "rate_limited" and error["correlationId"] == "m3"
    assert "at most 2 per minute" in error["payload"]["message"]
    assert bob_done["type"] == "TASK_COMPLETE"
    assert len(fake_windmill.jobs) == 3


def test_connections_per_user_are_capped(hub_factory):
    hub = hub_factory(max_connections_per_user=2)

    async def scenario() -> tuple[int | None, str | None]:
        keep = [await hub.connect("alice"), await hub.connect("alice")]
        other = await hub.connect("bob")
        async with connect(hub.ws) as ws:
            await ws.send(
                json.dumps({"type": "AUTH", "sessionId": "auth", "payload": {"token": hub.token("alice")}})
            )
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            result = ws.close_code, ws.close_reason
        for c in [*keep, other]:
            await c.close()
        return result

    code, reason = asyncio.run(scenario())
    assert code == CLOSE_TOO_MANY_CONNECTIONS and "at most 2" in (reason or "")


def test_a_slow_consumer_is_disconnected_and_others_keep_receiving(hub_factory):
    hub = hub_factory(send_queue_bytes=256 * 1024)

    async def scenario() -> tuple[int, int | None, int]:
        # max_queue=1: the client stops reading its socket as soon as one frame is unread.
        slow = await hub.connect("alice", max_queue=1)
        fast = await hub.connect("bob")
        received = 0

        async def drain() -> None:
            nonlocal received
            while True:
                await fast.recv(timeout=20)
                received += 1

        drainer = asyncio.create_task(drain())
        sent = 0
        async with httpx.AsyncClient() as http:
            for n in range(800):
                body_a = json.dumps(progress_push("alice", n, filler=30_000)).encode()
                body_b = json.dumps(progress_push("bob", n)).encode()
                for body in (body_a, body_b):
                    r = await http.post(
                        f"{hub.http}/internal/push", content=body, headers=signing.sign(PUSH_SECRET, body)
                    )
                    assert r.status_code == 202
                sent += 1
                if n % 50 == 0 and await asyncio.to_thread(connections, hub) == 1:
                    break
        deadline = time.monotonic() + 10
        while received < sent and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        drainer.cancel()
        open_now = await asyncio.to_thread(connections, hub)
        # Reading again, the slow client finds its connection closed as slow.
        with pytest.raises(ConnectionClosed):
            while True:
                await slow.ws.recv()
        await fast.close()
        return open_now, slow.ws.close_code, received - sent

    open_now, code, missing = asyncio.run(scenario())
    assert open_now == 1  # only bob is left
    assert code == CLOSE_SLOW_CONSUMER
    assert missing == 0  # bob received every one of his events
    assert 'hub_disconnects_total{reason="4009"} 1.0' in httpx.get(f"{hub.http}/metrics").text


def test_heartbeat_keeps_live_clients_and_drops_silent_ones(hub_factory):
    hub = hub_factory(ping_interval_s=0.3, ping_timeout_s=0.3)

    async def scenario() -> tuple[int, int, dict, int | None]:
        live = await hub.connect("alice")
        silent = await hub.connect("bob")
        silent.ws.transport.pause_reading()  # stops answering the hub's pings
        await asyncio.sleep(1.5)
        after = await asyncio.to_thread(connections, hub)
        await live.send({"type": "PING", "sessionId": "s", "messageId": "p_live"})
        pong = await live.recv()
        still = await asyncio.to_thread(connections, hub)
        silent.ws.transport.resume_reading()
        with pytest.raises(ConnectionClosed):
            while True:
                await asyncio.wait_for(silent.ws.recv(), 5)
        await live.close()
        return after, still, pong, silent.ws.close_code

    after, still, pong, code = asyncio.run(scenario())
    assert after == 1 and still == 1
    assert pong["type"] == "PONG" and pong["correlationId"] == "p_live"
    assert code == 1011  # keepalive ping timeout


def test_push_requires_a_valid_fresh_signature_and_reaches_only_that_user(hub_server: RunningHub):
    async def scenario() -> tuple[list[httpx.Response], dict, bool]:
        alice = await hub_server.connect("alice")
        bob = await hub_server.connect("bob")
        frame = progress_push("alice", 1)
        body = json.dumps(frame).encode()
        stale = signing.sign(PUSH_SECRET, body, now=time.time() - 3600)
        responses = [
            await asyncio.to_thread(httpx.post, f"{hub_server.http}/internal/push", content=body),
            await asyncio.to_thread(push, hub_server, frame, "wrong-secret"),
            await asyncio.to_thread(
                httpx.post, f"{hub_server.http}/internal/push", content=body, headers=stale
            ),
            await asyncio.to_thread(push, hub_server, {**frame, "type": "USER_REQUEST"}),
            await asyncio.to_thread(push, hub_server, {k: v for k, v in frame.items() if k != "userId"}),
            await asyncio.to_thread(push, hub_server, frame),
        ]
        delivered = await alice.recv()
        bob_got_it = True
        try:
            await bob.recv(timeout=0.5)
        except TimeoutError:
            bob_got_it = False
        await alice.close()
        await bob.close()
        return responses, delivered, bob_got_it

    responses, delivered, bob_got_it = asyncio.run(scenario())
    assert [r.status_code for r in responses] == [401, 401, 401, 400, 400, 202]
    assert "outside the allowed window" in responses[2].json()["error"]
    assert delivered["type"] == "TASK_PROGRESS" and delivered["messageId"] == "push_1"
    assert delivered["eventId"] == responses[-1].json()["eventId"]
    assert bob_got_it is False


def test_an_exact_push_replay_is_refused(hub_server: RunningHub):
    """A captured push (body and signature) sent again inside the signature window is refused."""

    async def scenario() -> tuple[list[int], list[dict]]:
        alice = await hub_server.connect("alice")
        body = json.dumps(progress_push("alice", 7)).encode()
        headers = {"content-type": "application/json", **signing.sign(PUSH_SECRET, body)}
        statuses = []
        for _ in range(2):
            response = await asyncio.to_thread(
                httpx.post, f"{hub_server.http}/internal/push", content=body, headers=headers
            )
            statuses.append(response.status_code)
        fresh = await asyncio.to_thread(push, hub_server, progress_push("alice", 8))
        statuses.append(fresh.status_code)
        received = [await alice.recv(), await alice.recv()]
        with pytest.raises(TimeoutError):
            await alice.recv(timeout=0.5)
        await alice.close()
        return statuses, received

    statuses, received = asyncio.run(scenario())
    assert statuses == [202, 409, 202]
    assert [f["messageId"] for f in received] == ["push_7", "push_8"]


def test_push_is_disabled_without_a_secret(hub_factory):
    hub = hub_factory(push_secret=None)
    response = push(hub, progress_push("alice", 1))
    assert response.status_code == 503 and "HUB_PUSH_SECRET" in response.json()["error"]


def test_health_and_metrics(hub_server: RunningHub, fake_windmill):
    health = httpx.get(f"{hub_server.http}/health")
    assert health.status_code == 200
    body = health.json()
    assert body["checks"]["backend"] == {
        "ok": True,
        "detail": "CE v1.743.0",
        "kind": "windmill",
        "url": "http://windmill.test",
    }
    assert body["checks"]["broker"]["ok"] is True

    async def one_request() -> None:
        client = await hub_server.connect("alice")
        await client.request("hello", "m_metrics")
        await client.until(done_for("m_metrics"))
        await client.close()

    asyncio.run(one_request())
    text = httpx.get(f"{hub_server.http}/metrics").text
    assert 'hub_requests_total{outcome="completed"} 1.0' in text
    assert "hub_relay_latency_seconds_count" in text
    assert 'hub_connects_total{result="accepted"} 1.0' in text


def test_health_reports_an_unreachable_backend(hub_factory):
    hub = hub_factory(windmill_url="http://127.0.0.1:9", backend_timeout_s=0.5)
    response = httpx.get(f"{hub.http}/health")
    assert response.status_code == 503
    backend = response.json()["checks"]["backend"]
    assert backend["ok"] is False and "ConnectError" in backend["reason"]
