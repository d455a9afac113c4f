"""Compare what the plan expected with what its steps returned, and say whether to go on.

Deterministic checks first (failed jobs, required and non-empty fields, character limits such as
a tweet's 280, paths outside the person's folder). Only when they pass and a step states a
free-text criterion about free text does the judge model score it. The result is an "outcome":
everything the later steps (research, clarify, record_history, respond) need about this attempt.
"""

from __future__ import annotations

import json
import os
from typing import Any, Literal

from f.openanalyst.lib import evaluation, llm
from f.openanalyst.lib.log import bind, get_logger, log
from f.openanalyst.lib.outcome import progress_band
from f.openanalyst.lib.progress import report
from f.openanalyst.lib.protocol import Plan, StepResult
from f.openanalyst.lib.users import validate_user_id

FEEDBACK_STATE_KEY = "oa_feedback"
MAX_ATTEMPTS = 3
# A string this long with spaces in it is prose: the only kind of output the judge scores.
FREE_TEXT_MIN_CHARS = 40
_logger = get_logger(__name__)


def main(
    user_id: str,
    planned: dict,
    execution: dict,
    phase: Literal["loop", "research", "answers"] = "loop",
    attempt: int = 1,
    max_attempts: int = 3,
    research: dict | None = None,
    session_id: str | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    """Judge one attempt; returns the outcome ({success, done, differences, ...}).

    Args:
        user_id: the person the plan acted for.
        planned: the plan step's result.
        execution: execute_plan's result.
        phase: the eval loop, the attempt after research, or the attempt with the person's answers.
        attempt: 1-based attempt number in the loop.
        max_attempts: the loop ends after this many attempts.
        research: the research step's result, when this attempt applied it (kept in the outcome).
        session_id: the chat session, for progress events.
        message_id: the request's message id, for progress events.
    """
    validate_user_id(user_id)
    with bind(user_id=user_id, message_id=message_id):
        report(
            "evaluate",
            progress_band(phase, attempt)[1],
            "Checking the result",
            user_id=user_id,
            session_id=session_id,
            correlation_id=message_id,
        )
        plan = Plan.model_validate(planned.get("plan") or {})
        results = [StepResult.model_validate(r) for r in execution.get("results") or []]
        usage = llm.Usage().add(planned.get("tokens")).add((research or {}).get("tokens"))
        refused = list(execution.get("refused") or planned.get("refused") or [])
        missing = list(planned.get("missing") or [])
        judged_by = "rules"
        if refused:
            success, differences, score = False, [f"refused: {r}" for r in refused], 0.0
        elif missing:
            success, differences, score = False, [f"missing information: {m}" for m in missing], 0.0
        else:
            verdict = evaluation.check_attempt(plan, results, user_id)
            success, differences, score = (
                verdict.result.success,
                verdict.result.differences,
                verdict.result.score,
            )
            if planned.get("problems") and not plan.steps and not plan.answer:
                differences = [*differences, *planned["problems"]]
            judge_items = [item for item in verdict.to_judge if _free_text(item.output)]
            if success and judge_items:
                success, judge_diffs, judged_by, judge_score = _judge(judge_items, usage)
                differences = judge_diffs
                score = min(score, judge_score) if judge_score is not None else score
        for result in results:  # tokens spent inside child jobs (e.g. the post writer)
            if isinstance(result.result, dict) and isinstance(result.result.get("tokens"), dict):
                usage.add({"calls": 1, **result.result["tokens"]})
        done = success or bool(refused) or bool(missing) or phase != "loop" or attempt >= max_attempts
        if not success and phase == "loop" and not done:
            _store_feedback(differences)
        log(
            _logger,
            20,
            "evaluated",
            phase=phase,
            attempt=attempt,
            success=success,
            differences=len(differences),
        )
        return {
            "kind": "outcome",
            "phase": phase,
            "attempt": attempt,
            "success": success,
            "done": done,
            "refused": bool(refused),
            "refusals": refused,
            "needs_person": bool(missing),
            "missing": missing,
            "differences": differences,
            "score": round(score, 3),
            "judged_by": judged_by,
            "skill": planned.get("skill") or plan.skill,
            "mode": planned.get("mode") or plan.mode,
            "model": planned.get("model") or llm.OFFLINE,
            "plan": plan.model_dump(mode="json", by_alias=False),
            "results": [r.model_dump(mode="json", by_alias=False) for r in results],
            "jobs": list(execution.get("jobs") or []),
            "tokens": usage.as_dict(),
            "research": _research_summary(research),
        }


def _research_summary(research: dict | None) -> dict[str, Any] | None:
    if not research:
        return None
    return {k: research.get(k) for k in ("query", "learnings", "sources", "searched", "reason")}


def _free_text(output: Any) -> bool:
    values = output.values() if isinstance(output, dict) else [output]
    return any(isinstance(v, str) and len(v) >= FREE_TEXT_MIN_CHARS and " " in v for v in values)


def _judge(items: list[evaluation.JudgeItem], usage: llm.Usage) -> tuple[bool, list[str], str, float | None]:
    """Score free-text outputs against their criteria; offline, criteria pass unjudged."""
    config = llm.load_config()
    if not config.online:
        return True, [], "rules", None
    from f.openanalyst.lib import agents

    judge = agents.judge(config)
    differences: list[str] = []
    scores: list[float] = []
    for item in items:
        prompt = (
            f"Criterion: {item.criteria}\n\nOutput of step '{item.step_id}':\n"
            f"{json.dumps(item.output, ensure_ascii=False, default=str)[:6000]}"
        )
        try:
            verdict = agents.run_checked(judge, prompt, usage, agents.JudgeVerdict)
        except agents.AgentFailed as exc:  # no verdict: the deterministic checks stand
            log(_logger, 30, "judge failed", error=str(exc)[:200])
            continue
        scores.append(max(0.0, min(1.0, verdict.score)))
        if not verdict.passed:
            reasons = verdict.reasons or ["does not meet the criterion"]
            differences += [f"step '{item.step_id}': {reason}" for reason in reasons]
    return not differences, differences, "model", (min(scores) if scores else None)


def _store_feedback(differences: list[str]) -> None:
    """Leave the differences for the next loop iteration's plan step (flow user state)."""
    if not (
        os.environ.get("WM_JOB_ID") and (os.environ.get("BASE_INTERNAL_URL") or os.environ.get("WM_BASE_URL"))
    ):
        return
    try:
        import wmill

        wmill.set_flow_user_state(FEEDBACK_STATE_KEY, differences[:20])
    except Exception as exc:
        log(_logger, 30, "flow user state not writable", error=type(exc).__name__)
