"""Retries that change the plan (issue 15): the differences of a failed attempt drive the next plan
offline, and a plan already tried is never run again (the person is asked instead)."""

from __future__ import annotations

import f.openanalyst.lib.planning.revise as revise
import f.openanalyst.lib.planning.rules as rules
from f.openanalyst.lib.contracts import Plan, Planned, PlanStep

CREATE = "f/openanalyst/social/create_post"
SCHEDULE = "f/openanalyst/social/schedule_post"
SCHEMAS = {path: rules.script_schema(path) for path in (CREATE, SCHEDULE)}
LONG_TOPIC = (
    "our spring launch of the analytics dashboard for small retailers. It shows daily sales next to "
    "weather and local events, so a shop owner sees why Tuesday was slow. It runs on a phone, needs no "
    "setup beyond connecting the till, and costs nothing for the first three months. Early users said "
    "they finally understood their own numbers, and two of them changed their opening hours because of it."
)


def plan_of(*steps: PlanStep) -> Plan:
    return Plan(skill="SOCIAL_MEDIA", steps=list(steps), mode="offline")


def draft(**args) -> PlanStep:
    return PlanStep(id="draft", script=CREATE, args={"user_id": "alice", "platform": "twitter", **args})


def test_a_result_over_its_limit_asks_the_step_for_a_tighter_one():
    plan = plan_of(draft(topic="AI"))
    revision = revise.revise(
        plan, ["step 'draft': field 'content' has 312 characters; the limit is 280"], SCHEMAS
    )
    assert revision.plan is not None and revision.plan.steps[0].args["max_chars"] == 238
    assert revise.fingerprint(revision.plan) != revise.fingerprint(plan)


def test_an_argument_over_the_scripts_limit_is_shortened_to_whole_sentences():
    plan = plan_of(draft(topic=LONG_TOPIC))
    error = (
        f"step 'draft' ({CREATE}) failed: ValueError: "
        f"topic is {len(LONG_TOPIC)} characters; keep it under 300"
    )
    revision = revise.revise(plan, [error], SCHEMAS)
    assert revision.plan is not None
    topic = revision.plan.steps[0].args["topic"]
    assert len(topic) < 300 and topic.endswith(".") and LONG_TOPIC.startswith(topic)


def test_an_optional_argument_a_step_failed_on_is_left_out_a_required_one_is_asked_for():
    plan = plan_of(
        draft(topic="AI", tone="friendly"),
        PlanStep(
            id="schedule",
            script=SCHEDULE,
            args={
                "user_id": "alice",
                "platform": "twitter",
                "content": "$steps.draft.content",
                "when": "yesterday 9am",
            },
        ),
    )
    tone = f"step 'draft' ({CREATE}) failed: ValueError: unknown tone 'friendly': use one of casual"
    revision = revise.revise(plan, [tone], SCHEMAS)
    assert revision.plan is not None and "tone" not in revision.plan.steps[0].args
    past = (
        f"step 'schedule' ({SCHEDULE}) failed: ValueError: 'yesterday 9am' resolves to "
        "2026-12-04T09:00:00+00:00, which is in the past: pick a later time"
    )
    asked = revise.revise(plan, [past], SCHEMAS)
    assert asked.plan is None and asked.ask and asked.ask[0].startswith("time (")


def test_a_plan_already_tried_is_not_run_again_the_person_is_asked():
    plan = plan_of(draft(topic="AI"))
    planned = Planned(skill="SOCIAL_MEDIA", plan=plan)
    # Nothing in the differences that a rule can act on: the same plan would run again.
    out = revise.next_attempt(planned, ["step 'draft': not engaging"], [plan], [CREATE], "alice")
    assert out.missing and out.repeated is True
    # A difference a rule acts on: a changed plan runs.
    changed = revise.next_attempt(
        planned,
        ["step 'draft': field 'content' has 300 characters; the limit is 280"],
        [plan],
        [CREATE],
        "alice",
    )
    assert not changed.missing and changed.plan.steps[0].args["max_chars"] == 238
    assert changed.revisions and not changed.repeated
    # A plan that differs from every one tried runs as it is.
    other = Planned(skill="SOCIAL_MEDIA", plan=plan_of(draft(topic="something else")))
    assert revise.next_attempt(other, ["step 'draft': not engaging"], [plan], [CREATE], "alice") == other
