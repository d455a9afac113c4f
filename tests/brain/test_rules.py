"""Deterministic checks and plan rules: no model, no server."""

import pytest

import f.openanalyst.lib.planning.checks as evaluation
import f.openanalyst.lib.planning.rules as plan_rules
from f.openanalyst.lib.contracts import Expectation, Plan, PlanStep, StepResult

CREATE = "f/openanalyst/social/create_post"
SCHEDULE = "f/openanalyst/social/schedule_post"
SKILL_SCRIPTS = [CREATE, SCHEDULE]


def _plan(*steps: PlanStep) -> Plan:
    return Plan(skill="SOCIAL_MEDIA", steps=list(steps))


def test_a_tweet_over_280_characters_fails_whatever_the_plan_asked():
    step = PlanStep(
        id="draft",
        script=CREATE,
        args={"platform": "twitter"},
        expected=Expectation(required_fields=["content"], max_chars={"content": 1000}),
    )
    long = StepResult(step_id="draft", script=CREATE, success=True, result={"content": "x" * 281})
    verdict = evaluation.check_attempt(_plan(step), [long], "alice")
    assert not verdict.result.success
    assert verdict.result.differences == [
        "step 'draft': field 'content' has 281 characters; the limit is 280"
    ]
    ok = StepResult(step_id="draft", script=CREATE, success=True, result={"content": "x" * 280})
    assert evaluation.check_attempt(_plan(step), [ok], "alice").result.success


def test_failed_job_missing_field_and_foreign_path_are_differences():
    steps = [
        PlanStep(id="draft", script=CREATE, expected=Expectation(required_fields=["content"])),
        PlanStep(id="schedule", script=SCHEDULE, expected=Expectation(required_fields=["cron"])),
    ]
    results = [
        StepResult(step_id="draft", script=CREATE, success=True, result={"text": "hi"}),
        StepResult(
            step_id="schedule",
            script=SCHEDULE,
            success=True,
            result={"cron": "0 0 9 * * *", "schedule_path": "u/bob/schedules/post"},
        ),
    ]
    differences = evaluation.check_attempt(_plan(*steps), results, "alice").result.differences
    assert "step 'draft': missing field 'content'" in differences
    assert any("outside your folder" in d and "u/bob/schedules/post" in d for d in differences)
    failed = [StepResult(step_id="draft", script=CREATE, success=False, error="boom")]
    assert "failed: boom" in evaluation.check_attempt(_plan(steps[0]), failed, "alice").result.differences[0]


def test_criteria_go_to_the_judge_only_when_the_rules_pass():
    step = PlanStep(
        id="draft", script=CREATE, expected=Expectation(non_empty=["content"], criteria="on topic")
    )
    good = StepResult(step_id="draft", script=CREATE, success=True, result={"content": "AI trends are here"})
    assert [i.step_id for i in evaluation.check_attempt(_plan(step), [good], "alice").to_judge] == ["draft"]
    bad = StepResult(step_id="draft", script=CREATE, success=True, result={"content": ""})
    verdict = evaluation.check_attempt(_plan(step), [bad], "alice")
    assert verdict.to_judge == [] and not verdict.result.success


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("u/bob/scripts/steal", "another person's folder"),
        ("f/openanalyst/builder/create_app", "not one of the scripts this skill may run"),
        ("f/openanalyst/brain/execute_plan", "not one of the scripts"),
    ],
)
def test_scripts_outside_the_skill_or_of_another_person_are_refused(path, reason):
    with pytest.raises(plan_rules.PlanRefused) as exc:
        plan_rules.check_plan(_plan(PlanStep(id="x", script=path)), SKILL_SCRIPTS, "alice", lambda p: {})
    assert reason in str(exc.value)


def test_own_folder_scripts_are_allowed_and_user_id_is_always_the_persons():
    schema = {
        "type": "object",
        "properties": {"user_id": {"type": "string"}, "n": {"type": "integer"}},
        "required": ["user_id", "n"],
    }
    own = PlanStep(id="mine", script="u/alice/scripts/tally", args={"user_id": "bob", "n": 3})
    plan, problems = plan_rules.check_plan(_plan(own), SKILL_SCRIPTS, "alice", lambda p: schema)
    assert problems == [] and plan.steps[0].args["user_id"] == "alice"


def test_arguments_are_validated_against_the_scripts_schema():
    _, problems = plan_rules.check_plan(
        _plan(PlanStep(id="draft", script=CREATE, args={"platform": "myspace", "colour": "red"})),
        SKILL_SCRIPTS,
        "alice",
    )
    assert any("has no argument 'colour'" in p for p in problems)
    assert any("needs argument 'topic'" in p for p in problems)
    assert any("platform" in p and "myspace" in p for p in problems)


def test_step_references_pass_earlier_results_and_must_point_backwards():
    steps = [
        PlanStep(id="draft", script=CREATE, args={"platform": "twitter", "topic": "AI"}),
        PlanStep(
            id="schedule",
            script=SCHEDULE,
            args={"platform": "twitter", "content": "$steps.draft.content", "when": "2026-11-22T09:00"},
        ),
    ]
    plan, problems = plan_rules.check_plan(_plan(*steps), SKILL_SCRIPTS, "alice")
    assert problems == []
    resolved = plan_rules.resolve_refs(plan.steps[1].args, {"draft": {"content": "Hello"}})
    assert resolved["content"] == "Hello"
    backwards = [
        PlanStep(id="schedule", script=SCHEDULE, args={**steps[1].args, "content": "$steps.later.content"})
    ]
    _, problems = plan_rules.check_plan(_plan(*backwards), SKILL_SCRIPTS, "alice")
    assert any("not an earlier step" in p for p in problems)


FETCH = "f/openanalyst/analytics/fetch_metrics"


def test_a_plan_names_only_the_persons_own_database_and_never_the_platforms_items():
    """The plan's jobs run as the admin, and Windmill's worker resolves `$res:`/`$var:` with the
    job's rights: only `u/<person>/` items may be named, at the top of an argument or in its objects."""
    pg = {"source": "postgresql", "query": "select 1"}

    def checked(args: dict, script: str = FETCH) -> tuple[Plan, list[str]]:
        step = PlanStep(id="fetch", script=script, args=args)
        return plan_rules.check_plan(_plan(step), [FETCH, CREATE], "alice")

    plan, problems = checked({**pg, "database": "$res:u/alice/shop_db"})
    assert problems == [] and plan.steps[0].args["database"] == "$res:u/alice/shop_db"
    # a bare path for the resource picker becomes the reference Windmill's form would send
    plan, problems = checked({**pg, "database": "u/alice/shop_db"})
    assert problems == [] and plan.steps[0].args["database"] == "$res:u/alice/shop_db"
    for other in ("u/bob/shop_db", "f/openanalyst/db", "$res:u/bob/shop_db", "$res:u/alice/../bob/db"):
        _, problems = checked({**pg, "database": other})
        assert problems and all("not in your folder" in p for p in problems), (other, problems)
    for args in (
        {"platform": "twitter", "topic": "$var:f/openanalyst/hub_push_secret"},
        {"platform": "twitter", "topic": "AI", "context": {"k": "$res:f/openanalyst/db"}},
        {"platform": "twitter", "topic": "AI", "context": {"r": "$res:u/alice/x", "t": "$WM_TOKEN"}},
    ):
        _, problems = checked(args, CREATE)
        assert any("not in your folder" in p for p in problems), (args, problems)
    # inside a list Windmill replaces nothing; without a `$var:`/`$res:` it looks at nothing
    listed = {"platform": "twitter", "topic": "AI", "hashtags": ["$var:f/openanalyst/x"]}
    _, problems = checked(listed, CREATE)
    assert not any("not in your folder" in p for p in problems)
    _, problems = checked({"platform": "twitter", "topic": "$5 off, $WM_TOKEN"}, CREATE)
    assert problems == []


def test_a_step_that_would_receive_a_platform_secret_from_an_earlier_step_does_not_run(monkeypatch):
    import f.openanalyst.brain.execute_plan as execute_plan

    started: list = []
    monkeypatch.setattr(execute_plan.windmill_rest, "run_script_and_wait", lambda *a: started.append(a))
    step = PlanStep(id="post", script=CREATE, args={"platform": "twitter", "topic": "$steps.fetch.period"})
    result = execute_plan.run_step(step, {"fetch": {"period": "$var:f/openanalyst/hub_push_secret"}}, "alice")
    assert not result.success and "not in your folder" in (result.error or "") and started == []


def test_a_script_created_without_a_schema_has_the_one_main_declares(respx_mock, monkeypatch):
    """A person's script created through the API carries no schema (Windmill stores the one its
    client sends): it was "not found" and the person's skill could not run it."""
    import httpx
    import wmill.client

    monkeypatch.setenv("BASE_INTERNAL_URL", "http://windmill.test")
    monkeypatch.setenv("WM_TOKEN", "job-token")
    monkeypatch.setenv("WM_WORKSPACE", "openanalyst")
    monkeypatch.setattr(wmill.client, "_client", None)
    content = 'def main(notes: str, limit: int = 5) -> dict:\n    return {"update": notes}\n'
    respx_mock.get("http://windmill.test/api/w/openanalyst/scripts/get/p/u/alice/scripts/standup_notes").mock(
        return_value=httpx.Response(
            200, json={"path": "u/alice/scripts/standup_notes", "language": "python3", "content": content}
        )
    )
    schema = plan_rules._windmill_schema("u/alice/scripts/standup_notes")
    assert schema is not None and schema["required"] == ["notes"]
    assert plan_rules.arg_errors("u/alice/scripts/standup_notes", {"notes": "x"}, schema) == []


def _bundle_schemas() -> list[tuple[str, dict]]:
    from pathlib import Path

    import yaml

    out = []
    for file in sorted(Path(plan_rules.REPO_ROOT, "f").rglob("*.script.yaml")):
        schema = (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("schema")
        if isinstance(schema, dict) and schema.get("properties"):
            out.append((str(file), {k: v for k, v in schema.items() if k != "$schema"}))
    return out


SAMPLES = ["x", "", 1, 0, 1.5, 2.0, True, False, None, {}, {"a": 1}, [], ["x"], [1], [None]]
TYPICAL = {
    "string": "x",
    "integer": 1,
    "number": 1.5,
    "boolean": True,
    "object": {},
    "array": [],
    "null": None,
}


def _typical(prop: dict):
    if prop.get("enum"):
        return prop["enum"][0]
    kind = prop.get("type")
    return TYPICAL.get(kind[0] if isinstance(kind, list) else kind, "x")


def test_the_plain_schema_reading_never_passes_what_jsonschema_refuses():
    """`certainly_valid` lets a valid argument set skip importing jsonschema (30-60 ms a step
    process); it may only say yes when jsonschema finds no error, and must say yes to the usual
    valid arguments. Every bundle script's schema, each argument given every kind of value."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import UnknownType

    schemas = _bundle_schemas()
    assert len(schemas) > 20
    decided = checked = 0
    for where, schema in schemas:
        validator = Draft202012Validator(schema)
        properties = schema["properties"]
        base = {name: _typical(prop) for name, prop in properties.items()}
        for name, prop in properties.items():
            for value in [
                *SAMPLES,
                *(prop.get("enum") or []),
                *([prop["default"]] if "default" in prop else []),
            ]:
                for args in ({**base, name: value}, {name: value}):
                    try:
                        valid = not list(validator.iter_errors(args))
                    except UnknownType:  # a type jsonschema does not know ("resource"): an error there too
                        valid = False
                    checked += 1
                    if plan_rules.certainly_valid(schema, args):
                        assert valid, (where, args)
                        decided += 1
    assert checked > 2000 and decided > 300  # and it decides many valid argument sets


def test_valid_post_arguments_are_decided_without_jsonschema():
    schema = {
        "type": "object",
        "properties": {
            "platform": {"type": "string", "enum": ["twitter", "linkedin"], "description": "where"},
            "topic": {"type": "string", "originalType": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "count": {"type": "integer", "default": 1},
            "options": {"type": "object", "properties": {"draft": {"type": "boolean"}}},
        },
        "required": ["topic"],
    }
    good = {"platform": "twitter", "topic": "AI", "tags": ["a"], "count": 2.0, "options": {"draft": True}}
    assert plan_rules.certainly_valid(schema, good)
    for bad in ({"platform": "x", "topic": "AI"}, {"topic": 3}, {"count": True, "topic": "t"}, {}):
        assert not plan_rules.certainly_valid(schema, bad)
    assert plan_rules.arg_errors(CREATE, {"platform": "myspace", "topic": "t"}, schema) == [
        f"'{CREATE}' argument platform: 'myspace' is not one of ['twitter', 'linkedin']"
    ]
    assert not plan_rules.certainly_valid({"type": "string", "minLength": 2}, "abc")  # jsonschema's to read
