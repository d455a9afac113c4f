"""The OpenFlow interpreter: runs a flow's modules as Windmill's flow engine does.

The rules follow Windmill's worker
(https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/worker_flow.rs,
`update_flow_status_after_job_completion_internal` and `push_next_flow_job`); each is cited where
it is applied. They are checked against Windmill's own engine tests in
tests/devruntime/windmill_parity/.

Module kinds: script, rawscript (python3), flow, identity, forloopflow (sequential and
parallel), whileloopflow, branchone, branchall. Module keys: skip_if, sleep, mock, timeout,
retry (constant then exponential, retry_if), continue_on_error, stop_after_if,
stop_after_all_iters_if, suspend (required_events, timeout, continue_on_disapprove_timeout).
Loop iterations and branches run as child flow jobs listed in `flow_jobs`, as on Windmill.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scripts.devruntime.bundle import ScriptSource
from scripts.devruntime.errors import NotFound
from scripts.devruntime.live import LiveJob

if TYPE_CHECKING:
    from scripts.devruntime.jobs import Runtime

from scripts.devruntime.transforms import (
    NIL_RESULTS,
    ExpressionError,
    evaluate,
    predicate,
    transform,
    transform_all,
)

DEFAULT_SUSPEND_TIMEOUT_S = 1800
_PLAIN = {"script", "rawscript", "identity", "flow"}


@dataclass
class Scope:
    """What expressions see: flow_input, results (by step id), previous_result, resume data."""

    flow_input: dict[str, Any]
    results: dict[str, Any] = field(default_factory=dict)
    previous_result: Any = None
    resume: Any = None
    resumes: list[Any] = field(default_factory=list)
    approvers: list[str] = field(default_factory=list)
    flow_env: dict[str, Any] | None = None
    # Steps whose module completed without a job (an empty branchone branch): Windmill keeps the
    # nil job id in the module status, so `results.<id>` throws instead of reading a result.
    nil_steps: set[str] = field(default_factory=set)

    def js(self, **extra: Any) -> dict[str, Any]:
        out = {
            "flow_input": self.flow_input,
            "results": self.results,
            "previous_result": self.previous_result,
            "resume": self.resume,
            "resumes": self.resumes,
            "approvers": self.approvers,
            "flow_env": self.flow_env,
            NIL_RESULTS: self.nil_steps,
        }
        out.update(extra)
        return out

    def set_result(self, step_id: str, result: Any, nil_job: bool = False) -> None:
        self.results[step_id] = result
        self.previous_result = result
        if nil_job:
            self.nil_steps.add(step_id)
        else:
            self.nil_steps.discard(step_id)

    def child(self, flow_input: dict[str, Any] | None = None, results: dict[str, Any] | None = None) -> Scope:
        """The scope of a sub-flow (branch, loop iteration).

        Its first step's previous_result is the sub-flow's own input: Windmill passes the flow
        args as the last result at step 0 (`push_next_flow_job`, "if it's the first job executed
        in the flow, pass the flow args"), and a branch or iteration sub-flow gets the parent's
        args (plus `iter`)."""
        fi = self.flow_input if flow_input is None else flow_input
        return Scope(
            flow_input=fi,
            results=dict(self.results if results is None else results),
            previous_result=fi,
            resume=self.resume,
            resumes=self.resumes,
            approvers=self.approvers,
            flow_env=self.flow_env,
            nil_steps=set(self.nil_steps),
        )


@dataclass
class Outcome:
    success: bool
    result: Any
    stopped: bool = False
    skipped: bool = False
    failed_step: str | None = None
    nil_job: bool = False  # the module completed without running a job (empty branch)
    canceled: bool = False


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


def _early_stop_error(stop: dict[str, Any], result: Any) -> dict[str, Any]:
    """The error of a stop_after_if / stop_after_all_iters_if with an error_message.

    Windmill: `{"error": {"name": "EarlyStopError", "message": ...}}`, the message being the
    error_message or `stop after if: <expr>` when it is empty (`get_stop_after_if_data` in
    worker_flow.rs); with error_include_result the stopping result is kept as `error.result`
    (backend/tests/flow_engine_parity.rs, test_stop_after_if_error_include_result)."""
    message = stop.get("error_message") or f"stop after if: {stop.get('expr', '')}"
    err: dict[str, Any] = {"name": "EarlyStopError", "message": message}
    if stop.get("error_include_result"):
        err["result"] = result
    return {"error": err}


def _js_json(value: Any) -> str:
    """A value as JSON.stringify writes it (no spaces), as Windmill's messages show values."""
    return json.dumps(value, separators=(",", ":"))


def _insert_iter(args: dict[str, Any], key: str, value: Any) -> None:
    """Set args[key]; an existing value moves to `<key>_parent` (recursively), as Windmill's
    `insert_iter_arg` does for a loop inside a loop."""
    if key in args:
        _insert_iter(args, f"{key}_parent", args[key])
    args[key] = value


def _is_simple_loop_body(body: list[dict[str, Any]], has_failure_module: bool) -> bool:
    """Windmill's `is_simple_modules`: a one-step body run without a sub-flow per iteration."""
    if len(body) != 1 or has_failure_module:
        return False
    step = body[0]
    if (step.get("value") or {}).get("type") not in ("script", "rawscript", "flow"):
        return False
    if any(
        step.get(k)
        for k in (
            "sleep",
            "suspend",
            "cache_ttl",
            "retry",
            "stop_after_if",
            "stop_after_all_iters_if",
            "skip_if",
        )
    ):
        return False
    return not (step.get("mock") or {}).get("enabled")


_FLOW_EXPR = re.compile(r"\$flow_expr\[(.*?)\]")


class FlowRunner:
    """Runs one flow job (and the child flow jobs of its loops and branches)."""

    def __init__(
        self, rt: Runtime, live: LiveJob, flow: dict[str, Any], inherited_env: dict[str, Any] | None = None
    ) -> None:
        self.rt = rt
        self.live = live
        self.flow = flow
        self.value: dict[str, Any] = flow.get("value") or {}
        self.path: str = flow.get("path") or live.doc.get("script_path") or ""
        self.root_id: str = live.doc.get("root_job") or live.doc["id"]
        # A flow's own flow_env wins; a flow without one sees its caller's (flow_engine_parity.rs,
        # test_flow_env_imported_flow_uses_own_env / _inherits_when_unset).
        self.flow_env: dict[str, Any] | None = self.value.get("flow_env") or inherited_env

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
        scope = Scope(flow_input=flow_input, previous_result=flow_input, flow_env=self.flow_env)
        if self.value.get("same_worker"):
            # Windmill runs such a flow's steps on one worker sharing a ./shared folder; the dev
            # runtime gives each step its own directory, so it refuses rather than differ.
            outcome = Outcome(
                False,
                _error(
                    "NotSupported",
                    "same_worker flows (steps sharing a ./shared folder) are not supported"
                    " by the dev runtime",
                ),
            )
        else:
            outcome = await self.run_modules(live, modules, scope)
        if not outcome.success and not outcome.canceled and self.value.get("failure_module"):
            outcome = await self._run_failure_module(live, outcome, scope)
        rt.complete(live, outcome.success, outcome.result, skipped=outcome.skipped)
        return outcome

    async def _run_failure_module(self, flow_live: LiveJob, failed: Outcome, scope: Scope) -> Outcome:
        """Windmill runs the failure module with the failed result as previous_result (so `error`
        is its `.error`); the flow then completes with the failure module's result, and succeeds
        only when that result has `recover: true` (`result_has_recover_true` in worker_flow.rs).
        `flow_live` is the flow job that failed: the root, or the sub-flow of a loop iteration or
        a branch, which carries the same failure module (see run_subflow)."""
        module = self.value["failure_module"]
        status = flow_live.doc["flow_status"]["failure_module"]
        status["parent_module"] = failed.failed_step
        result = failed.result
        if isinstance(result, dict) and isinstance(result.get("error"), dict) and failed.failed_step:
            result = {
                **result,
                "error": {**result["error"], "step_id": result["error"].get("step_id") or failed.failed_step},
            }
        fscope = scope.child(results=scope.results)
        fscope.previous_result = result
        outcome = await self.run_module(flow_live, module, status, fscope)
        recovered = isinstance(outcome.result, dict) and outcome.result.get("recover") is True
        return Outcome(outcome.success and recovered, outcome.result, failed_step=failed.failed_step)

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
                if module.get("continue_on_error") and not outcome.canceled:
                    scope.set_result(mid, outcome.result)
                    continue
                return outcome
            scope.set_result(mid, outcome.result, nil_job=outcome.nil_job)
            if outcome.stopped:
                status["step"] = len(modules)
                return Outcome(True, outcome.result, stopped=True, skipped=outcome.skipped)
            # `sleep` delays the step after this one; Windmill evaluates it with this step's
            # result when it pushes the next job (`scheduled_for_o` in push_next_flow_job).
            if module.get("sleep") and index + 1 < len(modules):
                seconds = transform(module["sleep"], scope.js(result=scope.previous_result))
                if seconds:
                    await asyncio.sleep(float(seconds))
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
        as_job: bool = False,
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
        if as_job:
            mstatus["job"] = child.doc["id"]  # a branchone: Windmill keeps its sub-flow as `job`
        else:
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
            # The sub-flow of a loop iteration or a branch is a flow of its own that carries the
            # parent's failure module (`failure_module: flow.failure_module.clone()` in the
            # RawFlow payloads of ForloopFlow, BranchOne and BranchAll, worker_flow.rs:
            # https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/worker_flow.rs):
            # a failed step runs it there first; `recover: true` makes that sub-flow succeed.
            if not outcome.success and not outcome.canceled and self.value.get("failure_module"):
                outcome = await self._run_failure_module(child, outcome, scope)
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
    ) -> Outcome:
        mid = module.get("id", "")
        try:
            return await self._run_module(flow_live, module, mstatus, scope)
        except ExpressionError as exc:
            mstatus["type"] = "Failure"
            self.rt.touch(flow_live)
            return Outcome(False, _error("ExecutionErr", str(exc), mid))
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
    ) -> Outcome:
        value = module.get("value") or {}
        kind = value.get("type")
        skip_if = module.get("skip_if")
        if skip_if and predicate(skip_if["expr"], scope.js()):
            # A skipped step runs as an identity job of the previous result (push_next_flow_job).
            mstatus.update(type="Success", skipped=True)
            self.rt.touch(flow_live)
            return Outcome(True, scope.previous_result)
        mock = module.get("mock") or {}
        retry = module.get("retry") or {}
        attempt = 0
        while True:
            if mock.get("enabled"):
                outcome = Outcome(True, mock.get("return_value"))
                mstatus["type"] = "Success"
            else:
                outcome = await self._run_value(flow_live, module, value, mstatus, scope)
            if outcome.success or outcome.canceled:
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
        if not outcome.success:
            mstatus["type"] = "Failure"
            self.rt.touch(flow_live)
            return outcome
        # stop_after_if of a plain step (loops apply theirs per iteration; Windmill evaluates
        # none on a branchall: "we don't support stop_early per branch").
        stop = module.get("stop_after_if")
        plain_stop = stop and kind not in ("forloopflow", "whileloopflow", "branchall")
        if plain_stop and predicate(
            stop["expr"], scope.js(result=outcome.result, previous_result=outcome.result)
        ):
            stopped = self._stop(stop, outcome.result)
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

    def _stop(self, stop: dict[str, Any], result: Any) -> Outcome:
        if stop.get("error_message") is not None:
            return Outcome(False, _early_stop_error(stop, result))
        return Outcome(True, result, stopped=True, skipped=bool(stop.get("skip_if_stopped")))

    def _retry_delay(
        self, retry: dict[str, Any], attempt: int, failed: Outcome, scope: Scope
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when no attempt is left."""
        if not retry:
            return None
        retry_if = retry.get("retry_if")
        # Windmill's `evaluate_retry`: retry_if sees the failed result as `result` and
        # previous_result, so `error` is its `.error`.
        if retry_if and not predicate(
            retry_if["expr"], scope.js(result=failed.result, previous_result=failed.result)
        ):
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

    def _resolve_tag(self, tag: str, js: dict[str, Any]) -> str:
        """A step tag's `$flow_expr[...]` parts, evaluated against the flow's state; one that
        cannot be resolved fails the step (flow_engine_parity.rs, test_flow_expr_step_tag)."""

        def one(match: re.Match[str]) -> str:
            try:
                value = evaluate(match.group(1), js)
            except ExpressionError:
                value = None
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                raise ExpressionError(f"Could not resolve the step tag `{tag}`")
            return str(value)

        return _FLOW_EXPR.sub(one, tag)

    async def _run_value(
        self,
        flow_live: LiveJob,
        module: dict[str, Any],
        value: dict[str, Any],
        mstatus: dict[str, Any],
        scope: Scope,
    ) -> Outcome:
        kind = value.get("type")
        mid = module.get("id", "")
        js = scope.js()
        if kind in ("script", "rawscript"):
            if kind == "script":
                source = self.rt.find_script(str(value.get("path")))
            else:
                source = ScriptSource(
                    path=f"{self.path}/{mid}",
                    content=str(value.get("content") or ""),
                    language=value.get("language") or "",
                )
            raw_tag = value.get("tag") if kind == "rawscript" else value.get("tag_override")
            tag = self._resolve_tag(raw_tag, js) if raw_tag else None
            args = transform_all(value.get("input_transforms"), js)
            timeout = (
                transform(module["timeout"], scope.js(result=scope.previous_result))
                if module.get("timeout")
                else None
            )
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
            if tag:
                child.doc["tag"] = tag
            mstatus.update(type="InProgress", job=child.doc["id"])
            self.rt.touch(flow_live)
            success, result = await self.rt.execute_script(
                child, source, flow_path=self.path, timeout=float(timeout) if timeout else None
            )
            return Outcome(success, result, canceled=bool(child.doc.get("canceled")))
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
            runner = FlowRunner(self.rt, child, flow, inherited_env=scope.flow_env)
            runner.root_id = self.root_id
            outcome = await runner.run()
            # A flow step does not pass its early stop on to the caller (worker_flow.rs,
            # `is_flow_stop_early_override`).
            return Outcome(outcome.success, outcome.result)
        if kind in ("forloopflow", "whileloopflow"):
            return await self._run_loop(flow_live, module, value, mstatus, scope)
        if kind == "branchone":
            return await self._run_branchone(flow_live, module, value, mstatus, scope)
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
    ) -> Outcome:
        mid = module.get("id", "")
        body: list[dict[str, Any]] = value.get("modules") or []
        is_while = value.get("type") == "whileloopflow"
        items: list[Any] | None = None
        if not is_while:
            # The iterator sees the last result as `result` too (`next_forloop_status`).
            items = transform(value.get("iterator"), scope.js(result=scope.previous_result))
            if not isinstance(items, list):
                # An iterator that is not an array fails the flow itself (an error of the flow
                # engine, not of a step): worker.rs test_invalid_first_step.
                return Outcome(
                    False,
                    {
                        "error": {
                            "name": "InternalErr",
                            "message": f"Expected an array value, found: {_js_json(items)}",
                        }
                    },
                )
        stop = module.get("stop_after_if")
        parallel = bool(value.get("parallel")) and not is_while
        # Windmill runs a simple one-step body without a sub-flow per iteration
        # (`is_simple_modules`): its step sees the loop's previous result, and its id is not
        # carried from one iteration to the next.
        simple = not parallel and _is_simple_loop_body(body, bool(self.value.get("failure_module")))
        mstatus.update(
            type="InProgress",
            iterator={"index": 0, "itered_len": len(items) if items is not None else 0},
            flow_jobs=[],
            flow_jobs_success=[],
        )
        self.rt.touch(flow_live)
        outcomes: list[Outcome] = []
        carried = dict(scope.results)

        async def one(index: int, item: Any, carry: dict[str, Any]) -> tuple[Outcome, str, dict[str, Any]]:
            it_input = dict(scope.flow_input)
            _insert_iter(it_input, "iter", {"value": item, "index": index})
            it_scope = scope.child(flow_input=it_input, results=carry)
            if simple:
                it_scope.previous_result = scope.previous_result
            outcome, job_id = await self.run_subflow(flow_live, body, it_scope, mid, it_input, mstatus)
            return outcome, job_id, it_scope.results

        if parallel:
            assert items is not None
            limit = (
                transform(value.get("parallelism"), scope.js(result=scope.previous_result))
                if value.get("parallelism")
                else None
            )
            sem = asyncio.Semaphore(int(limit) if limit else max(1, len(items)))

            async def limited(index: int, item: Any) -> tuple[Outcome, str, dict[str, Any]]:
                async with sem:
                    return await one(index, item, dict(scope.results))

            outs = await asyncio.gather(*(limited(i, item) for i, item in enumerate(items)))
            ok = {job_id: outcome.success for outcome, job_id, _ in outs}
            mstatus["flow_jobs_success"] = [ok[j] for j in mstatus["flow_jobs"]]
            mstatus["iterator"]["index"] = len(items)
            outcomes = [outcome for outcome, _job_id, _ in outs]
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
                outcomes.append(outcome)
                if not simple:
                    carried.update(inner)
                index += 1
                if outcome.canceled or (not outcome.success and not value.get("skip_failures")):
                    break
                if outcome.stopped:
                    break
                # The loop's own stop_after_if, on each iteration's result, only breaks the loop:
                # Windmill drops its error and skip flags ("if we're stopping early inside a
                # (non-parallel) loop ... we only want to break the loop").
                if (
                    stop
                    and outcome.success
                    and predicate(
                        stop["expr"], scope.js(result=outcome.result, previous_result=outcome.result)
                    )
                ):
                    break
        # The loop's result lists every iteration's result, failed ones included
        # (`retrieve_flow_jobs_results`), whether the loop succeeded or failed.
        results = [o.result for o in outcomes]
        # Like Windmill, later steps can read the loop's inner steps by id (last iteration).
        scope.results.update({k: v for k, v in carried.items() if k not in scope.results})
        failed = [o for o in outcomes if not o.success]
        if any(o.canceled for o in failed):
            return next(o for o in failed if o.canceled)
        if failed and not value.get("skip_failures"):
            return Outcome(False, results, failed_step=failed[0].failed_step)
        return self._after_all(module, results, scope)

    def _after_all(self, module: dict[str, Any], results: list[Any], scope: Scope) -> Outcome:
        """stop_after_all_iters_if of a loop or branchall, on the list of results."""
        after = module.get("stop_after_all_iters_if")
        if after and predicate(after["expr"], scope.js(result=results, previous_result=results)):
            return self._stop(after, results)
        return Outcome(True, results)

    # ---- branches
    async def _run_branchone(
        self,
        flow_live: LiveJob,
        module: dict[str, Any],
        value: dict[str, Any],
        mstatus: dict[str, Any],
        scope: Scope,
    ) -> Outcome:
        mid = module.get("id", "")
        chosen: dict[str, Any] = {"type": "default"}
        modules: list[dict[str, Any]] = value.get("default") or []
        for i, branch in enumerate(value.get("branches") or []):
            if predicate(branch["expr"], scope.js()):
                chosen = {"type": "branch", "branch": i}
                modules = branch.get("modules") or []
                break
        mstatus.update(type="InProgress", branch_chosen=chosen)
        self.rt.touch(flow_live)
        if not modules:
            # An empty branch pushes no job: the module completes with the nil job and passes the
            # previous result on (`EmptyInnerFlows` in worker_flow.rs), so `results.<id>` throws.
            mstatus["job"] = "00000000-0000-0000-0000-000000000000"
            return Outcome(True, scope.previous_result, nil_job=True)
        inner = scope.child()
        outcome, _job_id = await self.run_subflow(
            flow_live, modules, inner, mid, dict(scope.flow_input), mstatus, as_job=True
        )
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

        async def one(branch: dict[str, Any]) -> tuple[Outcome, str]:
            args = dict(scope.flow_input)
            return await self.run_subflow(
                flow_live, branch.get("modules") or [], scope.child(), mid, args, mstatus
            )

        outs: list[tuple[Outcome, str]] = []
        if value.get("parallel"):
            outs = list(await asyncio.gather(*(one(b) for b in branches)))
        else:
            for i, b in enumerate(branches):
                mstatus["branchall"] = {"branch": i, "len": len(branches)}
                outs.append(await one(b))
                outcome = outs[-1][0]
                if outcome.canceled or (not outcome.success and not b.get("skip_failure")):
                    break
                if outcome.stopped:
                    # A sequential branchall stopped from inside stops the flow (worker_flow.rs:
                    # "non-parallel branchall stopped inside => stop flow").
                    return Outcome(True, [o.result for o, _ in outs], stopped=True, skipped=outcome.skipped)
        ok = {job_id: outcome.success for outcome, job_id in outs}
        mstatus["flow_jobs_success"] = [ok[j] for j in mstatus["flow_jobs"]]
        results = [o.result for o, _ in outs]
        for i, (outcome, _job_id) in enumerate(outs):
            if outcome.canceled:
                return outcome
            if not outcome.success and not branches[i].get("skip_failure"):
                return Outcome(False, results, failed_step=outcome.failed_step)
        return self._after_all(module, results, scope)

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
                    # worker_flow.rs (push_next_flow_job): a timed-out suspend fails the flow with
                    # SuspendedTimedOut, or with continue_on_disapprove_timeout goes on with that
                    # error as the resume value.
                    timed_out = {
                        "error": {"message": "Timed out waiting to be resumed", "name": "SuspendedTimedOut"}
                    }
                    if suspend.get("continue_on_disapprove_timeout"):
                        payloads.append(timed_out)
                        break
                    return Outcome(False, timed_out)
                if not event.approved:
                    # A disapproval cancels the flow: worker.rs suspend_resume::cancel_after_suspend
                    # expects reason "approval request disapproved" by the approver ("unknown").
                    who = event.approver if event.approver and event.approver != "anonymous" else "unknown"
                    self.rt.cancel(self.root_id, "approval request disapproved", who)
                    await asyncio.sleep(0)  # the cancel lands on this very task
                    return Outcome(
                        False,
                        _error("Canceled", "approval request disapproved", module.get("id")),
                        canceled=True,
                    )
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
