"""The Windmill REST client: idempotent starts, getupdate_sse merging and reconnects, poll fallback."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

import hub.backend as backend_module
from hub.backend import BackendError, WindmillBackend, is_finished, job_id_for
from hub.metrics import Metrics
from tests.hub.conftest import make_settings

API = "http://windmill.test/api/w/openanalyst"
JOB = job_id_for("alice", "msg_1")


def sse(*events: dict[str, Any]) -> httpx.Response:
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events)
    return httpx.Response(200, content=body.encode(), headers={"content-type": "text/event-stream"})


def backend(**overrides: Any) -> WindmillBackend:
    return WindmillBackend(make_settings(**overrides), Metrics())


async def collect(b: WindmillBackend, job_id: str) -> list[dict[str, Any]]:
    states = []
    async for state in b.follow(job_id):
        states.append(json.loads(json.dumps(state)))
    await b.aclose()
    return states


def test_job_ids_are_stable_per_request_and_distinct_per_user():
    assert job_id_for("alice", "m1") == job_id_for("alice", "m1")
    assert job_id_for("alice", "m1") != job_id_for("bob", "m1")
    assert job_id_for("alice", "m1") != job_id_for("alice", "m2")


def test_run_flow_posts_with_the_chosen_job_id_and_bearer_token(respx_mock):
    route = respx_mock.post(f"{API}/jobs/run/f/f/openanalyst/handle_request").mock(
        return_value=httpx.Response(201, text=JOB, headers={"content-type": "text/plain"})
    )
    started = asyncio.run(backend().run_flow("f/openanalyst/handle_request", {"request": "hi"}, JOB))
    assert started is True
    request = route.calls.last.request
    assert request.url.params["job_id"] == JOB
    assert request.url.params["invisible_to_owner"] == "true"  # the run is the runner's only
    assert request.headers["authorization"] == "Bearer wm-token"
    assert json.loads(request.content) == {"request": "hi"}


def test_run_flow_treats_400_for_an_existing_job_as_already_started(respx_mock):
    respx_mock.post(f"{API}/jobs/run/f/f/openanalyst/handle_request").mock(
        return_value=httpx.Response(400, text=f"job {JOB} already exists")
    )
    respx_mock.get(f"{API}/jobs_u/get/{JOB}").mock(
        return_value=httpx.Response(200, json={"type": "CompletedJob", "id": JOB, "success": True})
    )
    assert asyncio.run(backend().run_flow("f/openanalyst/handle_request", {}, JOB)) is False


def test_run_flow_reports_a_real_bad_request_and_a_refused_token(respx_mock):
    run = respx_mock.post(f"{API}/jobs/run/f/f/openanalyst/handle_request")
    respx_mock.get(f"{API}/jobs_u/get/{JOB}").mock(return_value=httpx.Response(404, text="not found"))
    run.mock(return_value=httpx.Response(400, text="args: missing request"))
    with pytest.raises(BackendError, match=r"refused the run.*missing request") as bad:
        asyncio.run(backend().run_flow("f/openanalyst/handle_request", {}, JOB))
    assert bad.value.retryable is False
    run.mock(return_value=httpx.Response(401, text="Unauthorized"))
    with pytest.raises(BackendError, match="token was refused") as refused:
        asyncio.run(backend().run_flow("f/openanalyst/handle_request", {}, JOB))
    assert refused.value.kind == "auth"


def test_run_flow_retries_transport_errors_then_succeeds(respx_mock):
    route = respx_mock.post(f"{API}/jobs/run/f/f/openanalyst/handle_request").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.Response(201, text=JOB)]
    )
    retries: list[tuple[int, float, str]] = []

    async def on_retry(attempt: int, delay: float, problem: str) -> None:
        retries.append((attempt, delay, problem))

    b = backend(backend_backoff_s=0.01)
    assert asyncio.run(b.run_flow("f/openanalyst/handle_request", {}, JOB, on_retry=on_retry)) is True
    assert route.call_count == 3
    assert [(a, p) for a, _, p in retries] == [
        (1, "starting the flow: ConnectError"),
        (2, "starting the flow: timed out"),
    ]
    assert retries[1][1] == 2 * retries[0][1]  # exponential backoff


def test_follow_merges_partial_updates_and_reconnects_with_offsets(respx_mock):
    modules = [{"type": "InProgress", "id": "plan", "job": "c1"}]
    final_job = {"type": "CompletedJob", "id": JOB, "success": True, "result": {"content": "done"}}
    route = respx_mock.get(f"{API}/jobs_u/getupdate_sse/{JOB}").mock(
        side_effect=[
            sse(
                {
                    "type": "update",
                    "running": True,
                    "log_offset": 120,
                    "stream_offset": 7,
                    "progress": 10,
                    "flow_status": {"step": 0, "modules": modules},
                },
                {"type": "ping"},
                {"type": "update", "progress": 50},  # partial: flow_status unchanged, omitted
                {"type": "timeout"},
            ),
            sse({"type": "update", "completed": True, "running": False, "job": final_job}),
        ]
    )
    states = asyncio.run(collect(backend(), JOB))
    assert [s.get("progress") for s in states] == [10, 50, 50]
    assert states[1]["flow_status"]["modules"] == modules  # kept across the partial update
    assert is_finished(states[-1]) and states[-1]["job"]["result"] == {"content": "done"}
    first, second = (call.request.url.params for call in route.calls)
    assert (first["log_offset"], first["stream_offset"], first["running"]) == ("0", "0", "false")
    assert (second["log_offset"], second["stream_offset"], second["running"]) == ("120", "7", "true")
    assert second["get_progress"] == "true"


def test_a_job_that_moves_after_the_fast_second_is_followed_on_a_fast_stream_again(respx_mock, monkeypatch):
    # Windmill's stream polls every 100 ms for a second with fast=true, then every 500 ms: after
    # that second, a change is the sign to follow the job closely again (its end comes sooner).
    monkeypatch.setattr(backend_module, "FAST_PHASE_S", 0.0)  # every stream is past its fast second
    final_job = {"type": "CompletedJob", "id": JOB, "success": True, "result": {"content": "done"}}
    route = respx_mock.get(f"{API}/jobs_u/getupdate_sse/{JOB}").mock(
        side_effect=[
            sse({"type": "update", "running": True, "progress": 10}, {"type": "update", "progress": 20}),
            sse({"type": "update", "progress": 60}),
            sse({"type": "update", "completed": True, "running": False, "job": final_job}),
        ]
    )
    states = asyncio.run(collect(backend(), JOB))
    assert [s.get("progress") for s in states] == [10, 60, 60]  # each stream left after its news
    assert is_finished(states[-1]) and len(route.calls) == 3
    assert all(call.request.url.params["fast"] == "true" for call in route.calls)


def test_follow_falls_back_to_polling_when_sse_keeps_failing(respx_mock):
    respx_mock.get(f"{API}/jobs_u/getupdate_sse/{JOB}").mock(
        return_value=httpx.Response(502, text="bad gateway")
    )
    poll = respx_mock.get(f"{API}/jobs_u/getupdate/{JOB}").mock(
        side_effect=[
            httpx.Response(200, json={"running": True, "completed": False, "progress": 30, "log_offset": 5}),
            httpx.Response(200, json={"running": False, "completed": True, "log_offset": 9}),
        ]
    )
    respx_mock.get(f"{API}/jobs_u/completed/get_result_maybe/{JOB}").mock(
        return_value=httpx.Response(
            200, json={"completed": True, "result": {"content": "ok"}, "success": True, "started": True}
        )
    )

    async def run() -> tuple[list[dict[str, Any]], tuple[bool, Any]]:
        b = backend(backend_backoff_s=0.01)
        states = [dict(s) async for s in b.follow(JOB)]
        outcome = await b.outcome(JOB, states[-1])
        await b.aclose()
        return states, outcome

    states, outcome = asyncio.run(run())
    assert [s["progress"] for s in states] == [30, 30]
    assert outcome == (True, {"content": "ok"})
    assert poll.calls[1].request.url.params["log_offset"] == "5"


def test_follow_reports_a_job_that_is_not_found(respx_mock):
    respx_mock.get(f"{API}/jobs_u/getupdate_sse/{JOB}").mock(return_value=sse({"type": "notfound"}))
    respx_mock.get(f"{API}/jobs_u/getupdate/{JOB}").mock(return_value=httpx.Response(404, text="not found"))
    with pytest.raises(BackendError, match="disappeared"):
        asyncio.run(collect(backend(backend_backoff_s=0.001, poll_interval_s=0.001, backend_retries=2), JOB))


def test_resume_posts_the_answers_to_resume_suspended(respx_mock):
    route = respx_mock.post(f"{API}/jobs_u/flow/resume_suspended/{JOB}").mock(
        return_value=httpx.Response(201, text=JOB)
    )
    asyncio.run(backend().resume(JOB, {"answers": {"when": "9:00"}}))
    assert json.loads(route.calls.last.request.content) == {
        "payload": {"answers": {"when": "9:00"}},
        "approved": True,
    }
