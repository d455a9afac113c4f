"""Flow steps, schedules and triggers call what exists in the bundle, with the arguments it takes."""

from __future__ import annotations

from pathlib import Path

from scripts.bundle_tools import checks

from .conftest import WriteFile

ECHO_META = """\
summary: Echo
description: Echo the text back
lock: '!inline f/openanalyst/social/echo.script.lock'
kind: script
schema:
  type: object
  properties:
    text: {type: string}
    times: {type: integer, default: 1}
  required: [text]
"""


def _flow(steps: str) -> str:
    return f"""\
summary: Calls
description: Steps calling scripts
value:
  modules:
{steps}schema: {{type: object, properties: {{}}}}
"""


def _step(step_id: str, path: str, args: str) -> str:
    return f"""\
    - id: {step_id}
      value:
        type: script
        path: {path}
        input_transforms: {{{args}}}
"""


def _repo(write: WriteFile) -> None:
    write(
        "f/openanalyst/social/echo.py",
        "def main(text: str, times: int = 1) -> str:\n    return text * times\n",
    )
    write("f/openanalyst/social/echo.script.yaml", ECHO_META)


def test_calls_in_the_repo(repo_root: Path) -> None:
    assert checks.calls(repo_root) == []


def test_good_calls_pass(mini_repo: Path, write: WriteFile) -> None:
    _repo(write)
    text = "text: {type: static, value: hi}"
    write("f/openanalyst/a__flow/flow.yaml", _flow(_step("one", "f/openanalyst/social/echo", text)))
    write(
        "f/openanalyst/daily.schedule.yaml",
        "schedule: 0 0 3 * * *\ntimezone: UTC\nenabled: true\nis_flow: true\n"
        "script_path: f/openanalyst/a\nargs: {}\n",
    )
    assert checks.calls(mini_repo) == []


def test_wrong_calls_fail(mini_repo: Path, write: WriteFile) -> None:
    _repo(write)
    steps = (
        _step("typo", "f/openanalyst/social/ecoh", "text: {type: static, value: hi}")
        + _step(
            "extra",
            "f/openanalyst/social/echo",
            "text: {type: static, value: hi}, txt: {type: static, value: 1}",
        )
        + _step("missing", "f/openanalyst/social/echo", "times: {type: static, value: 2}")
        + "    - id: inline\n      value: {type: rawscript, language: python3, content: '!inline gone.py',"
        " input_transforms: {}}\n"
    )
    write("f/openanalyst/a__flow/flow.yaml", _flow(steps))
    write(
        "f/openanalyst/daily.schedule.yaml",
        "schedule: 0 0 3 * * *\ntimezone: UTC\nenabled: true\nis_flow: false\n"
        "script_path: f/openanalyst/social/echo\nargs: {text: hi, loud: true}\n",
    )
    write(
        "f/openanalyst/hook.http_trigger.yaml",
        "script_path: f/openanalyst/nothing\nis_flow: true\nroute_path: x\nhttp_method: post\n",
    )
    problems = "\n".join(checks.calls(mini_repo))
    flow = "f/openanalyst/a__flow/flow.yaml: value.modules"
    assert f"{flow}[0](id typo): script f/openanalyst/social/ecoh is not in the bundle" in problems
    assert (
        f"{flow}[1](id extra): passes ['txt'] to f/openanalyst/social/echo, which does not take them"
        in problems
    )
    assert f"{flow}[2](id missing): does not pass required ['text'] to f/openanalyst/social/echo" in problems
    assert f"{flow}[3](id inline): content '!inline gone.py' names a missing file" in problems
    assert "f/openanalyst/daily.schedule.yaml: passes ['loud'] to f/openanalyst/social/echo" in problems
    assert "f/openanalyst/hook.http_trigger.yaml: flow f/openanalyst/nothing is not in the bundle" in problems
