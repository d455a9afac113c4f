"""Fixtures for the bundle conformance tests: the repository, crafted repositories, the CLI."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from scripts.bundle_tools import repo, wmill_cli
from tests.support.services import in_ci

ROOT = repo.REPO_ROOT
DATA = Path(__file__).parent / "data"
# What a crafted repository needs from the real one to be checked like it.
_CONFIG_FILES = ("wmill.yaml", "uv.lock", "pyproject.toml")
_SPINE_LIB = ("users", "protocol")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


def require_wmill() -> Path:
    """The pinned windmill-cli: skip the test outside CI when it is missing, fail it with CI=true."""
    try:
        return wmill_cli.find_wmill()
    except wmill_cli.WmillMissing as exc:
        if in_ci():
            pytest.fail(f"{exc} (CI=true: required)")
        pytest.skip(f"windmill-cli not installed: run ./scripts/setup ({exc})")


@pytest.fixture(scope="session")
def wmill() -> Path:
    return require_wmill()


WriteFile = Callable[[str, str], Path]


@pytest.fixture
def mini_repo(tmp_path: Path) -> Path:
    """A small repository: the real config, uv.lock and folder meta, plus two spine lib modules."""
    root = tmp_path / "repo"
    root.mkdir()
    for name in _CONFIG_FILES:
        shutil.copy2(ROOT / name, root / name)
    folder = root / "f/openanalyst"
    (folder / "lib").mkdir(parents=True)
    shutil.copy2(ROOT / "f/openanalyst/folder.meta.yaml", folder / "folder.meta.yaml")
    for name in _SPINE_LIB:
        for suffix in (".py", ".script.yaml", ".script.lock"):
            shutil.copy2(ROOT / f"f/openanalyst/lib/{name}{suffix}", folder / f"lib/{name}{suffix}")
    return root


@pytest.fixture
def write(mini_repo: Path) -> WriteFile:
    """write(rel_path, text): put a dedented file into the mini repository."""

    def _write(rel: str, text: str) -> Path:
        path = mini_repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return _write


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A copy of what the CLI syncs from this repository (f/, wmill.yaml, resource types)."""
    root = tmp_path / "copy"
    shutil.copytree(ROOT / "f", root / "f", ignore=shutil.ignore_patterns("__pycache__"))
    for name in (*_CONFIG_FILES, *(p.name for p in ROOT.glob("*.resource-type.yaml"))):
        shutil.copy2(ROOT / name, root / name)
    return root
