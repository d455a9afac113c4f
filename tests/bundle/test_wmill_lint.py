"""`wmill lint` from the pinned windmill-cli passes on the repository, and fails on a broken flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.bundle_tools import checks

pytestmark = pytest.mark.wmill_cli

BROKEN_FLOW = """\
summary: Broken
description: A rawscript without input_transforms and a loop without skip_failures
value:
  modules:
    - id: step
      value:
        type: rawscript
        language: python3
        content: 'def main(): return 1'
    - id: loop
      value:
        type: forloopflow
        iterator: {type: javascript, expr: '[1, 2]'}
        modules: []
schema: {type: object, properties: {}}
"""

BROKEN_SCHEDULE = """\
schedule: 0 0 3 * * *
script_path: f/openanalyst/nightly
is_flow: false
enabled: true
"""


def test_wmill_lint_passes_on_the_repo(wmill: Path, repo_root: Path) -> None:
    assert checks.lint(repo_root) == []


def test_wmill_lint_fails_on_a_broken_flow(wmill: Path, repo_copy: Path) -> None:
    flow = repo_copy / "f/openanalyst/broken__flow/flow.yaml"
    flow.parent.mkdir(parents=True)
    flow.write_text(BROKEN_FLOW)
    broken = [p for p in checks.lint(repo_copy) if "broken__flow" in p]
    assert any("input_transforms" in p for p in broken), broken
    assert any("skip_failures" in p for p in broken), broken


def test_wmill_lint_fails_on_a_schedule_without_timezone(wmill: Path, mini_repo: Path) -> None:
    (mini_repo / "f/openanalyst/nightly.schedule.yaml").write_text(BROKEN_SCHEDULE)
    problems = checks.lint(mini_repo)
    assert any("timezone" in p for p in problems), problems


def test_wmill_lint_fails_on_a_script_without_lock(wmill: Path, mini_repo: Path) -> None:
    assert checks.lint(mini_repo) == []
    (mini_repo / "f/openanalyst/lib/users.script.lock").unlink()
    problems = checks.lint(mini_repo)
    assert any(p.startswith("f/openanalyst/lib/users.script.yaml: Missing lock") for p in problems), problems
