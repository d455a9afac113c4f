# extra_requirements:
# agno[anthropic]
"""Planning with the model: the prompt, the structured answer, and its validation.

The skill's stable context (system prompt, workflows, allowed scripts and their arguments) goes
into a cached system block; the per-request parts (request, intent, memory, feedback from failed
attempts, research, the person's answers) go into the user message. The planner's answer is
converted to `contracts.Plan` and checked by `plan_rules`; a plan with argument problems gets
one repair round with the problems listed, and is never run while it has any.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import f.openanalyst.lib.planning.rules as plan_rules
from f.openanalyst.lib.ai.llm import ModelConfig, Usage
from f.openanalyst.lib.contracts import Expectation, Plan, PlanStep

MAX_REPAIRS = 1


class PlanningFailed(RuntimeError):
    """The planner's answer could not be turned into a valid plan."""


def skill_context_text(
    skill: Mapping[str, Any], lookup: plan_rules.SchemaLookup = plan_rules.script_schema
) -> str:
    """The stable, cacheable part of the planner's prompt for one skill."""
    scripts = [s for s in skill.get("scripts") or [] if not s.startswith(plan_rules.FORBIDDEN_PREFIXES)]
    workflows = skill.get("workflows") or {}
    parts = [
        f"# Skill: {skill.get('name', '?')}",
        str(skill.get("description") or ""),
        "## Skill instructions",
        str(skill.get("system_prompt") or skill.get("body") or "").strip(),
        "## Allowed scripts (argument: type, ? = optional)",
        *(plan_rules.schema_summary(path, lookup(path)) for path in scripts),
    ]
    if workflows:
        parts.append("## Workflows")
        parts += [f"### {name}\n{text.strip()}" for name, text in sorted(workflows.items())]
    return "\n".join(p for p in parts if p)


def request_prompt(
    request: str,
    intent: Mapping[str, Any] | None,
    context: Mapping[str, Any] | None,
    feedback: Iterable[str] = (),
    learnings: Iterable[Mapping[str, Any]] = (),
    answers: Mapping[str, Any] | None = None,
    own_scripts: Iterable[str] = (),
) -> str:
    """The per-request part of the prompt (never cached)."""
    context = context or {}
    sections = [f"Request: {request}"]
    if intent:
        sections.append(f"Intent (resolved by rules): {json.dumps(intent, ensure_ascii=False)}")
    memory = {k: context.get(k) for k in ("preferences", "custom_instructions", "timezone") if context.get(k)}
    if memory:
        sections.append(f"About the person: {json.dumps(memory, ensure_ascii=False)}")
    known = [str(item.get("content") or item) for item in [*(context.get("learnings") or []), *learnings]]
    if known:
        sections.append("Learnings to apply:\n" + "\n".join(f"- {k}" for k in known[:10]))
    if feedback := list(feedback):
        sections.append(
            "Earlier attempts failed with these differences:\n" + "\n".join(f"- {d}" for d in feedback)
        )
    if answers:
        sections.append(f"The person answered your questions: {json.dumps(answers, ensure_ascii=False)}")
    if own := list(own_scripts):
        sections.append("Scripts in the person's own folder you may also call:\n" + "\n".join(own))
    return "\n\n".join(sections)


def to_plan(output: Any, skill: str) -> tuple[Plan, list[str]]:
    """Convert the planner's structured answer to a contracts.Plan (problems listed, not raised)."""
    problems: list[str] = []
    steps: list[PlanStep] = []
    for index, planned in enumerate(output.steps):
        try:
            args = json.loads(planned.args_json or "{}")
            if not isinstance(args, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            problems.append(f"step {index + 1}: args_json is not a JSON object ({exc})")
            args = {}
        expected = Expectation(
            required_fields=planned.expected.required_fields,
            non_empty=planned.expected.non_empty,
            max_chars={limit.field: limit.limit for limit in planned.expected.max_chars},
            criteria=planned.expected.criteria or None,
        )
        try:
            steps.append(
                PlanStep(
                    id=planned.id,
                    script=planned.script,
                    args=args,
                    expected=expected,
                    description=planned.description,
                )
            )
        except ValueError as exc:
            problems.append(
                f"step {index + 1}: {str(exc).splitlines()[0]} ({planned.id!r}, {planned.script!r})"
            )
    answer = output.answer if output.answer and not output.steps else None
    plan = Plan(skill=skill, steps=steps, rationale=output.rationale, mode="model", answer=answer)
    return plan, problems


def plan_with_model(
    config: ModelConfig,
    skill: Mapping[str, Any],
    user_id: str,
    prompt: str,
    usage: Usage,
    extra_skills: Mapping[str, Mapping[str, Any]] | None = None,
    lookup: plan_rules.SchemaLookup = plan_rules.script_schema,
    own_scripts: Iterable[str] = (),
) -> Plan:
    """Ask the planner (or, for several skills, the coordinator team) for a valid plan.

    Raises plan_rules.PlanRefused when the model proposes a script outside the allowed set, and
    PlanningFailed when no valid plan came out of the repair round.
    """
    import f.openanalyst.lib.ai.agents as agents

    name = str(skill.get("name") or "unknown")
    allowed = [*(skill.get("scripts") or []), *own_scripts]
    if extra_skills:
        members = {name: skill_context_text(skill, lookup)}
        members |= {other: skill_context_text(value, lookup) for other, value in extra_skills.items()}
        for value in extra_skills.values():
            allowed += list(value.get("scripts") or [])
        runner: Any = agents.coordinator(config, members)
    else:
        runner = agents.planner(config, skill_context_text(skill, lookup))
    current_prompt = prompt
    problems: list[str] = []
    for _ in range(MAX_REPAIRS + 1):
        output = agents.run_checked(runner, current_prompt, usage, agents.PlannerOutput)
        plan, problems = to_plan(output, name)
        if not problems:
            plan, problems = plan_rules.check_plan(plan, allowed, user_id, lookup)
        if not problems:
            return plan
        current_prompt = (
            f"{prompt}\n\nYour previous plan was invalid. Fix exactly these problems:\n"
            + "\n".join(f"- {p}" for p in problems)
        )
    raise PlanningFailed("the planner's plan stayed invalid: " + "; ".join(problems))
