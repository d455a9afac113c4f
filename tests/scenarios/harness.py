"""Run scenario cases end to end: a websocket client per case, through the real hub, on the dev runtime.

One dev runtime and one hub serve the whole run. Each case gets its own person (`sc_<n>_<mode>`),
so cases run concurrently without seeing each other's items or history. A mode is a batch: the
environment the jobs inherit (model key and base URL, or none) is set for the batch.

What is kept is what the person sees: every frame the hub sent them, the answer's text, the
questions asked (and answered as the case says), and the items in their `u/<user>/` folder.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from scripts.devruntime.config import REPO_ROOT, Settings
from scripts.devruntime.executor import bundle_modules
from scripts.devruntime.server import DevServer
from tests.hub.conftest import PUSH_SECRET, RunningHub, make_settings, serve_in_thread
from tests.scenarios.model_server import ScenarioModelServer
from tests.support.devruntime import TEST_FLOWS_ROOT, DevRuntime

Mode = Literal["offline", "model"]
MODES: tuple[Mode, ...] = ("offline", "model")
CASE_TIMEOUT_S = 150.0
# Concurrent cases: the dev runtime runs every job as its own process; more than this on a
# 2-core machine only queues them.
CONCURRENCY = int(os.environ.get("OPENANALYST_SCENARIO_CONCURRENCY", "6"))
ITEM_KINDS = ("scripts", "flows", "apps", "schedules", "resources")


@dataclass
class Outcome:
    """What one person saw for one case."""

    case_id: str
    mode: Mode
    user: str
    frames: list[dict[str, Any]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    provisioned: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def responses(self) -> list[dict[str, Any]]:
        return [f["payload"] for f in self.frames if f.get("type") == "ASSISTANT_RESPONSE"]

    @property
    def final(self) -> dict[str, Any]:
        done = [r for r in self.responses if r.get("done", True)]
        return (done or self.responses or [{}])[-1]

    @property
    def answer(self) -> str:
        """The final answer's text (a TASK_ERROR's message and action when the request failed)."""
        if self.responses:
            return str(self.final.get("content") or "")
        errors = [f["payload"] for f in self.frames if f.get("type") == "TASK_ERROR"]
        return " ".join(f"{e.get('error', '')} {e.get('action', '')}" for e in errors)

    @property
    def questions(self) -> list[dict[str, Any]]:
        return [q for r in self.responses for q in r.get("questions") or []]

    @property
    def messages(self) -> list[str]:
        """Every text the person was shown: answers, questions, progress lines, errors."""
        out: list[str] = []
        for frame in self.frames:
            payload = frame.get("payload") or {}
            kind = frame.get("type")
            if kind == "ASSISTANT_RESPONSE":
                out.append(str(payload.get("content") or ""))
                out += [str(q.get("question") or "") for q in payload.get("questions") or []]
                out += [str(c) for q in payload.get("questions") or [] for c in q.get("choices") or []]
            elif kind == "TASK_PROGRESS":
                out.append(str(payload.get("message") or ""))
            elif kind == "TASK_ERROR":
                out += [str(payload.get("error") or ""), str(payload.get("action") or "")]
        return [m for m in out if m]

    @property
    def new_items(self) -> list[str]:
        """Items in the person's folder that provisioning did not put there."""
        return [p for p in self.items if p not in self.provisioned]


def user_for(case_id: str, mode: str) -> str:
    return f"sc_{case_id}_{mode[:3]}"[:48]


def plan_markers(replies: dict[str, Any]) -> list[str]:
    """Argument texts of the recorded plans: the writer's and judge's prompts carry them."""
    found: list[str] = []
    for _status, body in replies.get("planner", []):
        for block in body.get("content") or []:
            try:
                planned = json.loads(block.get("text") or "{}")
            except ValueError:
                continue
            for step in planned.get("steps") or []:
                args = json.loads(step.get("args_json") or "{}")
                found += [v for v in args.values() if isinstance(v, str) and len(v) >= 12 and "$" not in v]
    return found


def template_paths(user: str) -> list[str]:
    from f.openanalyst.lib.user_templates import render

    return [f"u/{user}/{t['kind']}s/{t['name']}" for t in render(user)]


@contextmanager
def _env(values: dict[str, str | None]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class Suite:
    """One dev runtime, one hub (local backend, the real handle_request flow), one model server."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        settings = Settings(
            port=0,
            bundle_root=REPO_ROOT,
            extra_roots=[TEST_FLOWS_ROOT],
            db_path=tmp / "devruntime.sqlite3",
            strict=True,
            sse_timeout_s=10.0,
            fork=True,
        )
        # every bundle module and the model SDKs too (the bundle imports them only where a model is
        # called): the model batch's jobs start with them loaded, not after the fork server's next
        # quiet moment (each job then starts warm: ~0.2 s per step instead of ~1 s)
        modules = bundle_modules(REPO_ROOT)
        settings.preload = ",".join([settings.preload, *modules, settings.preload_idle])
        self.store_path = tmp / "store.sqlite3"
        # Jobs read their store path from the environment the runtime gives them.
        self._env = _env(
            {
                "OPENANALYST_SQLITE_PATH": str(self.store_path),
                "OPENANALYST_EMBEDDINGS": os.environ.get("OPENANALYST_EMBEDDINGS", "off"),
                "ANTHROPIC_API_KEY": None,
                "OPENANALYST_ANTHROPIC_BASE_URL": None,
                "OPENANALYST_OFFLINE": None,
            }
        )
        self._env.__enter__()
        self.server = DevServer(settings).start()
        self.runtime = DevRuntime(self.server)
        hub_settings = make_settings(
            backend="local",
            windmill_url=self.runtime.base_url,
            windmill_token=self.runtime.token,
            backend_timeout_s=30,
            poll_interval_s=0.1,
        )
        self._hub_cm = serve_in_thread(hub_settings)
        self.hub: RunningHub = self._hub_cm.__enter__()
        self.runtime.set_variable("f/openanalyst/hub_url", self.hub.http)
        self.runtime.set_variable("f/openanalyst/hub_push_secret", PUSH_SECRET, is_secret=True)
        self.model = ScenarioModelServer().start()

    def close(self) -> None:
        self.model.stop()
        self._hub_cm.__exit__(None, None, None)
        self.runtime.client.close()
        self.server.stop()
        self._env.__exit__(None, None, None)

    # ------------------------------------------------------------------ running cases

    def mode_env(self, mode: Mode) -> dict[str, str | None]:
        if mode == "model":
            return {
                "ANTHROPIC_API_KEY": "sk-ant-scenario-key",
                "OPENANALYST_ANTHROPIC_BASE_URL": self.model.url,
                "OPENANALYST_MODEL_MAX_RETRIES": "0",
            }
        return {"ANTHROPIC_API_KEY": None, "OPENANALYST_ANTHROPIC_BASE_URL": None}

    def run(self, cases: list[Any], mode: Mode) -> dict[str, Outcome]:
        """Run `cases` (tests.scenarios.cases.Case) concurrently in `mode`; outcomes by case id."""
        for case in cases:
            if mode == "model" and case.model is not None:
                replies = json.loads(json.dumps(case.model).replace("{user}", user_for(case.id, mode)))
                markers = [case.request, *case.before, *case.markers, *plan_markers(replies)]
                self.model.script(case.id, markers, replies)
        with _env(self.mode_env(mode)):
            return asyncio.run(self._run_all(cases, mode))

    async def _run_all(self, cases: list[Any], mode: Mode) -> dict[str, Outcome]:
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(index: int, case: Any) -> Outcome:
            async with gate:
                return await self._run_case(index, case, mode)

        numbered = list(enumerate(cases))
        outcomes = await asyncio.gather(*(one(i, c) for i, c in numbered))
        return {o.case_id: o for o in outcomes}

    async def _run_case(self, index: int, case: Any, mode: Mode) -> Outcome:
        user = user_for(case.id, mode)
        outcome = Outcome(case.id, mode, user, provisioned=template_paths(user))
        started = time.monotonic()
        try:
            if case.setup is not None:
                await asyncio.to_thread(case.setup, self, user)
            client = await self.hub.connect(user)
            try:
                await self._converse(client, case, outcome)
            finally:
                await client.close()
            outcome.items = await asyncio.to_thread(self.items_of, user)
        except Exception as exc:  # the case fails with the reason; the others go on
            outcome.error = f"{type(exc).__name__}: {exc}"
        outcome.seconds = time.monotonic() - started
        return outcome

    async def _converse(self, client: Any, case: Any, outcome: Outcome) -> None:
        for n, earlier in enumerate(case.before):
            await self._earlier(client, case, earlier, f"m_{case.id}_b{n}")
        message_id = f"m_{case.id}"
        extra: dict[str, Any] = {}
        if case.attachments:
            extra["attachments"] = case.attachments
        await client.request(case.request, message_id, session_id=f"s_{case.id}", **extra)
        replies = list(case.replies)
        deadline = time.monotonic() + CASE_TIMEOUT_S
        correlation = message_id
        while True:
            frame = await client.recv(max(0.1, deadline - time.monotonic()))
            outcome.frames.append(frame)
            kind = frame.get("type")
            payload = frame.get("payload") or {}
            if kind == "ASSISTANT_RESPONSE" and payload.get("questions") and payload.get("resumeJobId"):
                if not replies:
                    return  # the case expected no question: the checks say so
                answers = replies.pop(0)
                question_id = frame.get("messageId") or payload.get("messageId")
                reply_id = f"{message_id}_a{len(case.replies) - len(replies)}"
                await client.send(
                    {
                        "type": "USER_REQUEST",
                        "sessionId": f"s_{case.id}",
                        "messageId": reply_id,
                        "correlationId": question_id,
                        "payload": {"content": ", ".join(map(str, answers.values())), "answers": answers},
                    }
                )
                continue
            if kind == "TASK_ERROR" and frame.get("correlationId") != correlation:
                return  # an answer that could not be delivered ends the conversation
            if kind in ("TASK_COMPLETE", "TASK_ERROR") and frame.get("correlationId") == correlation:
                return

    async def _earlier(self, client: Any, case: Any, request: str, message_id: str) -> None:
        """An earlier request of the conversation, answered in full (its frames are not judged)."""
        await client.request(request, message_id, session_id=f"s_{case.id}")
        deadline = time.monotonic() + CASE_TIMEOUT_S
        while True:
            frame = await client.recv(max(0.1, deadline - time.monotonic()))
            if frame.get("correlationId") != message_id and frame.get("type") != "ASSISTANT_RESPONSE":
                continue
            if frame.get("type") == "TASK_COMPLETE":
                return
            payload = frame.get("payload") or {}
            if frame.get("type") == "TASK_ERROR" or payload.get("questions"):
                raise AssertionError(f"the earlier request {request!r} did not complete: {frame}")

    def failed_steps(self, user: str) -> list[str]:
        """The person's failed step jobs, as "<script>: <error>" (what a failing case ran into, for
        `scripts/bench/requests.py -v`; the person saw only the hub's message)."""
        rt = self.runtime
        r = rt.client.get(
            f"{rt.api}/jobs/list", params={"success": "false", "job_kinds": "script", "per_page": 1000}
        )
        r.raise_for_status()
        out = []
        for job in r.json():
            if (job.get("args") or {}).get("user_id") != user:
                continue
            error = (job.get("result") or {}).get("error") if isinstance(job.get("result"), dict) else None
            message = str((error or {}).get("message") or job.get("result"))[:300]
            out.append(f"{job.get('script_path')}: {message}")
        return out

    def items_of(self, user: str) -> list[str]:
        rt = self.runtime
        paths: list[str] = []
        for kind in ITEM_KINDS:
            r = rt.client.get(f"{rt.api}/{kind}/list", params={"path_start": f"u/{user}/", "per_page": 100})
            r.raise_for_status()
            paths += [str(item["path"]) for item in r.json()]
        return sorted(set(paths))


def new_suite() -> Suite:
    return Suite(Path(tempfile.mkdtemp(prefix="oa-scenarios-")))
