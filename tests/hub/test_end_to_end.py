"""End to end on the dev runtime: a websocket client sends the canonical example through the real flow."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.hub.conftest import PUSH_SECRET, RunningHub, done_for, make_settings, serve_in_thread
from tests.support.devruntime import DevRuntime
from tests.support.services import unavailable

SEED = "Create a Twitter post about AI trends and schedule it for tomorrow"


def local_hub(runtime: DevRuntime, **overrides: Any):
    settings = make_settings(
        backend="local",
        windmill_url=runtime.base_url,
        windmill_token=runtime.token,
        backend_timeout_s=10,
        poll_interval_s=0.2,
        **overrides,
    )
    return serve_in_thread(settings)


def wire_pushes(runtime: DevRuntime, hub: RunningHub) -> None:
    """The flow's steps push to this hub, signed with the shared secret."""
    runtime.set_variable("f/openanalyst/hub_url", hub.http)
    runtime.set_variable("f/openanalyst/hub_push_secret", PUSH_SECRET, is_secret=True)


def test_test_flow_streams_pushes_and_progress_then_the_answer(runtime: DevRuntime):
    with local_hub(runtime, flow_path="f/hubtest/handle_request") as hub:
        wire_pushes(runtime, hub)

        async def scenario() -> list[dict]:
            client = await hub.connect("alice")
            await client.request(SEED, "msg_flow_1", session_id="sess_e2e")
            frames = await client.until(done_for("msg_flow_1"), timeout=60)
            await client.close()
            return frames

        frames = asyncio.run(scenario())
    assert not runtime.violations, runtime.violations
    types = [f["type"] for f in frames]
    assert types[0] == "ASSISTANT_TYPING" and types[-2:] == ["ASSISTANT_RESPONSE", "TASK_COMPLETE"]
    assert {f["correlationId"] for f in frames} == {"msg_flow_1"}
    progress = [f["payload"] for f in frames if f["type"] == "TASK_PROGRESS"]
    # The step's own push arrives, and the hub's own view of the job: its module's set_progress.
    assert {"step": "prepare", "percent": 40, "message": f"Preparing: {SEED[:40]}"} in progress
    # The hub's own view of the job (from getupdate_sse) names the running step.
    assert any(p.get("jobId") == frames[-1]["payload"]["jobId"] and p["step"] == "prepare" for p in progress)
    answer = frames[-2]["payload"]
    assert answer["content"].startswith("## Draft ready") and "data:image/png" in answer["content"]
    job_id = frames[-1]["payload"]["jobId"]
    assert answer["metadata"]["windmillJobs"][0] == job_id
    assert runtime.get_job(job_id)["success"] is True


def test_seed_example_streams_typing_progress_response_complete(runtime: DevRuntime):
    flow = runtime.client.get(f"{runtime.api}/flows/get/f/openanalyst/handle_request")
    if flow.status_code != 200:
        reason = f"HTTP {flow.status_code}: {flow.text[:300]}"
        unavailable("the handle_request flow on the dev runtime", reason)
    with local_hub(runtime) as hub:
        wire_pushes(runtime, hub)
        frames = asyncio.run(_seed(hub))
    dev_runtime = runtime
    relayed = [f for f in frames if f.get("correlationId") == "msg_seed_e2e"]
    types = [f["type"] for f in relayed]
    assert types[0] == "ASSISTANT_TYPING", types
    assert "TASK_PROGRESS" in types
    assert types[-1] == "TASK_COMPLETE", relayed[-1]
    # The answer comes before completion; progress comes between typing and the answer.
    answer_at = max(i for i, t in enumerate(types) if t == "ASSISTANT_RESPONSE")
    assert answer_at < len(types) - 1
    assert all(t in ("TASK_PROGRESS", "ASSISTANT_RESPONSE") for t in types[1:answer_at])
    answer = relayed[answer_at]["payload"]
    assert answer["done"] is True and answer["content"]
    job_id = relayed[-1]["payload"]["jobId"]
    assert job_id in answer["metadata"]["windmillJobs"]
    assert dev_runtime.get_job(job_id)["type"] == "CompletedJob"
    assert {f["userId"] for f in frames} == {"alice"}


async def _seed(hub: RunningHub) -> list[dict]:
    client = await hub.connect("alice")
    await client.request(SEED, "msg_seed_e2e", session_id="sess_e2e")
    frames = await client.until(done_for("msg_seed_e2e"), timeout=240)
    await client.close()
    return frames
