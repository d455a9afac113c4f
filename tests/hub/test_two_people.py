"""Two people on one workspace, through the hub, on the dev runtime (issue 12 item 6, issue 13).

alice and bob each talk to the hub with their own token and are non-admin members of the
workspace with their own Windmill tokens. alice's request waits on a question; bob tries everything
he can reach with what he has (his socket, the hub's API, his Windmill token): he cannot read, list,
answer (resume) or cancel alice's run, nor read or run her items, and nothing of hers reaches him.
Windmill's rules the dev runtime follows are cited in scripts/devruntime/acl.py.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx

from hub.backend import job_id_for
from tests.hub.conftest import PUSH_SECRET, RunningHub, done_for, make_settings, serve_in_thread
from tests.support.devruntime import DevRuntime

ALICE_SECRET_TOPIC = "ALICE-LAUNCH-PLAN"


def _hub(runtime: DevRuntime, store: Path):
    settings = make_settings(
        backend="local",
        windmill_url=runtime.base_url,
        windmill_token=runtime.token,  # the platform's service token: the flow is the platform's
        flow_path="f/hubtest/ask_request",
        backend_timeout_s=10,
        poll_interval_s=0.2,
        store=str(store),
    )
    return serve_in_thread(settings)


def _api(hub: RunningHub, user: str) -> httpx.Client:
    return httpx.Client(base_url=hub.http, headers={"Authorization": f"Bearer {hub.token(user)}"}, timeout=10)


def _answer(message_id: str, question: str, when: str) -> dict[str, Any]:
    return {
        "type": "USER_REQUEST",
        "sessionId": "sess_answer",
        "messageId": message_id,
        "correlationId": question,
        "payload": {"content": when, "answers": {"when": when}},
    }


def waiting_id(frames: list[dict[str, Any]]) -> str:
    return next(f["payload"]["resumeJobId"] for f in frames if (f.get("payload") or {}).get("resumeJobId"))


def test_two_people_through_the_hub_reach_nothing_of_each_other(runtime: DevRuntime, tmp_path: Path):
    alice_wm = runtime.add_person("alice")
    bob_wm = runtime.add_person("bob")
    # alice's own item, made by the platform's builder as a plan step makes it (operator token).
    flow = {
        "modules": [
            {
                "id": "a",
                "value": {
                    "type": "rawscript",
                    "language": "python3",
                    "content": f"def main():\n    return '{ALICE_SECRET_TOPIC}'\n",
                    "input_transforms": {},
                },
            }
        ]
    }
    runtime.wait(
        runtime.run_script(
            "f/openanalyst/builder/create_flow",
            {"user_id": "alice", "name": "launch", "value": flow, "overwrite": True},
        )
    )
    root = job_id_for("alice", "msg_alice_ask")

    with _hub(runtime, tmp_path / "store.sqlite3") as hub:
        runtime.set_variable("f/openanalyst/hub_url", hub.http)
        runtime.set_variable("f/openanalyst/hub_push_secret", PUSH_SECRET, is_secret=True)

        async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            alice = await hub.connect("alice")
            bob = await hub.connect("bob")
            await alice.request(f"Post about {ALICE_SECRET_TOPIC}", "msg_alice_ask", session_id="sess_alice")
            asked = await alice.until(
                lambda f: f["type"] == "ASSISTANT_RESPONSE" and bool(f["payload"].get("questions")), 60
            )
            waiting = asked[-1]["payload"]["resumeJobId"]

            # bob answers alice's question by its id: the hub keeps questions per person.
            await bob.send(_answer("msg_bob_answer", "msg_alice_ask", "right now"))
            refused = await bob.until(lambda f: f["type"] == "TASK_ERROR", 15)
            assert refused[-1]["payload"]["code"] == "question_unknown", refused[-1]

            with _api(hub, "bob") as api:
                # cancel by alice's message id: it names a request of bob's that does not exist
                r = await asyncio.to_thread(api.post, "/api/cancel", json={"messageId": "msg_alice_ask"})
                assert r.status_code == 409, r.text
                mine = (await asyncio.to_thread(api.get, "/api/conversations")).json()["conversations"]
                assert [c["id"] for c in mine] == ["sess_answer"]  # only his own refused answer
                assert ALICE_SECRET_TOPIC not in json.dumps(mine)
                r = await asyncio.to_thread(api.get, "/api/conversations/sess_alice")
                assert r.json()["messages"] == []

            # bob's own Windmill token: alice's run is not his to read, list, resume or cancel.
            for path in (f"/jobs_u/get/{root}", f"/jobs_u/get/{waiting}", f"/jobs_u/getupdate/{root}"):
                r = await asyncio.to_thread(bob_wm.get, path)
                assert r.status_code == 403 and ALICE_SECRET_TOPIC not in r.text, (path, r.text)
            listed = (await asyncio.to_thread(bob_wm.get, "/jobs/list", params={"per_page": 100})).json()
            assert {root, waiting}.isdisjoint({j["id"] for j in listed})
            assert ALICE_SECRET_TOPIC not in json.dumps(listed)
            r = await asyncio.to_thread(bob_wm.post, f"/jobs_u/queue/cancel/{root}", json={"reason": "bob"})
            assert r.status_code == 403
            # Resuming as the flow's owner is refused. Windmill (Community Edition) lets any member who
            # holds a waiting job's id resume it through `resume_suspended` when the step names no
            # approvers: that id is the key, so it only ever reaches alice (checked below).
            answer = {"answers": {"when": "right now"}}
            r = await asyncio.to_thread(bob_wm.post, f"/jobs/flow/resume/{waiting}", json=answer)
            assert r.status_code == 403
            # ... nor are her items: not listed, not readable, not runnable, not writable.
            assert (await asyncio.to_thread(bob_wm.get, "/flows/exists/u/alice/flows/launch")).json() is False
            assert (await asyncio.to_thread(bob_wm.get, "/flows/get/u/alice/flows/launch")).status_code == 403
            flows = (await asyncio.to_thread(bob_wm.get, "/flows/list")).json()
            assert all(not f["path"].startswith("u/alice/") for f in flows)
            r = await asyncio.to_thread(bob_wm.post, "/jobs/run/f/u/alice/flows/launch", json={})
            assert r.status_code == 403
            r = await asyncio.to_thread(
                bob_wm.post,
                "/flows/update/u/alice/flows/launch",
                json={"path": "u/alice/flows/launch", "summary": "x", "value": flow},
            )
            assert r.status_code == 403
            assert runtime.get_job(root)["type"] == "QueuedJob" and not runtime.get_job(root).get("canceled")

            # alice answers her own question: her run goes on and finishes.
            await alice.send(_answer("msg_alice_answer", "msg_alice_ask", "tomorrow 9am"))
            alice_frames = asked + await alice.until(done_for("msg_alice_ask"), 60)
            await asyncio.sleep(0.5)  # anything misrouted would have reached bob by now
            bob_frames = list(bob.seen)
            await alice.close()
            await bob.close()
            return alice_frames, bob_frames

        alice_frames, bob_frames = asyncio.run(scenario())

    answer = [f for f in alice_frames if f["type"] == "ASSISTANT_RESPONSE"][-1]["payload"]
    assert answer["content"] == f"Done: 'Post about {ALICE_SECRET_TOPIC}' goes out tomorrow 9am."
    assert alice_frames[-1]["type"] == "TASK_COMPLETE"
    assert runtime.get_job(root)["success"] is True
    # Nothing of alice's reached bob's socket: only his own refusal.
    assert ALICE_SECRET_TOPIC not in json.dumps(bob_frames)
    assert root not in json.dumps(bob_frames) and waiting_id(alice_frames) not in json.dumps(bob_frames)
    assert {f.get("userId") for f in bob_frames} <= {"bob", None}
    # alice's item runs as alice, even when the platform starts it; her own token reads it, bob's does not.
    job = runtime.run_flow("u/alice/flows/launch", {})
    done = runtime.wait_job(job)
    assert done["permissioned_as"] == "u/alice" and done["result"] == ALICE_SECRET_TOPIC
    assert alice_wm.get(f"/jobs_u/get/{job}").status_code == 200
    assert bob_wm.get(f"/jobs_u/get/{job}").status_code == 403
    alice_wm.close()
    bob_wm.close()
