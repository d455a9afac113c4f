"""Run the pinned windmill-cli (package.json: windmill-cli 1.819.0) offline.

The CLI keeps its state in WMILL_CONFIG_DIR; every run gets a fresh temporary one so nothing
leaks into ~/.config and runs never see each other's workspaces.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import repo
from .whoami_stub import whoami_server

WORKSPACE = "openanalyst"
TIMEOUT_S = 120


class WmillMissing(RuntimeError):
    """node_modules/.bin/wmill is not installed."""


def find_wmill() -> Path:
    binary = repo.REPO_ROOT / os.environ.get("OPENANALYST_WMILL_BIN", "node_modules/.bin/wmill")  # abs wins
    if not binary.exists():
        raise WmillMissing(f"{binary} not found: run ./scripts/setup (installs the pinned windmill-cli)")
    return binary


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="wmill-config-") as config_dir:
        env = {**os.environ, "WMILL_CONFIG_DIR": config_dir, "NO_COLOR": "1", "FORCE_COLOR": "0"}
        return subprocess.run(
            [str(find_wmill()), *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )


@dataclass
class LintResult:
    ok: bool
    problems: list[str]
    scanned: int
    output: str


def lint(root: Path) -> LintResult:
    """`wmill lint --json --locks-required` on `root`: flows, schedules and triggers against the
    CLI's schemas, and a lock for every Python script and flow step."""
    proc = run(["lint", "--json", "--locks-required"], cwd=root)
    try:
        report: dict[str, Any] = json.loads(proc.stdout[proc.stdout.index("{") :])
    except ValueError:
        return LintResult(
            False, [f"wmill lint printed no JSON (rc {proc.returncode})"], 0, proc.stdout + proc.stderr
        )
    problems = [
        f"{issue.get('path')}: {error}"
        for issue in report.get("issues", [])
        for error in issue.get("errors", [])
    ]
    ok = proc.returncode == 0 and bool(report.get("success"))
    if not ok and not problems:
        problems = [f"wmill lint failed (rc {proc.returncode})"]
    return LintResult(ok, problems, int(report.get("scannedFiles", 0)), proc.stdout + proc.stderr)


@dataclass
class Generated:
    text: str  # the .script.yaml the CLI wrote
    data: dict[str, Any]


def generate_metadata(root: Path, scripts: list[Path]) -> dict[Path, Generated]:
    """Run `wmill generate-metadata --schema-only` on a temporary copy holding `scripts` (and their
    current .script.yaml, whose summary, description and hand-written schema details the CLI keeps).

    Returns the .script.yaml the CLI produced for each script. The repository is never written.
    """
    if not scripts:
        return {}
    with tempfile.TemporaryDirectory(prefix="bundle-metadata-") as tmp:
        work = Path(tmp)
        config = root / "wmill.yaml"
        if config.exists():
            shutil.copy2(config, work / "wmill.yaml")
        else:
            (work / "wmill.yaml").write_text('includes: ["f/**"]\nnonDottedPaths: true\n')
        for script in scripts:
            target = work / script.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(script, target)
            meta = repo.metadata_path(script)
            if meta.exists():
                shutil.copy2(meta, repo.metadata_path(target))
        with whoami_server() as base_url:
            proc = run(
                [
                    "generate-metadata",
                    "--schema-only",
                    "--skip-flows",
                    "--yes",
                    "--base-url",
                    base_url,
                    "--token",
                    "x",
                    "--workspace",
                    WORKSPACE,
                ],
                cwd=work,
            )
        if proc.returncode != 0:
            raise RuntimeError(
                f"wmill generate-metadata failed (rc {proc.returncode}):\n{proc.stdout}{proc.stderr}"
            )
        out: dict[Path, Generated] = {}
        for script in scripts:
            produced = repo.metadata_path(work / script.relative_to(root))
            if not produced.exists():
                raise RuntimeError(f"wmill generate-metadata wrote no metadata for {repo.rel(script, root)}")
            text = produced.read_text()
            out[script] = Generated(text, yaml.safe_load(text) or {})
        return out


LOCKFILE = "wmill-lock.yaml"


def rehash(root: Path) -> str:
    """The wmill-lock.yaml the CLI keeps for `root`: `wmill generate-metadata rehash` (content hashes
    of each script's code, .script.yaml and lock, and of each flow), run offline on a temporary copy.

    The CLI compares these hashes to decide which items are stale; without the file it sees every
    script as stale and re-locks all of them on the server.
    """
    with tempfile.TemporaryDirectory(prefix="bundle-rehash-") as tmp:
        work = Path(tmp)
        shutil.copy2(root / "wmill.yaml", work / "wmill.yaml")
        if (root / "f").is_dir():
            shutil.copytree(root / "f", work / "f", ignore=shutil.ignore_patterns("__pycache__"))
        proc = run(["generate-metadata", "rehash"], cwd=work)
        lockfile = work / LOCKFILE
        if proc.returncode != 0 or not lockfile.exists():
            raise RuntimeError(
                f"wmill generate-metadata rehash failed (rc {proc.returncode}):\n{proc.stdout}{proc.stderr}"
            )
        return lockfile.read_text()
