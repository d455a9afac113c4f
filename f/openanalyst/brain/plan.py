"""Plan a request: the planner agent (or, offline, the skill's workflows) chooses the scripts.

Every plan is checked before it leaves this step: scripts only from the skill's list or the
person's own folder (else the request is refused), arguments valid against each script's
schema, `user_id` bound to the person. CORE requests (help, status) get a direct answer.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import f.openanalyst.lib.ai.llm as llm
import f.openanalyst.lib.contracts as contracts
import f.openanalyst.lib.planning.offline as offline
import f.openanalyst.lib.planning.planner as planner
import f.openanalyst.lib.planning.revise as revise
import f.openanalyst.lib.planning.rules as plan_rules
import f.openanalyst.lib.planning.understanding as intents
from f.openanalyst.lib.contracts import Plan
from f.openanalyst.lib.log import bind, get_logger, log
from f.openanalyst.lib.planning.outcome import progress_band
from f.openanalyst.lib.scheduled_posts import scheduled_posts
from f.openanalyst.lib.users import validate_user_id
from f.openanalyst.lib.windmill.progress import report
from f.openanalyst.lib.windmill.rest import WindmillError, read_resource

# A runner-up skill this close to the winner (and at least this confident) joins the plan.
CLOSE = 0.1
MULTI_SKILL_FLOOR = 0.5
# What the person reads when the planner declined their request (stop_reason "refusal").
DECLINED = (
    "I won't help with that. If you meant something else, say it in other words, or ask me for "
    "`help` to see what I can do."
)
# The missing item of a request the skill has no steps for offline, as the person reads it.
NO_STEPS_FOR_THIS = "I have no steps for this kind of request without a model yet"
_logger = get_logger(__name__)


@contracts.step
def main(
    user_id: str,
    request: str,
    route: contracts.Route,
    intent: contracts.Intent,
    context: contracts.Context,
    phase: Literal["initial", "loop", "research", "answers"] = "initial",
    attempt: int = 1,
    feedback: list[str] | None = None,
    tried: list[contracts.Plan | None] | None = None,
    research: contracts.Research | None = None,
    answers: dict | None = None,
    session_id: str | None = None,
    message_id: str | None = None,
) -> contracts.Planned:
    """Plan `request`: the scripts to run and what each must return, or a direct answer.

    Args:
        user_id: the person asking; the only user a step may act for.
        request: what they asked, in plain language.
        route: route_skill's result (the chosen skill and what it may run).
        intent: analyze_intent's intent (what is wanted: platform, topic, time).
        context: analyze_intent's context (preferences, timezone, learnings).
        phase: the first plan, an eval-loop attempt, after research, or with the person's answers.
        attempt: 1-based attempt number.
        feedback: what failed in earlier attempts, for the planner to fix.
        tried: the plans of earlier attempts, oldest first (null where none); one is never repeated.
        research: the research step's result (learnings to apply).
        answers: the person's answers to clarification questions, keyed by question id.
        session_id: the chat session, for progress events.
        message_id: the request's message id, for progress events.
    """
    validate_user_id(user_id)
    with bind(user_id=user_id, message_id=message_id):
        label = {
            "initial": "Planning",
            "loop": f"Re-planning (attempt {attempt})",
            "research": "Re-planning with research",
            "answers": "Re-planning with your answers",
        }[phase]
        report(
            "plan",
            progress_band("loop" if phase == "initial" else phase, attempt)[0],
            label,
            user_id=user_id,
            session_id=session_id,
            correlation_id=message_id,
        )
        result = make_plan(
            user_id,
            request,
            route,
            intent.model_dump(mode="json"),
            context.model_dump(mode="json"),
            list(feedback or []),
            research.model_dump(mode="json") if research else None,
            answers,
        )
        earlier = [p for p in tried or [] if p is not None]
        # Offline every step is deterministic: a plan already tried fails the same way again. A
        # model's plan may repeat and still help (its writer drafts anew with the feedback).
        if earlier and result.mode == "offline":
            allowed = [*route.scripts, *result.extra_scripts]
            result = revise.next_attempt(result, list(feedback or []), earlier, allowed, user_id)
        log(
            _logger,
            logging.INFO,
            "planned",
            phase=phase,
            attempt=attempt,
            mode=result.mode,
            steps=len(result.plan.steps),
            refused=len(result.refused),
            revisions=result.revisions,
            repeated=result.repeated,
        )
        return result.model_copy(update={"attempt": attempt, "phase": phase})


# What the planner is told when no skill serves the request: it may only answer.
OUT_OF_SCOPE_CONTEXT = (
    "No skill serves this request and no script may run. OpenAnalyst writes and schedules social media "
    "posts, analyses data a person pastes or attaches, and builds scripts, schedules and dashboards in "
    "their Windmill folder."
)
MAX_DIRECT_ANSWER_CHARS = 700


def make_plan(
    user_id: str,
    request: str,
    route: contracts.Route,
    intent: dict[str, Any],
    context: dict[str, Any],
    feedback: list[str],
    research: dict[str, Any] | None,
    answers: dict[str, Any] | None,
) -> contracts.Planned:
    skill = dict(route.skill_context or {})
    skill_name = str(route.skill or skill.get("name") or "CORE")
    skill.setdefault("name", skill_name)
    allowed = list(skill.get("scripts") or [])
    usage = llm.Usage()
    config = llm.load_config()
    answers = _normalized_answers(answers, intent, context)

    def planned(plan: Plan, model: str = llm.OFFLINE, **fields: Any) -> contracts.Planned:
        return contracts.Planned(skill=skill_name, plan=plan, model=model, tokens=usage.as_dict(), **fields)

    named = list(((intent.get("entities") or {}).get("extra") or {}).get("scripts_named") or [])
    if reasons := [r for path in named if (r := plan_rules.refusal_reason(path, allowed, user_id))]:
        refused = Plan(skill=skill_name, rationale="refused: " + "; ".join(reasons), mode="offline")
        return planned(refused, refused=reasons)

    intent_name = str(intent.get("name") or "help")
    if skill_name == offline.CORE_SKILL or intent_name == "preferences":
        # Preferences are CORE's whatever skill the words resembled ("remember that I post...").
        asked = contracts.Intent.model_validate(intent)
        update = offline.context_update(asked.entities.extra.get("context_update"), context)
        # the person's waiting posts are read from their schedules, only when asked for
        listed = asked.entities.extra.get("about") in (intents.SCHEDULED, intents.MOVE)
        waiting = scheduled_posts(user_id) if listed else []
        answer = offline.core_answer(asked, _catalog(route), context, update, waiting)
        if config.online and offline.is_out_of_scope(intent_name):
            answer = _direct_answer(config, request, user_id, usage) or answer
        core = Plan(skill=offline.CORE_SKILL, rationale="answered directly", mode="offline", answer=answer)
        # the context update is applied by record_history with the history (through conclude)
        return planned(core, context_update=update or None).model_copy(update={"skill": offline.CORE_SKILL})

    problems_before: list[str] = []
    if config.online and (ask := offline.missing_first(skill, user_id, request, intent, context, answers)):
        # the rules know a slot only the person can fill: ask before the model plans around it
        asking = Plan(skill=skill_name, mode="model")
        return planned(asking, config.label("planner"), missing=ask, mode="model")
    if config.online:
        own = [p for p in named if p.startswith(f"u/{user_id}/")]
        learnings = list((research or {}).get("learnings") or [])
        prompt = planner.request_prompt(request, intent, context, feedback, learnings, answers, own)
        extra = _extra_skills(route)
        extra_scripts = sorted({s for value in extra.values() for s in value.get("scripts") or []})
        online = {"mode": "model", "model": config.label("planner"), "extra_scripts": extra_scripts}
        try:
            plan = planner.plan_with_model(config, skill, user_id, prompt, usage, extra, own_scripts=own)
            return planned(plan, **online)
        except plan_rules.PlanRefused as exc:
            refused = Plan(skill=skill_name, rationale="refused: " + str(exc), mode="model")
            return planned(refused, refused=exc.reasons, **online)
        except llm.ModelDeclined:
            # Not a failure to fall back from: the workflows must not do what the model declined.
            declined = Plan(skill=skill_name, rationale="the model declined", mode="model", answer=DECLINED)
            return planned(declined, **online)
        except Exception as exc:  # model down or unusable answer: the workflows still work
            log(_logger, logging.WARNING, "model planning failed; planning offline", error=str(exc)[:300])
            problems_before = [f"model planning failed ({type(exc).__name__}); used the skill's workflow"]

    try:
        plan, missing = offline.plan_from_workflows(skill, user_id, request, intent, context, answers)
        plan, problems = plan_rules.check_plan(plan, allowed, user_id)
    except plan_rules.PlanRefused as exc:
        return planned(Plan(skill=skill_name, mode="offline"), refused=exc.reasons, problems=problems_before)
    except offline.NoWorkflow as exc:
        # Offline, nothing else can serve this intent: retrying cannot help, asking the person can.
        # What they read names no skill or workflow (those are in `problems`, for the run's log).
        plan, missing, problems = (
            Plan(skill=skill_name, mode="offline"),
            [NO_STEPS_FOR_THIS],
            [str(exc)],
        )
    return planned(plan, missing=missing, problems=problems_before + problems)


def _direct_answer(config: llm.ModelConfig, request: str, user_id: str, usage: llm.Usage) -> str | None:
    """With a model, a request no skill serves gets a brief direct answer when it is harmless (the
    planner with no scripts: it can only answer); None when the model gives no usable answer."""
    core = {"name": offline.CORE_SKILL, "description": OUT_OF_SCOPE_CONTEXT, "scripts": []}
    try:
        plan = planner.plan_with_model(config, core, user_id, f"Request: {request}", usage)
    except Exception as exc:  # no answer from the model: the honest offline reply stands
        log(_logger, logging.WARNING, "direct answer failed", error=str(exc)[:300])
        return None
    if plan.steps or not plan.answer or len(plan.answer) > MAX_DIRECT_ANSWER_CHARS:
        return None
    return plan.answer


def _extra_skills(route: contracts.Route) -> dict[str, dict[str, Any]]:
    """Other skills the request also needs (a runner-up within CLOSE of the winner), read from
    their Windmill resources, for the coordinator team."""
    close = [
        alt.skill
        for alt in route.alternatives
        if alt.skill not in (route.skill, offline.CORE_SKILL)
        and alt.confidence >= max(MULTI_SKILL_FLOOR, route.confidence - CLOSE)
    ]
    found: dict[str, dict[str, Any]] = {}
    for name in close:
        try:
            value = read_resource(f"f/openanalyst/skills/{name.lower()}")
        except WindmillError:
            continue
        if isinstance(value, dict):
            found[name] = value
    return found


def _catalog(route: contracts.Route) -> list[dict[str, Any]]:
    return [s for s in route.catalog if isinstance(s, dict)]


def _normalized_answers(answers: dict | None, intent: dict, context: dict) -> dict | None:
    """Answers as given, with a spoken time ("tomorrow 10am") resolved in the person's timezone."""
    if not answers:
        return None
    answers = {str(k): v for k, v in answers.items() if v not in (None, "")}
    when = answers.get("time") or answers.get("when")
    if isinstance(when, str):
        tz = (intent.get("entities") or {}).get("timezone") or context.get("timezone")
        resolved = intents.resolve_time(when, tz)
        if resolved:
            answers["time"] = resolved.isoformat()
        answers.pop("when", None)
    return answers
