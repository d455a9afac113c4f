"""wmill-lock.yaml: the CLI's content hashes, committed so it does not see every script as stale."""

from __future__ import annotations

import shutil
from pathlib import Path

from scripts.bundle_tools import checks, metadata, wmill_cli
from scripts.bundle_tools.whoami_stub import whoami_server

from .conftest import WriteFile, require_wmill


def test_the_cli_finds_nothing_stale_in_the_committed_bundle(repo_root: Path, tmp_path: Path) -> None:
    require_wmill()
    assert checks.wmill_lockfile(repo_root) == []
    work = tmp_path / "bundle"
    work.mkdir()
    for name in ("wmill.yaml", wmill_cli.LOCKFILE):
        shutil.copy2(repo_root / name, work / name)
    shutil.copytree(repo_root / "f", work / "f", ignore=shutil.ignore_patterns("__pycache__"))
    with whoami_server() as base_url:
        proc = wmill_cli.run(
            [
                "generate-metadata",
                "--dry-run",
                "--yes",
                "--base-url",
                base_url,
                "--token",
                "x",
                "--workspace",
                wmill_cli.WORKSPACE,
            ],
            cwd=work,
        )
    assert "All metadata up-to-date" in proc.stdout, proc.stdout + proc.stderr


def test_a_changed_script_makes_the_lockfile_stale_until_metadata_runs(
    mini_repo: Path, write: WriteFile
) -> None:
    require_wmill()
    script = write("f/openanalyst/x.py", 'def main(name: str) -> str:\n    """Greet."""\n    return name\n')
    (mini_repo / wmill_cli.LOCKFILE).touch()
    metadata.regenerate(mini_repo, ["f/openanalyst/x.py"])
    assert checks.wmill_lockfile(mini_repo) == []
    script.write_text(script.read_text().replace("return name", "return name.upper()"))
    assert checks.wmill_lockfile(mini_repo) == [
        "wmill-lock.yaml: stale for f/openanalyst/x; run `uv run scripts/bundle.py metadata`"
    ]
    metadata.regenerate(mini_repo, ["f/openanalyst/x.py"])
    assert checks.wmill_lockfile(mini_repo) == []
