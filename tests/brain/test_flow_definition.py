"""The handle_request flow as a document: OpenFlow spec, wmill lint, and the eval-loop shape."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scripts.bundle_tools import openflow, wmill_cli
from tests.brain.conftest import REPO

FLOW_FILE = REPO / "f/openanalyst/handle_request__flow/flow.yaml"


def flow() -> dict:
    return yaml.safe_load(FLOW_FILE.read_text())


def modules_by_id(modules: list[dict], found: dict | None = None) -> dict[str, dict]:
    found = {} if found is None else found
    for module in modules:
        found[module["id"]] = module
        value = module["value"]
        modules_by_id(value.get("modules") or [], found)
        for branch in value.get("branches") or []:
            modules_by_id(branch.get("modules") or [], found)
        modules_by_id(value.get("default") or [], found)
    return found


def test_the_flow_is_a_valid_openflow_with_module_keys_in_place():
    assert openflow.flow_problems(FLOW_FILE, REPO) == []


@pytest.mark.wmill_cli
def test_wmill_lint_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WMILL_CONFIG_DIR", str(tmp_path))
    try:
        result = wmill_cli.lint(REPO)
    except wmill_cli.WmillMissing as exc:
        pytest.skip(str(exc))
    mine = [p for p in result.problems if "handle_request" in p]
    assert mine == [] and result.scanned >= 1


def test_the_eval_loop_stops_on_its_inner_step_after_at_most_three_attempts():
    found = modules_by_id(flow()["value"]["modules"])
    loop = found["eval_loop"]
    assert loop["value"]["type"] == "whileloopflow" and "stop_after_if" not in loop  # the gotcha
    assert [m["id"] for m in loop["value"]["modules"]] == ["attempt_plan", "execute_plan", "evaluate"]
    evaluate = found["evaluate"]
    assert evaluate["stop_after_if"]["expr"] == "result.done === true"
    assert evaluate["value"]["input_transforms"]["max_attempts"] == {"type": "static", "value": 3}
    # CORE answers and refusals skip the loop: no child job runs for them
    assert "answer != null" in loop["skip_if"]["expr"] and "refused" in loop["skip_if"]["expr"]


def test_clarify_suspends_with_a_resume_form_and_the_answers_reach_the_next_plan():
    found = modules_by_id(flow()["value"]["modules"])
    suspend = found["clarify"]["suspend"]
    assert suspend["required_events"] == 1
    assert suspend["resume_form"]["schema"]["properties"]["answers"]["type"] == "object"
    assert "resume.answers" in found["answers_plan"]["value"]["input_transforms"]["answers"]["expr"]
    order = [m["id"] for m in flow()["value"]["modules"]]
    assert order == [
        "load_context",
        "analyze_intent",
        "route_skill",
        "plan",
        "eval_loop",
        "recover",
        "ask",
        "conclude",
        "record_history",
        "respond",
    ]
