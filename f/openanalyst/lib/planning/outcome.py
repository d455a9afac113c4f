"""The end of a request: which attempt counts, what it cost, and the answer a person reads.

The flow's attempts arrive as `contracts.Outcome`s (evaluate's results: the eval loop's, then the
one after research, then the one with the person's answers). The last one decides; the others are
history (failures, research, job ids, tokens).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import f.openanalyst.lib.needs_input as needs_input
import f.openanalyst.lib.planning.person_terms as person_terms
import f.openanalyst.lib.platforms as platforms
from f.openanalyst.lib.ai.llm import OFFLINE, total_usage
from f.openanalyst.lib.contracts import MAX_ATTEMPTS, STEP_REF_RE, Conclusion, Outcome, Plan, Planned


def progress_band(phase: str, attempt: int = 1) -> tuple[int, int]:
    """The percent range an attempt's plan -> execute -> evaluate reports in, so progress only
    grows: loop attempts 25-69, research 70-79, clarification 80-84, answers 85-94."""
    if phase in ("research",):
        return 70, 79
    if phase in ("answers",):
        return 85, 94
    start = 25 + 15 * (max(1, min(attempt, MAX_ATTEMPTS)) - 1)
    return start, start + 14


OFFLINE_NOTE = "(Offline mode: no model is configured, so I used the skill's workflow and templates.)"


def outcomes_of(candidates: Iterable[Any]) -> list[Outcome]:
    """The attempts among `candidates` (steps' results, in order), each once.

    A skipped attempt step repeats the result before it, and a branch that did not run passes its
    input on (the flow's input): only outcomes count, each (phase, attempt) once.
    """
    found: dict[tuple[str, int], Outcome] = {}
    for item in candidates:
        if isinstance(item, Mapping) and item.get("kind") == "outcome":
            item = Outcome.model_validate(item)
        if isinstance(item, Outcome):
            found.setdefault((item.phase, item.attempt), item)
    return list(found.values())


def from_plan(planned: Planned) -> Outcome:
    """The outcome of a request decided at planning (a direct answer or a refusal): no job ran."""
    success = bool(planned.plan.answer) and not planned.refused
    differences = [f"refused: {r}" for r in planned.refused] or (
        [] if success else ["the plan had nothing to run"]
    )
    return Outcome(
        phase="plan",
        success=success,
        refused=bool(planned.refused),
        refusals=planned.refused,
        differences=differences,
        score=1.0 if success else 0.0,
        skill=planned.skill or planned.plan.skill,
        mode=planned.mode,
        model=planned.model,
        plan=planned.plan,
        context_update=planned.context_update if success else None,
    )


def _sent_on(planned: Plan | None) -> set[str]:
    """Steps whose post a later step schedules or publishes (`$steps.<id>.content`)."""
    if planned is None:
        return set()
    refs = (STEP_REF_RE.match(v) for step in planned.steps for v in step.args.values() if isinstance(v, str))
    return {m[1] for m in refs if m and m[2] == "content"}


def _fed_forward(planned: Plan | None) -> set[str]:
    """Steps whose whole output a later step takes as input (`$steps.<id>`, no field): intermediate
    results the answer leaves out (the report says what the loaded table held). A step a later one
    reads a field of (`$steps.create.content`) is still shown: the post is what the person wanted."""
    if planned is None:
        return set()
    refs = (STEP_REF_RE.match(v) for step in planned.steps for v in step.args.values() if isinstance(v, str))
    return {m[1] for m in refs if m and m[2] is None}


def _readable_time(value: Any) -> str:
    """An ISO time as a person reads it ("Monday 7 December 2026, 09:00"); other text as it is."""
    if not isinstance(value, str) or not value:
        return "the requested time"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return f"{moment:%A} {moment.day} {moment:%B %Y, %H:%M}"


def _describe(step_result: Mapping[str, Any], description: str | None, sent_on: bool = False) -> list[str]:
    """What one step's output tells the person; `sent_on`: a later step schedules or publishes it."""
    output = step_result.get("result")
    if not isinstance(output, Mapping):
        return [f"Result: {json.dumps(output, default=str)[:300]}"] if output else []
    lines: list[str] = []
    if isinstance(output.get("answer"), str) and output["answer"].strip():
        return [output["answer"].strip()]  # the step's own words to the person (the builder's)
    message = output["message"].strip() if isinstance(output.get("message"), str) else ""
    if message and not output.get("content") and not output.get("schedule_path"):
        # a result's own chat text (a report with its charts, an engagement summary, what
        # happened to a post published on its own)
        return [message[:1].upper() + message[1:]]
    if isinstance(output.get("content"), str) and output["content"].strip():
        platform = output.get("platform")
        topic = output.get("topic")
        about = f" {_about(_named(topic))}" if isinstance(topic, str) and topic else ""
        if output.get("mode") == "as written":  # the person's own words, not a draft about them
            about = ", as you wrote it"
        elif output.get("mode") == "shortened":  # their own words, made shorter
            about = ", made shorter"
        shown = platforms.RULES[platform].name if platform in platforms.RULES else platform
        drafts = [d.strip() for d in output.get("drafts") or [] if isinstance(d, str) and d.strip()]
        if platform and len(drafts) > 1:  # "draft 3 tweets about ...": each, numbered
            listed = "\n\n".join(f"**{n}.** {d}" for n, d in enumerate(drafts, 1))
            lines.append(f"Here are {len(drafts)} {shown} posts{about} to choose from:\n\n{listed}")
        else:
            head = f"Here is your {shown} post{about}" if platform else "Here is the result"
            chars = f" ({output['chars']} characters)" if output.get("chars") else ""
            lines.append(f"{head}{chars}:\n\n{output['content'].strip()}")
            kept = not (output.get("schedule_path") or message or sent_on)
            if output.get("mode") in ("as written", "shortened") and kept:
                # "post this to linkedin: ..." is kept as written, not published (only "now"
                # publishes): the person is told so, and how to publish it
                lines.append(
                    f'Not posted yet: to publish it, send it again with "now" ("post this on {shown} '
                    'now: …"), or with a time to schedule it.'
                )
            elif output.get("mode") == "as approved" and kept:  # "I like the second one"
                lines.append(
                    "Not posted yet: say “post it now”, or when it should go out "
                    "(“schedule it for Friday 9am”)."
                )
    if output.get("schedule_path"):
        when = _readable_time(output.get("next_run") or output.get("when"))
        zone = f" ({output['timezone']})" if output.get("timezone") else ""
        lines.append(f"Scheduled for {when}{zone} as `{output['schedule_path']}`.")
    if message and lines and not output.get("schedule_path"):
        lines.append(message[:1].upper() + message[1:])  # what happened to the post (published, kept due)

    for key in ("summary", "report", "url", "path", "app_path", "flow_path", "script_path"):
        value = output.get(key)
        if isinstance(value, str) and value and not lines:
            lines.append(f"{key.replace('_', ' ').capitalize()}: {value}")
    texts = [v.strip() for v in output.values() if isinstance(v, str) and v.strip()]
    if not lines and texts:  # a script's own text (a person's skill: {"update": "..."})
        lines.append(max(texts, key=len))
    if not lines:  # a result with nothing to show: say what was done, in the plan's words
        lines.append(f"Done: {description[0].lower()}{description[1:]}." if description else "Done.")
    return lines


# "we just closed our seed round", "our store is closed on Saturday": a topic that is a sentence.
_SAID_TOPIC = re.compile(
    r"^(?:we|we're|we've|we'll|i|i'm|i've|our\s+[\w-]+(?:\s+[\w-]+)?\s+(?:is|are|was|were|has|have|will))\b",
    re.I,
)


def _about(topic: str) -> str:
    """How the answer names what a post says: "about our summer sale", "saying we're closed on ..."."""
    return f"saying {topic}" if _SAID_TOPIC.match(topic) else f"about {topic}"


def _named(topic: str, limit: int = 80) -> str:
    """A topic as a heading names it: a long brief by its first clause, cut at a word."""
    topic = " ".join(topic.split()).rstrip(" .")
    if len(topic) <= limit:
        return topic
    clause = re.split(r"[.;:,!?]\s", topic, maxsplit=1)[0]
    if len(clause) <= limit:
        return clause
    return clause[:limit].rsplit(" ", 1)[0].rstrip(" ,;:-") + "…"


def _retried(attempts: int, research_applied: bool, first: Outcome | None) -> str:
    """Why it took more than one attempt, in the person's words: what the first one ran into."""
    said = person_terms.reasons(first.differences, first.plan, limit=1) if first else []
    how = "with web research" if research_applied else "with a changed plan"
    if not said:
        return f"(It took {attempts} attempts, {how}.)"
    step, _, why = said[0].partition(": ")
    ran_into = f"“{step}”: {why.rstrip('.')}" if why else f"“{step.rstrip('.')}”"
    return f"(It took {attempts} attempts. The first stopped at {ran_into}. I went on {how}.)"


def answer_text(
    final: Outcome, attempts: int, research_applied: bool, first_failed: Outcome | None = None
) -> str:
    """What the person reads, from the deciding outcome (and, after retries, the first failure)."""
    if final.refused:  # platform scripts are said in words; items the person named are named
        skill = person_terms.skill_words(final.skill)
        named = [r for r in final.refusals if "f/openanalyst/" not in r]
        why = "; ".join(named) or f"it would need steps that the {skill} skill may not run"
        return (
            f"I can't do that: {why}, so nothing was run. I only run the {skill} skill's own steps and "
            "the scripts in your own folder. Ask for it in other words, or ask me for `help`."
        )
    if final.stopped:  # only the person can go on: what to give, in the step's own words
        asks = [
            r.error[:1].upper() + r.error[1:]
            for r in final.results
            if r.error_kind in needs_input.KINDS and r.error
        ]
        return "\n\n".join(dict.fromkeys(asks))
    if final.success and final.plan is not None and final.plan.answer:
        text = final.plan.answer
    elif final.success:
        plan = final.plan
        intermediate = _fed_forward(plan)
        described = {step.id: step.description for step in plan.steps} if plan else {}
        sent_on = _sent_on(plan)
        parts = [
            line
            for result in final.results
            if result.step_id not in intermediate
            for line in _describe(
                result.model_dump(mode="json"), described.get(result.step_id), result.step_id in sent_on
            )
        ]
        text = "\n\n".join(parts) or "Done."
        if attempts > 1:
            text += "\n\n" + _retried(attempts, research_applied, first_failed)
    else:
        said = person_terms.reasons(final.differences, final.plan)
        differences = said or ["the result did not meet the checks"]
        text = (
            "I could not complete this request. What still fails:\n"
            + "\n".join(f"- {d}" for d in differences)
            + "\n\nYou can rephrase the request with the missing details, or ask me for `help`."
        )
    if final.mode == "offline" and (final.results or not final.success):
        text += f"\n\n{OFFLINE_NOTE}"
    return text


def conclude(
    outcomes: list[Outcome],
    token_parts: Iterable[Mapping[str, Any] | None] = (),
    duration_ms: int = 0,
) -> Conclusion:
    """Everything record_history and respond need, from the attempts of one request."""
    if not outcomes:
        raise ValueError("no attempt was evaluated; the flow has nothing to answer with")
    final = outcomes[-1]
    research = [o.research for o in outcomes if o.research]
    learnings = [item for r in research for item in r.get("learnings") or []]
    research_applied = any(o.phase == "research" for o in outcomes) and bool(learnings)
    usage = total_usage([*token_parts, *(o.tokens for o in outcomes)])
    models = [o.model for o in outcomes if o.model != OFFLINE]
    return Conclusion(
        success=final.success,
        refused=final.refused,
        stopped=final.stopped,
        skill=final.skill,
        content=answer_text(
            final, len(outcomes), research_applied, next((o for o in outcomes if not o.success), None)
        ),
        attempts=len(outcomes),
        research_applied=research_applied,
        research=research,
        learnings=learnings,
        failures=[
            {"attempt": o.attempt, "phase": o.phase, "differences": o.differences}
            for o in outcomes
            if not o.success
        ],
        windmill_jobs=list(dict.fromkeys(j for o in outcomes for j in o.jobs)),
        tokens=usage.as_dict(),
        model=models[-1] if models else OFFLINE,
        mode=final.mode,
        duration_ms=duration_ms,
        # a change of the person's context (CORE preferences), applied by record_history
        context_update=(final.context_update or None) if final.success else None,
        result={
            "plan": final.plan.model_dump(mode="json") if final.plan else None,
            "outputs": {r.step_id: r.result for r in final.results},
            "differences": final.differences,
        },
    )
