"""Where things live in the bundle: scripts, flows, metadata and lock files, module names."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SYNCED_DIR = "f"
# Folders whose .py files belong to a flow or an app (inline code), not standalone scripts.
_BUNDLE_DIR_SUFFIXES = ("__flow", "__app", "__raw_app", "__mod", ".flow", ".app", ".raw_app")
INLINE = "!inline "
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


@dataclass(frozen=True)
class InlineScript:
    """A python3 rawscript step of a flow, kept as `<flow>__flow/<name>.py` with `<name>.lock`."""

    flow: Path  # the flow.yaml
    code: Path
    lock: Path


def _inline_refs(node: Any) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        content, lock = node.get("content"), node.get("lock")
        if (
            node.get("type") == "rawscript"
            and node.get("language") == "python3"
            and isinstance(content, str)
            and isinstance(lock, str)
            and content.startswith(INLINE)
            and lock.startswith(INLINE)
        ):
            yield content[len(INLINE) :].strip(), lock[len(INLINE) :].strip()
        for child in node.values():
            yield from _inline_refs(child)
    elif isinstance(node, list):
        for child in node:
            yield from _inline_refs(child)


def inline_scripts(root: Path, flow_files: Iterable[Path] | None = None) -> list[InlineScript]:
    """Python inline scripts of flows whose flow.yaml names a lock file for them."""
    found = []
    for flow in flows(root) if flow_files is None else flow_files:
        try:
            document = yaml.safe_load(flow.read_text())
        except yaml.YAMLError:
            continue  # the flows check reports it
        for code, lock in _inline_refs(document):
            found.append(InlineScript(flow, flow.parent / code, flow.parent / lock))
    return found


@dataclass
class Selection:
    scripts: list[Path] = field(default_factory=list)
    inline: list[InlineScript] = field(default_factory=list)


def _flow_dir(path: Path) -> Path | None:
    return next((p for p in (path, *path.parents) if p.name.endswith("__flow")), None)


def select(root: Path, paths: Iterable[str | Path]) -> Selection:
    """Scripts and flow inline scripts named by `paths` (files or folders: absolute, relative to
    `root`, or else to cwd); everything under f/ when empty."""
    wanted = [(root / p if (root / p).exists() else Path(p)).resolve() for p in paths]
    if not wanted:
        return Selection(scripts(root), inline_scripts(root))
    every = scripts(root)
    chosen: set[Path] = set()
    flow_files: set[Path] = set()
    for target in wanted:
        if target.name.endswith((".script.yaml", ".script.lock")):
            target = target.with_name(target.name.split(".script.")[0] + ".py")
        flow_dir = _flow_dir(target)
        if flow_dir is not None:
            flow_files.add(flow_dir / "flow.yaml")
        elif target.suffix == ".py":
            if target not in every:
                raise ValueError(f"{target} is not a script under {root / SYNCED_DIR}")
            chosen.add(target)
        elif target.is_dir():
            chosen.update(p for p in every if p.is_relative_to(target))
            flow_files.update(f for f in flows(root) if f.is_relative_to(target))
        else:
            raise ValueError(f"{target} does not exist")
    existing = sorted(f for f in flow_files if f.exists())
    return Selection(sorted(chosen), inline_scripts(root, existing))


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
