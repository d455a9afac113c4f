"""One reference rule for everything a person has the builder create (issue 13, item 2): their own
folder, or the shared scripts a person may call, with `user_id` bound to the owner. Every attack
here was accepted before: nothing may be written, and the refusal says what to do instead.

Windmill resolves `u.<user>...` / `f.<folder>...` imports and relative imports to workspace scripts
(https://github.com/windmill-labs/windmill/tree/main/backend/parsers/windmill-parser-py-imports);
the builder reads them from the syntax tree.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from f.openanalyst.builder import create_app, create_flow, create_schedule, create_script
from f.openanalyst.lib.builder.paths import BuildError

ALICE_IMPORTS = [
    "from u .alice.scripts.secrets import key\n\ndef main():\n    return key\n",
    "from u import alice\n\ndef main():\n    return alice\n",
    "import u.alice.scripts.secrets\n\ndef main():\n    return 1\n",
    "from ...alice.scripts.secrets import key\n\ndef main():\n    return key\n",
    "from f.openanalyst.brain import respond\n\ndef main():\n    return respond\n",
]
DYNAMIC = [
    "def main():\n    return __import__('u.alice.scripts.secrets')\n",
    "import importlib\n\ndef main():\n    return importlib.import_module('u.alice.scripts.secrets')\n",
    "from importlib import import_module\n\ndef main():\n    return import_module('u.alice.x')\n",
    "import builtins\n\ndef main():\n    return getattr(builtins, '__imp' + 'ort__')('os')\n",
    "def main():\n    exec('import u.alice.scripts.secrets')\n",
    "def main():\n    f = __builtins__['__import__']\n    return f('os')\n",
]


@pytest.mark.parametrize("content", ALICE_IMPORTS)
def test_a_script_importing_another_persons_or_the_platforms_code_is_refused(windmill, content):
    with pytest.raises(BuildError, match=r"belongs to another person|must be under u/bob/|workspace root"):
        create_script.main("bob", "steal", content)
    assert windmill.writes() == [] and windmill.members == {}


@pytest.mark.parametrize("content", DYNAMIC)
def test_dynamic_imports_and_exec_are_refused(windmill, content):
    with pytest.raises(BuildError, match="chosen at run time"):
        create_script.main("bob", "steal", content)
    assert windmill.writes() == []


def test_own_and_shared_library_imports_are_allowed(windmill):
    content = (
        "import u.bob.scripts.helpers\n"
        "from .helpers import tidy\n"
        "from f.openanalyst.lib.timeparse import resolve\n\n"
        "def main(x: str):\n    return tidy(x)\n"
    )
    assert create_script.main("bob", "mine", content)["action"] == "created"


def _rawscript(content: str) -> dict[str, Any]:
    return {"type": "rawscript", "language": "python3", "content": content, "input_transforms": {}}


def _shared_step(path: str, user: Any = None, **inputs: Any) -> dict[str, Any]:
    transforms = {k: {"type": "static", "value": v} for k, v in inputs.items()}
    if user is not None:
        transforms["user_id"] = user
    return {"id": "shared", "value": {"type": "script", "path": path, "input_transforms": transforms}}


BASE_FLOW = {"modules": [{"id": "a", "value": _rawscript("def main():\n    return 1\n")}]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # a shared script called for alice
        (
            lambda f: f["modules"].append(
                _shared_step(
                    "f/openanalyst/social/create_post", {"type": "static", "value": "alice"}, topic="x"
                )
            ),
            "user_id is always you",
        ),
        (
            lambda f: f["modules"].append(
                _shared_step(
                    "f/openanalyst/social/create_post", {"type": "javascript", "expr": "flow_input.who"}
                )
            ),
            "cannot be computed",
        ),
        # the platform's own orchestration, whatever the arguments
        (
            lambda f: f["modules"].append(_shared_step("f/openanalyst/core/send_ws_message")),
            "must be under u/bob/",
        ),
        (lambda f: f["modules"].append(_shared_step("f/openanalyst/brain/plan")), "must be under u/bob/"),
        (
            lambda f: f["modules"].append(_shared_step("f/openanalyst/builder/create_script")),
            "must be under u/bob/",
        ),
        (lambda f: f["modules"].append(_shared_step("f/openanalyst/handle_request")), "must be under u/bob/"),
        (
            lambda f: f["modules"].append(_shared_step("f/openanalyst/social/../brain/plan")),
            "must be under u/bob/",
        ),
        # the failure and preprocessor modules follow the same rule
        (
            lambda f: f.update(
                failure_module={
                    "id": "failure",
                    "value": {"type": "script", "path": "u/alice/scripts/x", "input_transforms": {}},
                }
            ),
            "belongs to another person",
        ),
        (
            lambda f: f.update(
                failure_module={
                    "id": "failure",
                    "value": {
                        "type": "script",
                        "path": "f/openanalyst/core/send_ws_message",
                        "input_transforms": {},
                    },
                }
            ),
            "must be under u/bob/",
        ),
        (
            lambda f: f.update(
                preprocessor_module={
                    "id": "preprocessor",
                    "value": _rawscript("import importlib\n\ndef preprocessor(event):\n    return {}\n"),
                }
            ),
            "chosen at run time",
        ),
        # code inside a step, a loop or a branch
        (
            lambda f: f["modules"].append(
                {
                    "id": "b",
                    "value": _rawscript("from u .alice.scripts.x import y\n\ndef main():\n    return y\n"),
                }
            ),
            "belongs to another person",
        ),
        (
            lambda f: f["modules"].append(
                {
                    "id": "loop",
                    "value": {
                        "type": "forloopflow",
                        "iterator": {"type": "javascript", "expr": "[1]"},
                        "skip_failures": False,
                        "modules": [
                            {"id": "inner", "value": _rawscript("def main():\n    return __import__('os')\n")}
                        ],
                    },
                }
            ),
            "chosen at run time",
        ),
    ],
)
def test_every_runnable_of_a_flow_follows_the_reference_rule(windmill, change, message):
    flow = copy.deepcopy(BASE_FLOW)
    change(flow)
    with pytest.raises(BuildError, match=message):
        create_flow.main("bob", "attack", flow)
    assert windmill.writes() == []


def test_a_shared_step_acts_for_the_owner_and_the_flow_runs_as_the_owner(windmill):
    flow = copy.deepcopy(BASE_FLOW)
    flow["modules"].append(_shared_step("f/openanalyst/social/create_post", topic="AI", platform="twitter"))
    assert create_flow.main("bob", "post", flow)["action"] == "created"
    stored = windmill.items["flow"]["u/bob/flows/post"]
    step = stored["value"]["modules"][1]["value"]
    assert step["input_transforms"]["user_id"] == {"type": "static", "value": "bob"}
    # Created by the platform, it runs as bob: Windmill keeps bob's email because an admin preserves it.
    assert stored["on_behalf_of_email"] == "bob@people.openanalyst.invalid"
    assert stored["preserve_on_behalf_of"] is True
    assert windmill.members["bob"]["is_admin"] is False


@pytest.mark.parametrize(
    "target",
    [
        "f/openanalyst/core/send_ws_message",
        "f/openanalyst/brain/plan",
        "f/openanalyst/builder/create_script",
        "f/openanalyst/handle_request",
        "f/openanalyst/provision_user",
        "u/alice/flows/x",
    ],
)
def test_a_schedule_cannot_target_the_platform_or_another_person(windmill, target):
    with pytest.raises(BuildError, match=r"must be under u/bob/|belongs to another person"):
        create_schedule.main("bob", "attack", "0 0 9 * * *", target, args={"user_id": "bob"})
    assert windmill.writes() == []


def test_a_schedule_acts_for_its_owner_only_and_runs_as_the_owner(windmill):
    with pytest.raises(BuildError, match="user_id is always you"):
        create_schedule.main(
            "bob", "attack", "0 0 9 * * *", "f/openanalyst/analytics/fetch_metrics", args={"user_id": "alice"}
        )
    out = create_schedule.main(
        "bob", "report", "0 0 9 * * *", "f/openanalyst/analytics/fetch_metrics", args={}
    )
    assert out["action"] == "created"
    stored = windmill.items["schedule"]["u/bob/schedules/report"]
    assert stored["args"] == {"user_id": "bob"}
    assert stored["permissioned_as"] == "u/bob" and stored["preserve_permissioned_as"] is True


def _app(runnable_path: str, fields: dict[str, Any], inline: str | None = None) -> dict[str, Any]:
    runnable: dict[str, Any] = (
        {"type": "runnableByName", "name": "x", "inlineScript": {"language": "python3", "content": inline}}
        if inline is not None
        else {"type": "runnableByPath", "path": runnable_path, "runType": "script", "name": "x"}
    )
    return {
        "grid": [
            {
                "id": "table",
                "12": {"x": 0, "y": 0, "w": 12, "h": 8},
                "data": {
                    "id": "table",
                    "type": "tablecomponent",
                    "componentInput": {"type": "runnable", "fields": fields, "runnable": runnable},
                },
            }
        ]
    }


@pytest.mark.parametrize(
    ("app", "message"),
    [
        (
            _app("f/openanalyst/analytics/fetch_metrics", {"user_id": {"type": "static", "value": "alice"}}),
            "user_id is always you",
        ),
        (
            _app(
                "f/openanalyst/analytics/fetch_metrics", {"user_id": {"type": "user", "fieldType": "string"}}
            ),
            "cannot be an input",
        ),
        (_app("f/openanalyst/core/send_ws_message", {}), "must be under u/bob/"),
        (
            _app("", {}, inline="from u .alice.scripts import x\n\ndef main():\n    return x\n"),
            "another person",
        ),
        (_app("", {}, inline="def main():\n    return __import__('os')\n"), "chosen at run time"),
    ],
)
def test_an_apps_runnables_follow_the_reference_rule(windmill, app, message):
    with pytest.raises(BuildError, match=message):
        create_app.main("bob", "board", app)
    assert windmill.writes() == []


def test_an_app_passes_the_owner_as_a_fixed_input_and_runs_as_the_owner(windmill):
    app = _app("f/openanalyst/analytics/fetch_metrics", {})
    assert create_app.main("bob", "board", app, execution_mode="publisher")["action"] == "created"
    stored = windmill.items["app"]["u/bob/apps/board"]
    fields = stored["value"]["grid"][0]["data"]["componentInput"]["fields"]
    assert fields["user_id"]["value"] == "bob" and fields["user_id"]["type"] == "static"
    policy = stored["policy"]
    assert policy["execution_mode"] == "publisher" and policy["on_behalf_of"] == "u/bob"
    [trigger] = policy["triggerables_v2"].values()
    assert trigger["static_inputs"] == {"user_id": "bob"}
