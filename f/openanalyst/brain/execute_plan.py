"""Run a plan's steps as Windmill child jobs, in order, passing results along.

Nothing runs unless every step is allowed: the whole plan is checked against the skill's
scripts and the person's folder first, so an injected step is refused before the first job.
Each step's `$steps.<id>.<field>` arguments are filled from earlier results and validated
against the script's schema again; the first failing step ends the attempt.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from f.openanalyst.lib import plan_rules
from f.openanalyst.lib.log import bind, get_logger, log
from f.openanalyst.lib.outcome import progress_band
from f.openanalyst.lib.progress import report
from f.openanalyst.lib.protocol import Plan, StepResult
from f.openanalyst.lib.users import validate_user_id

STEP_TIMEOUT_S = 600
_logger = get_logger(__name__)


def main(
    user_id: str,
    planned: dict,
    skill_scripts: list[str] | None = None,
    attempt: int = 1,
    phase: Literal["loop", "research", "answers"] = "loop",
    session_id: str | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    """Run the steps of `planned` (the plan step's result) and return each step's result.

    Args:
        user_id: the person the plan acts for.
        planned: the plan step's result ({plan, refused, problems, extra_scripts...}).
        skill_scripts: the chosen skill's allowed scripts (from route_skill, not from the plan).
        attempt: 1-based attempt number, for progress and history.
        phase: the eval loop, the attempt after research, or the one with the person's answers.
        session_id: the chat session, for progress events.
        message_id: the request's message id, for progress events.
    """
    validate_user_id(user_id)
    with bind(user_id=user_id, message_id=message_id):
        plan = Plan.model_validate(planned.get("plan") or {})
        allowed = [*(skill_scripts or []), *(planned.get("extra_scripts") or [])]
        out: dict[str, Any] = {
            "attempt": attempt,
            "results": [],
            "jobs": [],
            "refused": [],
            "skipped": None,
            "duration_ms": 0,
        }
        if planned.get("refused"):
            return {**out, "refused": list(planned["refused"]), "skipped": "the request was refused"}
        if reasons := plan_rules.refusals(plan, allowed, user_id):
            log(_logger, 30, "plan refused before running", reasons=reasons)
            return {**out, "refused": reasons, "skipped": "the plan names scripts it may not run"}
        if planned.get("problems") and not plan.steps:
            return {**out, "skipped": "; ".join(planned["problems"])}
        if planned.get("missing"):
            return {**out, "skipped": "missing: " + ", ".join(planned["missing"])}
        started = time.monotonic()
        outputs: dict[str, Any] = {}
        total = max(1, len(plan.steps))
        start, _ = progress_band(phase, attempt)
        for index, step in enumerate(plan.steps):
            report(
                "execute",
                start + 2 + int(10 * index / total),
                f"Running {step.description or step.script} (attempt {attempt})",
                user_id=user_id,
                session_id=session_id,
                correlation_id=message_id,
            )
            result = run_step(step, outputs, user_id)
            out["results"].append(result.model_dump(mode="json", by_alias=False))
            if result.job_id:
                out["jobs"].append(result.job_id)
            if not result.success:
                break
            outputs[step.id] = result.result
        out["duration_ms"] = int((time.monotonic() - started) * 1000)
        return out


def run_step(step: Any, outputs: dict[str, Any], user_id: str) -> StepResult:
    """One child job; a failure becomes a StepResult with the error, never an exception."""
    import wmill

    started = time.monotonic()
    job_id: str | None = None
    try:
        args = plan_rules.resolve_refs(step.args, outputs)
        schema = plan_rules.script_schema(step.script)
        args = plan_rules.bind_user(step.model_copy(update={"args": args}), schema, user_id).args
        if errors := plan_rules.arg_errors(step.script, args, schema):
            raise ValueError("; ".join(errors))
        client = wmill.Windmill()
        job_id = client.run_script_by_path_async(step.script, args)
        result = client.wait_job(job_id, timeout=STEP_TIMEOUT_S)
        success, error = True, None
    except Exception as exc:  # the attempt records why; evaluate turns it into a difference
        result, success, error = None, False, _error_text(exc)
    return StepResult(
        step_id=step.id,
        script=step.script,
        job_id=job_id,
        success=success,
        result=result,
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
    )


def _error_text(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())[:500]
