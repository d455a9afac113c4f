"""Windmill's REST API mocked at the HTTP level with respx, with bodies shaped like the spec's.

`FakeWindmill` keeps a small job table. Each job walks through `stages` (merged getupdate
states); every `getupdate_sse`/`getupdate` call advances it one stage and answers with the
fields that changed only (`get_job_update` in
https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/src/jobs.rs), ending
with an update carrying the CompletedJob.
A stage may be a suspension: the job then waits until `resume_suspended` is called.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import respx
import uvicorn
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

BASE = "http://windmill.test"
WS = "openanalyst"
FLOW = "f/openanalyst/handle_request"

SUSPEND = "suspend"


def answer_result(content: str, skill: str = "SOCIAL_MEDIA") -> dict[str, Any]:
    """A realistic handle_request result (an AssistantResponsePayload dict)."""
    return {
        "messageId": f"resp_{uuid.uuid4().hex[:12]}",
        "content": content,
        "done": True,
        "metadata": {"skill": skill, "duration": 1234, "windmillJobs": [], "attempts": 1, "model": "offline"},
    }


def module(kind: str, module_id: str) -> dict[str, Any]:
    return {"type": kind, "id": module_id, "job": str(uuid.uuid4())}


def default_stages() -> list[dict[str, Any] | str]:
    ids = ["load_context", "route_skill", "plan", "respond"]
    stages: list[dict[str, Any] | str] = []
    for i in range(len(ids)):
        modules = [module("Success", m) for m in ids[:i]]
        # A flow's steps report wmill.set_progress on their module, not at the top level.
        modules.append({**module("InProgress", ids[i]), "progress": 50})
        modules += [module("WaitingForPriorSteps", m) for m in ids[i + 1 :]]
        stages.append({"running": True, "flow_status": {"step": i, "modules": modules}})
    return stages


@dataclass
class Job:
    id: str
    args: dict[str, Any]
    stages: list[dict[str, Any] | str]
    result: Any
    success: bool = True
    position: int = 0
    suspended: bool = False
    resumed_with: list[Any] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    advanced_at: float = field(default_factory=time.monotonic)

    @property
    def finished(self) -> bool:
        return self.position >= len(self.stages)


class FakeWindmill:
    def __init__(self, router: respx.Router, base: str = BASE) -> None:
        self.base = base
        self.jobs: dict[str, Job] = {}
        self.run_calls: list[str] = []
        self.fail_next_runs = 0  # answer 503 this many times (Windmill down or overloaded)
        self.sse_calls = 0
        self.result_for: Any = lambda args: answer_result(f"Here is your answer to: {args['request']}")
        self.stages_for: Any = lambda args: default_stages()
        self.success_for: Any = lambda args: True
        self.stage_s = 0.0  # a job moves at most one stage per stage_s seconds (a job that takes time)
        self.down_until = 0.0  # until then (monotonic) job lookups fail to connect: Windmill restarting
        self._lock = threading.Lock()
        api = f"{base}/api"
        router.get(f"{api}/version").mock(side_effect=lambda r: httpx.Response(200, text="CE v1.743.0"))
        router.post(url__regex=rf"{api}/w/{WS}/jobs/run/f/(?P<path>[^?]+)").mock(side_effect=self._run)
        router.get(url__regex=rf"{api}/w/{WS}/jobs_u/get/(?P<job>[^/?]+)").mock(side_effect=self._get)
        router.get(url__regex=rf"{api}/w/{WS}/jobs_u/getupdate_sse/(?P<job>[^/?]+)").mock(
            side_effect=self._sse
        )
        router.get(url__regex=rf"{api}/w/{WS}/jobs_u/getupdate/(?P<job>[^/?]+)").mock(side_effect=self._poll)
        router.get(url__regex=rf"{api}/w/{WS}/jobs_u/completed/get_result_maybe/(?P<job>[^/?]+)").mock(
            side_effect=self._result_maybe
        )
        router.post(url__regex=rf"{api}/w/{WS}/jobs_u/flow/resume_suspended/(?P<job>[^/?]+)").mock(
            side_effect=self._resume
        )

    # ---------------------------------------------------------------- routes

    def _run(self, request: httpx.Request, path: str) -> httpx.Response:
        job_id = request.url.params.get("job_id") or str(uuid.uuid4())
        with self._lock:
            self.run_calls.append(job_id)
            if self.fail_next_runs > 0:
                self.fail_next_runs -= 1
                return httpx.Response(503, text="service unavailable")
            if path != FLOW:
                return httpx.Response(404, text=f"flow not found at name {path}")
            if job_id in self.jobs:
                return httpx.Response(400, text=f"bad request: job id {job_id} already exists")
            args = json.loads(request.content)
            self.jobs[job_id] = Job(
                job_id, args, list(self.stages_for(args)), self.result_for(args), self.success_for(args)
            )
        return httpx.Response(201, text=job_id, headers={"content-type": "text/plain"})

    def _job_body(self, job: Job) -> dict[str, Any]:
        common = {"id": job.id, "workspace_id": WS, "script_path": FLOW, "job_kind": "flow", "args": job.args}
        if job.finished:
            return {**common, "type": "CompletedJob", "success": job.success, "result": job.result}
        return {**common, "type": "QueuedJob", "running": job.position > 0}

    def _get(self, request: httpx.Request, job: str) -> httpx.Response:
        found = self.jobs.get(job)
        if found is None:
            return httpx.Response(404, text=f"not found: job {job}")
        return httpx.Response(200, json=self._job_body(found))

    def _advance(self, job: Job) -> dict[str, Any]:
        """Move one stage on and return only the fields that changed."""
        with self._lock:
            if job.finished:
                return self._advance_unlocked(job)
            stage = job.stages[job.position]
            if stage == SUSPEND:
                if not job.resumed_with:
                    job.suspended = True
                    return {}
                job.suspended = False
                job.position += 1
                return self._advance_unlocked(job)
            return self._advance_unlocked(job)

    def _advance_unlocked(self, job: Job) -> dict[str, Any]:
        now = time.monotonic()
        if self.stage_s and now - job.advanced_at < self.stage_s:
            return {}
        job.advanced_at = now
        if job.finished:
            if job.state.get("completed"):
                return {}
            changed: dict[str, Any] = {
                "running": False,
                "completed": True,
                "job": self._job_body(job),
            }
        else:
            stage = job.stages[job.position]
            if stage == SUSPEND:
                return {}
            assert isinstance(stage, dict)
            changed = {k: v for k, v in stage.items() if job.state.get(k) != v}
            job.position += 1
        job.state.update(changed)
        return changed

    def _check_up(self, request: httpx.Request) -> None:
        if time.monotonic() < self.down_until:
            raise httpx.ConnectError("connection refused", request=request)

    def restart(self, job_id: str, down_s: float) -> None:
        """Windmill (or the dev runtime) goes away for down_s and comes back having failed the job,
        as the dev runtime fails the jobs that were running when it stopped."""
        with self._lock:
            job = self.jobs[job_id]
            job.position = len(job.stages)
            job.success = False
            job.result = {
                "error": {
                    "name": "RuntimeRestarted",
                    "message": "the dev runtime restarted while this job ran; run it again",
                }
            }
            self.down_until = time.monotonic() + down_s

    def _sse(self, request: httpx.Request, job: str) -> httpx.Response:
        self._check_up(request)
        self.sse_calls += 1
        found = self.jobs.get(job)
        if found is None:
            return _sse_response([{"type": "notfound"}])
        events: list[dict[str, Any]] = [{"type": "ping"}]
        if found.state.get("completed"):  # a new stream on a finished job starts with its final state
            return _sse_response([*events, {"type": "update", **found.state}])
        # A real stream sends several updates before it times out; two per connection here.
        for _ in range(2):
            changed = self._advance(found)
            if changed:
                events.append({"type": "update", **changed})
            if found.state.get("completed"):
                break
        if not found.state.get("completed"):
            events.append({"type": "timeout"})
        return _sse_response(events)

    def _poll(self, request: httpx.Request, job: str) -> httpx.Response:
        self._check_up(request)
        found = self.jobs.get(job)
        if found is None:
            return httpx.Response(404, text="not found")
        changed = self._advance(found)
        body = {
            "running": found.state.get("running", False),
            "completed": bool(found.state.get("completed")),
            **changed,
        }
        return httpx.Response(200, json=body)

    def _result_maybe(self, request: httpx.Request, job: str) -> httpx.Response:
        self._check_up(request)
        found = self.jobs.get(job)
        if found is None:
            return httpx.Response(404, text="not found")
        return httpx.Response(
            200,
            json={
                "completed": found.finished,
                "result": found.result if found.finished else None,
                "success": found.success,
                "started": found.position > 0,
            },
        )

    def _resume(self, request: httpx.Request, job: str) -> httpx.Response:
        found = self.jobs.get(job)
        if found is None:
            return httpx.Response(404, text="not found")
        if not found.suspended:
            return httpx.Response(400, text="job is not suspended")
        found.resumed_with.append(json.loads(request.content))
        return httpx.Response(201, text=job)


def _sse_response(events: list[dict[str, Any]]) -> httpx.Response:
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events)
    return httpx.Response(
        200,
        content=body.encode(),
        headers={"content-type": "text/event-stream", "x-accel-buffering": "no"},
    )


async def _stream(fake: FakeWindmill, job: Job) -> AsyncIterator[str]:
    yield f"data: {json.dumps({'type': 'ping'})}\n\n"
    if job.state.get("completed"):
        yield f"data: {json.dumps({'type': 'update', **job.state})}\n\n"
        return
    while True:
        changed = fake._advance(job)
        if changed:
            yield f"data: {json.dumps({'type': 'update', **changed})}\n\n"
        if job.state.get("completed"):
            return
        # Wake when the next stage is due (a suspended job is checked every 50 ms).
        await asyncio.sleep(max(job.advanced_at + fake.stage_s - time.monotonic(), 0.05))


@contextmanager
def serve_fake_windmill() -> Iterator[FakeWindmill]:
    """The fake Windmill as a real HTTP server on loopback, for hubs running as processes.

    Its `base` is the server's URL. A getupdate_sse stream stays open and sends each change as
    it happens, as Windmill's does, until the job completes."""
    router = respx.Router(assert_all_mocked=False)
    port_holder: dict[str, int] = {}
    fake: FakeWindmill | None = None

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        if "/getupdate_sse/" in request.url.path and fake is not None:
            job = fake.jobs.get(request.url.path.rsplit("/", 1)[-1])
            if job is not None:
                await StreamingResponse(_stream(fake, job), media_type="text/event-stream")(
                    scope, receive, send
                )
                return
        mocked = router.handler(
            httpx.Request(request.method, f"{BASE}{request.url.path}?{request.url.query}", content=body)
        )
        await Response(mocked.content, mocked.status_code, headers=dict(mocked.headers))(scope, receive, send)

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the fake Windmill did not start")
        time.sleep(0.01)
    port_holder["port"] = server.servers[0].sockets[0].getsockname()[1]
    fake = FakeWindmill(router)
    fake.base = f"http://127.0.0.1:{port_holder['port']}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)
