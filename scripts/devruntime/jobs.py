"""Jobs: creation, execution in processes, completion, cancel, progress, suspend/resume.

A job is a JSON document shaped like Windmill's QueuedJob/CompletedJob and persisted in SQLite
at every state change; a live job also has in-memory logs, a done event and a per-job token.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scripts.devruntime.bundle import Bundle, ScriptSource
from scripts.devruntime.config import Settings
from scripts.devruntime.executor import Executor
from scripts.devruntime.store import Store
from scripts.devruntime.values import interpolate_args

if TYPE_CHECKING:
    from scripts.devruntime.flows import ResumeEvent


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_ITEM_PATH = re.compile(r"^(u|f)/[A-Za-z0-9_-]+(/[A-Za-z0-9_.-]+)+$")


def check_item_path(path: object) -> str:
    """A Windmill item path (`u/<user>/...` or `f/<folder>/...`); anything else is a 400."""
    if (
        not isinstance(path, str)
        or not _ITEM_PATH.match(path)
        or "/../" in f"/{path}/"
        or "/./" in f"/{path}/"
    ):
        raise BadRequest(f"invalid path {path!r}: use u/<user>/<name> or f/<folder>/<name>")
    return path


class NotFound(Exception):
    """The item or job does not exist (HTTP 404)."""


class BadRequest(Exception):
    """The request is well-formed but cannot be honoured (HTTP 400)."""


@dataclass
class LiveJob:
    doc: dict[str, Any]
    logs: list[str] = field(default_factory=list)
    log_len: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[Any] | None = None
    token: str = ""
    # suspended flows: resume events delivered by resume URLs / resume_suspended
    resume_queue: asyncio.Queue[ResumeEvent] | None = None
    waiting_step_job: str | None = None

    def append_log(self, text: str) -> None:
        self.logs.append(text)
        self.log_len += len(text)

    @property
    def log_text(self) -> str:
        if len(self.logs) > 1:
            self.logs = ["".join(self.logs)]
        return self.logs[0] if self.logs else ""


class Runtime:
    """Everything the REST routes act on."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store or Store(settings.db_path)
        self.bundle = Bundle(settings.script_roots)
        self.executor = Executor(settings)
        self.live: dict[str, LiveJob] = {}
        self.job_tokens: dict[str, str] = {}
        self._resume_secret = secrets.token_bytes(32)
        self._stopping = False
        self._scheduler: asyncio.Task[None] | None = None

    # ---- lifecycle
    def start(self) -> None:
        from scripts.devruntime.scheduler import Scheduler

        self.sync_bundle()
        self.recover()
        self._scheduler = asyncio.get_running_loop().create_task(Scheduler(self).run())

    async def stop(self) -> None:
        self._stopping = True
        if self._scheduler is not None:
            self._scheduler.cancel()
        for live in list(self.live.values()):
            if live.task is not None and not live.task.done():
                live.task.cancel()
        self.executor.kill_all()
        tasks = [lv.task for lv in self.live.values() if lv.task is not None]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.executor.close()

    def sync_bundle(self) -> None:
        """Deploy the bundle's resources, variables and resource types, like `wmill sync push`."""
        for res in self.bundle.resources():
            self.store.put("resource", res["path"], res)
        for var in self.bundle.variables():
            self.store.put("variable", var["path"], var)
        for rt in self.bundle.resource_types():
            self.store.put("resource_type", rt["name"], rt)
        for folder in self.bundle.folders():
            self.store.put("folder", folder["name"], folder)
        for sched in self.bundle.schedules():
            sched.setdefault("args", {})
            sched.update(
                edited_by=self.settings.username,
                edited_at=now_iso(),
                extra_perms={},
                email=self.settings.email,
                permissioned_as=f"u/{self.settings.username}",
            )
            self.store.put("schedule", sched["path"], sched)

    def recover(self) -> None:
        """Jobs that were running when the runtime stopped cannot resume: fail them, keep results."""
        for doc in self.store.iter_jobs(completed=False):
            doc.update(
                completed=True,
                running=False,
                success=False,
                completed_at=now_iso(),
                duration_ms=doc.get("duration_ms") or 0,
                result={
                    "error": {
                        "name": "RuntimeRestarted",
                        "message": "the dev runtime restarted while this job ran; run it again",
                    }
                },
            )
            doc.setdefault("started_at", doc["created_at"])
            self.store.save_job(doc)

    # ---- lookup
    def get_job(self, job_id: str) -> dict[str, Any]:
        live = self.live.get(job_id)
        if live is not None:
            return live.doc
        doc = self.store.load_job(job_id)
        if doc is None:
            raise NotFound(f"job {job_id} not found")
        return doc

    def job_logs(self, job_id: str) -> str:
        live = self.live.get(job_id)
        if live is not None:
            return live.log_text
        return self.get_job(job_id).get("logs") or ""

    def find_script(self, path: str) -> ScriptSource:
        stored = self.store.get("script", path)
        if stored is not None:
            return ScriptSource(
                path=path, content=stored["content"], language=stored.get("language", "python3")
            )
        source = self.bundle.find_script(path)
        if source is None:
            raise NotFound(f"script not found at path {path}")
        return source

    def find_flow(self, path: str) -> dict[str, Any]:
        stored = self.store.get("flow", path)
        if stored is not None:
            return stored
        flow = self.bundle.find_flow(path)
        if flow is None:
            raise NotFound(f"flow not found at path {path}")
        return flow

    # ---- creation
    def new_job(
        self,
        *,
        kind: str,
        path: str | None,
        args: dict[str, Any],
        job_id: str | None = None,
        parent_job: str | None = None,
        root_job: str | None = None,
        flow_step_id: str | None = None,
        is_flow_step: bool = False,
        language: str | None = "python3",
        created_by: str | None = None,
    ) -> LiveJob:
        if job_id is not None and (job_id in self.live or self.store.job_exists(job_id)):
            raise BadRequest(f"a job with id {job_id} already exists")
        job_id = job_id or str(uuid.uuid4())
        doc: dict[str, Any] = {
            "id": job_id,
            "workspace_id": self.settings.workspace,
            "created_by": created_by or self.settings.username,
            "created_at": now_iso(),
            "script_path": path,
            "args": args,
            "job_kind": kind,
            "running": False,
            "completed": False,
            "canceled": False,
            "permissioned_as": f"u/{self.settings.username}",
            "email": self.settings.email,
            "is_flow_step": is_flow_step,
            "visible_to_owner": True,
            "tag": "flow" if kind == "flow" else "python3",
            "progress": None,
            "flow_step_id": flow_step_id,
        }
        if parent_job:
            doc["parent_job"] = parent_job
        if root_job:
            doc["root_job"] = root_job
        if language and kind != "flow":
            doc["language"] = language
        live = LiveJob(doc=doc)
        if kind == "flow":
            live.resume_queue = asyncio.Queue()
        live.token = "wmjob_" + secrets.token_urlsafe(24)
        self.job_tokens[live.token] = job_id
        self.live[job_id] = live
        self.store.save_job(doc)
        return live

    def mark_started(self, live: LiveJob) -> None:
        live.doc["running"] = True
        live.doc["started_at"] = now_iso()
        self.store.save_job(live.doc)

    def touch(self, live: LiveJob) -> None:
        self.store.save_job(live.doc)

    def complete(self, live: LiveJob, success: bool, result: Any, skipped: bool = False) -> None:
        doc = live.doc
        if doc.get("completed"):
            return
        started = doc.get("started_at") or doc["created_at"]
        doc.update(
            running=False,
            completed=True,
            success=bool(success) and not doc.get("canceled"),
            result=result,
            completed_at=now_iso(),
            started_at=started,
            is_skipped=skipped,
            logs=live.log_text,
        )
        doc["duration_ms"] = max(
            0, int((_parse(doc["completed_at"]) - _parse(started)).total_seconds() * 1000)
        )
        if doc.get("canceled"):
            doc["success"] = False
            doc["result"] = {
                "error": {
                    "name": "Canceled",
                    "message": f"Job canceled: {doc.get('canceled_reason') or 'no reason given'}"
                    f" by {doc.get('canceled_by') or 'unknown'}",
                    "reason": doc.get("canceled_reason"),
                    "canceler": doc.get("canceled_by"),
                }
            }
        self.store.save_job(doc)
        self.job_tokens.pop(live.token, None)
        live.done.set()
        # Keep a finished job in memory briefly so pollers see the final state without a DB read.
        asyncio.get_running_loop().call_later(30, self.live.pop, doc["id"], None)

    # ---- environment
    def job_env(self, live: LiveJob, flow_path: str | None = None) -> dict[str, str]:
        doc = live.doc
        base = self.settings.base_url
        step = doc.get("flow_step_id") or ""
        path = doc.get("script_path") or ""
        state_path = f"{flow_path}/{step}_user" if flow_path else f"{path}/user"
        env = {
            "BASE_INTERNAL_URL": base,
            "WM_BASE_URL": base,
            "BASE_URL": base,
            "WM_TOKEN": live.token,
            "WM_WORKSPACE": self.settings.workspace,
            "WM_JOB_ID": doc["id"],
            "WM_JOB_PATH": path,
            "WM_EMAIL": self.settings.email,
            "WM_USERNAME": self.settings.username,
            "WM_PERMISSIONED_AS": doc["permissioned_as"],
            "WM_STATE_PATH_NEW": state_path,
            "WM_STATE_PATH": state_path,
            "WM_FLOW_STEP_ID": step,
        }
        if doc.get("parent_job"):
            # As a worker does from the job row: a job started from a flow step with
            # parent_job/root_job (wmill.run_script_by_path) stays in that flow's hierarchy.
            env["WM_FLOW_JOB_ID"] = doc["parent_job"]
            env["WM_ROOT_FLOW_JOB_ID"] = doc.get("root_job") or doc["parent_job"]
        if flow_path:
            env["WM_FLOW_PATH"] = flow_path
        return env

    # ---- running
    async def execute_script(
        self, live: LiveJob, source: ScriptSource, flow_path: str | None = None, timeout: float | None = None
    ) -> tuple[bool, Any]:
        """Run a script job's process to completion and complete the job."""
        self.mark_started(live)
        try:
            args = interpolate_args(self.store, live.doc.get("args") or {})
        except NotFound as exc:
            result: Any = {"error": {"name": "ArgumentError", "message": str(exc)}}
            self.complete(live, False, result)
            return False, result
        out = await self.executor.run(
            live.doc["id"], source, args, self.job_env(live, flow_path), live.append_log, timeout
        )
        self.complete(live, out.success, out.result)
        return bool(live.doc["success"]), live.doc["result"]

    def spawn(self, live: LiveJob, coro: Any) -> None:
        live.task = asyncio.get_running_loop().create_task(coro)

    def run_script_job(
        self,
        path: str,
        args: dict[str, Any],
        job_id: str | None = None,
        parent_job: str | None = None,
        root_job: str | None = None,
        scheduled_for: datetime | None = None,
    ) -> LiveJob:
        source = self.find_script(path)
        live = self.new_job(
            kind="script", path=path, args=args, job_id=job_id, parent_job=parent_job, root_job=root_job
        )
        self.spawn(live, self._guard(live, self.execute_script(live, source), scheduled_for))
        return live

    def run_flow_job(
        self,
        path: str,
        args: dict[str, Any],
        job_id: str | None = None,
        parent_job: str | None = None,
        root_job: str | None = None,
        scheduled_for: datetime | None = None,
    ) -> LiveJob:
        from scripts.devruntime.flows import FlowRunner

        flow = self.find_flow(path)
        live = self.new_job(
            kind="flow",
            path=path,
            args=args,
            job_id=job_id,
            parent_job=parent_job,
            root_job=root_job,
            language=None,
        )
        runner = FlowRunner(self, live, flow)
        self.spawn(live, self._guard(live, runner.run(), scheduled_for))
        return live

    async def _guard(self, live: LiveJob, coro: Any, scheduled_for: datetime | None = None) -> None:
        """A job's task never dies silently: an internal error fails the job with its message.
        A job scheduled for later waits in the queue (running: false) until then."""
        try:
            if scheduled_for is not None:
                live.doc["scheduled_for"] = scheduled_for.isoformat().replace("+00:00", "Z")
                self.touch(live)
                await asyncio.sleep(max(0.0, (scheduled_for - datetime.now(UTC)).total_seconds()))
            await coro
        except asyncio.CancelledError:
            if self._stopping and not live.doc.get("canceled"):
                error = {
                    "name": "RuntimeStopped",
                    "message": "the dev runtime stopped while this job ran; run it again",
                }
                self.complete(live, False, {"error": error})
            else:
                self.complete(live, False, None)
        except Exception as exc:  # reported as the job's error, the server keeps running
            live.append_log(f"dev runtime error: {type(exc).__name__}: {exc}\n")
            self.complete(
                live, False, {"error": {"name": "InternalErr", "message": f"{type(exc).__name__}: {exc}"}}
            )

    async def wait(self, job_id: str, timeout: float | None = None) -> dict[str, Any]:
        live = self.live.get(job_id)
        if live is not None:
            await asyncio.wait_for(live.done.wait(), timeout)
        return self.get_job(job_id)

    # ---- cancel
    def cancel(self, job_id: str, reason: str | None, by: str) -> bool:
        live = self.live.get(job_id)
        if live is None or live.doc.get("completed"):
            if live is None:
                self.get_job(job_id)  # 404 when unknown
            return False
        live.doc.update(canceled=True, canceled_by=by, canceled_reason=reason or "")
        for child in list(self.live.values()):
            if child.doc.get("parent_job") == job_id and not child.doc.get("completed"):
                self.cancel(child.doc["id"], reason, by)
        self.executor.kill(job_id)
        if live.task is not None and live.doc.get("job_kind") == "flow":
            live.task.cancel()
        elif live.task is None:
            self.complete(live, False, None)
        return True

    # ---- progress and flow state
    def set_progress(self, job_id: str, percent: int, flow_job_id: str | None) -> None:
        doc = self.get_job(job_id)
        percent = max(0, min(99, int(percent)))
        doc["progress"] = percent
        flow_live = self.live.get(flow_job_id or doc.get("parent_job") or "")
        if flow_live is not None:
            for module in (flow_live.doc.get("flow_status") or {}).get("modules", []):
                if module.get("job") == job_id:
                    module["progress"] = percent
            self.touch(flow_live)
        live = self.live.get(job_id)
        if live is not None:
            self.touch(live)

    def root_job_id(self, job_id: str) -> str:
        doc = self.get_job(job_id)
        return doc.get("root_job") or doc.get("parent_job") or doc["id"]

    # ---- suspend / resume
    def resume_signature(self, job_id: str, resume_id: int, approver: str | None) -> str:
        msg = f"{job_id}:{resume_id}:{approver or ''}".encode()
        return hmac.new(self._resume_secret, msg, hashlib.sha256).hexdigest()

    def check_signature(self, job_id: str, resume_id: int, approver: str | None, signature: str) -> bool:
        return hmac.compare_digest(self.resume_signature(job_id, resume_id, approver), signature)

    def suspended_flow_of(self, job_id: str) -> LiveJob:
        """The live flow a resume for `job_id` goes to: the flow itself (or its suspended
        sub-flow), or the flow a step job belongs to. Events sent before the flow reaches its
        suspend step wait in the queue, as Windmill keeps early resumes."""
        live = self.live.get(job_id)
        if live is not None and live.resume_queue is not None:
            if live.doc.get("completed"):
                raise BadRequest(f"flow {job_id} is already completed")
            for other in self.live.values():
                if other.waiting_step_job and other.doc.get("root_job") == job_id:
                    return other
            return live
        doc = self.get_job(job_id)
        if doc.get("job_kind") == "flow":
            raise BadRequest(f"flow {job_id} is not running")
        parent = self.live.get(doc.get("parent_job") or "")
        if parent is not None and parent.resume_queue is not None and not parent.doc.get("completed"):
            return parent
        raise NotFound(f"job {job_id} is not a running flow or a step of one")

    def resume(self, job_id: str, event: ResumeEvent) -> None:
        flow = self.suspended_flow_of(job_id)
        assert flow.resume_queue is not None
        flow.resume_queue.put_nowait(event)


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))
