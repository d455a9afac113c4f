# extra_requirements:
# agno[anthropic]
"""Compare what the plan expected with what its steps returned, and say whether to go on.

Deterministic checks first (failed jobs, required and non-empty fields, character limits such as
a tweet's 280, paths outside the person's folder). Only when they pass and a step states a
free-text criterion about free text does the judge model score it. The result is the attempt's
`contracts.Outcome`: everything later steps need about it, and `next`, what the flow does now.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import f.openanalyst.lib.ai.llm as llm
import f.openanalyst.lib.contracts as contracts
import f.openanalyst.lib.needs_input as needs_input
import f.openanalyst.lib.planning.checks as checks
from f.openanalyst.lib.log import bind, get_logger, log
from f.openanalyst.lib.planning.outcome import progress_band
from f.openanalyst.lib.users import validate_user_id
from f.openanalyst.lib.windmill.progress import report

# A string this long with spaces in it is prose: the only kind of output the judge scores.
FREE_TEXT_MIN_CHARS = 40
_logger = get_logger(__name__)


@contracts.step
def main(
    user_id: str,
    planned: contracts.Planned,
    execution: contracts.Execution,
    feedback: list[str] | None = None,
    research: contracts.Research | None = None,
    session_id: str | None = None,
    message_id: str | None = None,
) -> contracts.Outcome:
    """Judge one attempt: what its plan expected against what its steps returned, and what next.

    Args:
        user_id: the person the plan acted for.
        planned: the plan step's result (its phase and attempt number are the attempt's).
        execution: execute_plan's result.
        feedback: what failed in earlier attempts (carried on in the outcome for the next plan).
        research: the research this attempt applied, kept in the outcome.
        session_id: the chat session, for progress events.
        message_id: the request's message id, for progress events.
    """
    validate_user_id(user_id)
    phase = "loop" if planned.phase == "initial" else planned.phase
    with bind(user_id=user_id, message_id=message_id):
        report(
            "evaluate",
            progress_band(phase, planned.attempt)[1],
            "Checking the result",
            user_id=user_id,
            session_id=session_id,
            correlation_id=message_id,
        )
        plan, results = planned.plan, execution.results
        # The first plan's tokens are counted once, with the request's (respond's token_parts).
        made_here = None if planned.phase == "initial" else planned.tokens
        usage = llm.Usage().add(made_here).add(research.tokens if research else None)
        refused = execution.refused or planned.refused
        missing = planned.missing
        judged_by = "rules"
        if refused:
            success, differences, score = False, [f"refused: {r}" for r in refused], 0.0
        elif missing:
            success, differences, score = False, [f"missing information: {m}" for m in missing], 0.0
        else:
            verdict = checks.check_attempt(plan, results, user_id)
            success, differences, score = (
                verdict.result.success,
                verdict.result.differences,
                verdict.result.score,
            )
            if planned.problems and not plan.steps and not plan.answer:
                differences = [*differences, *planned.problems]
            judge_items = [item for item in verdict.to_judge if _free_text(item.output)]
            if success and judge_items:
                success, judge_diffs, judged_by, judge_score = _judge(judge_items, usage)
                differences = judge_diffs
                score = min(score, judge_score) if judge_score is not None else score
        for result in results:  # tokens spent inside child jobs (e.g. the post writer)
            if isinstance(result.result, dict) and isinstance(result.result.get("tokens"), dict):
                usage.add({"calls": 1, **result.result["tokens"]})
        outcome = contracts.Outcome(
            phase=phase,
            attempt=planned.attempt,
            success=success,
            refused=bool(refused),
            refusals=refused,
            needs_person=bool(missing),
            stopped=any(r.error_kind in needs_input.KINDS for r in results),
            missing=missing,
            differences=differences,
            feedback=list(dict.fromkeys([*(feedback or []), *differences]))[-20:],
            score=round(score, 3),
            judged_by=judged_by,
            skill=planned.skill or plan.skill,
            mode=planned.mode,
            model=planned.model,
            plan=plan,
            results=results,
            jobs=execution.jobs,
            tokens=usage.as_dict(),
            research=_research_summary(research),
        )
        log(
            _logger,
            logging.INFO,
            "evaluated",
            phase=phase,
            attempt=planned.attempt,
            success=success,
            differences=len(differences),
            next=outcome.next,
        )
        return outcome


def _research_summary(research: contracts.Research | None) -> dict[str, Any] | None:
    if research is None:
        return None
    return research.model_dump(mode="json", include={"query", "learnings", "sources", "searched", "reason"})


def _free_text(output: Any) -> bool:
    values = output.values() if isinstance(output, dict) else [output]
    return any(isinstance(v, str) and len(v) >= FREE_TEXT_MIN_CHARS and " " in v for v in values)


def _judge(items: list[checks.JudgeItem], usage: llm.Usage) -> tuple[bool, list[str], str, float | None]:
    """Score free-text outputs against their criteria; offline, criteria pass unjudged."""
    config = llm.load_config()
    if not config.online:
        return True, [], "rules", None
    import f.openanalyst.lib.ai.agents as agents

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
            log(_logger, logging.WARNING, "judge failed", error=str(exc)[:200])
            continue
        scores.append(max(0.0, min(1.0, verdict.score)))
        if not verdict.passed:
            reasons = verdict.reasons or ["does not meet the criterion"]
            differences += [f"step '{item.step_id}': {reason}" for reason in reasons]
    return not differences, differences, "model", (min(scores) if scores else None)
