"""The workflow step-list format, and the shipped skills' workflows against the real scripts."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from f.openanalyst.lib.skills.loader import load_skills_dir
from f.openanalyst.lib.skills.workflows import (
    WorkflowError,
    parse_workflow,
    resolve_step_refs,
    select_workflow,
    skill_workflows,
)

ROOT = Path(__file__).resolve().parents[2]
SKILLS, _ = load_skills_dir(ROOT / "skills")

WORKFLOW = """---
name: post-and-schedule
intents: [create_and_schedule]
requires: [entities.topic, entities.time]
steps:
  - id: draft
    script: f/openanalyst/social/create_post
    args:
      user_id: $user_id
      platform: {from: entities.platform, default: linkedin}
      topic: {from: entities.topic, default: $request}
      tone: $entities.extra.tone
      price: $$5
      tz: {from: entities.timezone, default: {from: context.timezone, default: UTC}}
    expected: {required_fields: [content], non_empty: [content]}
  - id: schedule
    script: f/openanalyst/social/schedule_post
    args:
      content: $steps.draft.content
      everything: $steps.draft
---
Guide text.
"""
ALLOWED = ["f/openanalyst/social/create_post", "f/openanalyst/social/schedule_post"]


def test_plan_fills_args_from_intent_context_and_defaults() -> None:
    wf = parse_workflow(WORKFLOW, allowed_scripts=ALLOWED)
    intent = {"name": "create_and_schedule", "entities": {"topic": "Q3 launch", "extra": {}}}
    steps, missing = wf.plan(
        user_id="alice", request="post it", intent=intent, context={"timezone": "Europe/Paris"}
    )
    assert missing == ["entities.time"]
    assert steps[0].args == {
        "user_id": "alice",
        "platform": "linkedin",
        "topic": "Q3 launch",
        "price": "$5",
        "tz": "Europe/Paris",
    }  # tone resolved to nothing: left out so the script's default applies
    assert steps[0].expected.required_fields == ["content"]
    assert steps[1].args == {"content": "$steps.draft.content", "everything": "$steps.draft"}
    assert wf.guide == "Guide text."


def test_step_refs_resolve_at_run_time() -> None:
    wf = parse_workflow(WORKFLOW)
    steps, _ = wf.plan(user_id="alice", request="x", intent={"entities": {"topic": "t"}})
    draft = {"content": "Hello", "platform": "twitter"}
    assert resolve_step_refs(steps[1].args, {"draft": draft}) == {"content": "Hello", "everything": draft}
    with pytest.raises(WorkflowError, match="not in the result"):
        resolve_step_refs({"content": "$steps.draft.missing"}, {"draft": draft})


@pytest.mark.parametrize(
    ("steps", "problem"),
    [
        ("steps: {a: 1}", "must be a list"),
        ("steps: [{id: a}]", "needs `id` and `script`"),
        ("steps: [{id: a, script: f/x/y}, {id: a, script: f/x/y}]", "duplicate step id"),
        ("steps: [{id: a, script: f/x/not_allowed}]", "not allowed"),
        ("steps: [{id: a, script: f/x/y, args: {c: $steps.b.c}}]", "later/unknown step"),
        ("steps: [{id: Bad, script: f/x/y}]", "step 'Bad'"),
    ],
)
def test_malformed_workflows_are_refused_with_the_reason(steps: str, problem: str) -> None:
    with pytest.raises(WorkflowError, match=problem):
        parse_workflow(f"---\nname: w\n{steps}\n---\n", allowed_scripts=["f/x/y"])


def test_select_workflow_by_intent() -> None:
    wfs = skill_workflows(next(s for s in SKILLS if s.name == "SOCIAL_MEDIA").workflows)
    assert select_workflow(wfs, "create_and_schedule").name == "create-and-schedule-post"
    assert select_workflow(wfs, "create_post").name == "create-post"
    assert select_workflow(wfs, "no_such_intent") is None


def _main_params(script: str) -> tuple[set[str], set[str]] | None:
    """(all parameters, required parameters) of the script's main(), or None if not in the repo."""
    path = ROOT / f"{script}.py"
    if not path.exists():
        return None
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef) and node.name == "main":
            args = node.args.args
            required = {a.arg for a in args[: len(args) - len(node.args.defaults)]}
            optional_none = {
                a.arg
                for a in args
                if isinstance(a.annotation, ast.BinOp) and "None" in ast.unparse(a.annotation)
            }
            return {a.arg for a in args}, required - optional_none
    return None


@pytest.mark.parametrize("skill", SKILLS, ids=lambda s: s.name)
def test_shipped_workflows_parse_and_match_the_scripts_they_call(skill) -> None:
    assert skill.workflows, "every shipped skill has workflows"
    assert skill.system_prompt
    for name, text in skill.workflows.items():
        wf = parse_workflow(text, name, skill.scripts)  # raises on a disallowed script
        assert wf.intents, f"{name} serves no intent"
        for step in wf.steps:
            params = _main_params(step.script)
            if params is None:
                continue
            every, required = params
            assert set(step.args) <= every, f"{name}/{step.id}: {set(step.args) - every} not in main()"
            missing = required - set(step.args)
            assert not missing, f"{name}/{step.id}: required {missing} never passed"


def test_a_full_plan_from_the_seed_example() -> None:
    skill = next(s for s in SKILLS if s.name == "SOCIAL_MEDIA")
    wf = select_workflow(skill_workflows(skill.workflows, skill.scripts), "create_and_schedule")
    intent = {
        "name": "create_and_schedule",
        "entities": {
            "platform": "linkedin",
            "topic": "our Q3 launch",
            "time": "2026-11-24T09:00:00+01:00",
            "timezone": "Europe/Berlin",
            "extra": {},
        },
    }
    steps, missing = wf.plan(user_id="alice", request="...", intent=intent)
    assert missing == []
    assert [s.script for s in steps] == [
        "f/openanalyst/social/create_post",
        "f/openanalyst/social/schedule_post",
    ]
    assert steps[1].args["when"] == "2026-11-24T09:00:00+01:00"
    assert steps[1].args["timezone"] == "Europe/Berlin"
    assert (
        resolve_step_refs(steps[1].args, {"draft": {"content": "Hi", "platform": "linkedin"}})["content"]
        == "Hi"
    )
