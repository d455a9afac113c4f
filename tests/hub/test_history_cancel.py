"""Conversation history and cancel through the hub, on the dev runtime (hub/history.py, hub/cancel.py)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from hub.backend import job_id_for
from tests.hub.conftest import PUSH_SECRET, RunningHub, done_for, make_settings, serve_in_thread
from tests.support.devruntime import DevRuntime

ASK = "Create a Twitter post about AI trends and schedule it for tomorrow"


def local_hub(runtime: DevRuntime, store: Path, flow: str):
    settings = make_settings(
        backend="local",
        windmill_url=runtime.base_url,
        windmill_token=runtime.token,
        flow_path=flow,
        backend_timeout_s=10,
        poll_interval_s=0.2,
        store=str(store),
    )
    return serve_in_thread(settings)


def api(hub: RunningHub, user: str) -> httpx.Client:
    return httpx.Client(base_url=hub.http, headers={"Authorization": f"Bearer {hub.token(user)}"}, timeout=10)


def test_conversations_are_kept_and_only_their_owner_reads_them(runtime: DevRuntime, tmp_path: Path):
    with local_hub(runtime, tmp_path / "store.sqlite3", "f/hubtest/handle_request") as hub:
        runtime.set_variable("f/openanalyst/hub_url", hub.http)
        runtime.set_variable("f/openanalyst/hub_push_secret", PUSH_SECRET, is_secret=True)

        async def scenario() -> None:
            client = await hub.connect("alice")
            await client.request(ASK, "msg_hist_1", session_id="sess_hist")
            await client.until(done_for("msg_hist_1"), timeout=60)
            await client.close()

        asyncio.run(scenario())
        with api(hub, "alice") as alice, api(hub, "bob") as bob:
            listed = alice.get("/api/conversations").json()
            assert listed["kept"] is True
            assert [c["id"] for c in listed["conversations"]] == ["sess_hist"]
            assert listed["conversations"][0]["title"] == ASK
            messages = alice.get("/api/conversations/sess_hist").json()["messages"]
            assert [(m["id"], m["role"]) for m in messages] == [
                ("msg_hist_1", "user"),
                ("msg_hist_1:answer", "assistant"),
            ]
            assert messages[0]["content"] == ASK
            assert messages[1]["content"].startswith("## Draft ready")
            assert "](kept:0)" in messages[1]["content"]  # the chart, kept beside the text
            assert messages[1]["metadata"]["images"][0].startswith("data:image/png;base64,")
            job_id = job_id_for("alice", "msg_hist_1")
            assert messages[1]["metadata"]["jobs"][0] == job_id
            # Another person sees none of it, even naming the conversation.
            assert bob.get("/api/conversations").json()["conversations"] == []
            assert bob.get("/api/conversations/sess_hist").json()["messages"] == []
            me = alice.get("/api/me").json()
            assert me["userId"] == "alice" and me["history"] is True
        assert httpx.get(f"{hub.http}/api/conversations").status_code == 401
        bad = httpx.get(f"{hub.http}/api/conversations", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401


def _wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_cancel_stops_the_persons_own_run_and_no_one_elses(runtime: DevRuntime, tmp_path: Path):
    with local_hub(runtime, tmp_path / "store.sqlite3", "f/hubtest/slow_request") as hub:

        async def scenario() -> list[dict]:
            client = await hub.connect("alice")
            await client.request("work on this slowly", "msg_cancel_1", session_id="sess_cancel")
            await client.until(lambda f: f["type"] == "TASK_PROGRESS" and f["payload"]["step"] == "work", 60)
            job_id = job_id_for("alice", "msg_cancel_1")
            with api(hub, "bob") as bob:
                # bob names alice's message id: it maps to a job of bob's that does not exist.
                refused = await asyncio.to_thread(bob.post, "/api/cancel", json={"messageId": "msg_cancel_1"})
            assert refused.status_code == 409, refused.text
            assert runtime.get_job(job_id).get("canceled") is False
            with api(hub, "alice") as alice:
                done = await asyncio.to_thread(alice.post, "/api/cancel", json={"messageId": "msg_cancel_1"})
            assert done.status_code == 200 and done.json() == {"cancelled": True, "jobId": job_id}
            frames = await client.until(done_for("msg_cancel_1"), timeout=30)
            await client.close()
            return frames

        started = time.monotonic()
        frames = asyncio.run(scenario())
        assert time.monotonic() - started < 60  # the two-minute step did not run to its end
        error = frames[-1]
        assert error["type"] == "TASK_ERROR" and error["payload"]["code"] == "cancelled"
        assert error["payload"]["error"] == "You stopped this request."
        job = runtime.get_job(job_id_for("alice", "msg_cancel_1"))
        assert job["canceled"] is True and job["success"] is False
        with api(hub, "alice") as alice:
            kept = alice.get("/api/conversations/sess_cancel").json()["messages"]
        assert kept[-1]["metadata"]["code"] == "cancelled"
        with api(hub, "alice") as alice:
            bad = alice.post("/api/cancel", json={"messageId": "../x"})
        assert bad.status_code == 400
