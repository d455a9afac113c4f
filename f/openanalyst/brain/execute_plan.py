"""Run a plan's steps as Windmill child jobs, in order, passing results along.

Nothing runs unless every step is allowed: the whole plan is checked against the skill's
scripts and the person's folder first, so an injected step is refused before the first job.
Each step's `$steps.<id>.<field>` arguments are filled from earlier results and validated
against the script's schema again; the first failing step ends the attempt.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import f.openanalyst.lib.builder.owner as owner
import f.openanalyst.lib.contracts as contracts
import f.openanalyst.lib.planning.rules as plan_rules
import f.openanalyst.lib.reports as reports
import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.contracts import PlanStep, StepResult
from f.openanalyst.lib.log import bind, get_logger, log
from f.openanalyst.lib.planning.outcome import progress_band
from f.openanalyst.lib.users import user_folder, validate_user_id
from f.openanalyst.lib.windmill.progress import report

STEP_TIMEOUT_S = 600
_logger = get_logger(__name__)


@contracts.step
def main(
    user_id: str,
    planned: contracts.Planned,
    route: contracts.Route,
    session_id: str | None = None,
    message_id: str | None = None,
) -> contracts.Execution:
    """Run the steps of `planned` as Windmill jobs, in order, and return what each returned.

    Args:
        user_id: the person the plan acts for.
        planned: the plan step's result.
        route: route_skill's result: the scripts the skill may run come from here, not from the plan.
        session_id: the chat session, for progress events.
        message_id: the request's message id, for progress events.
    """
    validate_user_id(user_id)
    with bind(user_id=user_id, message_id=message_id):
        plan = planned.plan
        allowed = [*route.scripts, *planned.extra_scripts]
        out = contracts.Execution(attempt=planned.attempt)
        if planned.refused:
            return out.model_copy(update={"refused": planned.refused, "skipped": "the request was refused"})
        if reasons := plan_rules.refusals(plan, allowed, user_id):
            log(_logger, logging.WARNING, "plan refused before running", reasons=reasons)
            return out.model_copy(
                update={"refused": reasons, "skipped": "the plan names scripts it may not run"}
            )
        if planned.problems and not plan.steps:
            return out.model_copy(update={"skipped": "; ".join(planned.problems)})
        if planned.missing:
            return out.model_copy(update={"skipped": "missing: " + ", ".join(planned.missing)})
        started = time.monotonic()
        outputs: dict[str, Any] = {}
        total = max(1, len(plan.steps))
        start, _ = progress_band(planned.phase, planned.attempt)
        for index, step in enumerate(plan.steps):
            report(
                "execute",
                start + 2 + int(10 * index / total),
                f"Running {step.description or step.script} (attempt {planned.attempt})",
                user_id=user_id,
                session_id=session_id,
                correlation_id=message_id,
            )
            result = run_step(step, outputs, user_id)
            out.results.append(result)
            if result.job_id:
                out.jobs.append(result.job_id)
            if not result.success:
                break
            outputs[step.id] = result.result
        out.duration_ms = int((time.monotonic() - started) * 1000)
        return out


def run_step(step: PlanStep, outputs: dict[str, Any], user_id: str) -> StepResult:
    """One child job; a failure becomes a StepResult with the error, never an exception."""
    started = time.monotonic()
    job_id: str | None = None
    try:
        args = plan_rules.resolve_refs(step.args, outputs)
        schema = plan_rules.script_schema(step.script)
        bound = plan_rules.bind_user(step.model_copy(update={"args": args}), schema, user_id)
        args = plan_rules.as_resource_refs(bound, schema).args
        # checked again with the earlier steps' outputs in: Windmill resolves `$res:`/`$var:` as
        # the admin this job runs as, so only the person's own items may be named
        errors = plan_rules.arg_errors(step.script, args, schema)
        if errors := errors + plan_rules.reference_errors(step.script, args, user_id):
            raise ValueError("; ".join(errors))
        if step.script.startswith(f"{user_folder(user_id)}/"):  # the person's own code runs as them
            owner.ensure_runs_as_owner(step.script)
        # The id is chosen here so the step's record names its job even when the job fails.
        job_id = str(uuid.uuid4())
        result = windmill_rest.run_script_and_wait(step.script, args, job_id, STEP_TIMEOUT_S)
        # a report comes back as Windmill renders it; the checks and the answer read its typed view
        result = reports.as_read_by_the_brain(result)
        success, error, kind = True, None, None
    except Exception as exc:  # the attempt records why; evaluate turns it into a difference
        result, success, error = None, False, _error_text(exc)
        kind = exc.kind if isinstance(exc, windmill_rest.JobFailed) else type(exc).__name__
    return StepResult(
        step_id=step.id,
        script=step.script,
        job_id=job_id,
        success=success,
        result=result,
        error=error,
        error_kind=kind,
        duration_ms=int((time.monotonic() - started) * 1000),
    )


def _error_text(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())[:500]
