"""A request's life over the websocket: typing, progress, answer, complete; errors a person can act on."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest

from hub.backend import JOB_NAMESPACE, job_id_for
from tests.hub.conftest import RunningHub, done_for
from tests.hub.fake_windmill import SUSPEND, FakeWindmill, answer_result, default_stages, module

SEED = "Create a Twitter post about AI trends and schedule it for tomorrow"


def test_request_gets_typing_progress_response_complete_in_order(hub_server: RunningHub, fake_windmill):
    async def scenario() -> list[dict]:
        client = await hub_server.connect("alice")
        await client.request(SEED, "msg_seed_1")
        frames = await client.until(done_for("msg_seed_1"))
        await client.close()
        return frames

    frames = asyncio.run(scenario())
    types = [f["type"] for f in frames]
    assert types[0] == "ASSISTANT_TYPING"
    assert types[-2:] == ["ASSISTANT_RESPONSE", "TASK_COMPLETE"]
    progress = [f for f in frames if f["type"] == "TASK_PROGRESS"]
    assert [p["payload"]["step"] for p in progress] == ["load_context", "route_skill", "plan", "respond"]
    # Each of the 4 steps is half done (its set_progress) when seen: (i + 0.5) / 4.
    assert [p["payload"]["percent"] for p in progress] == [12, 37, 62, 87]
    assert progress[2]["payload"]["message"] == "Working on it: step 3 of 4 (50%)"  # no module ids
    assert {f["correlationId"] for f in frames} == {"msg_seed_1"}
    assert {f["userId"] for f in frames} == {"alice"} and {f["sessionId"] for f in frames} == {"sess_1"}
    job_id = str(uuid.uuid5(JOB_NAMESPACE, "alice/msg_seed_1"))
    response = frames[-2]["payload"]
    assert response["content"] == f"Here is your answer to: {SEED}"
    assert response["metadata"]["windmillJobs"][0] == job_id
    assert frames[-1]["payload"]["jobId"] == job_id
    # The flow got the person's request and the token's user id, under the derived job id.
    assert fake_windmill.jobs[job_id].args == {
        "user_id": "alice",
        "session_id": "sess_1",
        "message_id": "msg_seed_1",
        "request": SEED,
    }
    # Event ids increase, so a client can resume from the last one it saw.
    offsets = [int(f["eventId"].split(":")[1]) for f in frames]
    assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)


def test_the_browser_timezone_reaches_the_flow_and_a_bad_one_is_ignored(
    hub_server: RunningHub, fake_windmill
):
    """The chat sends the browser's IANA timezone with each request: a real one is a flow input
    (`timezone`), anything else is left out, and the request runs all the same."""

    async def scenario() -> list[dict]:
        client = await hub_server.connect("alice")
        await client.request(SEED, "msg_tz_good", timezone="Europe/Paris")
        frames = await client.until(done_for("msg_tz_good"))
        await client.request(SEED, "msg_tz_bad", timezone="Mars/Olympus")
        frames += await client.until(done_for("msg_tz_bad"))
        await client.close()
        return frames

    frames = asyncio.run(scenario())
    assert "ERROR" not in [f["type"] for f in frames]
    assert [f["type"] for f in frames].count("TASK_COMPLETE") == 2
    good = fake_windmill.jobs[job_id_for("alice", "msg_tz_good")].args
    assert good["timezone"] == "Europe/Paris" and good["request"] == SEED
    bad = fake_windmill.jobs[job_id_for("alice", "msg_tz_bad")].args
    assert "timezone" not in bad and bad["request"] == SEED


def test_a_resent_request_never_runs_twice(hub_server: RunningHub, fake_windmill: FakeWindmill):
    """A resend of an answered request (e.g. after a reconnect) runs nothing and answers nothing
    again: the answer is in the history a reconnecting client replays."""

    async def scenario() -> tuple[list[dict], list[dict], list[dict]]:
        client = await hub_server.connect("alice")
        await client.request(SEED, "msg_dup")
        first = await client.until(done_for("msg_dup"))
        await client.request(SEED, "msg_dup")  # e.g. resent after a reconnect
        with pytest.raises(TimeoutError):
            await client.recv(timeout=1.0)
        await client.close()
        again = await hub_server.connect("alice", last_event_id=first[0]["eventId"])
        replayed = await again.until(done_for("msg_dup"))
        await again.close()
        return first, client.seen, replayed

    first, seen, replayed = asyncio.run(scenario())
    assert len(fake_windmill.jobs) == 1
    assert len(fake_windmill.run_calls) == 1  # the resend did not even try to start it again
    assert [f["type"] for f in seen].count("TASK_COMPLETE") == 1
    assert replayed[-1]["eventId"] == first[-1]["eventId"]
    assert job_id_for("alice", "msg_dup") in fake_windmill.jobs


def test_windmill_down_is_retried_with_backoff_and_the_person_told(hub_server, fake_windmill: FakeWindmill):
    fake_windmill.fail_next_runs = 2

    async def scenario() -> list[dict]:
        client = await hub_server.connect("alice")
        await client.request(SEED, "msg_retry")
        frames = await client.until(done_for("msg_retry"))
        await client.close()
        return frames

    frames = asyncio.run(scenario())
    waiting = [
        f for f in frames if f["type"] == "TASK_PROGRESS" and f["payload"]["step"] == "waiting_for_backend"
    ]
    assert len(waiting) == 2
    assert "HTTP 503" in waiting[0]["payload"]["message"] and "retrying" in waiting[0]["payload"]["message"]
    assert frames[-1]["type"] == "TASK_COMPLETE"
    assert len(fake_windmill.jobs) == 1


def test_windmill_down_for_good_ends_with_an_actionable_error(hub_server, fake_windmill: FakeWindmill):
    fake_windmill.fail_next_runs = 100

    async def scenario() -> list[dict]:
        client = await hub_server.connect("alice")
        await client.request(SEED, "msg_down")
        frames = await client.until(done_for("msg_down"))
        await client.close()
        return frames

    frames = asyncio.run(scenario())
    error = frames[-1]
    assert error["type"] == "TASK_ERROR" and error["correlationId"] == "msg_down"
    assert error["payload"]["retryable"] is True
    assert "unavailable" in error["payload"]["error"]
    assert "will not run twice" in error["payload"]["action"]
    assert len(fake_windmill.run_calls) == 1 + hub_server.settings.backend_retries
    assert "hub_backend_errors_total" in httpx.get(f"{hub_server.http}/metrics").text


def test_a_failed_flow_gives_task_error_with_its_message(hub_server, fake_windmill: FakeWindmill):
    fake_windmill.result_for = lambda args: {"error": {"name": "ValueError", "message": "no such platform"}}
    fake_windmill.success_for = lambda args: False

    async def scenario() -> list[dict]:
        client = await hub_server.connect("alice")
        await client.request("post to myspace", "msg_fail")
        frames = await client.until(done_for("msg_fail"))
        await client.close()
        return frames

    frames = asyncio.run(scenario())
    assert frames[-1]["type"] == "TASK_ERROR"
    assert frames[-1]["payload"]["error"] == "ValueError: no such platform"
    assert frames[-1]["payload"]["code"] == "flow_failed"
    assert not any(f["type"] == "ASSISTANT_RESPONSE" for f in frames)


def test_after_a_runtime_restart_the_advice_is_what_works(hub_factory, fake_windmill: FakeWindmill):
    """Windmill goes away mid-flow for longer than the start retries and comes back having failed
    the job. The hub waits the outage out, and the person is told to send a new message: resending
    the same one does nothing (it never runs or is answered twice), a new message is answered."""
    hub = hub_factory(backend_retries=2, backend_backoff_s=0.05, backend_backoff_max_s=0.2)
    fake_windmill.stage_s = 0.3  # the job takes about a second

    async def scenario() -> tuple[list[dict], list[dict], list[dict]]:
        client = await hub.connect("alice")
        await client.request(SEED, "msg_restart")
        await client.until(lambda f: f["type"] == "TASK_PROGRESS")
        fake_windmill.restart(job_id_for("alice", "msg_restart"), down_s=1.5)
        first = await client.until(done_for("msg_restart"), timeout=15)
        seen_before = len(client.seen)
        await client.request(SEED, "msg_restart")  # the same message again
        with pytest.raises(TimeoutError):
            await client.recv(timeout=1.0)
        same = client.seen[seen_before:]
        await client.request(SEED, "msg_restart_new")  # what the advice says
        new = await client.until(done_for("msg_restart_new"), timeout=15)
        await client.close()
        return first, same, new

    first, same, new = asyncio.run(scenario())
    error = first[-1]
    assert error["type"] == "TASK_ERROR", error
    assert "RuntimeRestarted" in error["payload"]["error"]
    assert "new message" in error["payload"]["action"]
    assert "reattach" not in error["payload"]["action"] and error["payload"]["retryable"] is False
    assert same == []
    assert new[-1]["type"] == "TASK_COMPLETE"
    assert len(fake_windmill.jobs) == 2  # the resend did not run again


def test_malformed_frames_get_an_error_naming_the_field_and_the_connection_stays(hub_server: RunningHub):
    async def scenario() -> list[dict]:
        client = await hub_server.connect("alice")
        errors = []
        for raw in (
            "{not json",
            json.dumps(
                {"type": "USER_REQUEST", "sessionId": "s", "messageId": "m1", "payload": {"content": ""}}
            ),
            json.dumps({"type": "USER_REQUEST", "sessionId": "s", "messageId": "m2", "payload": {}}),
            json.dumps({"type": "FLY", "sessionId": "s"}),
            json.dumps({"type": "TASK_COMPLETE", "sessionId": "s", "payload": {}}),
            json.dumps({"type": "USER_REQUEST", "sessionId": "bad id!", "payload": {"content": "x"}}),
        ):
            await client.ws.send(raw)
            errors.append(await client.recv())
        await client.ws.send(b"\x00binary")
        errors.append(await client.recv())
        await client.send({"type": "PING", "sessionId": "s", "messageId": "ping_1"})
        errors.append(await client.recv())
        await client.close()
        return errors

    frames = asyncio.run(scenario())
    assert [f["type"] for f in frames] == ["ERROR"] * 7 + ["PONG"]
    fields = [f["payload"].get("field") for f in frames[:7]]
    assert fields == [None, "payload.content", "payload.content", "type", "type", "sessionId", None]
    assert "not valid JSON" in frames[0]["payload"]["message"]
    assert frames[1]["correlationId"] == "m1"
    assert "binary" in frames[6]["payload"]["message"]
    assert frames[7]["correlationId"] == "ping_1"


def test_deeply_nested_json_gets_an_error_frame_and_the_connection_stays(hub_server: RunningHub):
    """JSON nested thousands deep is a bad frame like any other, not a crash of the reader (1011)."""

    async def scenario() -> list[dict]:
        client = await hub_server.connect("alice")
        frames = []
        for depth in (1_000, 20_000):
            nested = "[" * depth + "]" * depth
            frame = f'{{"type":"USER_REQUEST","sessionId":"s","messageId":"deep","payload":{nested}}}'
            await client.ws.send(frame)
            frames.append(await client.recv())
        await client.send({"type": "PING", "sessionId": "s", "messageId": "ping_after"})
        frames.append(await client.recv())
        await client.close()
        return frames

    frames = asyncio.run(scenario())
    assert [f["type"] for f in frames] == ["ERROR", "ERROR", "PONG"]
    assert all(f["payload"]["code"] == "bad_frame" for f in frames[:2])
    assert frames[2]["correlationId"] == "ping_after"


def test_a_clarification_question_is_relayed_and_the_answer_resumes_the_flow(hub_server, fake_windmill):
    question_id = "msg_question_1"

    def stages(args):
        waiting = [module("Success", "load_context"), module("WaitingForEvents", "clarify")]
        return [
            default_stages()[0],
            {"running": True, "flow_status": {"step": 1, "modules": waiting}},
            SUSPEND,
        ]

    fake_windmill.stages_for = stages
    fake_windmill.result_for = lambda args: answer_result("Scheduled for 9:00 tomorrow.")

    async def scenario() -> tuple[list[dict], list[dict], dict]:
        client = await hub_server.connect("alice")
        await client.request("schedule a post", "msg_req")
        before = await client.until(
            lambda f: f["type"] == "TASK_PROGRESS" and f["payload"]["step"] == "clarify"
        )
        # The flow's clarify step pushes its question (signed) through /internal/push.
        job_id = job_id_for("alice", "msg_req")
        push = {
            "type": "ASSISTANT_RESPONSE",
            "userId": "alice",
            "sessionId": "sess_1",
            "messageId": question_id,
            "correlationId": "msg_req",
            "payload": {
                "content": "When should it go out?",
                "done": False,
                "resumeJobId": job_id,
                "questions": [{"id": "when", "question": "When?", "choices": ["9:00", "18:00"]}],
            },
        }
        response = await asyncio.to_thread(_push, hub_server, push)
        assert response.status_code == 202, response.text
        question = await client.until(lambda f: f["type"] == "ASSISTANT_RESPONSE")
        # Bob cannot answer Alice's question.
        bob = await hub_server.connect("bob")
        await bob.send(
            {
                "type": "USER_REQUEST",
                "sessionId": "s",
                "messageId": "msg_bob",
                "correlationId": question_id,
                "payload": {"content": "18:00", "answers": {"when": "18:00"}},
            }
        )
        bob_frames = await bob.until(done_for("msg_bob"))
        await bob.close()
        await client.send(
            {
                "type": "USER_REQUEST",
                "sessionId": "sess_1",
                "messageId": "msg_answer",
                "correlationId": question_id,
                "payload": {"content": "9:00", "answers": {"when": "9:00"}},
            }
        )
        after = await client.until(done_for("msg_req"))
        await client.close()
        return before + question + after, bob_frames, fake_windmill.jobs[job_id].resumed_with

    frames, bob_frames, resumed_with = asyncio.run(scenario())
    question = next(f for f in frames if f["type"] == "ASSISTANT_RESPONSE")
    assert question["messageId"] == question_id and question["payload"]["questions"][0]["id"] == "when"
    assert bob_frames[-1]["type"] == "TASK_ERROR" and bob_frames[-1]["payload"]["code"] == "question_unknown"
    assert resumed_with == [{"payload": {"answers": {"when": "9:00"}}, "approved": True}]
    typing_for_answer = [
        f for f in frames if f["type"] == "ASSISTANT_TYPING" and f["correlationId"] == "msg_answer"
    ]
    assert typing_for_answer
    final = [f for f in frames if f.get("correlationId") == "msg_req"][-2:]
    assert [f["type"] for f in final] == ["ASSISTANT_RESPONSE", "TASK_COMPLETE"]
    assert final[0]["payload"]["content"] == "Scheduled for 9:00 tomorrow."


def _push(hub: RunningHub, frame: dict) -> httpx.Response:
    import f.openanalyst.lib.signing as signing
    from tests.hub.conftest import PUSH_SECRET

    body = json.dumps(frame).encode()
    headers = {"content-type": "application/json", **signing.sign(PUSH_SECRET, body)}
    return httpx.post(f"{hub.http}/internal/push", content=body, headers=headers)


def test_reconnecting_with_the_last_event_id_replays_what_was_missed(hub_server: RunningHub, fake_windmill):
    async def scenario() -> tuple[list[dict], dict, list[dict], dict, dict]:
        first = await hub_server.connect("alice")
        await first.request(SEED, "msg_gone")
        before = await first.until(lambda f: f["type"] == "ASSISTANT_TYPING")
        await first.close()  # the socket dies; the relay goes on for the user
        for _ in range(200):
            if not hub_server.hub.following:  # type: ignore[union-attr]
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
        again = await hub_server.connect("alice", last_event_id=before[-1]["eventId"])
        missed = await again.until(done_for("msg_gone"))
        await again.close()
        unknown = await hub_server.connect(
            "alice", last_event_id=f"{before[-1]['eventId'].split(':')[0]}:9999"
        )
        await unknown.close()
        malformed = await hub_server.connect("alice", last_event_id="garbage")
        await malformed.close()
        return before, again.connected, missed, unknown.connected, malformed.connected

    before, connected, missed, unknown, malformed = asyncio.run(scenario())
    assert connected["payload"]["recovered"] is True
    types = [f["type"] for f in missed]
    assert types[0] == "TASK_PROGRESS" and types[-2:] == ["ASSISTANT_RESPONSE", "TASK_COMPLETE"]
    offsets = [int(f["eventId"].split(":")[1]) for f in [before[-1], *missed]]
    assert offsets == list(range(offsets[0], offsets[0] + len(offsets)))  # no gap, no duplicate
    assert unknown["payload"]["recovered"] is False and malformed["payload"]["recovered"] is False
