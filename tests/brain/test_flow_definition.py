"""The handle_request flow as a document: OpenFlow spec, wmill lint, the request path's shape."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from f.openanalyst.lib.contracts import MAX_ATTEMPTS
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


ATTEMPT_FILE = REPO / "f/openanalyst/attempt__flow/flow.yaml"
# A condition reads one field the steps computed: `results.<step>.next` (contracts.Next).
NEXT = r'results\.\w+\.next ===? "(execute|retry|research|ask|conclude)"'
NEXT_RULE = re.compile(rf"^{NEXT}( \|\| {NEXT})*$")
SKIP_RULE = re.compile(r'^results\.\w+\.next !==? "(execute|retry|research|ask|conclude)"$')


def test_the_request_path_reads_top_to_bottom():
    order = [m["id"] for m in flow()["value"]["modules"]]
    assert order == [
        "analyze_intent",
        "provision",  # a first request only
        "route_skill",
        "plan",
        *[f"attempt_{n}" for n in range(1, MAX_ATTEMPTS + 1)],
        "recover",
        "ask",
        "respond",
    ]


def test_every_attempt_is_the_attempt_subflow_of_plan_execute_evaluate():
    found = modules_by_id(flow()["value"]["modules"])
    attempts = [m for m in found.values() if m["value"]["type"] == "flow"]
    assert [m["id"] for m in attempts] == [
        *[f"attempt_{n}" for n in range(1, MAX_ATTEMPTS + 1)],
        "attempt_researched",
        "attempt_answered",
    ]
    assert {m["value"]["path"] for m in attempts} == {"f/openanalyst/attempt"}
    sub = yaml.safe_load(ATTEMPT_FILE.read_text())
    assert [(m["id"], m["value"]["path"]) for m in sub["value"]["modules"]] == [
        ("plan", "f/openanalyst/brain/plan"),
        ("execute", "f/openanalyst/brain/execute_plan"),
        ("evaluate", "f/openanalyst/brain/evaluate"),
    ]
    # attempt 1 runs the first plan; later ones get the feedback the previous outcome carries
    assert found["attempt_1"]["value"]["input_transforms"]["reuse"]["expr"] == "results.plan"
    # ... without a plan job of its own: the sub-flow skips its plan step and reads `reuse`
    steps = modules_by_id(sub["value"]["modules"])
    assert steps["plan"]["skip_if"]["expr"] == "flow_input.reuse != null"
    for step in ("execute", "evaluate"):
        assert (
            steps[step]["value"]["input_transforms"]["planned"]["expr"] == "flow_input.reuse ?? results.plan"
        )
    assert found["attempt_2"]["value"]["input_transforms"]["feedback"]["expr"] == "results.attempt_1.feedback"


def test_conditions_read_the_next_field_the_steps_computed():
    found = modules_by_id(flow()["value"]["modules"])
    # a first request's set-up reads the one fact the first step computed for it
    assert found["provision"]["skip_if"]["expr"] == "!results.analyze_intent.context.new_user"
    skips = [m["skip_if"]["expr"] for i, m in found.items() if "skip_if" in m and i != "provision"]
    branches = [b["expr"] for m in found.values() for b in m["value"].get("branches") or []]
    assert len(skips) == MAX_ATTEMPTS and all(SKIP_RULE.match(e) for e in skips), skips
    assert len(branches) == 2 and all(NEXT_RULE.match(e) for e in branches), branches
    # CORE answers and refusals skip every attempt: no child job runs for them
    assert found["attempt_1"]["skip_if"]["expr"] == 'results.plan.next !== "execute"'


def test_no_hidden_channel_carries_feedback():
    code = "\n".join(p.read_text() for p in (REPO / "f/openanalyst").rglob("*.py"))
    assert "flow_user_state" not in code


def test_a_failed_step_is_explained_and_only_safe_steps_are_retried():
    value = flow()["value"]
    assert value["failure_module"]["value"]["path"] == "f/openanalyst/brain/explain_failure"
    found = modules_by_id(value["modules"])
    sub = modules_by_id(yaml.safe_load(ATTEMPT_FILE.read_text())["value"]["modules"])
    retried = {mid for mid, m in {**found, **sub}.items() if "retry" in m}
    assert {"execute", "clarify"}.isdisjoint(retried)  # their jobs have effects
    assert {"analyze_intent", "route_skill", "respond", "plan", "evaluate"} <= retried


def test_the_flow_runs_from_the_ui_with_only_a_person_and_a_request():
    schema = flow()["schema"]
    assert schema["required"] == ["user_id", "request"]
    assert schema["properties"]["session_id"]["default"] and schema["properties"]["message_id"]["default"]
    assert all(p.get("description") for p in schema["properties"].values())


def test_clarify_suspends_with_a_resume_form_and_the_answers_reach_the_next_plan():
    found = modules_by_id(flow()["value"]["modules"])
    suspend = found["clarify"]["suspend"]
    assert suspend["required_events"] == 1
    assert suspend["resume_form"]["schema"]["properties"]["answers"]["type"] == "object"
    assert "resume.answers" in found["attempt_answered"]["value"]["input_transforms"]["answers"]["expr"]


def test_the_attempt_subflows_form_shows_the_contracts_fields():
    import f.openanalyst.lib.contracts as contracts

    properties = yaml.safe_load(ATTEMPT_FILE.read_text())["schema"]["properties"]
    for name, model in (
        ("route", contracts.Route),
        ("intent", contracts.Intent),
        ("context", contracts.Context),
        ("research", contracts.Research),
        ("reuse", contracts.Planned),
    ):
        assert properties[name]["properties"] == contracts.schema_of(model)["properties"], name


def test_a_persons_runs_are_hidden_from_the_folders_other_readers():
    """Everyone may run f/openanalyst's flows, so a run must be visible to its runner alone: what
    that flag does on the dev runtime, as on Windmill, is tested in tests/devruntime/test_permissions.py
    (test_a_runner_only_flow_hides_each_persons_runs_from_the_other_folder_readers)."""
    for path in (REPO / "f/openanalyst/handle_request__flow/flow.yaml", ATTEMPT_FILE):
        assert yaml.safe_load(path.read_text()).get("visible_to_runner_only") is True, path
