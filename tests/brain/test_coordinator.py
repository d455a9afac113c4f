"""A request spanning two skills: the coordinator team delegates, then returns one plan."""

from __future__ import annotations

import json

import httpx

import f.openanalyst.lib.ai.llm as llm
import f.openanalyst.lib.planning.planner as planner
from tests.brain import anthropic_bodies as bodies
from tests.brain.conftest import MESSAGES_URL, skill_value

FETCH = "f/openanalyst/analytics/fetch_metrics"
CREATE = "f/openanalyst/social/create_post"


def test_the_coordinator_delegates_and_combines_one_validated_plan(model_env, respx_mock):
    combined = bodies.plan_message(
        [
            bodies.step("metrics", FETCH, {"source": "history"}, required=["rows"]),
            bodies.step(
                "draft",
                CREATE,
                {"platform": "linkedin", "topic": "what our Q3 numbers say"},
                required=["content"],
            ),
        ],
        rationale="fetch the numbers, then write about them",
    )
    route = respx_mock.post(MESSAGES_URL).mock(
        side_effect=[
            httpx.Response(
                200, json=bodies.delegate_message("analytics-planner", "Plan fetching Q3 metrics")
            ),
            httpx.Response(200, json=bodies.text_message(f"Call {FETCH} with source=history.")),
            httpx.Response(200, json=combined),
        ]
    )
    usage = llm.Usage()
    plan = planner.plan_with_model(
        llm.load_config(),
        skill_value("SOCIAL_MEDIA"),
        "alice",
        "Analyse our Q3 engagement and write a LinkedIn post about it",
        usage,
        extra_skills={"ANALYTICS": skill_value("ANALYTICS")},
    )
    assert [s.script for s in plan.steps] == [FETCH, CREATE]
    assert all(s.args["user_id"] == "alice" for s in plan.steps)
    leader_first, member, leader_last = (json.loads(c.request.content) for c in route.calls)
    assert "OpenAnalyst coordinator" in json.dumps(leader_first["system"])
    assert any(t["name"] == "delegate_task_to_member" for t in leader_first["tools"])
    assert FETCH in json.dumps(member["system"])  # the member plans with its own skill's context
    assert leader_last["output_config"]["format"]["type"] == "json_schema"
    assert usage.calls == 3


def test_a_close_runner_up_skill_brings_in_the_coordinator_from_the_plan_step(
    model_env, monkeypatch, respx_mock
):
    import f.openanalyst.lib.planning.rules as plan_rules
    from f.openanalyst.brain import plan as plan_step
    from tests.brain.conftest import route_for

    api = "http://windmill.test/api/w/openanalyst"
    monkeypatch.setenv("BASE_INTERNAL_URL", "http://windmill.test")
    monkeypatch.setenv("WM_TOKEN", "wm-token")
    monkeypatch.setattr("wmill.client._client", None, raising=False)
    monkeypatch.setattr(plan_rules, "script_schema", plan_rules._local_schema)  # schemas from the bundle
    respx_mock.get(f"{api}/resources/get_value_interpolated/f/openanalyst/skills/analytics").mock(
        return_value=httpx.Response(200, json=skill_value("ANALYTICS"))
    )
    respx_mock.get(
        url__regex=rf"{api}/(resources|variables)/get_value(_interpolated)?/f/openanalyst/(anthropic|\w+_model)"
    ).mock(return_value=httpx.Response(404, text="not found"))
    combined = bodies.plan_message(
        [
            bodies.step("metrics", FETCH, {"source": "history"}, required=["rows"]),
            bodies.step(
                "draft", CREATE, {"platform": "linkedin", "topic": "our Q3 engagement"}, required=["content"]
            ),
        ]
    )
    respx_mock.post(MESSAGES_URL).mock(
        side_effect=[
            httpx.Response(
                200, json=bodies.delegate_message("analytics-planner", "Plan fetching Q3 metrics")
            ),
            httpx.Response(200, json=bodies.text_message(f"Call {FETCH} with source=history.")),
            httpx.Response(200, json=combined),
        ]
    )
    route = {
        **route_for("SOCIAL_MEDIA", 0.62),
        "alternatives": [{"skill": "ANALYTICS", "confidence": 0.58}, {"skill": "CORE", "confidence": 0.6}],
    }
    out = plan_step.main(
        "alice",
        "Analyse our Q3 engagement and write a LinkedIn post about it",
        route,
        intent={"name": "create_post", "entities": {"platform": "linkedin"}},
        context={"user_id": "alice"},
    )
    assert [s["script"] for s in out["plan"]["steps"]] == [FETCH, CREATE]
    assert out["extra_scripts"] == [
        "f/openanalyst/analytics/fetch_metrics",
        "f/openanalyst/analytics/generate_report",
    ]
    assert out["tokens"]["calls"] == 3 and out["mode"] == "model"
