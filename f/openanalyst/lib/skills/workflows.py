# requirements:
# python-frontmatter
# pyyaml
# pydantic
#
# All of this module's requirements (its imports included): Windmill would read `import frontmatter`
# as PyPI's unrelated `frontmatter` (scripts/bundle_tools/windmill_deps.py).
"""Machine-readable skill workflows: the step lists the offline planner follows.

A workflow is `skills/<SKILL>/workflows/<name>.md`: YAML frontmatter with the steps, then Markdown
for people (and for the model planner as guidance). Format:

```yaml
---
name: create-and-schedule-post
description: Draft a post, then schedule it.
intents: [create_and_schedule]       # Intent.name values this workflow serves (first match wins)
requires: [entities.platform, entities.time]   # ask the person when these resolve to nothing
steps:
  - id: draft                        # ^[a-z][a-z0-9_]{0,39}$, unique in the workflow
    script: f/openanalyst/social/create_post   # must be one of the skill's `scripts`
    description: Draft the post
    args:                            # literal values, or references (below)
      user_id: $user_id
      platform: {from: entities.platform, default: linkedin}
      topic: {from: entities.topic, default: $request}
    expected:                        # contracts.Expectation, checked before any judge
      required_fields: [content]
      non_empty: [content]
  - id: schedule
    script: f/openanalyst/social/schedule_post
    args:
      content: $steps.draft.content  # an earlier step's result: resolved when the step runs
---
```

References (a string starting with `$`; `$$` at the start escapes a literal `$`):
`$user_id`, `$request`, `$intent` (its name), `$entities.<field>` (platform, topic, time, timezone,
dataset, extra.<key>), `$context.<key>` (load_context's result, e.g. `$context.timezone`),
`$steps.<id>.<field>` (a field of an earlier step's result, dotted paths allowed; `$steps.<id>` is
the whole result).
`{from: <reference without $>, default: <literal or reference>}` gives a fallback. An argument that
resolves to nothing and has no default is left out, so the script's own default applies; a path in
`requires` that resolves to nothing makes `plan()` report it as missing (the flow asks the person).

`$steps...` references cannot be known when planning: `plan()` keeps them as strings and the
executor calls `resolve_step_refs(args, results)` just before running the step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from f.openanalyst.lib.contracts import STEP_REF_RE, Expectation, PlanStep
from f.openanalyst.lib.skills import frontmatter_yaml

_STEP_REF_RE = STEP_REF_RE
_MISSING = object()


class WorkflowError(ValueError):
    """A workflow whose step list is malformed (the message says where)."""


@dataclass
class WorkflowStep:
    id: str
    script: str
    args: dict[str, Any] = field(default_factory=dict)
    expected: dict[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass
class Workflow:
    name: str
    description: str = ""
    intents: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)
    steps: list[WorkflowStep] = field(default_factory=list)
    guide: str = ""  # the Markdown body

    def plan(
        self,
        *,
        user_id: str,
        request: str,
        intent: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
    ) -> tuple[list[PlanStep], list[str]]:
        """The PlanSteps for this request, and the `requires` paths that resolved to nothing."""
        env = planning_env(user_id=user_id, request=request, intent=intent, context=context)
        missing = [path for path in self.requires if _lookup(env, path) in (_MISSING, None, "")]
        steps = [
            PlanStep(
                id=step.id,
                script=step.script,
                args=resolve_args(step.args, env),
                expected=Expectation.model_validate(step.expected),
                description=step.description,
            )
            for step in self.steps
        ]
        return steps, missing


def planning_env(
    *, user_id: str, request: str, intent: dict[str, Any] | None = None, context: dict[str, Any] | None = None
) -> dict[str, Any]:
    intent = intent or {}
    return {
        "user_id": user_id,
        "request": request,
        "intent": intent.get("name"),
        "entities": dict(intent.get("entities") or {}),
        "context": dict(context or {}),
    }


def parse_workflow(markdown: str, name: str = "", allowed_scripts: list[str] | None = None) -> Workflow:
    """Parse a workflow file's text; raises WorkflowError naming the problem."""
    try:
        meta, body = frontmatter_yaml.parse(markdown)
    except yaml.YAMLError as exc:
        raise WorkflowError(f"workflow {name!r}: unparseable frontmatter ({type(exc).__name__})") from exc
    name = str(meta.get("name") or name)
    raw_steps = meta.get("steps") or []
    if not isinstance(raw_steps, list):
        raise WorkflowError(f"workflow {name!r}: `steps` must be a list")
    steps: list[WorkflowStep] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_steps):
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("script"):
            raise WorkflowError(f"workflow {name!r}: step {i + 1} needs `id` and `script`")
        step = WorkflowStep(
            id=str(raw["id"]),
            script=str(raw["script"]),
            args=dict(raw.get("args") or {}),
            expected=dict(raw.get("expected") or {}),
            description=str(raw.get("description") or ""),
        )
        if step.id in seen:
            raise WorkflowError(f"workflow {name!r}: duplicate step id {step.id!r}")
        if allowed_scripts is not None and step.script not in allowed_scripts:
            raise WorkflowError(
                f"workflow {name!r}: step {step.id!r} calls {step.script}, not allowed by the skill"
            )
        for value in step.args.values():
            m = _STEP_REF_RE.match(value) if isinstance(value, str) else None
            if m and m[1] not in seen:
                raise WorkflowError(
                    f"workflow {name!r}: step {step.id!r} refers to a later/unknown step {m[1]!r}"
                )
        try:
            PlanStep(id=step.id, script=step.script, expected=Expectation.model_validate(step.expected))
        except ValueError as exc:
            raise WorkflowError(f"workflow {name!r}: step {step.id!r}: {exc}") from exc
        seen.add(step.id)
        steps.append(step)
    return Workflow(
        name=name,
        description=str(meta.get("description") or ""),
        intents=[str(x) for x in meta.get("intents") or []],
        requires=[str(x) for x in meta.get("requires") or []],
        steps=steps,
        guide=body.strip(),
    )


def skill_workflows(workflows: dict[str, str], allowed_scripts: list[str] | None = None) -> list[Workflow]:
    """Every parseable workflow of a skill (`Skill.workflows`), in name order."""
    out = []
    for name, text in sorted(workflows.items()):
        try:
            out.append(parse_workflow(text, name, allowed_scripts))
        except WorkflowError:
            continue
    return out


def select_workflow(workflows: list[Workflow], intent_name: str | None) -> Workflow | None:
    """The first workflow serving `intent_name`; else the one listing `*`; else None."""
    for wf in workflows:
        if intent_name and intent_name in wf.intents:
            return wf
    for wf in workflows:
        if "*" in wf.intents:
            return wf
    return None


def resolve_args(args: dict[str, Any], env: dict[str, Any]) -> dict[str, Any]:
    """Resolve references against `env` (planning_env); `$steps...` stay as they are."""
    out: dict[str, Any] = {}
    for key, spec in args.items():
        value = _resolve(spec, env)
        if value is not _MISSING and value is not None:
            out[key] = value
    return out


def resolve_step_refs(args: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
    """Replace `$steps.<id>.<path>` strings with the fields of earlier results ({step_id: result})."""
    out: dict[str, Any] = {}
    for key, value in args.items():
        m = _STEP_REF_RE.match(value) if isinstance(value, str) else None
        if m:
            found = _lookup({"steps": results}, f"steps.{m[1]}" + (f".{m[2]}" if m[2] else ""))
            if found is _MISSING:
                raise WorkflowError(f"argument {key!r}: {value} is not in the result of step {m[1]!r}")
            out[key] = found
        else:
            out[key] = value
    return out


def _resolve(spec: Any, env: dict[str, Any]) -> Any:
    if isinstance(spec, dict) and "from" in spec:
        value = _resolve("$" + str(spec["from"]), env)
        if value in (_MISSING, None, "") and "default" in spec:
            return _resolve(spec["default"], env)
        return value
    if isinstance(spec, str) and spec.startswith("$$"):
        return spec[1:]
    if isinstance(spec, str) and spec.startswith("$"):
        if spec.startswith("$steps."):
            return spec
        return _lookup(env, spec[1:])
    if isinstance(spec, dict):
        return {k: v for k, v in ((k, _resolve(v, env)) for k, v in spec.items()) if v is not _MISSING}
    if isinstance(spec, list):
        return [v for v in (_resolve(v, env) for v in spec) if v is not _MISSING]
    return spec


def _lookup(env: Any, path: str) -> Any:
    node = env
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node
