"""The grey band: one small, cached, structured model call, mocked at the HTTP level."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

import f.openanalyst.lib.skills.decision as route_decision
from f.openanalyst.lib.ai.llm import ModelConfig
from f.openanalyst.lib.skills.judge import STATS, ModelJudge, judge_from_config
from f.openanalyst.lib.skills.router import SkillRegistry
from tests.brain.anthropic_bodies import JUDGE_MODEL, message
from tests.skills.conftest import make_skill

BASE = "http://anthropic.test"
URL = f"{BASE}/v1/messages"
CONFIG = ModelConfig(
    api_key="sk-ant-test", base_url=BASE, models={"planner": "claude-x", "judge": JUDGE_MODEL}
)


def choose(skill: str) -> dict[str, Any]:
    """The Messages API answer to a forced tool call: one tool_use block, stop_reason tool_use."""
    block = {
        "type": "tool_use",
        "id": "toolu_01A09q90qw90lq917835lq9",
        "name": "choose_skill",
        "input": {"skill": skill},
    }
    return message([block], model=JUDGE_MODEL, stop_reason="tool_use", input_tokens=380, output_tokens=21)


@pytest.fixture
def skills() -> list:
    return [
        make_skill("travel-desk", "Book flights and hotels for company business trips."),
        make_skill("expense-report", "Collect receipts and file expense reports after a trip."),
        make_skill("release-notes", "Write release notes and changelogs from git commits."),
    ]


def grey(registry: SkillRegistry, text: str) -> bool:
    _, signals = registry.signals(text)
    return route_decision.GREY_LOW <= route_decision.probability(signals) < route_decision.GREY_HIGH


GREY_REQUEST = "sort out the paperwork from my trip to Madrid"


def test_grey_band_asks_the_model_once_and_caches(respx_mock, skills) -> None:
    route = respx_mock.post(URL).mock(return_value=httpx.Response(200, json=choose("expense-report")))
    registry = SkillRegistry(skills, judge=ModelJudge(CONFIG))
    assert grey(registry, GREY_REQUEST), registry.signals(GREY_REQUEST)
    calls = STATS.calls
    match = registry.route(GREY_REQUEST)
    assert match.skill == "expense-report" and "model" in match.reason
    assert registry.route(GREY_REQUEST.upper()).skill == "expense-report"  # same request: cached
    assert route.call_count == 1 and STATS.calls == calls + 1
    body = json.loads(route.calls.last.request.content)
    assert body["model"] == JUDGE_MODEL and body["tool_choice"] == {"type": "tool", "name": "choose_skill"}
    offered = body["tools"][0]["input_schema"]["properties"]["skill"]["enum"]
    assert "expense-report" in offered and offered[-1] == "none" and len(offered) <= 4
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert route.calls.last.request.headers["x-api-key"] == "sk-ant-test"


def test_model_may_say_no_skill(respx_mock, skills) -> None:
    respx_mock.post(URL).mock(return_value=httpx.Response(200, json=choose("none")))
    match = SkillRegistry(skills, judge=ModelJudge(CONFIG)).route(GREY_REQUEST)
    assert match.skill is None and "no skill fits" in match.reason


def test_clear_cases_never_call_the_model(skills) -> None:
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        route = mock.post(URL).mock(return_value=httpx.Response(200, json=choose("none")))
        registry = SkillRegistry(skills, judge=ModelJudge(CONFIG))
        clear = registry.route("write the changelog and release notes from the git commits")
        assert clear.skill == "release-notes"
        assert registry.route("how tall is Mount Everest").skill is None
        assert registry.route("/travel-desk").skill == "travel-desk"
    assert not route.called


def test_a_failed_call_leaves_the_decision_to_the_scores(respx_mock, skills) -> None:
    respx_mock.post(URL).mock(
        return_value=httpx.Response(
            529, json={"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
        )
    )
    with_judge = SkillRegistry(skills, judge=ModelJudge(CONFIG)).route(GREY_REQUEST)
    without = SkillRegistry(skills).route(GREY_REQUEST)
    assert (with_judge.skill, with_judge.reason) == (without.skill, without.reason)


def test_an_answer_outside_the_candidates_is_not_trusted(respx_mock, skills) -> None:
    respx_mock.post(URL).mock(return_value=httpx.Response(200, json=choose("delete-everything")))
    match = SkillRegistry(skills, judge=ModelJudge(CONFIG)).route(GREY_REQUEST)
    assert match.skill != "delete-everything" and "model" not in match.reason


def test_no_key_means_no_judge() -> None:
    assert judge_from_config(ModelConfig(reason="no API key")) is None
    assert judge_from_config(CONFIG) is not None
