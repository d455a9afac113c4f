"""The OpenFlow interpreter: runs a flow's modules with Windmill's documented semantics.

Module kinds: script, rawscript (python3), flow, identity, forloopflow (sequential and
parallel), whileloopflow, branchone, branchall. Module keys: skip_if, sleep, mock, timeout,
retry (constant then exponential, retry_if), continue_on_error, stop_after_if,
stop_after_all_iters_if, suspend (required_events, timeout, continue_on_disapprove_timeout).
Loop iterations and branches run as child flow jobs listed in `flow_jobs`, as on Windmill.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any

from scripts.devruntime.bundle import ScriptSource
from scripts.devruntime.jobs import LiveJob, NotFound, Runtime
from scripts.devruntime.transforms import ExpressionError, evaluate, transform, transform_all

DEFAULT_SUSPEND_TIMEOUT_S = 1800
_PLAIN = {"script", "rawscript", "identity", "flow"}
_MODULE_KEYS_MAKING_STEP_NON_PLAIN = {"stop_after_if", "retry", "suspend", "skip_if", "sleep", "mock"}


@dataclass
class ResumeEvent:
    resume_id: int
    payload: Any
    approved: bool
    approver: str


@dataclass
class Scope:
    """What expressions see: flow_input, results (by step id), previous_result, resume data."""

    flow_input: dict[str, Any]
    results: dict[str, Any] = field(default_factory=dict)
    previous_result: Any = None
    resume: Any = None
    resumes: list[Any] = field(default_factory=list)
    approvers: list[str] = field(default_factory=list)

    def js(self, **extra: Any) -> dict[str, Any]:
        out = {
            "flow_input": self.flow_input,
            "results": self.results,
            "previous_result": self.previous_result,
            "resume": self.resume,
            "resumes": self.resumes,
            "approvers": self.approvers,
        }
        out.update(extra)
        return out

    def child(self, flow_input: dict[str, Any] | None = None, results: dict[str, Any] | None = None) -> Scope:
        return Scope(
            flow_input=self.flow_input if flow_input is None else flow_input,
            results=dict(self.results if results is None else results),
            previous_result=self.previous_result,
            resume=self.resume,
            resumes=self.resumes,
            approvers=self.approvers,
        )


@dataclass
class Outcome:
    success: bool
    result: Any
    stopped: bool = False
    skipped: bool = False
    failed_step: str | None = None


def _error(name: str, message: str, step_id: str | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"name": name, "message": message}
    if step_id:
        err["step_id"] = step_id
    return {"error": err}


def _status_modules(modules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"type": "WaitingForPriorSteps", "id": m.get("id", f"step{i}")} for i, m in enumerate(modules)]


def _apply_schema_defaults(schema: dict[str, Any] | None, args: dict[str, Any]) -> dict[str, Any]:
    out = dict(args)
    for name, prop in ((schema or {}).get("properties") or {}).items():
        if name not in out and isinstance(prop, dict) and "default" in prop:
            out[name] = prop["default"]
    return out


class FlowRunner:
    """Runs one flow job (and the child flow jobs of its loops and branches)."""

    def __init__(self, rt: Runtime, live: LiveJob, flow: dict[str, Any]) -> None:
        self.rt = rt
        self.live = live
        self.flow = flow
        self.value: dict[str, Any] = flow.get("value") or {}
        self.path: str = flow.get("path") or live.doc.get("script_path") or ""
        self.root_id: str = live.doc.get("root_job") or live.doc["id"]

    async def run(self) -> Outcome:
        rt, live = self.rt, self.live
        rt.mark_started(live)
        flow_input = _apply_schema_defaults(self.flow.get("schema"), live.doc.get("args") or {})
        modules = self.value.get("modules") or []
        live.doc["flow_status"] = {
            "step": 0,
            "modules": _status_modules(modules),
            "user_states": {},
            "failure_module": {"type": "WaitingForPriorSteps", "id": "failure"},
        }
        rt.touch(live)
        scope = Scope(flow_input=flow_input)
        outcome = await self.run_modules(live, modules, scope)
        if not outcome.success and self.value.get("failure_module"):
            await self._run_failure_module(outcome, scope)
        rt.complete(live, outcome.success, outcome.result, skipped=outcome.skipped)
        return outcome

    async def _run_failure_module(self, failed: Outcome, scope: Scope) -> None:
        module = self.value["failure_module"]
        status = self.live.doc["flow_status"]["failure_module"]
        error = (failed.result or {}).get("error") if isinstance(failed.result, dict) else failed.result
        if isinstance(error, dict):
            error = {**error, "step_id": error.get("step_id") or failed.failed_step}
        fscope = scope.child()
        fscope.flow_input = dict(scope.flow_input)
        await self.run_module(self.live, module, status, fscope, extra={"error": error})

    # ---- sequences
    async def run_modules(self, flow_live: LiveJob, modules: list[dict[str, Any]], scope: Scope) -> Outcome:
        status = flow_live.doc.setdefault(
            "flow_status",
            {"step": 0, "modules": [], "failure_module": {"type": "WaitingForPriorSteps", "id": "failure"}},
        )
        if not status["modules"]:
            status["modules"] = _status_modules(modules)
        for index, module in enumerate(modules):
            status["step"] = index
            mstatus = status["modules"][index]
            outcome = await self.run_module(flow_live, module, mstatus, scope)
            mid = module.get("id", f"step{index}")
            if not outcome.success:
                outcome.failed_step = outcome.failed_step or mid
                if module.get("continue_on_error"):
                    scope.results[mid] = outcome.result
                    scope.previous_result = outcome.result
                    continue
                return outcome
            scope.results[mid] = outcome.result
            scope.previous_result = outcome.result
            if outcome.stopped:
                status["step"] = len(modules)
                return Outcome(True, outcome.result, stopped=True, skipped=outcome.skipped)
        status["step"] = len(modules)
        self.rt.touch(flow_live)
        return Outcome(True, scope.previous_result)

    async def run_subflow(
        self,
        parent: LiveJob,
        modules: list[dict[str, Any]],
        scope: Scope,
        step_id: str,
        args: dict[str, Any],
        mstatus: dict[str, Any],
    ) -> tuple[Outcome, str]:
        """Run `modules` as a child flow job, listed in mstatus.flow_jobs as soon as it exists."""
        child = self.rt.new_job(
            kind="flow",
            path=self.path,
            args=args,
            parent_job=parent.doc["id"],
            root_job=self.root_id,
            flow_step_id=step_id,
            is_flow_step=True,
            language=None,
        )
        mstatus.setdefault("flow_jobs", []).append(child.doc["id"])
        self.rt.touch(parent)
        self.rt.mark_started(child)
        child.doc["flow_status"] = {
            "step": 0,
            "modules": _status_modules(modules),
            "failure_module": {"type": "WaitingForPriorSteps", "id": "failure"},
        }
        try:
            outcome = await self.run_modules(child, modules, scope)
        except Exception as exc:
            outcome = Outcome(False, _error("InternalErr", f"{type(exc).__name__}: {exc}", step_id))
        self.rt.complete(child, outcome.success, outcome.result, skipped=outcome.skipped)
        return outcome, child.doc["id"]

    # ---- one module
    async def run_module(
        self,
        flow_live: LiveJob,
        module: dict[str, Any],
        mstatus: dict[str, Any],
        scope: Scope,
        extra: dict[str, Any] | None = None,
    ) -> Outcome:
        mid = module.get("id", "")
        try:
            return await self._run_module(flow_live, module, mstatus, scope, extra or {})
        except ExpressionError as exc:
            mstatus["type"] = "Failure"
            self.rt.touch(flow_live)
            return Outcome(False, _error("ExpressionError", str(exc), mid))
        except NotFound as exc:
            mstatus["type"] = "Failure"
            self.rt.touch(flow_live)
            return Outcome(False, _error("NotFound", str(exc), mid))

    async def _run_module(
        self,
        flow_live: LiveJob,
        module: dict[str, Any],
        mstatus: dict[str, Any],
        scope: Scope,
        extra: dict[str, Any],
    ) -> Outcome:
        value = module.get("value") or {}
        kind = value.get("type")
        mid = module.get("id", "")
        skip_if = module.get("skip_if")
        if skip_if and evaluate(skip_if["expr"], scope.js(**extra)):
            mstatus.update(type="Success", skipped=True)
            self.rt.touch(flow_live)
            return Outcome(True, scope.previous_result)
        if module.get("sleep"):
            seconds = transform(module["sleep"], scope.js(**extra))
            if seconds:
                await asyncio.sleep(float(seconds))
        mock = module.get("mock") or {}
        retry = module.get("retry") or {}
        attempt = 0
        while True:
            if mock.get("enabled"):
                outcome = Outcome(True, mock.get("return_value"))
                mstatus["type"] = "Success"
            else:
                outcome = await self._run_value(flow_live, module, value, mstatus, scope, extra)
            if outcome.success:
                break
            delay = self._retry_delay(retry, attempt, outcome, scope)
            if delay is None:
                mstatus["type"] = "Failure"
                self.rt.touch(flow_live)
                return outcome
            attempt += 1
            if mstatus.get("job"):
                mstatus.setdefault("failed_retries", []).append(mstatus["job"])
                root = self.rt.live.get(self.root_id)
                if root is not None:
                    rstat = root.doc["flow_status"].setdefault("retry", {"fail_count": 0, "failed_jobs": []})
                    rstat["fail_count"] += 1
                    rstat["failed_jobs"].append(mstatus["job"])
            mstatus["type"] = "WaitingForExecutor"
            self.rt.touch(flow_live)
            await asyncio.sleep(delay)
        if kind not in ("forloopflow", "whileloopflow"):
            stop = module.get("stop_after_if")
            if stop and evaluate(stop["expr"], scope.js(result=outcome.result, **extra)):
                stopped = self._stop(stop, outcome.result, mid)
                mstatus["type"] = "Success" if stopped.success else "Failure"
                self.rt.touch(flow_live)
                return stopped
        if module.get("suspend") and kind in _PLAIN:
            suspended = await self._suspend(flow_live, module, mstatus, scope)
            if suspended is not None:
                return suspended
        mstatus["type"] = "Success"
        self.rt.touch(flow_live)
        return outcome

    def _stop(self, stop: dict[str, Any], result: Any, mid: str) -> Outcome:
        message = stop.get("error_message")
        if message is not None:
            err = _error("StopAfterIf", message or f"flow stopped by stop_after_if of step {mid}", mid)
            if stop.get("error_include_result"):
                err["error"]["result"] = result
            return Outcome(False, err)
        return Outcome(True, result, stopped=True, skipped=bool(stop.get("skip_if_stopped")))

    def _retry_delay(
        self, retry: dict[str, Any], attempt: int, failed: Outcome, scope: Scope
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when no attempt is left."""
        if not retry:
            return None
        retry_if = retry.get("retry_if")
        if retry_if:
            error = failed.result.get("error") if isinstance(failed.result, dict) else None
            if not evaluate(retry_if["expr"], scope.js(result=failed.result, error=error)):
                return None
        constant = retry.get("constant") or {}
        n_const = int(constant.get("attempts") or 0)
        if attempt < n_const:
            return float(constant.get("seconds") or 0)
        exponential = retry.get("exponential") or {}
        n_exp = int(exponential.get("attempts") or 0)
        k = attempt - n_const
        if k < n_exp:
            # Windmill: delay = multiplier * seconds ^ (attempt number), plus random jitter.
            base = float(exponential.get("multiplier") or 1) * float(exponential.get("seconds") or 1) ** (
                k + 1
            )
            jitter = float(exponential.get("random_factor") or 0) / 100.0
            return base * (1 + random.uniform(-jitter, jitter)) if jitter else base
        return None

    async def _run_value(
        self,
        flow_live: LiveJob,
        module: dict[str, Any],
        value: dict[str, Any],
        mstatus: dict[str, Any],
        scope: Scope,
        extra: dict[str, Any],
    ) -> Outcome:
        kind = value.get("type")
        mid = module.get("id", "")
        js = scope.js(**extra)
        if kind in ("script", "rawscript"):
            if kind == "script":
                source = self.rt.find_script(str(value.get("path")))
            else:
                source = ScriptSource(
                    path=f"{self.path}/{mid}",
                    content=str(value.get("content") or ""),
                    language=value.get("language") or "",
                )
            args = transform_all(value.get("input_transforms"), js)
            timeout = transform(module["timeout"], js) if module.get("timeout") else None
            child = self.rt.new_job(
                kind="script" if kind == "script" else "flowscript",
                path=source.path,
                args=args,
                parent_job=flow_live.doc["id"],
                root_job=self.root_id,
                flow_step_id=mid,
                is_flow_step=True,
                language=source.language,
            )
            mstatus.update(type="InProgress", job=child.doc["id"])
            self.rt.touch(flow_live)
            success, result = await self.rt.execute_script(
                child, source, flow_path=self.path, timeout=float(timeout) if timeout else None
            )
            return Outcome(success, result)
        if kind == "identity":
            child = self.rt.new_job(
                kind="identity",
                path=None,
                args={"previous_result": scope.previous_result},
                parent_job=flow_live.doc["id"],
                root_job=self.root_id,
                flow_step_id=mid,
                is_flow_step=True,
                language=None,
            )
            mstatus.update(type="InProgress", job=child.doc["id"])
            self.rt.mark_started(child)
            self.rt.complete(child, True, scope.previous_result)
            return Outcome(True, scope.previous_result)
        if kind == "flow":
            flow = self.rt.find_flow(str(value.get("path")))
            args = transform_all(value.get("input_transforms"), js)
            child = self.rt.new_job(
                kind="flow",
                path=flow["path"],
                args=args,
                parent_job=flow_live.doc["id"],
                root_job=self.root_id,
                flow_step_id=mid,
                is_flow_step=True,
                language=None,
            )
            mstatus.update(type="InProgress", job=child.doc["id"])
            runner = FlowRunner(self.rt, child, flow)
            runner.root_id = self.root_id
            outcome = await runner.run()
            return Outcome(outcome.success, outcome.result)
        if kind in ("forloopflow", "whileloopflow"):
            return await self._run_loop(flow_live, module, value, mstatus, scope, extra)
        if kind == "branchone":
            return await self._run_branchone(flow_live, module, value, mstatus, scope, extra)
        if kind == "branchall":
            return await self._run_branchall(flow_live, module, value, mstatus, scope)
        return Outcome(
            False, _error("NotSupported", f"module type {kind!r} is not supported by the dev runtime", mid)
        )

    # ---- loops
    async def _run_loop(
        self,
        flow_live: LiveJob,
        module: dict[str, Any],
        value: dict[str, Any],
        mstatus: dict[str, Any],
        scope: Scope,
        extra: dict[str, Any],
    ) -> Outcome:
        mid = module.get("id", "")
        body: list[dict[str, Any]] = value.get("modules") or []
        is_while = value.get("type") == "whileloopflow"
        items: list[Any] | None = None
        if not is_while:
            items = transform(value.get("iterator"), scope.js(**extra))
            if not isinstance(items, list):
                return Outcome(
                    False,
                    _error("IteratorError", f"the iterator of {mid} must be an array, got {items!r}", mid),
                )
        stop = module.get("stop_after_if")
        # Windmill's fast path (REFERENCE 1.8, "While-loop gotcha"): one plain step with the stop
        # condition on the loop module does not carry results.<step> across iterations.
        fast_path = (
            bool(stop)
            and len(body) == 1
            and (body[0].get("value") or {}).get("type") in _PLAIN
            and not (_MODULE_KEYS_MAKING_STEP_NON_PLAIN & body[0].keys())
        )
        mstatus.update(
            type="InProgress",
            iterator={"index": 0, "itered_len": len(items) if items is not None else 0},
            flow_jobs=[],
            flow_jobs_success=[],
        )
        self.rt.touch(flow_live)
        results: list[Any] = []
        carried = dict(scope.results)

        async def one(index: int, item: Any, carry: dict[str, Any]) -> tuple[Outcome, str, dict[str, Any]]:
            it_input = {**scope.flow_input, "iter": {"value": item, "index": index}}
            it_scope = scope.child(flow_input=it_input, results=carry)
            outcome, job_id = await self.run_subflow(
                flow_live, body, it_scope, mid, {"iter": it_input["iter"]}, mstatus
            )
            return outcome, job_id, it_scope.results

        parallel = bool(value.get("parallel")) and not is_while
        if parallel:
            assert items is not None
            limit = (
                transform(value.get("parallelism"), scope.js(**extra)) if value.get("parallelism") else None
            )
            sem = asyncio.Semaphore(int(limit) if limit else max(1, len(items)))

            async def limited(index: int, item: Any) -> tuple[Outcome, str, dict[str, Any]]:
                async with sem:
                    return await one(index, item, dict(scope.results))

            outs = await asyncio.gather(*(limited(i, item) for i, item in enumerate(items)))
            ok = {job_id: outcome.success for outcome, job_id, _ in outs}
            mstatus["flow_jobs_success"] = [ok[j] for j in mstatus["flow_jobs"]]
            for index, (outcome, _job_id, _) in enumerate(outs):
                mstatus["iterator"]["index"] = index
                if not outcome.success and not value.get("skip_failures"):
                    return outcome
                results.append(outcome.result if outcome.success else None)
        else:
            index = 0
            while is_while or (items is not None and index < len(items)):
                item = index if is_while else items[index]  # type: ignore[index]
                mstatus["iterator"]["index"] = index
                if is_while:
                    mstatus["iterator"]["itered_len"] = index + 1
                outcome, _job_id, inner = await one(index, item, dict(carried))
                mstatus["flow_jobs_success"].append(outcome.success)
                self.rt.touch(flow_live)
                if not outcome.success and not value.get("skip_failures"):
                    return outcome
                results.append(outcome.result if outcome.success else None)
                if not fast_path:
                    carried.update(inner)
                index += 1
                if outcome.stopped:
                    break
                if stop and evaluate(stop["expr"], scope.js(result=results[-1], **extra)):
                    if stop.get("error_message") is not None:
                        return self._stop(stop, results[-1], mid)
                    break
        # Like Windmill, later steps can read the loop's inner steps by id (last iteration).
        scope.results.update({k: v for k, v in carried.items() if k not in scope.results})
        after = module.get("stop_after_all_iters_if")
        if after and evaluate(after["expr"], scope.js(result=results, **extra)):
            return self._stop(after, results, mid)
        return Outcome(True, results)

    # ---- branches
    async def _run_branchone(
        self,
        flow_live: LiveJob,
        module: dict[str, Any],
        value: dict[str, Any],
        mstatus: dict[str, Any],
        scope: Scope,
        extra: dict[str, Any],
    ) -> Outcome:
        mid = module.get("id", "")
        chosen: dict[str, Any] = {"type": "default"}
        modules: list[dict[str, Any]] = value.get("default") or []
        for i, branch in enumerate(value.get("branches") or []):
            if evaluate(branch["expr"], scope.js(**extra)):
                chosen = {"type": "branch", "branch": i}
                modules = branch.get("modules") or []
                break
        mstatus.update(type="InProgress", branch_chosen=chosen, flow_jobs=[], flow_jobs_success=[])
        self.rt.touch(flow_live)
        if not modules:
            return Outcome(True, scope.previous_result)
        inner = scope.child()
        outcome, _job_id = await self.run_subflow(flow_live, modules, inner, mid, {}, mstatus)
        mstatus["flow_jobs_success"].append(outcome.success)
        scope.results.update({k: v for k, v in inner.results.items() if k not in scope.results})
        return outcome

    async def _run_branchall(
        self,
        flow_live: LiveJob,
        module: dict[str, Any],
        value: dict[str, Any],
        mstatus: dict[str, Any],
        scope: Scope,
    ) -> Outcome:
        mid = module.get("id", "")
        branches = value.get("branches") or []
        mstatus.update(type="InProgress", flow_jobs=[], flow_jobs_success=[])

        async def one(i: int, branch: dict[str, Any]) -> tuple[Outcome, str]:
            return await self.run_subflow(
                flow_live, branch.get("modules") or [], scope.child(), mid, {}, mstatus
            )

        if value.get("parallel"):
            outs = await asyncio.gather(*(one(i, b) for i, b in enumerate(branches)))
        else:
            outs = [await one(i, b) for i, b in enumerate(branches)]
        results = []
        ok = {job_id: outcome.success for outcome, job_id in outs}
        mstatus["flow_jobs_success"] = [ok[j] for j in mstatus["flow_jobs"]]
        for i, (outcome, _job_id) in enumerate(outs):
            mstatus["branchall"] = {"branch": i, "len": len(branches)}
            if not outcome.success and not branches[i].get("skip_failure"):
                return outcome
            results.append(outcome.result)
        return Outcome(True, results)

    # ---- suspend
    async def _suspend(
        self, flow_live: LiveJob, module: dict[str, Any], mstatus: dict[str, Any], scope: Scope
    ) -> Outcome | None:
        """Wait for the resume events of an approval step. None = resumed, go on."""
        suspend = module["suspend"]
        required = int(suspend.get("required_events") or 1)
        timeout = float(suspend.get("timeout") or DEFAULT_SUSPEND_TIMEOUT_S)
        queue = flow_live.resume_queue
        assert queue is not None
        mstatus.update(type="WaitingForEvents", approvers=[])
        flow_live.waiting_step_job = mstatus.get("job")
        root = self.rt.live.get(self.root_id)
        for doc in {id(d): d for d in (flow_live.doc, root.doc if root else flow_live.doc)}.values():
            doc["suspend"] = required
        self.rt.touch(flow_live)
        payloads: list[Any] = []
        approvers: list[str] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while len(payloads) < required:
                remaining = deadline - loop.time()
                try:
                    event = await asyncio.wait_for(queue.get(), max(0.0, remaining))
                except TimeoutError:
                    if suspend.get("continue_on_disapprove_timeout"):
                        break
                    return Outcome(
                        False,
                        _error(
                            "SuspendTimeout",
                            f"step {module.get('id')} was not resumed within {int(timeout)} s",
                            module.get("id"),
                        ),
                    )
                if not event.approved:
                    self.rt.cancel(self.root_id, "approval canceled", event.approver or "anonymous")
                    await asyncio.sleep(0)  # the cancel lands on this very task
                    return Outcome(False, _error("Canceled", "approval canceled", module.get("id")))
                payloads.append(event.payload)
                approvers.append(event.approver)
                mstatus["approvers"].append({"resume_id": event.resume_id, "approver": event.approver})
                for doc in {id(d): d for d in (flow_live.doc, root.doc if root else flow_live.doc)}.values():
                    doc["suspend"] = max(0, required - len(payloads))
                self.rt.touch(flow_live)
        finally:
            flow_live.waiting_step_job = None
        scope.resume = payloads[-1] if payloads else None
        scope.resumes = payloads
        scope.approvers = approvers
        return None
