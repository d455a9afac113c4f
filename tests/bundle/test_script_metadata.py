"""Every script has a .script.yaml with summary, description and a schema matching its main(),
as the pinned CLI infers it; `scripts/bundle.py metadata` writes them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts.bundle_tools import checks, metadata

from .conftest import ROOT, WriteFile

POST = '''
"""Draft a social post."""

from typing import Literal

from pydantic import BaseModel

from f.openanalyst.lib.users import validate_user_id


class Audience(BaseModel):
    region: str
    size: int = 100


def main(
    user_id: str,
    platform: Literal["twitter", "linkedin"],
    count: int = 3,
    tags: list[str] | None = None,
    audience: Audience | None = None,
) -> dict:
    """Write a post for a platform."""
    validate_user_id(user_id)
    return {"platform": platform}
'''


ECHO = '''
"""Echo the input back."""


def main(text: str = "hi") -> str:
    return text
'''


LIMIT = '''
"""Count up to a limit."""

LIMIT = 3


def main(n: int = LIMIT) -> list[int]:
    return list(range(n))
'''


def bundle(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts/bundle.py"), "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_script_has_complete_metadata(repo_root: Path) -> None:
    assert checks.script_metadata(repo_root) == []


@pytest.mark.wmill_cli
def test_every_schema_matches_main(wmill: Path, repo_root: Path) -> None:
    assert checks.schemas(repo_root) == []


@pytest.fixture(scope="module")
def generated(wmill: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A mini repository with two new scripts after one `scripts/bundle.py metadata` run (the CLI
    is the slow part of these tests, so they share this run and work on copies)."""
    root = tmp_path_factory.mktemp("generated") / "repo"
    shutil.copytree(ROOT / "f/openanalyst/lib", root / "f/openanalyst/lib", ignore=_only_spine)
    for name in ("wmill.yaml", "uv.lock", "pyproject.toml", "f/openanalyst/folder.meta.yaml"):
        shutil.copy2(ROOT / name, root / name)
    (root / "f/openanalyst/social").mkdir(parents=True)
    (root / "f/openanalyst/social/create_post.py").write_text(POST.lstrip())
    (root / "f/openanalyst/social/echo.py").write_text(ECHO.lstrip())
    (root / "f/openanalyst/social/limit.py").write_text(LIMIT.lstrip())
    proc = bundle(root, "metadata", "f/openanalyst/social")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root, proc.stdout


def _only_spine(directory: str, names: list[str]) -> list[str]:
    keep = {f"{m}{s}" for m in ("users", "protocol") for s in (".py", ".script.yaml", ".script.lock")}
    return [n for n in names if n not in keep]


@pytest.fixture
def copy_of_generated(generated: tuple[Path, str], tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(generated[0], root)
    return root


def test_metadata_command_writes_schema_and_lock(generated: tuple[Path, str]) -> None:
    root, output = generated
    assert "wrote     f/openanalyst/social/create_post.script.yaml" in output
    assert "wrote     f/openanalyst/social/create_post.script.lock" in output
    meta = yaml.safe_load((root / "f/openanalyst/social/create_post.script.yaml").read_text())
    assert meta["summary"] == "Write a post for a platform."
    assert meta["description"] == "Draft a social post."
    assert meta["lock"] == "!inline f/openanalyst/social/create_post.script.lock"
    assert meta["kind"] == "script"
    schema = meta["schema"]
    assert schema["required"] == ["user_id", "platform"]
    assert schema["properties"]["platform"]["enum"] == ["twitter", "linkedin"]
    assert schema["properties"]["count"] == {"type": "integer", "description": "", "default": 3}
    assert schema["properties"]["tags"]["items"] == {"type": "string"}
    assert set(schema["properties"]["audience"]["properties"]) == {"region", "size"}
    lock = (root / "f/openanalyst/social/create_post.script.lock").read_text().splitlines()
    assert lock[0] == "# py: 3.11"
    assert "pydantic==2.14.3" in lock
    assert (root / "f/openanalyst/social/echo.script.lock").read_text() == "# py: 3.11\n"
    assert checks.script_locks(root) == []
    # The CLI cannot read a non-literal default: it marks the argument required, and the check says so.
    limit = yaml.safe_load((root / "f/openanalyst/social/limit.script.yaml").read_text())["schema"]
    assert limit["required"] == ["n"] and limit["properties"]["n"]["default"] is None
    assert checks.script_metadata(root) == [
        "f/openanalyst/social/limit.script.yaml: main() gives 'n' a default Windmill cannot read (not a "
        "literal), so the form requires it with no default: use a literal default"
    ]


def test_metadata_keeps_hand_written_text_and_is_idempotent(copy_of_generated: Path) -> None:
    root = copy_of_generated
    script = root / "f/openanalyst/social/create_post.py"
    meta_path = script.with_name("create_post.script.yaml")
    meta = yaml.safe_load(meta_path.read_text())
    meta["summary"] = "Create a post"
    meta["description"] = "Hand-written.\nTwo lines."
    meta["schema"]["properties"]["count"]["description"] = "How many drafts"
    meta_path.write_text(yaml.safe_dump(meta, sort_keys=False))
    script.write_text(script.read_text().replace("count: int = 3", "count: int = 5"))

    outcome = metadata.regenerate(root, [str(script)])
    assert outcome.written == ["f/openanalyst/social/create_post.script.yaml"]
    assert outcome.unchanged == ["f/openanalyst/social/create_post.script.lock"]
    meta = yaml.safe_load(meta_path.read_text())
    assert meta["summary"] == "Create a post"
    assert meta["description"] == "Hand-written.\nTwo lines."
    assert meta["schema"]["properties"]["count"] == {
        "type": "integer",
        "description": "How many drafts",
        "default": 5,
    }
    assert metadata.regenerate(root, ["f/openanalyst/social"]).written == []


def test_schema_drift_fails(copy_of_generated: Path) -> None:
    root = copy_of_generated
    script = root / "f/openanalyst/social/create_post.py"
    source = script.read_text().replace("count: int = 3,", "count: str,\n    dry_run: bool = False,")
    script.write_text(source.replace("tags: list[str] | None = None,\n", ""))
    problems = checks.schemas(root)
    name = "f/openanalyst/social/create_post.script.yaml"
    assert all(p.startswith(f"{name}: ") for p in problems), problems  # echo.py and the libs still match
    assert f"{name}: argument 'dry_run' of main() is missing from the schema" in problems
    assert f"{name}: schema has 'tags', which main() does not take" in problems
    assert any(p.startswith(f"{name}: 'count': schema says") for p in problems), problems
    assert any("required is ['user_id', 'platform']" in p for p in problems), problems


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda m: m.pop("summary"), "empty summary"),
        (lambda m: m.update(description="  "), "empty description"),
        (lambda m: m.update(lock="!inline elsewhere.lock"), "lock is '!inline elsewhere.lock'"),
        (lambda m: m.update(schema="none"), "schema must be a JSON schema of type object"),
        (lambda m: m.update(kind="trigger"), "kind is 'trigger'"),
    ],
)
def test_incomplete_metadata_fails(mini_repo: Path, edit, expected: str) -> None:  # type: ignore[no-untyped-def]
    path = mini_repo / "f/openanalyst/lib/users.script.yaml"
    assert checks.script_metadata(mini_repo) == []
    meta = yaml.safe_load(path.read_text())
    edit(meta)
    path.write_text(yaml.safe_dump(meta))
    problems = checks.script_metadata(mini_repo)
    assert len(problems) == 1 and problems[0].startswith(
        f"f/openanalyst/lib/users.script.yaml: {expected}"
    ), problems


def test_missing_metadata_fails(mini_repo: Path, write: WriteFile) -> None:
    write("f/openanalyst/social/create_post.py", POST)
    problems = checks.script_metadata(mini_repo)
    assert problems == [
        "f/openanalyst/social/create_post.script.yaml: missing "
        "(run `uv run scripts/bundle.py metadata f/openanalyst/social/create_post.py`)"
    ]


def test_default_text_comes_from_docstrings(write: WriteFile) -> None:
    lib = write("f/openanalyst/lib/clock.py", '"""Clock helpers.\n\nAll times are UTC."""\n')
    assert metadata.default_summary_description(lib) == ("Clock helpers.", "All times are UTC.")
    script = write("f/openanalyst/x.py", POST)
    assert metadata.default_summary_description(script) == (
        "Write a post for a platform.",
        "Draft a social post.",
    )


def test_metadata_leaves_a_script_with_a_syntax_error_alone(write: WriteFile, mini_repo: Path) -> None:
    write("f/openanalyst/social/broken.py", "def main(a: int:\n    pass\n")
    outcome = metadata.regenerate(mini_repo, ["f/openanalyst/social/broken.py"])  # no CLI run needed
    assert outcome.problems == ["f/openanalyst/social/broken.py:1: syntax error: invalid syntax; not updated"]
    assert outcome.written == []
    assert not (mini_repo / "f/openanalyst/social/broken.script.yaml").exists()
