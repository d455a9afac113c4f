"""A script's `.script.lock`: the pinned requirements Windmill would lock for it, from uv.lock.

Which requirements: the ones Windmill's import parser infers (`windmill_deps`), so the committed
lock is what a deploy, `wmill generate-metadata` or the re-lock of importers would produce. Versions
and transitive dependencies come from the committed uv.lock, evaluated for the Python version in
the lock header on a Linux worker. Offline and deterministic.

What the script runs must also be installed: every import anywhere in it and in the workspace
modules it reaches (a lazy import in a function included) must be provided by a pinned package,
or the plan reports where to declare it.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from . import repo, windmill_deps
from .imports import closure

PYTHON = "3.11"  # the lock header `# py: 3.11`: Windmill installs and runs the script on this version
HEADER = f"# py: {PYTHON}"
# A Windmill worker: CPython on Linux x86_64.
MARKER_ENV = {
    "implementation_name": "cpython",
    "implementation_version": f"{PYTHON}.0",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "platform_release": "",
    "platform_system": "Linux",
    "platform_version": "",
    "python_full_version": f"{PYTHON}.0",
    "python_version": PYTHON,
    "sys_platform": "linux",
    "extra": "",
}
_REQUIREMENT_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(==\s*([^\s;#]+))?")


def _applies(marker: str | None) -> bool:
    return marker is None or Marker(marker).evaluate(MARKER_ENV)


@cache
def _import_roots() -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in importlib.metadata.packages_distributions().items()}


class UvLock:
    """The packages of a uv.lock, resolvable for the worker's environment."""

    def __init__(self, path: Path) -> None:
        data = tomllib.loads(path.read_text())
        self.path = path
        self._packages: dict[str, list[dict[str, Any]]] = {}
        self.project_extras: dict[str, set[str]] = {}
        for package in data.get("package", []):
            source = package.get("source", {})
            if "virtual" in source or "editable" in source:
                deps = list(package.get("dependencies", []))
                for group in package.get("dev-dependencies", {}).values():
                    deps.extend(group)
                for dep in deps:
                    extras = self.project_extras.setdefault(canonicalize_name(dep["name"]), set())
                    extras.update(dep.get("extra", []))
                continue
            self._packages.setdefault(canonicalize_name(package["name"]), []).append(package)

    def __contains__(self, name: str) -> bool:
        return canonicalize_name(name) in self._packages

    def _entry(self, name: str, version: str | None) -> dict[str, Any]:
        entries = self._packages[name]
        if version is not None:
            entries = [e for e in entries if e["version"] == version] or entries
        if len(entries) > 1:  # uv forked the resolution: take the fork that matches the worker
            entries = [
                e for e in entries if any(_applies(m) for m in e.get("resolution-markers", []))
            ] or entries
        return entries[0]

    def extras_of(self, name: str) -> set[str]:
        """The extras uv.lock can install for `name` (those the project resolved)."""
        return set(self._entry(canonicalize_name(name), None).get("optional-dependencies", {}))

    def resolve(self, roots: dict[str, set[str]]) -> dict[str, str]:
        """Pinned versions of `roots` (name -> extras) and all they depend on."""
        pins: dict[str, str] = {}
        done: set[tuple[str, str]] = set()
        queue: list[tuple[str, str | None, frozenset[str]]] = [
            (canonicalize_name(n), None, frozenset(x)) for n, x in sorted(roots.items())
        ]
        while queue:
            name, version, extras = queue.pop()
            if name not in self._packages:
                raise KeyError(name)
            entry = self._entry(name, version)
            pins[name] = entry["version"]
            deps = list(entry.get("dependencies", []))
            for extra in sorted(extras):
                deps.extend(entry.get("optional-dependencies", {}).get(extra, []))
            for dep in deps:
                if not _applies(dep.get("marker")):
                    continue
                dep_name = canonicalize_name(dep["name"])
                dep_extras = frozenset(dep.get("extra", []))
                key = (dep_name, ",".join(sorted(dep_extras)))
                if key not in done:
                    done.add(key)
                    queue.append((dep_name, dep.get("version"), dep_extras))
        return dict(sorted(pins.items()))


@cache
def load_uv_lock(path: Path, mtime_ns: int) -> UvLock:
    return UvLock(path)


def uv_lock(root: Path) -> UvLock:
    path = root / "uv.lock"
    return load_uv_lock(path, path.stat().st_mtime_ns)


def distributions_for(import_root: str, lock: UvLock) -> list[str]:
    """The locked distributions that provide `import_root`."""
    candidates = [canonicalize_name(d) for d in _import_roots().get(import_root, ())]
    in_lock = sorted({c for c in candidates if c in lock})
    if in_lock:
        own = canonicalize_name(import_root)
        return [own] if own in in_lock else in_lock
    fallback = canonicalize_name(import_root)  # Windmill's own rule: import name, `_` -> `-`
    return [fallback] if fallback in lock else []


@dataclass
class LockPlan:
    """What a script's lock must pin, and why."""

    pins: dict[str, str] = field(default_factory=dict)
    direct: dict[str, str] = field(default_factory=dict)  # distribution -> "file:line import root"
    problems: list[str] = field(default_factory=list)

    def render(self) -> str:
        return "\n".join([HEADER, *(f"{n}=={v}" for n, v in self.pins.items())]) + "\n"


def plan(root: Path, script: Path) -> LockPlan:
    lock = uv_lock(root)
    graph = closure(root, script)  # what runs: every import, lazy ones too
    seen = windmill_deps.infer(root, script)  # what Windmill installs
    result = LockPlan(problems=[*graph.problems, *seen.problems])
    for where in seen.missing_scripts:
        file, _, target = where.rpartition(": ")
        result.problems.append(
            f"{file}: Windmill reads this import as the script {target}, which does not exist, so it locks "
            f"nothing for it: import the module itself (`from {target.replace('/', '.')}.<module> import "
            f"<name>` or `import {target.replace('/', '.')}.<module> as <module>`)"
        )
    wanted: dict[str, set[str]] = {}
    unresolved: set[str] = set()  # requirement names already reported
    for text, where in seen.requirements.items():
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            result.problems.append(f"{where}: {text!r} is not a requirement Windmill can install")
            continue
        name = canonicalize_name(requirement.name)
        if name not in lock:
            unresolved.add(name)
            result.problems.append(
                f"{where}: Windmill would install {text!r} from PyPI, which is not in uv.lock (an import "
                f"whose package has another name, e.g. `frontmatter` is python-frontmatter): list the "
                f"packages under a `# requirements:` header, or `uv add` it"
            )
            continue
        wanted.setdefault(name, set()).update(requirement.extras)
        result.direct.setdefault(name, f"{where} ({text})")
    for name, extras in sorted(wanted.items()):
        unknown = extras - lock.extras_of(name)
        if unknown:
            result.problems.append(
                f"{result.direct[name]}: uv.lock has no {name} extra {', '.join(sorted(unknown))}; "
                f"`uv add '{name}[{','.join(sorted(extras))}]'` so the lock matches what Windmill installs"
            )
        needed = lock.project_extras.get(name, set()) - extras
        if needed:
            declared = f"{name}[{','.join(sorted(extras | needed))}]"
            result.problems.append(
                f"{result.direct[name].split(' (')[0]}: pyproject.toml uses {name} with "
                f"[{','.join(sorted(needed))}], which Windmill does not infer: declare `# {declared}` under "
                f"`# extra_requirements:`"
            )
    result.pins = lock.resolve(wanted)
    for import_root, where in sorted(graph.external.items()):
        dists = distributions_for(import_root, lock)
        if not dists:
            result.problems.append(
                f"{where}: imports {import_root!r}, which no package in uv.lock provides "
                f"(add it with `uv add <distribution>`)"
            )
        elif canonicalize_name(import_root) in unresolved:
            continue
        elif not any(d in result.pins for d in dists):
            result.problems.append(
                f"{where}: imports {import_root!r}, which Windmill's import parser does not see (only "
                f"module-level imports before `def main(` count): move it to module level, or list "
                f"`{dists[0]}` under `# extra_requirements:`"
            )
    return result


def parse_lock(text: str) -> tuple[str, dict[str, str]]:
    """(header line, {distribution: version}) of a .script.lock."""
    lines = text.splitlines()
    header = lines[0].strip() if lines and lines[0].startswith("#") else ""
    pins: dict[str, str] = {}
    for line in lines:
        text_ = line.strip()
        if not text_ or text_.startswith("#"):
            continue
        match = _REQUIREMENT_RE.match(text_)
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(4) or ""
    return header, pins


def compare(
    root: Path, script: Path, lock_file: Path | None = None, regenerate: str | None = None
) -> list[str]:
    """Problems with a script's committed lock: missing, lacking what it imports, or stale.

    `lock_file` defaults to the script's .script.lock; `regenerate` is the path to name in the hint.
    """
    path = lock_file or repo.lock_path(script)
    where = repo.rel(path, root)
    hint = f"`uv run scripts/bundle.py metadata {regenerate or repo.rel(script, root)}`"
    wanted = plan(root, script)
    problems = list(wanted.problems)
    if not path.exists():
        return [*problems, f"{where}: missing (run {hint})"]
    header, pins = parse_lock(path.read_text())
    if header != HEADER:
        problems.append(f"{where}: header is {header!r}, expected {HEADER!r}")
    for dist, why in sorted(wanted.direct.items()):
        if dist not in pins:
            problems.append(f"{where}: lacks {dist}, which the script imports at {why}")
    for dist, version in wanted.pins.items():
        if dist in wanted.direct and dist not in pins:
            continue
        if dist not in pins:
            problems.append(f"{where}: lacks {dist}=={version}, a dependency of what the script imports")
        elif pins[dist] != version:
            problems.append(f"{where}: pins {dist}=={pins[dist]}, uv.lock has {version}")
    for dist in sorted(set(pins) - set(wanted.pins)):
        problems.append(f"{where}: pins {dist}, which nothing the script imports needs")
    if len(problems) > len(wanted.problems):
        problems.append(f"{where}: regenerate with {hint}")
    return problems
