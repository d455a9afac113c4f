"""Jobs: creation, execution in processes, completion, cancel, progress, suspend/resume.

A job is a JSON document shaped like Windmill's QueuedJob/CompletedJob and persisted in SQLite
at every state change; a live job also has in-memory logs, a done event and a per-job token.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import inspect
import os
import re
import secrets
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from f.openanalyst.lib.builder.paths import PERSON_CALLABLE
from scripts.devruntime.acl import Acl, Forbidden
from scripts.devruntime.bundle import Bundle, ScriptSource
from scripts.devruntime.config import Settings
from scripts.devruntime.errors import BadRequest, NotFound
from scripts.devruntime.executor import Executor
from scripts.devruntime.flows import FlowRunner
from scripts.devruntime.live import LiveJob, ResumeEvent
from scripts.devruntime.store import Store
from scripts.devruntime.values import interpolate_args


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


class Runtime:
    """Everything the REST routes act on."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store or Store(settings.db_path)
        self.acl = Acl(self.store, settings.username, settings.email)
        self.bundle = Bundle(settings.script_roots)
        self.executor = Executor(settings)
        self.live: dict[str, LiveJob] = {}
        self.job_tokens: dict[str, str] = {}
        self._resume_secret = self._workspace_key()
        # restart replay: earlier jobs of flows that were running, by (parent, step) in creation order
        self._replay: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._seq = 0
        self._stopping = False
        self._scheduler: asyncio.Task[None] | None = None
        self._warming: asyncio.Task[None] | None = None

    def _workspace_key(self) -> bytes:
        """The key resume URLs are signed with; kept in the store so signed URLs outlive a restart
        (Windmill signs with the workspace key, `get_workspace_key`)."""
        stored = self.store.get("secret", "workspace_key")
        if stored is None:
            stored = {"value": secrets.token_hex(32)}
            self.store.put("secret", "workspace_key", stored)
        return bytes.fromhex(stored["value"])

    # ---- lifecycle
    def start(self) -> None:
        from scripts.devruntime.scheduler import Scheduler

        write_private(self.settings.token_file, self.settings.token + "\n")
        self.sync_bundle()
        self.recover()
        self._scheduler = asyncio.get_running_loop().create_task(Scheduler(self).run())
        self._warming = asyncio.get_running_loop().create_task(self.executor.warm())

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
        if self._warming is not None:
            await asyncio.gather(self._warming, return_exceptions=True)
        await self.executor.close()

    def sync_bundle(self) -> None:
        """Deploy the bundle's resources, variables and resource types, like `wmill sync push`."""
        for path, meta, value in self.bundle.resources():  # edited_at: the file's (resource_json)
            self.store.put_json("resource", path, meta, value)
        for var in self.bundle.variables():
            self.store.put("variable", var["path"], var)
        for rt in self.bundle.resource_types():
            self.store.put("resource_type", rt["name"], rt)
        for folder in self.bundle.folders():
            self.store.put("folder", folder["name"], folder)
        # The shared scripts a person's items may call are shared with every member (read only), as
        # an admin does once after `wmill sync push` (README, "Deploying"); the rest of the platform's
        # folder, its secrets included, stays admins' only.
        for path in self.bundle.scripts():
            if path.startswith(PERSON_CALLABLE):
                perms = self.acl.item_perms(path)
                perms.setdefault("g/all", False)
                self.store.put("acl", path, {"path": path, "extra_perms": perms})
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
        """After a restart nothing queued or waiting is lost.

        A job that had not started goes back in the queue (at its `scheduled_for`). A flow that was
        running or waiting for a resume runs again under the same job ids, each step that had
        finished answered from the store instead of run twice, so a suspended flow waits again at
        the same step and its resume URLs and job ids still work (Windmill keeps both in its queue
        table and restarts the jobs of a worker that died:
        https://github.com/windmill-labs/windmill/blob/main/backend/windmill-queue/src/jobs.rs).
        A script that was running cannot continue: it fails, and says so."""
        pending = sorted(self.store.iter_jobs(completed=False), key=_order)
        roots = {d["id"] for d in pending if not d.get("parent_job") and d.get("job_kind") == "flow"}
        for doc in sorted(self.store.iter_jobs(), key=_order):
            if doc.get("parent_job") and doc.get("root_job") in roots:
                self._replay.setdefault((doc["parent_job"], doc.get("flow_step_id") or ""), []).append(doc)
        for doc in pending:
            if doc.get("parent_job"):
                if doc.get("root_job") not in roots:
                    self._fail_restarted(doc)
            elif doc.get("job_kind") == "preview":  # its code was never stored: it cannot rerun
                self._fail_restarted(doc)
            elif doc.get("job_kind") == "flow" or not doc.get("started_at"):
                self._respawn(doc)
            else:
                self._fail_restarted(doc)

    def _fail_restarted(self, doc: dict[str, Any]) -> None:
        doc.update(
            completed=True,
            running=False,
            success=False,
            completed_at=now_iso(),
            duration_ms=doc.get("duration_ms") or 0,
            is_skipped=False,
            result={
                "error": {
                    "name": "RuntimeRestarted",
                    "message": "the dev runtime restarted while this job ran; run it again",
                }
            },
        )
        doc.setdefault("started_at", doc["created_at"])
        self.store.save_job(doc)

    def _respawn(self, doc: dict[str, Any]) -> None:
        """Queue a stored root job again under its own id."""
        for key in ("running", "started_at", "suspend", "flow_status"):
            doc.pop(key, None)
        doc["running"] = False
        when = _parse(doc["scheduled_for"]) if doc.get("scheduled_for") else None
        live = self._register(doc)
        try:
            if doc.get("job_kind") == "flow":
                runner = FlowRunner(self, live, self.find_flow(doc["script_path"]))
                self.spawn(live, self._guard(live, runner.run(), when))
            else:
                source = self.find_script(doc["script_path"])
                self.spawn(live, self._guard(live, self.execute_script(live, source), when))
        except NotFound as exc:
            live.append_log(f"dev runtime: {exc}\n")
            self._fail_restarted(doc)

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

    def runs_as_of(self, kind: str, path: str | None) -> str | None:
        """The username a script or flow item names with `on_behalf_of_email`, if any."""
        if kind not in ("script", "flow") or not path:
            return None
        doc = self.store.get(kind, path)
        email = (doc or {}).get("on_behalf_of_email")
        if not email:
            return None
        user = self.acl.user_by_email(str(email))
        if user is None:
            raise Forbidden(f"{path} runs as {email}, who is not a member of the workspace")
        return str(user["username"])

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
        as_user: str | None = None,
        scheduled_for: datetime | None = None,
        visible_to_owner: bool = True,
    ) -> LiveJob:
        """A new job. It runs as `as_user` (Windmill's `permissioned_as`): the caller who started
        it, a schedule's owner, or, for the steps of a flow, whoever the flow runs as."""
        replayed = self._replayed(parent_job, flow_step_id)
        if replayed is not None:
            if replayed.get("completed"):
                live = LiveJob(doc=replayed)
                self.live[replayed["id"]] = live
                return live
            job_id = replayed["id"]
        elif job_id is not None and (job_id in self.live or self.store.job_exists(job_id)):
            raise BadRequest(f"a job with id {job_id} already exists")
        job_id = job_id or str(uuid.uuid4())
        parent = self.live.get(parent_job or "")
        if parent is not None:
            # a step runs as its flow and is hidden from the same people
            as_user = as_user or str(parent.doc["permissioned_as"]).removeprefix("u/")
            created_by = created_by or parent.doc.get("created_by")
            visible_to_owner = visible_to_owner and bool(parent.doc.get("visible_to_owner", True))
        runs_as = self.runs_as_of(kind, path)
        if runs_as is not None:
            # the item names who it runs as, whoever starts it (acl.py, on_behalf_of)
            as_user = runs_as
        user = self.acl.user(as_user or self.settings.username)
        if user is None or user.get("disabled"):
            # never fall back to the platform's identity
            raise Forbidden(f"u/{as_user} is not an enabled member of the workspace: nothing runs as them")
        created = now_iso()
        doc: dict[str, Any] = {
            "id": job_id,
            "workspace_id": self.settings.workspace,
            "created_by": created_by or user["username"],
            "created_at": replayed["created_at"] if replayed else created,
            "script_path": path,
            "args": args,
            "job_kind": kind,
            "running": False,
            "completed": False,
            "canceled": False,
            "permissioned_as": f"u/{user['username']}",
            "email": user["email"],
            "is_flow_step": is_flow_step,
            "visible_to_owner": visible_to_owner,
            "tag": "flow" if kind == "flow" else "python3",
            "progress": None,
            "flow_step_id": flow_step_id,
            # Windmill's queue row always has scheduled_for: now, or when the job may start.
            "scheduled_for": (scheduled_for.isoformat().replace("+00:00", "Z") if scheduled_for else created),
            "_seq": replayed["_seq"] if replayed and "_seq" in replayed else self._next_seq(),
        }
        if parent_job:
            doc["parent_job"] = parent_job
        if root_job:
            doc["root_job"] = root_job
        if language and kind != "flow":
            doc["language"] = language
        live = self._register(doc)
        self.store.save_job(doc)
        return live

    def _next_seq(self) -> int:
        self._seq = max(self._seq + 1, time.time_ns())
        return self._seq

    def _register(self, doc: dict[str, Any]) -> LiveJob:
        live = LiveJob(doc=doc)
        if doc.get("job_kind") == "flow":
            live.resume_queue = asyncio.Queue()
        live.token = "wmjob_" + secrets.token_urlsafe(24)
        self.job_tokens[live.token] = doc["id"]
        self.live[doc["id"]] = live
        return live

    def _replayed(self, parent_job: str | None, step: str | None) -> dict[str, Any] | None:
        """The earlier job at this place of a flow replayed after a restart, in creation order."""
        if not parent_job:
            return None
        queue = self._replay.get((parent_job, step or ""))
        return queue.pop(0) if queue else None

    def mark_started(self, live: LiveJob) -> None:
        if live.doc.get("completed"):
            return  # a finished step replayed after a restart
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
            "WM_EMAIL": doc["email"],
            "WM_USERNAME": str(doc["permissioned_as"]).removeprefix("u/"),
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
        user = self.acl.user(env["WM_USERNAME"])
        if user is not None and user.get("is_admin"):
            env.update({k: os.environ[k] for k in self.settings.admin_env_names if k in os.environ})
        else:
            # A person's job never reaches the platform's store: on Windmill it sits behind the
            # admin-only resource f/openanalyst/db; here the embedded store gets a file per person.
            env["OPENANALYST_SQLITE_PATH"] = str(self.settings.person_store(env["WM_USERNAME"]))
        return env

    # ---- running
    async def execute_script(
        self, live: LiveJob, source: ScriptSource, flow_path: str | None = None, timeout: float | None = None
    ) -> tuple[bool, Any]:
        """Run a script job's process to completion and complete the job."""
        if live.doc.get("completed"):  # finished before a restart: its stored result, not a rerun
            return bool(live.doc.get("success")), live.doc.get("result")
        self.mark_started(live)
        try:
            args = interpolate_args(self.store, live.doc.get("args") or {}, self._readable_by(live))
        except NotFound as exc:
            result: Any = {"error": {"name": "ArgumentError", "message": str(exc)}}
            self.complete(live, False, result)
            return False, result
        out = await self.executor.run(
            live.doc["id"], source, args, self.job_env(live, flow_path), live.append_log, timeout
        )
        self.complete(live, out.success, out.result)
        return bool(live.doc["success"]), live.doc["result"]

    def _readable_by(self, live: LiveJob) -> Any:
        """What the job's user may read: `$var:`/`$res:` arguments resolve with the job's rights."""
        who = self.acl.identity_of(str(live.doc["permissioned_as"]).removeprefix("u/"), "job")
        return lambda path: who is not None and self.acl.can_read_path(who, path)

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
        as_user: str | None = None,
        created_by: str | None = None,
    ) -> LiveJob:
        source = self.find_script(path)
        live = self.new_job(
            kind="script",
            path=path,
            args=args,
            job_id=job_id,
            parent_job=parent_job,
            root_job=root_job,
            as_user=as_user,
            created_by=created_by,
            scheduled_for=scheduled_for,
        )
        self.spawn(live, self._guard(live, self.execute_script(live, source), scheduled_for))
        return live

    def run_preview_job(
        self,
        source: ScriptSource,
        args: dict[str, Any],
        job_id: str | None = None,
        as_user: str | None = None,
        created_by: str | None = None,
    ) -> LiveJob:
        """A script preview (`jobs/run/preview`): code that is not deployed, run at its `path` so
        relative imports resolve as they will once it is (python_jobs.rs,
        run_preview_relative_imports). It runs at once: a restart fails it, as any running script."""
        live = self.new_job(
            kind="preview",
            path=source.path,
            args=args,
            job_id=job_id,
            as_user=as_user,
            created_by=created_by,
            language=source.language,
        )
        self.spawn(live, self._guard(live, self.execute_script(live, source), None))
        return live

    def run_flow_job(
        self,
        path: str,
        args: dict[str, Any],
        job_id: str | None = None,
        parent_job: str | None = None,
        root_job: str | None = None,
        scheduled_for: datetime | None = None,
        as_user: str | None = None,
        created_by: str | None = None,
        invisible_to_owner: bool = False,
    ) -> LiveJob:
        """`invisible_to_owner` (a run option) or the flow's `visible_to_runner_only` hide the run
        from the flow's owners and folder readers: only who runs it (and admins) see it."""
        flow = self.find_flow(path)
        live = self.new_job(
            kind="flow",
            path=path,
            args=args,
            job_id=job_id,
            parent_job=parent_job,
            root_job=root_job,
            language=None,
            as_user=as_user,
            created_by=created_by,
            scheduled_for=scheduled_for,
            visible_to_owner=not (invisible_to_owner or flow.get("visible_to_runner_only")),
        )
        runner = FlowRunner(self, live, flow)
        self.spawn(live, self._guard(live, runner.run(), scheduled_for))
        return live

    async def _guard(self, live: LiveJob, coro: Any, scheduled_for: datetime | None = None) -> None:
        """A job's task never dies silently: an internal error fails the job with its message.
        A job scheduled for later waits in the queue (running: false) until then."""
        try:
            if scheduled_for is not None:
                await asyncio.sleep(max(0.0, (scheduled_for - datetime.now(UTC)).total_seconds()))
            await coro
        except asyncio.CancelledError:
            if inspect.getcoroutinestate(coro) == inspect.CORO_CREATED:
                coro.close()  # cancelled while waiting for its scheduled_for: it never started
            if self._stopping and not live.doc.get("canceled"):
                # Left queued in the store: the next start takes it up again (recover).
                self.store.save_job(live.doc)
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
        not_started = not live.doc.get("started_at")
        if live.task is not None and (live.doc.get("job_kind") == "flow" or not_started):
            # a flow's task, or a job still waiting for its scheduled_for: it never runs
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

    def waiting_flow(self, job_id: str) -> tuple[LiveJob, str]:
        """The flow `job_id` and the step job it waits on, for `resume_suspended` and the owner's
        resume: `job_id` must be a queued flow whose *current* module waits for events. The root of
        a flow whose suspend is inside a branch or loop is not: its current module is the branch,
        and the waiting job is the branch's own flow job (what `WM_FLOW_JOB_ID` names in the step).
        Windmill: https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api-jobs/src/jobs.rs
        (`get_suspended_flow_info`)."""
        live = self.live.get(job_id)
        if live is None or live.resume_queue is None or live.doc.get("completed"):
            self.get_job(job_id)  # 404 when it does not exist at all
            raise BadRequest(f"job {job_id} is not a running flow: parent flow job not found")
        status = live.doc.get("flow_status") or {}
        modules = status.get("modules") or []
        step = int(status.get("step") or 0)
        current = modules[step] if 0 <= step < len(modules) else {}
        if current.get("type") != "WaitingForEvents" or live.waiting_step_job is None:
            raise BadRequest(
                f"flow {job_id} is not in a suspended state: its current step is not waiting for a resume"
                " (a suspend inside a branch or loop waits in that branch's own flow job)"
            )
        return live, live.waiting_step_job

    def signed_target(self, job_id: str) -> LiveJob:
        """The flow a signed resume or cancel URL for `job_id` goes to. A flow job's URL is a
        flow-level (pre-)approval of that very flow; a step's URL goes to the flow that ran the step,
        and counts only for that step: a flow waiting on another step never takes it.
        Windmill: https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api-jobs/src/jobs.rs
        (`get_flow_info_for_resume`, `resume_immediately_if_relevant`)."""
        doc = self.get_job(job_id)
        flow_id = job_id if doc.get("job_kind") == "flow" else doc.get("parent_job")
        flow = self.live.get(flow_id or "")
        if flow is None or flow.resume_queue is None or flow.doc.get("completed"):
            raise BadRequest(f"job not found or parent flow not in queue: {job_id}")
        if flow_id != job_id and flow.waiting_step_job not in (None, job_id):
            raise BadRequest(f"flow {flow_id} waits on another step than {job_id}")
        return flow

    def resume(self, flow: LiveJob, event: ResumeEvent) -> None:
        assert flow.resume_queue is not None
        flow.resume_queue.put_nowait(event)


def write_private(path: Path, content: str) -> None:
    """Write a file only its owner can read (0600 from the start, never world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(content)


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _order(doc: dict[str, Any]) -> tuple[int, str]:
    return int(doc.get("_seq") or 0), str(doc.get("created_at") or "")
