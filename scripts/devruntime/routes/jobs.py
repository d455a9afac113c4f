"""Jobs: run by path, wait, get, getupdate(+SSE), results, cancel, progress, resume, user states."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from starlette.responses import Response, StreamingResponse

from scripts.devruntime.acl import Forbidden, scope_allows
from scripts.devruntime.bundle import ScriptSource
from scripts.devruntime.errors import BadRequest, NotFound
from scripts.devruntime.http import Call, NotSupported, Op, js, paginate, text
from scripts.devruntime.jobs import check_item_path
from scripts.devruntime.live import LiveJob, ResumeEvent

_QUEUED_KEYS = (
    "workspace_id",
    "id",
    "parent_job",
    "created_by",
    "created_at",
    "started_at",
    "running",
    "script_path",
    "args",
    "canceled",
    "canceled_by",
    "canceled_reason",
    "job_kind",
    "permissioned_as",
    "flow_status",
    "is_flow_step",
    "language",
    "email",
    "visible_to_owner",
    "tag",
    "suspend",
    "schedule_path",
    "scheduled_for",
)
_COMPLETED_KEYS = (
    "workspace_id",
    "id",
    "parent_job",
    "created_by",
    "created_at",
    "started_at",
    "completed_at",
    "duration_ms",
    "success",
    "script_path",
    "args",
    "result",
    "canceled",
    "canceled_by",
    "canceled_reason",
    "job_kind",
    "permissioned_as",
    "flow_status",
    "is_flow_step",
    "language",
    "is_skipped",
    "email",
    "visible_to_owner",
    "tag",
    "schedule_path",
)


def api_job(doc: dict[str, Any], logs: str | None) -> dict[str, Any]:
    """A job document as Windmill's `Job` (QueuedJob or CompletedJob)."""
    completed = bool(doc.get("completed"))
    keys = _COMPLETED_KEYS if completed else _QUEUED_KEYS
    out = {k: doc[k] for k in keys if k in doc and (doc[k] is not None or k == "result")}
    if not completed:
        out["running"] = bool(doc.get("running"))
    if logs is not None:
        out["logs"] = logs
    out["type"] = "CompletedJob" if completed else "QueuedJob"
    return out


def visible_job(call: Call, job_id: str) -> dict[str, Any]:
    """The job, if the caller may see it: 404 when it does not exist, 403 when it is someone else's.
    A token scoped to run runnables (no `jobs:read`) sees only the runs it started of those
    runnables and their steps, and nothing else exists for it (404).
    Windmill: https://github.com/windmill-labs/windmill/blob/main/backend/tests/jobs_read_auth.rs"""
    rt, who = call.runtime, call.who
    if call.query.get("view_token"):
        raise NotSupported("job share links (view_token) are not supported by the dev runtime")
    doc = rt.get_job(job_id)
    if who.scopes is not None and not scope_allows(who.scopes, "jobs", "read", None, None):
        if not _started_under_run_scope(call, doc):
            raise NotFound(f"job {job_id} not found")
        return doc
    if not rt.acl.can_read_job(who, doc, rt.store.load_job):
        raise Forbidden(f"you cannot see run {job_id}; ask its owner for a share link")
    return doc


def _started_under_run_scope(call: Call, doc: dict[str, Any]) -> bool:
    """The job, or a flow above it, was started by the token's user and runs a runnable one of
    the token's `jobs:run:<kind>:<path>` scopes names (a step's own path is the inner script's,
    so the scope is met through its ancestor)."""
    who, rt = call.who, call.runtime
    scopes = who.scopes or ()
    seen: set[str] = set()
    current: dict[str, Any] | None = doc
    while current is not None and current["id"] not in seen:
        seen.add(current["id"])
        kind = "flows" if current.get("job_kind") == "flow" else "scripts"
        path = current.get("script_path")
        if (
            current.get("created_by") == who.username
            and path
            and scope_allows(scopes, "jobs", "run", kind, path)
        ):
            return True
        parent = current.get("parent_job")
        current = rt.store.load_job(parent) if parent else None
    return False


def _job_id_param(call: Call) -> str | None:
    value = call.query.get("job_id")
    return value or None


async def _run(call: Call, kind: str) -> LiveJob:
    rt = call.runtime
    path = call.params["path"]
    # Windmill runs only what the caller may read, as the caller (its `permissioned_as`).
    call.require_read(path)
    args = call.json()
    if not isinstance(args, dict):
        raise BadRequest("the body must be a JSON object of arguments")
    parent = call.query.get("parent_job") or None
    root = call.query.get("root_job") or None
    when = _scheduled_for(call)
    who = call.who
    common: dict[str, Any] = {
        "job_id": _job_id_param(call),
        "parent_job": parent,
        "root_job": root,
        "scheduled_for": when,
        "as_user": who.username,
        "created_by": who.username,
    }
    if kind == "flow":
        return rt.run_flow_job(path, args, invisible_to_owner=call.flag("invisible_to_owner"), **common)
    return rt.run_script_job(path, args, **common)


async def run_preview(call: Call) -> Response:
    """Run code that is not deployed (`jobs/run/preview`), as the caller, at the `path` it names.
    Windmill refuses previews to operators (`run_preview_script` in
    https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/src/jobs.rs)."""
    rt, who = call.runtime, call.who
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("args"), dict):
        raise BadRequest("the body must be a Preview object with `args`")
    if body.get("kind") not in (None, "code"):
        raise BadRequest(f"preview kind {body['kind']!r} is not supported by the dev runtime")
    user = rt.acl.user(who.username) or {}
    if user.get("operator"):
        raise Forbidden("operators cannot run preview jobs")
    path = body.get("path") or f"u/{who.username}/preview"
    check_item_path(path)
    source = ScriptSource(
        path=path, content=str(body.get("content") or ""), language=body.get("language") or ""
    )
    live = rt.run_preview_job(
        source, body["args"], job_id=_job_id_param(call), as_user=who.username, created_by=who.username
    )
    return text(live.doc["id"], 201)


def _scheduled_for(call: Call) -> datetime | None:
    """`scheduled_for` (date-time) or `scheduled_in_secs`: start the job later, as Windmill does."""
    if call.query.get("scheduled_for"):
        when = datetime.fromisoformat(call.query["scheduled_for"].replace("Z", "+00:00"))
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    if call.query.get("scheduled_in_secs"):
        return datetime.now(UTC) + timedelta(seconds=int(call.query["scheduled_in_secs"]))
    return None


async def run_script(call: Call) -> Response:
    return text((await _run(call, "script")).doc["id"], 201)


async def run_flow(call: Call) -> Response:
    return text((await _run(call, "flow")).doc["id"], 201)


async def _run_wait(call: Call, kind: str) -> Response:
    live = await _run(call, kind)
    doc = await call.runtime.wait(live.doc["id"])
    return js(doc.get("result"), 200 if doc.get("success") else 500)


async def run_wait_script(call: Call) -> Response:
    return await _run_wait(call, "script")


async def run_wait_flow(call: Call) -> Response:
    return await _run_wait(call, "flow")


async def get_job(call: Call) -> Response:
    rt = call.runtime
    doc = visible_job(call, call.params["id"])
    logs = None if call.flag("no_logs") else rt.job_logs(doc["id"])
    return js(api_job(doc, logs))


async def get_completed(call: Call) -> Response:
    rt = call.runtime
    doc = visible_job(call, call.params["id"])
    if not doc.get("completed"):
        raise NotFound(f"job {doc['id']} is not completed")
    return js(api_job(doc, rt.job_logs(doc["id"])))


def _update(call: Call, doc: dict[str, Any], log_offset: int, with_logs: bool) -> dict[str, Any]:
    rt = call.runtime
    out: dict[str, Any] = {"running": bool(doc.get("running")), "completed": bool(doc.get("completed"))}
    if with_logs:
        logs = rt.job_logs(doc["id"])
        out["new_logs"] = logs[log_offset:]
        out["log_offset"] = len(logs)
    if doc.get("progress") is not None:
        out["progress"] = doc["progress"]
    if doc.get("flow_status") is not None:
        out["flow_status"] = doc["flow_status"]
    return out


async def getupdate(call: Call) -> Response:
    doc = visible_job(call, call.params["id"])
    offset = int(call.query.get("log_offset") or 0)
    return js(_update(call, doc, offset, not call.flag("no_logs")))


def sse_poll_delay_s(polls: int, fast: bool) -> float:
    """How long Windmill's `getupdate_sse` waits before its `polls`-th look at the job (the first
    update is sent at once): 3 s, or with `fast=true` 100 ms for ten looks, then 500 ms up to the
    hundredth, then 3 s (`start_job_update_sse_stream` in
    https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/src/jobs.rs).
    `poll_delay_ms` is honoured only by the Enterprise Edition; the Community Edition, like this
    runtime, ignores it. A client that follows a job it just started passes `fast=true`."""
    if polls > 100 or not fast:
        return 3.0
    return 0.5 if polls > 10 else 0.1


async def getupdate_sse(call: Call) -> Response:
    rt = call.runtime
    job_id = call.params["id"]
    offset = int(call.query.get("log_offset") or 0)
    with_logs = not call.flag("no_logs")
    only_result = call.flag("only_result")
    fast = call.flag("fast")
    timeout = rt.settings.sse_timeout_s

    async def events() -> AsyncIterator[str]:
        try:
            visible_job(call, job_id)
        except (NotFound, Forbidden):
            yield _sse({"type": "notfound"})
            return
        loop = asyncio.get_running_loop()
        start = last_ping = loop.time()
        sent: dict[str, Any] = {}
        log_offset = offset
        polls = 0
        while True:
            doc = rt.get_job(job_id)
            state = _update(call, doc, log_offset, with_logs)
            if with_logs:
                log_offset = state["log_offset"]
            # Compare serialised snapshots: flow_status is mutated in place while the flow runs.
            snapshot = {k: json.dumps(v, sort_keys=True) for k, v in state.items() if k != "new_logs"}
            changed = {k: v for k, v in state.items() if k != "new_logs" and sent.get(k) != snapshot[k]}
            if state.get("new_logs"):
                changed["new_logs"] = state["new_logs"]
                changed["log_offset"] = state["log_offset"]
            if only_result:
                changed = {k: v for k, v in changed.items() if k in ("running", "completed")}
            if doc.get("completed"):
                changed["completed"] = True
                changed["job"] = api_job(doc, None)
                if only_result:
                    changed["only_result"] = doc.get("result")
                yield _sse({"type": "update", **changed})
                return
            if changed:
                sent.update(snapshot)
                yield _sse({"type": "update", **changed})
            now = loop.time()
            if now - start > timeout:
                yield _sse({"type": "timeout"})
                return
            if now - last_ping > 5:
                last_ping = now
                yield _sse({"type": "ping"})
            polls += 1
            await asyncio.sleep(sse_poll_delay_s(polls, fast))

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"X-Accel-Buffering": "no", "Cache-Control": "no-cache"},
    )


def _sse(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n"


async def get_result(call: Call) -> Response:
    doc = visible_job(call, call.params["id"])
    if not doc.get("completed"):
        raise NotFound(f"job {doc['id']} is not completed yet")
    return js(doc.get("result"))


async def get_result_maybe(call: Call) -> Response:
    doc = visible_job(call, call.params["id"])
    completed = bool(doc.get("completed"))
    out: dict[str, Any] = {
        "completed": completed,
        "result": doc.get("result") if completed else None,
        "started": bool(doc.get("started_at")),
        # wmill's wait_job reads `success` on every poll: always present, false until done.
        "success": bool(doc.get("success")) if completed else False,
    }
    return js(out)


async def get_logs(call: Call) -> Response:
    return text(call.runtime.job_logs(visible_job(call, call.params["id"])["id"]))


async def get_args(call: Call) -> Response:
    return js(visible_job(call, call.params["id"]).get("args") or {})


def _descendants(call: Call, job_id: str) -> list[dict[str, Any]]:
    """The job and, in flow order, every job under it (steps, iterations, branches)."""
    rt = call.runtime
    doc = rt.get_job(job_id)
    out = [doc]
    for module in (doc.get("flow_status") or {}).get("modules") or []:
        retried = list(module.get("failed_retries") or [])
        final = [module["job"]] if module.get("job") and module["job"] not in retried else []
        for child in retried + final + list(module.get("flow_jobs") or []):
            try:
                out += _descendants(call, child)
            except NotFound:
                continue
    return out


async def get_flow_all_logs(call: Call) -> Response:
    rt = call.runtime
    parts = []
    visible_job(call, call.params["id"])
    for doc in _descendants(call, call.params["id"]):
        logs = rt.job_logs(doc["id"])
        if logs:
            parts.append(
                f"==> {doc.get('flow_step_id') or doc.get('script_path') or doc['id']} ({doc['id']})\n{logs}"
            )
    return text("\n".join(parts))


async def result_by_id(call: Call) -> Response:
    """The result of step `node_id` of a flow, searched through its branches and loops."""
    rt = call.runtime
    node = call.params["node_id"]
    visible_job(call, call.params["flow_job_id"])
    for doc in _descendants(call, call.params["flow_job_id"]):
        for module in (doc.get("flow_status") or {}).get("modules") or []:
            if module.get("id") != node:
                continue
            if module.get("job"):
                return js(rt.get_job(module["job"]).get("result"))
            subs = [rt.get_job(j).get("result") for j in module.get("flow_jobs") or []]
            return js(subs if "iterator" in module else (subs[-1] if subs else None))
    raise NotFound(f"no step {node} in flow {call.params['flow_job_id']}")


async def cancel(call: Call) -> Response:
    body = call.json() or {}
    job_id = call.params["id"]
    # Windmill gates cancel by the same read access (jobs_read_auth.rs).
    visible_job(call, job_id)
    by = call.who.username
    if call.runtime.cancel(job_id, body.get("reason"), by):
        return text(f"{job_id} canceled")
    return text(f"{job_id} is already completed")


async def list_jobs(call: Call) -> Response:
    q = call.query
    rt = call.runtime
    out = []
    listed: set[str] = set()
    kinds = set((q.get("job_kinds") or "").split(",")) - {""}
    for doc in [lv.doc for lv in rt.live.values() if not lv.doc.get("completed")] + list(
        rt.store.iter_jobs()
    ):
        if doc["id"] in listed:
            continue
        if not rt.acl.can_read_job(call.who, doc, rt.store.load_job):
            continue
        if q.get("script_path_exact") and doc.get("script_path") != q["script_path_exact"]:
            continue
        if q.get("script_path_start") and not (doc.get("script_path") or "").startswith(
            q["script_path_start"]
        ):
            continue
        if kinds and doc.get("job_kind") not in kinds:
            continue
        if q.get("has_null_parent") == "true" and doc.get("parent_job"):
            continue
        if q.get("parent_job") and doc.get("parent_job") != q["parent_job"]:
            continue
        if q.get("running") in ("true", "false") and bool(doc.get("running")) != (q["running"] == "true"):
            continue
        if q.get("success") in ("true", "false") and (
            not doc.get("completed") or bool(doc.get("success")) != (q["success"] == "true")
        ):
            continue
        listed.add(doc["id"])
        out.append(doc)
    return js(paginate(call, [api_job(d, None) for d in out]))


async def root_job_id(call: Call) -> Response:
    visible_job(call, call.params["id"])
    return js(call.runtime.root_job_id(call.params["id"]))


async def set_progress(call: Call) -> Response:
    body = call.json() or {}
    visible_job(call, call.params["id"])
    call.runtime.set_progress(call.params["id"], int(body.get("percent") or 0), body.get("flow_job_id"))
    return js(None)


async def get_progress(call: Call) -> Response:
    return js(visible_job(call, call.params["id"]).get("progress") or 0)


async def set_user_state(call: Call) -> Response:
    rt = call.runtime
    doc = visible_job(call, call.params["id"])
    if doc.get("job_kind") != "flow":
        raise NotFound(f"job {doc['id']} is not a flow")
    status = doc.setdefault(
        "flow_status", {"step": 0, "modules": [], "failure_module": {"type": "WaitingForPriorSteps"}}
    )
    status.setdefault("user_states", {})[call.params["key"]] = call.json()
    live = rt.live.get(doc["id"])
    if live is not None:
        rt.touch(live)
    else:
        rt.store.save_job(doc)
    return text("ok")


async def get_user_state(call: Call) -> Response:
    doc = visible_job(call, call.params["id"])
    if doc.get("job_kind") != "flow":
        raise NotFound(f"job {doc['id']} is not a flow")
    return js(((doc.get("flow_status") or {}).get("user_states") or {}).get(call.params["key"]))


async def resume_urls(call: Call) -> Response:
    rt = call.runtime
    job_id = call.params["id"]
    visible_job(call, job_id)
    resume_id = int(call.params["resume_id"])
    approver = call.query.get("approver") or None
    sig = rt.resume_signature(job_id, resume_id, approver)
    ws = rt.settings.workspace
    base = f"{rt.settings.base_url}/api/w/{ws}"
    suffix = f"?approver={quote(approver)}" if approver else ""
    return js(
        {
            "approvalPage": f"{rt.settings.base_url}/approve/{ws}/{job_id}/{resume_id}/{sig}{suffix}",
            "resume": f"{base}/jobs_u/resume/{job_id}/{resume_id}/{sig}{suffix}",
            "cancel": f"{base}/jobs_u/cancel/{job_id}/{resume_id}/{sig}{suffix}",
        }
    )


def _signed_event(call: Call, approved: bool) -> tuple[str, ResumeEvent]:
    rt = call.runtime
    job_id = call.params["id"]
    resume_id = int(call.params["resume_id"])
    approver = call.query.get("approver") or None
    if not rt.check_signature(job_id, resume_id, approver, call.params["signature"]):
        raise PermissionError("invalid resume signature")
    if call.request.method == "GET":
        raw = call.query.get("payload")
        payload = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))) if raw else {}
    else:
        payload = call.json()
    return job_id, ResumeEvent(resume_id, payload, approved, approver or "anonymous")


def _deliver_signed(call: Call, approved: bool) -> Response:
    """A signed URL is a capability: no token needed, no approval rule checked (Windmill's
    `resume_suspended_job`); it resumes only the flow its job id leads to."""
    try:
        job_id, event = _signed_event(call, approved)
    except PermissionError as exc:
        return text(str(exc), 401)
    call.runtime.resume(call.runtime.signed_target(job_id), event)
    return text("ok", 201)


async def resume_signed(call: Call) -> Response:
    return _deliver_signed(call, True)


async def cancel_signed(call: Call) -> Response:
    return _deliver_signed(call, False)


async def resume_suspended(call: Call) -> Response:
    """Resume (or cancel) by the id of the flow job whose current step waits.
    Windmill (`resume_suspended`): https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api-jobs/src/jobs.rs
    Any logged-in member may resume when the step sets no approval conditions (as on Windmill
    Community Edition): knowing the waiting job's id is the key, and only who can read the run
    (its owner, an admin) can learn it."""
    body = call.json() or {}
    flow, _step = call.runtime.waiting_flow(call.params["job_id"])
    event = ResumeEvent(0, body.get("payload"), bool(body.get("approved", True)), call.who.username)
    call.runtime.resume(flow, event)
    return text("ok", 201)


async def resume_as_owner(call: Call) -> Response:
    """`jobs/flow/resume/{id}`: only an owner of the flow's path (or an admin) may resume this way.
    Windmill (`resume_suspended_flow_as_owner`): same file as above. The caller's right is checked
    before the flow's state: someone with no right learns nothing, not even whether it waits."""
    path = str(call.runtime.get_job(call.params["id"]).get("script_path") or "")
    if not call.runtime.acl.is_owner_of_path(call.who, path):
        raise Forbidden(f"only an owner of {path} may resume this flow as owner")
    flow, _step = call.runtime.waiting_flow(call.params["id"])
    call.runtime.resume(flow, ResumeEvent(0, call.json(), True, call.who.username))
    return text("ok", 201)


OPS = [
    Op("POST", "/w/{workspace}/jobs/run/p/{path}", run_script),
    Op("POST", "/w/{workspace}/jobs/run/f/{path}", run_flow),
    Op("POST", "/w/{workspace}/jobs/run/preview", run_preview),
    Op("POST", "/w/{workspace}/jobs/run_wait_result/p/{path}", run_wait_script),
    Op("POST", "/w/{workspace}/jobs/run_wait_result/f/{path}", run_wait_flow),
    Op("GET", "/w/{workspace}/jobs/list", list_jobs),
    Op("GET", "/w/{workspace}/jobs_u/get/{id}", get_job, job_read=True),
    Op("GET", "/w/{workspace}/jobs_u/completed/get/{id}", get_completed, job_read=True),
    Op("GET", "/w/{workspace}/jobs_u/getupdate/{id}", getupdate, job_read=True),
    Op("GET", "/w/{workspace}/jobs_u/getupdate_sse/{id}", getupdate_sse, job_read=True),
    Op("GET", "/w/{workspace}/jobs_u/completed/get_result/{id}", get_result, job_read=True),
    Op("GET", "/w/{workspace}/jobs_u/completed/get_result_maybe/{id}", get_result_maybe, job_read=True),
    Op("GET", "/w/{workspace}/jobs_u/get_logs/{id}", get_logs, job_read=True),
    Op("GET", "/w/{workspace}/jobs_u/get_args/{id}", get_args, job_read=True),
    Op("GET", "/w/{workspace}/jobs_u/get_flow_all_logs/{id}", get_flow_all_logs, job_read=True),
    Op("GET", "/w/{workspace}/jobs/result_by_id/{flow_job_id}/{node_id}", result_by_id, job_read=True),
    Op("POST", "/w/{workspace}/jobs_u/queue/cancel/{id}", cancel),
    Op("GET", "/w/{workspace}/jobs_u/get_root_job_id/{id}", root_job_id),
    Op("POST", "/w/{workspace}/job_metrics/set_progress/{id}", set_progress),
    Op("GET", "/w/{workspace}/job_metrics/get_progress/{id}", get_progress),
    Op("POST", "/w/{workspace}/jobs/flow/user_states/{id}/{key}", set_user_state),
    Op("GET", "/w/{workspace}/jobs/flow/user_states/{id}/{key}", get_user_state),
    Op("GET", "/w/{workspace}/jobs/resume_urls/{id}/{resume_id}", resume_urls),
    Op("POST", "/w/{workspace}/jobs_u/resume/{id}/{resume_id}/{signature}", resume_signed, public=True),
    Op("GET", "/w/{workspace}/jobs_u/resume/{id}/{resume_id}/{signature}", resume_signed, public=True),
    Op("POST", "/w/{workspace}/jobs_u/cancel/{id}/{resume_id}/{signature}", cancel_signed, public=True),
    Op("GET", "/w/{workspace}/jobs_u/cancel/{id}/{resume_id}/{signature}", cancel_signed, public=True),
    Op("POST", "/w/{workspace}/jobs_u/flow/resume_suspended/{job_id}", resume_suspended),
    Op("POST", "/w/{workspace}/jobs/flow/resume/{id}", resume_as_owner),
]
