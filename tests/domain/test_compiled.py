"""The generated modules are in sync with their sources, and the dashboard app passes `wmill lint`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from f.openanalyst.lib.user_templates import TEMPLATES

ROOT = Path(__file__).resolve().parents[2]
WMILL = ROOT / "node_modules/.bin/wmill"


def test_generated_modules_are_fresh():
    run = subprocess.run(
        [sys.executable, "scripts/domain_compile.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr


def test_every_template_file_is_compiled():
    names = {(t["kind"], t["name"]) for t in TEMPLATES}
    scripts = {("script", p.stem) for p in (ROOT / "u_templates/scripts").glob("*.py")}
    flows = {("flow", p.name.removesuffix("__flow")) for p in (ROOT / "u_templates/flows").glob("*__flow")}
    assert names == scripts | flows | {("app", "dashboard")}


def _lint(directory: Path, tmp_path: Path) -> dict:
    env = {**os.environ, "WMILL_CONFIG_DIR": str(tmp_path / "cfg")}
    run = subprocess.run(
        [str(WMILL), "lint", ".", "--json", "--locks-required"],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(run.stdout[run.stdout.index("{") :])


@pytest.mark.wmill_cli
def test_dashboard_app_passes_wmill_lint(tmp_path):
    if not WMILL.exists():
        pytest.skip("windmill-cli not installed (npm ci)")
    # Lint the app as it would be synced: <path>__app/app.yaml inside a wmill project.
    project = tmp_path / "project"
    shutil.copytree(ROOT / "apps/dashboard", project / "f/openanalyst/dashboard_template")
    shutil.copy(ROOT / "wmill.yaml", project / "wmill.yaml")
    report = _lint(project, tmp_path)
    assert report["success"] is True and report["issues"] == [], report
    assert report["scannedFiles"] >= 1

    # The same lint does check apps: an inline python runnable without a lock fails it.
    app_file = project / "f/openanalyst/dashboard_template/dashboard__app/app.yaml"
    app = yaml.safe_load(app_file.read_text())
    app["value"]["grid"][1]["data"]["componentInput"]["runnable"] = {
        "type": "runnableByName",
        "name": "inline",
        "inlineScript": {"language": "python3", "content": "def main(): pass"},
    }
    app_file.write_text(yaml.safe_dump(app))
    broken = _lint(project, tmp_path)
    assert broken["success"] is False
    assert "Missing lock for python3 inline script" in json.dumps(broken["issues"])
