"""Plan a request: the planner agent (or, offline, the skill's workflows) chooses the scripts.

Every plan is checked before it leaves this step: scripts only from the skill's list or the
person's own folder (else the request is refused), arguments valid against each script's
schema, `user_id` bound to the person. CORE requests (help, status) get a direct answer.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from f.openanalyst.lib import intent as intents
from f.openanalyst.lib import llm, offline, plan_rules, planner
from f.openanalyst.lib.log import bind, get_logger, log
from f.openanalyst.lib.outcome import progress_band
from f.openanalyst.lib.progress import report
from f.openanalyst.lib.protocol import Plan
from f.openanalyst.lib.users import validate_user_id

FEEDBACK_STATE_KEY = "oa_feedback"
# A runner-up skill this close to the winner (and at least this confident) joins the plan.
CLOSE = 0.1
MULTI_SKILL_FLOOR = 0.5
_logger = get_logger(__name__)


def main(
    user_id: str,
    request: str,
    route: dict,
    intent: dict | None = None,
    context: dict | None = None,
    phase: Literal["initial", "retry", "research", "answers"] = "initial",
    attempt: int = 1,
    previous_plan: dict | None = None,
    feedback: list[str] | None = None,
    research: dict | None = None,
    answers: dict | None = None,
    session_id: str | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    """Return {plan, mode, model, refused, missing, problems, tokens} for `request`.

    Args:
        user_id: the person asking; the only user a step may act for.
        request: what they asked.
        route: route_skill's result (the chosen skill and its compiled value under skill_context).
        intent: analyze_intent's result.
        context: load_context's result (preferences, timezone, learnings...).
        phase: initial plan, a retry inside the eval loop, after research, or with the person's answers.
        attempt: 1-based attempt number in the eval loop.
        previous_plan: this step's earlier result; attempt 1 of the loop reuses it as is.
        feedback: differences of failed attempts (inside the loop they are also read from the
            flow's user state, which the evaluate step writes).
        research: the research step's result (learnings to apply).
        answers: the person's answers to clarification questions.
        session_id: the chat session, for progress events.
        message_id: the request's message id, for progress events.
    """
    validate_user_id(user_id)
    with bind(user_id=user_id, message_id=message_id):
        if phase == "retry" and attempt <= 1 and previous_plan:
            return {**previous_plan, "attempt": attempt, "phase": phase, "tokens": {}}
        label = {
            "initial": "Planning",
            "retry": f"Re-planning (attempt {attempt})",
            "research": "Re-planning with research",
            "answers": "Re-planning with your answers",
        }[phase]
        report(
            "plan",
            progress_band("loop" if phase in ("initial", "retry") else phase, attempt)[0],
            label,
            user_id=user_id,
            session_id=session_id,
            correlation_id=message_id,
        )
        feedback = list(feedback or [])
        if phase == "retry":
            feedback += _loop_feedback()
        result = make_plan(user_id, request, route, intent or {}, context or {}, feedback, research, answers)
        log(
            _logger,
            20,
            "planned",
            phase=phase,
            attempt=attempt,
            mode=result["mode"],
            steps=len(result["plan"]["steps"]),
            refused=len(result["refused"]),
        )
        return {**result, "attempt": attempt, "phase": phase}


def make_plan(
    user_id: str,
    request: str,
    route: dict,
    intent: dict,
    context: dict,
    feedback: list[str],
    research: dict | None,
    answers: dict | None,
) -> dict[str, Any]:
    skill = dict(route.get("skill_context") or {})
    skill_name = str(route.get("skill") or skill.get("name") or "CORE")
    skill.setdefault("name", skill_name)
    allowed = list(skill.get("scripts") or [])
    usage = llm.Usage()
    config = llm.load_config()
    answers = _normalized_answers(answers, intent, context)
    base = {"refused": [], "missing": [], "problems": [], "extra_scripts": [], "skill": skill_name}

    named = list(((intent.get("entities") or {}).get("extra") or {}).get("scripts_named") or [])
    if reasons := [r for path in named if (r := plan_rules.refusal_reason(path, allowed, user_id))]:
        refused = Plan(skill=skill_name, rationale="refused: " + "; ".join(reasons), mode="offline")
        return {
            **base,
            "plan": _dump(refused),
            "mode": "offline",
            "model": llm.OFFLINE,
            "refused": reasons,
            "tokens": usage.as_dict(),
        }

    intent_name = str(intent.get("name") or "help")
    if skill_name == offline.CORE_SKILL or intent_name == "preferences":
        # Preferences are CORE's whatever skill the words resembled ("remember that I post...").
        extra_entities = (intent.get("entities") or {}).get("extra") or {}
        update = offline.context_update(extra_entities.get("context_update"), context)
        problems = [str(p) for p in extra_entities.get("preference_problems") or []]
        answer = offline.core_answer(intent_name, _catalog(route), context, update, problems)
        core = Plan(skill=offline.CORE_SKILL, rationale="answered directly", mode="offline", answer=answer)
        return {
            **base,
            "skill": offline.CORE_SKILL,
            "plan": _dump(core),
            "mode": "offline",
            "model": llm.OFFLINE,
            "tokens": usage.as_dict(),
            # applied by record_history with the history (through conclude)
            "context_update": update or None,
        }

    if config.online:
        own = [p for p in named if p.startswith(f"u/{user_id}/")]
        learnings = list((research or {}).get("learnings") or [])
        prompt = planner.request_prompt(request, intent, context, feedback, learnings, answers, own)
        extra = _extra_skills(route)
        base["extra_scripts"] = sorted({s for value in extra.values() for s in value.get("scripts") or []})
        try:
            plan = planner.plan_with_model(config, skill, user_id, prompt, usage, extra, own_scripts=own)
            return {
                **base,
                "plan": _dump(plan),
                "mode": "model",
                "model": config.label("planner"),
                "tokens": usage.as_dict(),
            }
        except plan_rules.PlanRefused as exc:
            refused = Plan(skill=skill_name, rationale="refused: " + str(exc), mode="model")
            return {
                **base,
                "plan": _dump(refused),
                "mode": "model",
                "model": config.label("planner"),
                "refused": exc.reasons,
                "tokens": usage.as_dict(),
            }
        except Exception as exc:  # model down or unusable answer: the workflows still work
            log(_logger, 30, "model planning failed; planning offline", error=str(exc)[:300])
            base["problems"] = [f"model planning failed ({type(exc).__name__}); used the skill's workflow"]

    try:
        plan, missing = offline.plan_from_workflows(skill, user_id, request, intent, context, answers)
        plan, problems = plan_rules.check_plan(plan, allowed, user_id)
    except plan_rules.PlanRefused as exc:
        return {
            **base,
            "plan": _dump(Plan(skill=skill_name, mode="offline")),
            "mode": "offline",
            "model": llm.OFFLINE,
            "refused": exc.reasons,
            "tokens": usage.as_dict(),
        }
    except offline.NoWorkflow as exc:
        # Offline, nothing else can serve this intent: retrying cannot help, asking the person can.
        plan, missing, problems = (
            Plan(skill=skill_name, mode="offline"),
            ["what to do (" + str(exc) + ")"],
            [str(exc)],
        )
    return {
        **base,
        "plan": _dump(plan),
        "mode": "offline",
        "model": llm.OFFLINE,
        "missing": missing,
        "problems": base["problems"] + problems,
        "tokens": usage.as_dict(),
    }


def _dump(plan: Plan) -> dict[str, Any]:
    return plan.model_dump(mode="json", by_alias=False)


def _extra_skills(route: dict) -> dict[str, dict[str, Any]]:
    """Other skills the request also needs (a close runner-up), for the coordinator team.

    route_skill may list them under `extra_skills` {name: compiled value}; otherwise a runner-up
    within CLOSE of the winner is read from its Windmill resource.
    """
    given = route.get("extra_skills")
    if isinstance(given, dict):
        return {str(k): dict(v) for k, v in given.items() if isinstance(v, dict)}
    top = float(route.get("confidence") or 0.0)
    close = [
        str(alt.get("skill"))
        for alt in route.get("alternatives") or []
        if isinstance(alt, dict)
        and alt.get("skill") not in (None, route.get("skill"), offline.CORE_SKILL)
        and float(alt.get("confidence") or 0.0) >= max(MULTI_SKILL_FLOOR, top - CLOSE)
    ]
    found: dict[str, dict[str, Any]] = {}
    for name in close:
        try:
            import wmill

            value = wmill.get_resource(f"f/openanalyst/skills/{name.lower()}", none_if_undefined=True)
        except Exception:
            continue
        if isinstance(value, dict):
            found[name] = value
    return found


def _catalog(route: dict) -> list[dict[str, Any]]:
    skills = route.get("catalog") or route.get("skills") or []
    return [s for s in skills if isinstance(s, dict)]


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


def _loop_feedback() -> list[str]:
    """Differences the previous loop iteration's evaluate step stored in the flow's user state."""
    if not (
        os.environ.get("WM_JOB_ID") and (os.environ.get("BASE_INTERNAL_URL") or os.environ.get("WM_BASE_URL"))
    ):
        return []
    try:
        import wmill

        value = wmill.get_flow_user_state(FEEDBACK_STATE_KEY)
    except Exception as exc:  # an older server: the retry plans without the differences
        log(_logger, 30, "flow user state not readable", error=type(exc).__name__)
        return []
    return [str(v) for v in value] if isinstance(value, list) else []
