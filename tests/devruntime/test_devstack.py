"""scripts/dev's subcommands: token, .env loading, demo's streaming follower."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import jwt
import pytest

from scripts import devstack
from tests.support.devruntime import DevRuntime


def test_token_prints_a_hub_jwt_for_the_user(capsys: pytest.CaptureFixture[str]) -> None:
    assert devstack.main(["token", "alice"]) == 0
    token = capsys.readouterr().out.strip()
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == "alice"
    assert devstack.main(["token", "Not A User!"]) == 2
    assert "invalid user id" in capsys.readouterr().err


def test_dotenv_fills_only_unset_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nOPENANALYST_DEV_PORT=9100\nOPENANALYST_DEV_WORKSPACE='other'\nEMPTY=\n")
    monkeypatch.setenv("OPENANALYST_DEV_PORT", "9000")
    # setenv first so monkeypatch records the original (absent) value and restores it: delenv of an
    # absent variable records nothing, and the .env's value leaked into every later test's runtime
    for name in ("OPENANALYST_DEV_WORKSPACE", "EMPTY"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    devstack.load_dotenv(env_file)
    assert os.environ["OPENANALYST_DEV_PORT"] == "9000"  # the environment wins
    assert os.environ["OPENANALYST_DEV_WORKSPACE"] == "other"
    assert "EMPTY" not in os.environ


def test_follow_prints_steps_answers_questions_and_the_result(
    dev_runtime: DevRuntime, capsys: pytest.CaptureFixture[str]
) -> None:
    client = httpx.Client(
        base_url=f"{dev_runtime.base_url}{dev_runtime.api}",
        headers={"Authorization": f"Bearer {dev_runtime.token}"},
        timeout=60,
    )
    job_id = dev_runtime.run_flow("f/devtest/approval", {"question": "Which platform?"})
    assert devstack._follow(client, job_id) == 0
    out = capsys.readouterr().out
    assert "ask              waiting for your answers" in out and "use_answers      done" in out
    assert "the flow asks:" in out
    assert '"question": "Which platform?"' in out  # the final result is printed
    client.close()


def test_follow_prints_only_the_steps_that_ran(
    dev_runtime: DevRuntime, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    client = httpx.Client(
        base_url=f"{dev_runtime.base_url}{dev_runtime.api}",
        headers={"Authorization": f"Bearer {dev_runtime.token}"},
        timeout=60,
    )
    job_id = dev_runtime.run_flow("f/devtest/all_kinds", {"items": [1, 2, 3], "tmp": str(tmp_path)})
    assert devstack._follow(client, job_id) == 0
    lines = capsys.readouterr().out.splitlines()
    steps = [line.split("]", 1)[1].split() for line in lines if line.startswith("[") and "]   " in line]
    assert ["final", "done"] in steps and ["route", "done"] in steps
    assert not any(step[0] == "skipped" for step in steps)  # skip_if held: it never ran
    client.close()


def test_follow_leaves_out_a_branch_that_took_its_empty_default(
    dev_runtime: DevRuntime, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo printed `recover done` and `ask done` for recovery branches that never ran."""
    client = httpx.Client(
        base_url=f"{dev_runtime.base_url}{dev_runtime.api}",
        headers={"Authorization": f"Bearer {dev_runtime.token}"},
        timeout=60,
    )
    step = {
        "id": "answer",
        "value": {
            "type": "rawscript",
            "language": "python3",
            "content": "def main():\n    return 1\n",
            "input_transforms": {},
        },
    }
    recover = {"id": "recover", "value": {"type": "branchone", "branches": [], "default": []}}
    dev_runtime.create_flow(
        "u/admin/demo_empty_branch", {"summary": "t", "value": {"modules": [step, recover]}}
    )
    assert devstack._follow(client, dev_runtime.run_flow("u/admin/demo_empty_branch", {})) == 0
    out = capsys.readouterr().out
    assert "answer           done" in out
    assert "recover" not in out
    client.close()
