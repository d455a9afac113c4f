"""The loop that learns, end to end on the dev runtime with a model that answers from what it is sent.

The Anthropic API is a loopback server whose planner, writer and judge are responders: each reply
depends on the request body, as a real model's does. So a retry succeeds only if the differences
really reached the next plan, and a second request is cheaper only if the stored learning really
came back through the person's context.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from f.openanalyst.lib.store.connect import open_store
from tests.brain import anthropic_bodies as bodies
from tests.brain.scenarios import (
    CONCRETE,
    CREATE,
    GUIDANCE,
    SEED,
    SOURCE,
    finish,
    jobs_of,
    learning_model,
    run_request,
    sent,
)

pytestmark = pytest.mark.timeout(600)

BRIEF = (
    "how our support team cut the average first reply time from nine hours to forty minutes in one "
    "quarter by moving to a follow-the-sun rota across Lisbon and Manila. We also wrote a searchable "
    "playbook for the thirty most common questions which new hires read in their first week. "
    "Customers noticed and our satisfaction score went up by eleven points."
)
_UNDER = re.compile(r"keep it under (\d+)")


def draft_step(topic: str, **extra: Any) -> dict[str, Any]:
    return bodies.step(
        "draft",
        CREATE,
        {"platform": "linkedin", "topic": topic, "tone": "professional", **extra},
        required=["content"],
        criteria="Engaging, about the topic, no invented facts",
    )


# ------------------------------------------------------------- attempt 2 with a changed plan


def brief_planner(body: dict[str, Any]) -> dict[str, Any]:
    """Plans the brief as the topic; told a limit by a failed attempt, keeps whole sentences within it."""
    if limit := _UNDER.search(sent(body)):
        kept = ""
        for sentence in re.split(r"(?<=\.)\s+", BRIEF):
            if len(kept) + len(sentence) + 1 >= int(limit[1]):
                break
            kept = f"{kept} {sentence}".strip()
        rest = BRIEF[len(kept) :].strip()
        return bodies.plan_message([draft_step(kept, key_points=[rest])], rationale="shorter topic")
    return bodies.plan_message([draft_step(BRIEF)], rationale="the brief as the topic")


def test_with_a_model_a_first_plan_that_fails_succeeds_on_attempt_2_because_the_plan_changed(
    dev_runtime, hub, model_api
):
    post = "Nine hours to forty minutes: how a follow-the-sun rota changed our support. #CustomerSupport"
    api = model_api(
        {
            "planner": brief_planner,
            "writer": [bodies.text_message(post, input_tokens=210, output_tokens=40)],
            "judge": [bodies.judge_message(True)],
        }
    )
    job, _ = run_request(dev_runtime, f"Write a LinkedIn post about {BRIEF}")
    result = finish(dev_runtime, job)
    assert result["metadata"]["attempts"] == 2, result["content"]
    planner = api.calls("planner")
    assert len(planner) == 2 and "keep it under 300" not in sent(planner[0])
    assert "keep it under 300" in sent(planner[1])  # the differences reached the second plan
    drafts = [
        dev_runtime.get_job(j["id"]) for j in jobs_of(dev_runtime, job) if j.get("script_path") == CREATE
    ]
    first, second = sorted(drafts, key=lambda d: d["created_at"])
    assert first["success"] is False and second["success"] is True
    assert first["args"]["topic"] != second["args"]["topic"]
    assert post in result["content"]


# ------------------------------------------------- research that is remembered and comes back


def test_research_stores_a_cited_learning_and_the_same_request_later_needs_one_attempt_and_fewer_calls(
    dev_runtime, hub, model_api
):
    api = model_api(learning_model())
    job, _ = run_request(dev_runtime, SEED, user="frank")
    first = finish(dev_runtime, job)
    first_calls = len(api.requests)
    assert first["metadata"]["researchApplied"] is True and first["metadata"]["attempts"] == 4
    assert CONCRETE in first["content"]
    with open_store() as store:
        learned = [
            item for item in store.relevant_learnings("frank", SEED, limit=10) if GUIDANCE in item["content"]
        ]
    assert learned and learned[0]["sources"] and SOURCE[0] in json.dumps(learned[0]["sources"])

    job, _ = run_request(dev_runtime, SEED, user="frank")
    second = finish(dev_runtime, job)
    second_calls = len(api.requests) - first_calls
    assert second["metadata"]["attempts"] == 1 and second["metadata"]["researchApplied"] is False
    assert GUIDANCE in sent(api.calls("planner")[-1])  # the learning came back through the context
    assert CONCRETE in second["content"]
    assert second_calls < first_calls and second["metadata"]["calls"] == second_calls, (
        first_calls,
        second_calls,
    )
    # the person can read what was learned for them, with where it came from (nothing planned)
    plans = len(api.calls("planner"))
    job, _ = run_request(dev_runtime, "what have you learned about my posts?", user="frank")
    said = finish(dev_runtime, job)["content"]
    assert GUIDANCE in said and SOURCE[0] in said and len(api.calls("planner")) == plans, said


# ------------------------------------------------------------ a preference the planner applies


def tone_planner(body: dict[str, Any]) -> dict[str, Any]:
    """Drafts in the tone the person's remembered preferences name, else professional."""
    memory = re.search(r'\\"tone\\": \\"(\w+)\\"', json.dumps(body["messages"]))
    tone = memory[1] if memory else "professional"
    return bodies.plan_message([draft_step("our new office in Lisbon", tone=tone)])


def test_with_a_model_a_stated_tone_preference_changes_the_next_post(dev_runtime, hub, model_api):
    api = model_api(
        {
            "planner": tone_planner,
            "writer": [bodies.text_message("New office, who dis? Lisbon, we're here. #Lisbon")],
            "judge": [bodies.judge_message(True)],
        }
    )
    job, _ = run_request(dev_runtime, "Write a LinkedIn post about our new office in Lisbon", user="gina")
    finish(dev_runtime, job)
    job, _ = run_request(dev_runtime, "I prefer a witty tone for my posts", user="gina")
    assert "witty" in finish(dev_runtime, job)["content"]
    job, _ = run_request(dev_runtime, "Write a LinkedIn post about our new office in Lisbon", user="gina")
    finish(dev_runtime, job)
    drafts = [j for j in jobs_of(dev_runtime, job) if j.get("script_path") == CREATE]
    assert drafts and drafts[-1]["args"]["tone"] == "witty", [d["args"] for d in drafts]
    before, after = api.calls("planner")[0], api.calls("planner")[-1]
    # the preference reached the plan (the system prompt lists every tone; the messages are the request's)
    assert "witty" not in json.dumps(before["messages"]) and "witty" in json.dumps(after["messages"])
