"""wmill.yaml syncs the right things; nothing from hub/, tests/ or scripts/ is under f/; the deploy
workflow is valid; `ruff check` is clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts.bundle_tools import checks

from .conftest import ROOT, WriteFile


def test_wmill_yaml(repo_root: Path) -> None:
    assert checks.wmill_config(repo_root) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"nonDottedPaths": None}, "nonDottedPaths must be pinned to true"),
        ({"includes": ["f/openanalyst/*"]}, "includes must contain 'f/**'"),
        ({"includes": ["f/**", "hub/**"]}, "includes pattern 'hub/**' reaches outside f/"),
        ({"extraIncludes": ["scripts/**"]}, "extraIncludes pattern 'scripts/**' reaches outside f/"),
        ({"includeSchedules": False}, "includeSchedules must be true"),
        ({"includeTriggers": None}, "includeTriggers must be true"),
        ({"skipSecrets": False}, "skipSecrets must stay true"),
    ],
)
def test_a_wrong_wmill_yaml_fails(mini_repo: Path, change: dict[str, object], expected: str) -> None:
    path = mini_repo / "wmill.yaml"
    config = yaml.safe_load(path.read_text())
    config.update({k: v for k, v in change.items() if v is not None})
    for key in (k for k, v in change.items() if v is None):
        config.pop(key)
    path.write_text(yaml.safe_dump(config))
    problems = checks.wmill_config(mini_repo)
    assert any(expected in p for p in problems), problems


def test_layout(repo_root: Path) -> None:
    assert checks.layout(repo_root) == []


def test_tests_hub_code_and_missing_folder_meta_under_f_fail(mini_repo: Path, write: WriteFile) -> None:
    assert checks.layout(mini_repo) == []
    write("f/openanalyst/tests/helpers.py", "X = 1\n")
    write("f/openanalyst/lib/test_users.py", "def test_x() -> None:\n    pass\n")
    write("f/openanalyst/lib/relay.py", "from hub.auth import issue_dev_token\n")
    write("f/other/thing.py", "def main() -> None:\n    pass\n")
    problems = "\n".join(checks.layout(mini_repo))
    assert "f/openanalyst/tests: a tests/ folder under f/ would be deployed" in problems
    assert "f/openanalyst/lib/test_users.py: tests must live under tests/" in problems
    assert "f/openanalyst/lib/relay.py:1: imports hub.auth" in problems
    assert "f/other: missing folder.meta.yaml" in problems


def test_deploy_workflow(repo_root: Path) -> None:
    assert checks.deploy_workflow(repo_root) == []


def _workflow(root: Path, text: str) -> None:
    path = root / checks.WORKFLOW
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_workflow_the_linter_rejects_fails(mini_repo: Path, repo_root: Path) -> None:
    good = (repo_root / checks.WORKFLOW).read_text()
    _workflow(mini_repo, good.replace("runs-on: ubuntu-24.04", "runs_on: ubuntu-24.04", 1))
    problems = checks.deploy_workflow(mini_repo)
    assert any("check-jsonschema" in p and "runs_on" in p for p in problems), problems


def test_a_workflow_deploying_untested_code_fails(mini_repo: Path, repo_root: Path) -> None:
    good = yaml.safe_load((repo_root / checks.WORKFLOW).read_text())
    del good["jobs"]["deploy"]["needs"]
    good["jobs"]["deploy"]["steps"][-1]["env"]["WMILL_TOKEN"] = "hard-coded"
    good[True]["push"]["branches"] = ["release"]
    _workflow(mini_repo, yaml.safe_dump(good).replace("true:", "'on':"))
    problems = "\n".join(checks.deploy_workflow(mini_repo))
    assert "must run on push to main" in problems
    assert "job 'deploy' pushes without needing the test job" in problems
    assert "does not take ['WMILL_TOKEN'] from repository secrets" in problems


def test_ruff_check_is_clean(repo_root: Path) -> None:
    assert checks.ruff(repo_root) == []


def test_ruff_check_fails_on_unused_import(mini_repo: Path, write: WriteFile) -> None:
    assert checks.ruff(mini_repo) == []
    write("f/openanalyst/lib/sloppy.py", "import os\n")
    problems = checks.ruff(mini_repo)
    assert any("f/openanalyst/lib/sloppy.py:1:8: F401" in p for p in problems), problems


def test_check_command_reports_and_exits_1_on_failure(mini_repo: Path, write: WriteFile) -> None:
    def check(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, str(ROOT / "scripts/bundle.py"), "--root", str(mini_repo), "check", *args]
        return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)

    good = check("--only", "wmill-config,layout")
    assert good.returncode == 0, good.stdout
    assert "2/2 checks passed" in good.stdout

    write("f/openanalyst/tests/test_x.py", "X = 1\n")
    write("f/openanalyst/lib/ok.py", "X = 1\n")
    bad = check("--only", "layout")
    assert bad.returncode == 1
    assert "FAIL layout" in bad.stdout and "f/openanalyst/tests: a tests/ folder" in bad.stdout
    narrowed = check("--only", "layout", "f/openanalyst/lib")
    assert narrowed.returncode == 0, narrowed.stdout  # problems elsewhere are not reported
