"""Where things live in the bundle: scripts, flows, metadata and lock files, module names."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SYNCED_DIR = "f"
# Folders whose .py files belong to a flow or an app (inline code), not standalone scripts.
_BUNDLE_DIR_SUFFIXES = ("__flow", "__app", "__raw_app", "__mod", ".flow", ".app", ".raw_app")
_IGNORED_DIRS = {"__pycache__", "node_modules", ".venv"}


def _ignored(path: Path, root: Path) -> bool:
    return any(part in _IGNORED_DIRS or part.startswith(".") for part in path.relative_to(root).parts[:-1])


def in_bundle_dir(path: Path) -> bool:
    """True for code inside a flow/app folder (`x__flow/step.py`)."""
    return any(part.endswith(_BUNDLE_DIR_SUFFIXES) for part in path.parts[:-1])


def python_files(root: Path) -> list[Path]:
    """Every .py under f/, including inline flow code."""
    base = root / SYNCED_DIR
    if not base.is_dir():
        return []
    return sorted(p for p in base.rglob("*.py") if not _ignored(p, root))


def scripts(root: Path) -> list[Path]:
    """The standalone Windmill scripts: .py under f/ outside flow and app folders."""
    return [p for p in python_files(root) if not in_bundle_dir(p.relative_to(root))]


def select_scripts(root: Path, paths: Iterable[str | Path]) -> list[Path]:
    """Scripts named by `paths` (files or folders: absolute, relative to `root`, or else to cwd);
    every script when empty."""
    chosen: set[Path] = set()
    wanted = [(root / p if (root / p).exists() else Path(p)).resolve() for p in paths]
    if not wanted:
        return scripts(root)
    every = scripts(root)
    for target in wanted:
        if target.suffix in {".yaml", ".lock"} and target.name.endswith((".script.yaml", ".script.lock")):
            target = target.with_name(target.name.split(".script.")[0] + ".py")
        if target.is_file() or target.suffix == ".py":
            if target not in every:
                raise ValueError(f"{target} is not a script under {root / SYNCED_DIR}")
            chosen.add(target)
        elif target.is_dir():
            chosen.update(p for p in every if p.is_relative_to(target))
        else:
            raise ValueError(f"{target} does not exist")
    return sorted(chosen)


def flows(root: Path) -> list[Path]:
    base = root / SYNCED_DIR
    if not base.is_dir():
        return []
    return sorted(p for p in base.rglob("flow.yaml") if p.parent.name.endswith("__flow"))


def metadata_path(script: Path) -> Path:
    return script.with_name(script.stem + ".script.yaml")


def lock_path(script: Path) -> Path:
    return script.with_name(script.stem + ".script.lock")


def rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def module_name(path: Path, root: Path) -> str:
    """`f/openanalyst/lib/users.py` -> `f.openanalyst.lib.users`."""
    return ".".join(path.relative_to(root).with_suffix("").parts)


def walk_yaml(root: Path) -> Iterator[Path]:
    base = root / SYNCED_DIR
    if base.is_dir():
        yield from sorted(p for p in base.rglob("*.yaml") if not _ignored(p, root))
