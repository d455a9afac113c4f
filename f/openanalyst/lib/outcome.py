"""The end of a request: which attempt counts, what it cost, and the answer a person reads.

The flow's attempts arrive as "outcomes" (evaluate's results: the eval loop's, then the one
after research, then the one with the person's answers). The last real outcome decides; the
others are history (failures, research, job ids, tokens).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from f.openanalyst.lib.llm import OFFLINE, total_usage


def progress_band(phase: str, attempt: int = 1) -> tuple[int, int]:
    """The percent range an attempt's plan -> execute -> evaluate reports in, so progress only
    grows: loop attempts 25-69, research 70-79, clarification 80-84, answers 85-94."""
    if phase in ("research",):
        return 70, 79
    if phase in ("answers",):
        return 85, 94
    start = 25 + 15 * (max(1, min(attempt, 3)) - 1)
    return start, start + 14


OFFLINE_NOTE = "(Offline mode: no model is configured, so I used the skill's workflow and templates.)"


def outcomes_of(candidates: Iterable[Any]) -> list[dict[str, Any]]:
    """The evaluate results among `candidates` (branch results that did not run are dropped)."""
    found: dict[tuple[Any, Any], dict[str, Any]] = {}
    for item in candidates:
        # A branch that did not run passes its previous result on (maybe the loop's list):
        # only outcomes count, each attempt once.
        if isinstance(item, Mapping) and item.get("kind") == "outcome":
            found.setdefault((item.get("phase"), item.get("attempt")), dict(item))
    return list(found.values())


def from_plan(planned: Mapping[str, Any]) -> dict[str, Any]:
    """The outcome of a request decided at planning (a direct answer or a refusal): no job ran."""
    plan = dict(planned.get("plan") or {})
    refusals = list(planned.get("refused") or [])
    answer = plan.get("answer")
    success = bool(answer) and not refusals
    differences = [f"refused: {r}" for r in refusals] or ([] if success else ["the plan had nothing to run"])
    return {
        "kind": "outcome",
        "phase": "plan",
        "attempt": 1,
        "success": success,
        "done": True,
        "refused": bool(refusals),
        "refusals": refusals,
        "needs_person": False,
        "missing": [],
        "differences": differences,
        "score": 1.0 if success else 0.0,
        "judged_by": "rules",
        "skill": planned.get("skill") or plan.get("skill"),
        "mode": planned.get("mode") or "offline",
        "model": planned.get("model") or OFFLINE,
        "plan": plan,
        "results": [],
        "jobs": [],
        "tokens": {},
        "research": None,
        "context_update": planned.get("context_update") if success else None,
    }


def _describe(step_result: Mapping[str, Any]) -> list[str]:
    output = step_result.get("result")
    if not isinstance(output, Mapping):
        return [f"{step_result.get('script')}: {json.dumps(output, default=str)[:300]}"] if output else []
    lines: list[str] = []
    if isinstance(output.get("content"), str) and output["content"].strip():
        platform = output.get("platform")
        head = f"Here is your {platform} post" if platform else "Here is the result"
        chars = f" ({output['chars']} characters)" if output.get("chars") else ""
        lines.append(f"{head}{chars}:\n\n{output['content'].strip()}")
    if output.get("schedule_path"):
        when = output.get("next_run") or output.get("when") or "the requested time"
        zone = f" ({output['timezone']})" if output.get("timezone") else ""
        lines.append(f"Scheduled for {when}{zone} as `{output['schedule_path']}`.")
    for key in ("summary", "report", "message", "url", "path", "app_path", "flow_path", "script_path"):
        value = output.get(key)
        if isinstance(value, str) and value and not lines:
            lines.append(f"{key.replace('_', ' ').capitalize()}: {value}")
    if not lines:
        keys = ", ".join(list(output)[:8])
        lines.append(f"`{step_result.get('script')}` finished ({keys}).")
    return lines


def answer_text(final: Mapping[str, Any], attempts: int, research_applied: bool) -> str:
    """What the person reads, from the deciding outcome."""
    plan = final.get("plan") or {}
    if final.get("refused"):
        reasons = "; ".join(final.get("refusals") or []) or "the plan named scripts it may not run"
        return (
            f"I can't do that: {reasons}. I only run the scripts of the {final.get('skill') or 'chosen'} "
            "skill and scripts in your own folder, and nothing was run."
        )
    if final.get("success") and plan.get("answer"):
        text = str(plan["answer"])
    elif final.get("success"):
        parts = [line for result in final.get("results") or [] for line in _describe(result)]
        text = "\n\n".join(parts) or "Done."
        if attempts > 1:
            text += (
                f"\n\n(It took {attempts} attempts"
                + (", with web research." if research_applied else ".")
                + ")"
            )
    else:
        differences = final.get("differences") or ["the result did not meet the checks"]
        text = (
            "I could not complete this request. What still fails:\n"
            + "\n".join(f"- {d}" for d in differences[:6])
            + "\n\nYou can rephrase the request with the missing details, or ask me for `help`."
        )
    if final.get("mode") == "offline" and (final.get("results") or not final.get("success")):
        text += f"\n\n{OFFLINE_NOTE}"
    return text


def conclude(
    outcomes: list[dict[str, Any]],
    token_parts: Iterable[Mapping[str, Any] | None] = (),
    duration_ms: int = 0,
) -> dict[str, Any]:
    """Everything record_history and respond need, from the attempts of one request."""
    if not outcomes:
        raise ValueError("no attempt was evaluated; the flow has nothing to answer with")
    final = outcomes[-1]
    research = [o["research"] for o in outcomes if o.get("research")]
    learnings = [item for r in research for item in r.get("learnings") or []]
    research_applied = any(o.get("phase") == "research" for o in outcomes) and bool(learnings)
    usage = total_usage([*token_parts, *(o.get("tokens") for o in outcomes)])
    jobs = list(dict.fromkeys(j for o in outcomes for j in o.get("jobs") or []))
    failures = [
        {"attempt": o.get("attempt"), "phase": o.get("phase"), "differences": o.get("differences") or []}
        for o in outcomes
        if not o.get("success")
    ]
    models = [o.get("model") for o in outcomes if o.get("model") and o.get("model") != OFFLINE]
    return {
        "success": bool(final.get("success")),
        "refused": bool(final.get("refused")),
        "skill": final.get("skill"),
        "content": answer_text(final, len(outcomes), research_applied),
        "attempts": len(outcomes),
        "research_applied": research_applied,
        "research": research,
        "learnings": learnings,
        "failures": failures,
        "windmill_jobs": jobs,
        "tokens": usage.as_dict(),
        "model": models[-1] if models else OFFLINE,
        "mode": final.get("mode") or "offline",
        "duration_ms": duration_ms,
        # a change of the person's context (CORE preferences), applied by record_history
        "context_update": (final.get("context_update") or None) if final.get("success") else None,
        "result": {
            "plan": final.get("plan"),
            "outputs": {r.get("step_id"): r.get("result") for r in final.get("results") or []},
            "differences": final.get("differences") or [],
        },
    }
