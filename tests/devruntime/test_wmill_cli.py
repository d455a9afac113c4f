"""The pinned windmill-cli talks to the dev runtime like to a Windmill server."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from scripts.devruntime.config import REPO_ROOT
from tests.support.devruntime import DevRuntime

WMILL = REPO_ROOT / "node_modules" / ".bin" / "wmill"

pytestmark = [
    pytest.mark.wmill_cli,
    pytest.mark.skipif(not WMILL.exists(), reason="windmill-cli not installed (run scripts/setup)"),
]


def _wmill(dev_runtime: DevRuntime, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WMILL_CONFIG_DIR": str(tmp_path / "wmill-config"), "NO_COLOR": "1"}
    base = [str(WMILL), "--base-url", dev_runtime.base_url, "--token", dev_runtime.token]
    return subprocess.run(
        [*base, "--workspace", dev_runtime.workspace, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )


def test_cli_whoami_and_listings(dev_runtime: DevRuntime, tmp_path: Path) -> None:
    who = _wmill(dev_runtime, tmp_path, "workspace", "whoami")
    assert who.returncode == 0, who.stderr
    assert "admin@openanalyst.dev" in who.stdout, who.stdout + who.stderr
    flows = _wmill(dev_runtime, tmp_path, "flow", "list")
    assert flows.returncode == 0, flows.stderr
    assert "f/devtest/all_kinds" in flows.stdout, flows.stdout + flows.stderr


def test_cli_with_a_wrong_token_fails(dev_runtime: DevRuntime, tmp_path: Path) -> None:
    env = {**os.environ, "WMILL_CONFIG_DIR": str(tmp_path / "wmill-config"), "NO_COLOR": "1"}
    r = subprocess.run(
        [
            str(WMILL),
            "--base-url",
            dev_runtime.base_url,
            "--token",
            "nope",
            "--workspace",
            "openanalyst",
            "flow",
            "list",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert r.returncode != 0
