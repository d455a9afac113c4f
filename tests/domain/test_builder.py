"""builder/: create a script, flow, app, schedule or custom skill in the person's folder only,
validated before anything is created; path attacks refused with a clear error."""

from __future__ import annotations

import copy
import datetime as dt
import json

import httpx
import pytest

from f.openanalyst.builder import create_app, create_flow, create_schedule, create_script, create_skill
from f.openanalyst.lib.builder.paths import BuildError
from f.openanalyst.lib.user_templates import render
from f.openanalyst.lib.users import InvalidUserId

SCRIPT = """from typing import Literal

def main(topic: str, n: int = 3, tone: Literal["a", "b"] = "a", tags: list[int] | None = None):
    return {"topic": topic, "n": n}
"""
FLOW = {
    "modules": [
        {
            "id": "write",
            "value": {
                "type": "script",
                "path": "f/openanalyst/social/create_post",
                "input_transforms": {
                    "user_id": {"type": "static", "value": "alice"},
                    "platform": {"type": "static", "value": "linkedin"},
                    "topic": {"type": "javascript", "expr": "flow_input.topic"},
                },
            },
        },
        {
            "id": "mine",
            "value": {"type": "script", "path": "u/alice/scripts/digest", "input_transforms": {}},
        },
    ]
}


def dashboard() -> dict:
    return copy.deepcopy(next(t for t in render("alice") if t["kind"] == "app")["value"])


# ----------------------------------------------------------------------------- scripts


def test_create_script_infers_the_form_and_posts_a_conforming_request(windmill):
    out = create_script.main("alice", "weekly_digest", SCRIPT, summary="Weekly digest")
    assert out.pop("answer").startswith("Created the script `u/alice/scripts/weekly_digest`")
    assert out == {
        "path": "u/alice/scripts/weekly_digest",
        "kind": "script",
        "action": "created",
        "schema": out["schema"],
        "mode": "given",
        "notes": [],
    }
    assert out["schema"]["required"] == ["topic"]
    assert out["schema"]["properties"]["tone"]["enum"] == ["a", "b"]
    assert out["schema"]["properties"]["tags"] == {
        "description": "",
        "type": "array",
        "items": {"type": "number"},
    }
    [(_, template, body)] = windmill.writes()
    assert template == "/w/{workspace}/scripts/create" and body["language"] == "python3"
    # Same content again: unchanged. Different content: refused, then a new version with overwrite.
    assert (
        create_script.main("alice", "weekly_digest", SCRIPT, summary="Weekly digest")["action"] == "unchanged"
    )
    changed = SCRIPT.replace("n: int = 3", "n: int = 5")
    with pytest.raises(BuildError, match="You already have `u/alice/scripts/weekly_digest`, and it holds"):
        create_script.main("alice", "weekly_digest", changed, summary="Weekly digest")
    out = create_script.main("alice", "weekly_digest", changed, summary="Weekly digest", overwrite=True)
    assert out["action"] == "updated" and windmill.writes()[-1][2]["parent_hash"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("def helper():\n    pass\n", "needs a top-level `def main"),
        ("def main(:\n", "does not parse"),
        ("from u.bob.secrets import key\n\ndef main():\n    return key\n", "belongs to another person"),
        ("   ", "or a description of what it must do"),
    ],
)
def test_invalid_scripts_are_refused(windmill, content, message):
    with pytest.raises(BuildError, match=message):
        create_script.main("alice", "bad", content)
    assert windmill.writes() == []


ANTHROPIC = "https://api.anthropic.com/v1/messages"


def anthropic_reply(text: str) -> dict:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-5-5",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 50, "output_tokens": 80},
    }


def with_model(windmill) -> None:
    windmill.items["resource"]["f/openanalyst/anthropic"] = {
        "path": "f/openanalyst/anthropic",
        "resource_type": "anthropic",
        "value": {"apiKey": "sk-ant-test"},
    }
    windmill.variables["f/openanalyst/writer_model"] = "claude-haiku-5-5"


def test_a_script_from_a_description_offline_is_a_typed_starter(windmill):
    out = create_script.main("alice", "Word counter", description="Count the words of a text")
    assert out["path"] == "u/alice/scripts/word_counter" and out["mode"] == "starter"
    assert "needs a model" in out["notes"][0] and "starter" in out["answer"]
    code = windmill.items["script"]["u/alice/scripts/word_counter"]["content"]
    namespace: dict = {}
    exec(compile(code, "starter", "exec"), namespace)
    assert namespace["main"]("three little words") == {"text": "three little words", "count": 1, "words": 3}


def test_a_script_from_a_description_with_a_model_is_validated(windmill):
    with_model(windmill)
    bad = "```python\ndef helper():\n    pass\n```"
    good = (
        '```python\ndef main(text: str) -> dict:\n    """Upper-case."""\n'
        '    return {"text": text.upper()}\n```'
    )
    route = windmill.router.post(ANTHROPIC).mock(
        side_effect=[
            httpx.Response(200, json=anthropic_reply(bad)),
            httpx.Response(200, json=anthropic_reply(good)),
        ]
    )
    out = create_script.main("alice", "shout", description="Upper-case a text")
    assert out["mode"] == "model" and out["schema"]["required"] == ["text"]
    assert (
        "needs a top-level `def main" in json.loads(route.calls[1].request.content)["messages"][0]["content"]
    )


# ------------------------------------------------------------------------------- flows


def test_a_flow_from_a_description_needs_a_model_or_known_actions(windmill):
    with pytest.raises(BuildError, match="needs a model"):
        create_flow.main("alice", "digest", description="Every week, email my accountant the invoices")
    assert windmill.writes() == []
    with_model(windmill)
    reply = "```json\n" + json.dumps(FLOW) + "\n```"
    windmill.router.post(ANTHROPIC).mock(return_value=httpx.Response(200, json=anthropic_reply(reply)))
    out = create_flow.main("alice", "digest", description="Write a LinkedIn post then run my digest")
    assert out["mode"] == "model" and windmill.items["flow"]["u/alice/flows/digest"]["value"] == FLOW


def test_create_flow_validates_against_openflow_and_creates(windmill):
    out = create_flow.main(
        "alice", "post_flow", FLOW, summary="Post", schema={"type": "object", "properties": {}}
    )
    assert out.pop("answer").startswith("Created the flow `u/alice/flows/post_flow` with 2 steps")
    assert out == {"path": "u/alice/flows/post_flow", "kind": "flow", "action": "created", "mode": "given"}
    [(_, template, body)] = windmill.writes()
    assert template == "/w/{workspace}/flows/create" and body["value"] == FLOW


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f["modules"][0]["value"].update(type="teleport"), "OpenFlow schema"),
        (
            lambda f: f["modules"][0]["value"]["input_transforms"].update(topic={"type": "magic"}),
            "OpenFlow schema",
        ),
        (lambda f: f["modules"][1]["value"].update(path="u/bob/scripts/steal"), "belongs to another person"),
        (lambda f: f["modules"][1]["value"].update(path="g/admins/x"), "must be under u/alice/"),
        (lambda f: f["modules"][1].update(id="write"), "duplicated"),
        (
            lambda f: f["modules"][0]["value"].update(retry={"constant": {"attempts": 2, "seconds": 1}}),
            "beside id/value",
        ),
        (
            lambda f: f["modules"].append(
                {
                    "id": "loop",
                    "value": {
                        "type": "forloopflow",
                        "modules": [],
                        "iterator": {"type": "javascript", "expr": "[]"},
                    },
                }
            ),
            "skip_failures",
        ),
    ],
)
def test_invalid_flows_are_refused_before_anything_is_created(windmill, mutate, message):
    flow = copy.deepcopy(FLOW)
    mutate(flow)
    with pytest.raises(BuildError, match=message):
        create_flow.main("alice", "post_flow", flow)
    assert windmill.writes() == []


# -------------------------------------------------------------------------------- apps


def test_create_app_computes_its_policy(windmill, monkeypatch):
    # the link a person opens is under the instance's public base URL, not the worker's internal one
    monkeypatch.setenv("WM_BASE_URL", "https://windmill.example.com/")
    out = create_app.main("alice", "my_dashboard", dashboard(), summary="Mine")
    assert out["action"] == "created" and out["url_path"] == "/apps/get/u/alice/apps/my_dashboard"
    assert out["answer"].endswith(
        "Open it at https://windmill.example.com/apps/get/u/alice/apps/my_dashboard"
    )
    [(_, template, body)] = windmill.writes()
    assert template == "/w/{workspace}/apps/create"
    # Its components run as alice (publisher mode) or as the viewer, never as the platform.
    assert body["preserve_on_behalf_of"] is True
    assert body["policy"] == {
        "on_behalf_of": "u/alice",
        "on_behalf_of_email": "alice@people.openanalyst.invalid",
        "execution_mode": "viewer",
        "triggerables_v2": {
            "posts_chart:script/u/alice/scripts/dashboard_data": {
                "static_inputs": {},
                "one_of_inputs": {},
                "allow_user_resources": [],
            },
            "posts_table:script/u/alice/scripts/scheduler": {
                "static_inputs": {},
                "one_of_inputs": {},
                "allow_user_resources": [],
            },
        },
    }


def test_an_app_calling_someone_elses_script_is_refused(windmill):
    app = dashboard()
    app["grid"][1]["data"]["componentInput"]["runnable"]["path"] = "u/bob/scripts/dashboard_data"
    with pytest.raises(BuildError, match="belongs to another person"):
        create_app.main("alice", "my_dashboard", app)
    app = dashboard()
    app["grid"][2]["id"] = "posts_chart"
    with pytest.raises(BuildError, match=r"data\.id must equal|unique"):
        create_app.main("alice", "my_dashboard", app)
    with pytest.raises(BuildError, match="non-empty 'grid'"):
        create_app.main("alice", "my_dashboard", {"grid": []})
    assert windmill.writes() == []


# --------------------------------------------------------------------------- schedules


def test_schedules_from_words_and_the_workflow_argument_names(windmill):
    out = create_schedule.main(
        "alice",
        "Monday digest",
        cron="every monday at 9am",
        target="u/alice/flows/digest",
        is_flow=True,
        timezone="Europe/Paris",
    )
    assert out["schedule_path"] == "u/alice/schedules/monday_digest" and out["cron"] == "0 0 9 * * 1"
    nxt = dt.datetime.fromisoformat(out["next_run"])
    assert nxt.weekday() == 0 and (nxt.hour, nxt.minute) == (9, 0) and nxt > dt.datetime.now(dt.UTC)
    assert (
        create_schedule.main("alice", "nightly", "0 30 2 * * *", "u/alice/flows/x")["cron"] == "0 30 2 * * *"
    )
    assert create_schedule.main("alice", "std", "15 8 * * 1-5", "u/alice/flows/x")["cron"] == "0 15 8 * * 1-5"


def test_an_app_from_a_description_starts_from_the_dashboard(windmill):
    out = create_app.main("alice", "Sales board", description="My sales board")
    assert out["path"] == "u/alice/apps/sales_board" and out["mode"] == "template"
    app = windmill.items["app"]["u/alice/apps/sales_board"]["value"]
    assert app["grid"][0]["data"]["componentInput"]["value"] == "My sales board"


def test_a_starter_app_for_something_else_says_it_is_not_that_yet(windmill):
    """ "build an app where my team can log expenses" was answered as if the scheduled-posts
    dashboard were that app."""
    out = create_app.main(
        "alice", "log_expenses_app", description="Build an app where my team can log expenses."
    )
    assert "not yet what you asked for" in out["answer"] and "log expenses" in out["answer"]
    dashboard = create_app.main(
        "alice", "metrics_dashboard", description="Build me a dashboard app for my metrics."
    )
    assert "not yet" not in dashboard["answer"]


def test_create_schedule_sets_every_field_lint_requires(windmill):
    out = create_schedule.main(
        "alice",
        "monday_digest",
        "0 0 9 * * mon",
        "u/alice/flows/post_flow",
        timezone="Europe/Paris",
        is_flow=True,
        args={"topic": "AI"},
    )
    assert out["path"] == "u/alice/schedules/monday_digest"
    [(_, template, body)] = windmill.writes()
    assert template == "/w/{workspace}/schedules/create"
    assert {k: body[k] for k in ("schedule", "script_path", "timezone", "is_flow", "enabled")} == {
        "schedule": "0 0 9 * * mon",
        "script_path": "u/alice/flows/post_flow",
        "timezone": "Europe/Paris",
        "is_flow": True,
        "enabled": True,
    }


@pytest.mark.parametrize(
    ("cron", "target", "tz", "message"),
    [
        ("0 9 * *", "u/alice/flows/x", "UTC", "could not read"),
        ("whenever", "u/alice/flows/x", "UTC", "could not read"),
        ("0 0 25 * * *", "u/alice/flows/x", "UTC", "hour '25' is out of range"),
        ("0 0 9 * * *", "u/bob/flows/x", "UTC", "belongs to another person"),
        ("0 0 9 * * *", "u/alice/flows/x", "Mars/Base", "unknown timezone"),
    ],
)
def test_invalid_schedules_are_refused(windmill, cron, target, tz, message):
    with pytest.raises(BuildError, match=message):
        create_schedule.main("alice", "s", cron, target, timezone=tz)
    assert windmill.writes() == []


# ------------------------------------------------------------------------------ skills


def test_create_skill_validates_against_the_workspace_resource_type(windmill):
    out = create_skill.main(
        "alice",
        "newsletter",
        "Write my weekly newsletter",
        triggers=["newsletter"],
        scripts=["f/openanalyst/social/create_post", "u/alice/scripts/digest"],
        priority=2,
    )
    assert "`u/alice/skills/newsletter`" in out.pop("answer")
    assert out == {"path": "u/alice/skills/newsletter", "kind": "resource", "action": "created"}
    [(_, template, body)] = windmill.writes()
    assert template == "/w/{workspace}/resources/create" and body["resource_type"] == "openanalyst_skill"
    assert body["value"]["name"] == "newsletter" and body["value"]["source"] == "custom"


def test_invalid_skills_are_refused(windmill):
    with pytest.raises(BuildError, match="description"):
        create_skill.main("alice", "x", "   ")
    with pytest.raises(BuildError, match="belongs to another person"):
        create_skill.main("alice", "x", "does x", scripts=["u/bob/scripts/secret"])
    with pytest.raises(BuildError, match="not valid at priority"):
        create_skill.main("alice", "x", "does x", priority="high")  # type: ignore[arg-type]
    assert windmill.writes() == []


# ------------------------------------------------------------------------ path attacks

ATTACK_NAMES = [
    "../bob/scripts/x",
    "..",
    "x/../../bob",
    "u/bob/scripts/x",
    "f/openanalyst/social/create_post",
    "/etc/passwd",
    "\\windows\\x",
    "ｓcript",  # full-width s
    "café",
    "script\u200b",  # zero-width space
    "a" * 65,
    "x" * 500,
    "a/b/c/d/e",
    "",
]


@pytest.mark.parametrize("name", ATTACK_NAMES)
def test_path_attacks_in_names_are_refused_and_nothing_is_created(windmill, name):
    attempts = [
        lambda: create_script.main("alice", name, SCRIPT),
        lambda: create_flow.main("alice", name, FLOW),
        lambda: create_app.main("alice", name, dashboard()),
        lambda: create_schedule.main("alice", name, "0 0 9 * * *", "u/alice/flows/x"),
        lambda: create_skill.main("alice", name, "does x"),
    ]
    for attempt in attempts:
        with pytest.raises(BuildError) as err:
            attempt()
        assert str(err.value)  # a message a person can act on
    assert windmill.calls == []


@pytest.mark.parametrize(
    "user_id", ["Alice", "../alice", "u/alice", "alice/..", "1alice", "", "a" * 49, "ålice", "al ice"]
)
def test_user_ids_that_break_the_pattern_are_refused(windmill, user_id):
    for attempt in (
        lambda: create_script.main(user_id, "ok", SCRIPT),
        lambda: create_flow.main(user_id, "ok", FLOW),
        lambda: create_skill.main(user_id, "ok", "does x"),
    ):
        with pytest.raises(InvalidUserId, match="invalid user id"):
            attempt()
    assert windmill.calls == []


# ------------------------------------------------------------------- offline, from the templates


def test_a_fetch_script_offline_is_the_fetch_template(windmill):
    url = "https://api.example.com/status.json"
    out = create_script.main("alice", "fetch_status", description=f"Fetch {url} and return its JSON")
    assert out["mode"] == "template" and out["notes"] == []
    assert out["schema"]["properties"]["url"]["default"] == url
    assert "`u/alice/scripts/fetch_status`" in out["answer"] and url in out["answer"]
    code = windmill.items["script"]["u/alice/scripts/fetch_status"]["content"]
    assert "import httpx" in code and f'url: str = "{url}"' in code


def test_a_non_web_address_is_refused_in_plain_words_and_nothing_is_created(windmill):
    with pytest.raises(BuildError, match=r"only fetch web addresses \(http:// or https://\)"):
        create_script.main("alice", "f", description="Fetch ftp://files.example.com/report.csv")
    assert windmill.writes() == []


def test_a_flow_offline_is_composed_from_the_actions_it_names(windmill):
    out = create_flow.main("alice", "post_flow", summary="Draft a LinkedIn post and schedule it")
    assert out["mode"] == "template" and "2 steps" in out["answer"]
    flow = windmill.items["flow"]["u/alice/flows/post_flow"]
    paths = [m["value"]["path"] for m in flow["value"]["modules"]]
    assert paths == ["f/openanalyst/social/create_post", "f/openanalyst/social/schedule_post"]
    assert flow["schema"]["properties"]["platform"]["default"] == "linkedin"
    assert flow["value"]["modules"][0]["value"]["input_transforms"]["user_id"]["value"] == "alice"


def test_a_schedule_runs_the_persons_script_named_in_words(windmill):
    create_script.main("alice", "weekly_digest", SCRIPT)
    out = create_schedule.main("alice", "weekly_digest_schedule", "every monday at 8am", "weekly digest")
    schedule = windmill.items["schedule"][out["schedule_path"]]
    assert (
        schedule["script_path"] == "u/alice/scripts/weekly_digest" and schedule["schedule"] == "0 0 8 * * 1"
    )
    assert out["schedule_path"] == "u/alice/schedules/weekly_digest_schedule"
    assert "every Monday at 08:00" in out["answer"] and out["schedule_path"] in out["answer"]
    assert "needs topic" in out["answer"]  # main(topic: str) has no default: each run needs one


def test_a_starting_item_named_but_missing_is_added_from_its_template(windmill):
    out = create_schedule.main("alice", "monday_report", "every monday at 8am", "analytics report")
    assert "u/alice/scripts/analytics_report" in windmill.items["script"]
    assert (
        windmill.items["schedule"][out["schedule_path"]]["script_path"] == "u/alice/scripts/analytics_report"
    )
    assert "starting templates" in out["answer"] and "needs" not in out["answer"]  # data is optional now


def test_a_schedule_naming_nothing_of_the_persons_says_what_they_have(windmill):
    create_script.main("alice", "weekly_digest", SCRIPT)
    with pytest.raises(
        BuildError, match=r"no script or flow of yours called 'tax filing' \(yours: weekly_digest\)"
    ):
        create_schedule.main("alice", "x", "every day at 9", "tax filing")
    assert [t for _, t, _ in windmill.writes() if "schedules" in t] == []


def test_model_code_is_created_only_typed_and_locked(windmill):
    """With a model: parsed, every main() argument typed, imports available and pinned in the lock."""
    with_model(windmill)
    untyped = "```python\nimport httpx\n\n\ndef main(url):\n    return httpx.get(url).json()\n```"
    unknown = "```python\nimport pandasx\n\n\ndef main(url: str) -> dict:\n    return {}\n```"
    good = (
        '```python\nimport httpx\n\n\ndef main(url: str = "https://x.example/a.json") -> dict:\n'
        '    """Fetch."""\n    return httpx.get(url, timeout=30).json()\n```'
    )
    route = windmill.router.post(ANTHROPIC).mock(
        side_effect=[httpx.Response(200, json=anthropic_reply(r)) for r in (untyped, unknown, good)]
    )
    out = create_script.main("alice", "fetcher", description="Fetch https://x.example/a.json")
    assert out["mode"] == "template"  # two refusals: the model's code is not created, the template is
    prompts = [json.loads(c.request.content)["messages"][0]["content"] for c in route.calls]
    assert "needs a type for every argument (untyped: url)" in prompts[1]
    out = create_script.main("alice", "fetcher2", description="Fetch https://x.example/a.json")
    assert out["mode"] == "model"
    lock = windmill.items["script"]["u/alice/scripts/fetcher2"]["lock"]
    assert lock.startswith("# py: 3.") and "\nhttpx==" in lock and "\nanyio==" in lock


def test_a_persons_own_code_is_locked_by_windmill_at_deploy(windmill):
    create_script.main("alice", "weekly_digest", SCRIPT)
    assert "lock" not in windmill.items["script"]["u/alice/scripts/weekly_digest"]


def test_a_summary_or_recap_on_a_schedule_is_the_persons_analytics_report(windmill):
    out = create_schedule.main("alice", "friday_summary", "every friday at 5pm", "summary")
    schedule = windmill.items["schedule"][out["schedule_path"]]
    assert schedule["script_path"] == "u/alice/scripts/analytics_report"


def test_a_nested_failure_is_said_by_its_innermost_message():
    from f.openanalyst.builder.run_now import innermost

    nested = (
        "Job 683f was not successful: {'message': 'To analyse this I need the numbers: paste them here.', "
        "'name': 'NeedsInput', 'stack': 'Traceback (most recent call last):\\n  File \"x.py\"'}"
    )
    assert innermost(nested) == "To analyse this I need the numbers: paste them here."
    assert innermost("plain failure\nTraceback (most recent call last): ...") == "plain failure"
