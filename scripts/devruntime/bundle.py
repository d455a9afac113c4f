"""Read the bundle from disk the way `wmill sync push` would deploy it.

Scripts are `<path>.py` (or `<path>__mod/script.py`), flows `<path>__flow/flow.yaml` (or
`.flow/`), resources `<path>.resource.yaml`, variables `<path>.variable.yaml`, resource types
`<name>.resource-type.yaml` at a root. `!inline <file>` references are resolved relative to the
flow folder, as the CLI does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from scripts.devruntime.config import REPO_ROOT

_ITEM_DIRS = ("f", "u")
# Resources as the store keeps them (JSON), compiled from their YAML once per file version.
CACHE_DIR = REPO_ROOT / "var" / "cache"
# Below this size a resource file is parsed at every start: microseconds, no cache file.
_CACHE_MIN_BYTES = 64 * 1024
_compiled: dict[tuple[str, int, int], tuple[str, str]] = {}


# libyaml's loader when PyYAML has it: the compiled skills resources are megabytes of YAML, which
# the pure-Python loader took over 2 s of every start to read.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _InlineLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """SafeLoader that also accepts an unquoted `!inline file` tag."""


def _inline_constructor(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return "!inline " + str(loader.construct_scalar(node))  # type: ignore[arg-type]


_InlineLoader.add_constructor("!inline", _inline_constructor)


def load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_InlineLoader)


@dataclass(frozen=True)
class ScriptSource:
    """Code of one runnable: a file in a script root, or content stored through the API."""

    path: str
    content: str
    language: str = "python3"
    file: Path | None = None
    root: Path | None = None

    @property
    def module_name(self) -> str | None:
        """Dotted import name when the file sits at its Windmill path under a root."""
        if self.file is None or self.root is None:
            return None
        rel = self.file.relative_to(self.root).with_suffix("")
        parts = rel.parts
        if all(p.isidentifier() for p in parts):
            return ".".join(parts)
        return None


def resolve_inline(node: Any, folder: Path) -> Any:
    """Replace every `!inline <file>` string with that file's text."""
    if isinstance(node, dict):
        return {k: resolve_inline(v, folder) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve_inline(v, folder) for v in node]
    if isinstance(node, str) and node.startswith("!inline "):
        target = (folder / node[len("!inline ") :].strip()).resolve()
        if folder.resolve() not in target.parents:
            raise ValueError(f"!inline reference escapes the flow folder: {node}")
        return target.read_text(encoding="utf-8")
    return node


# Parsed YAML per file version, pickled: each flow run reads its flow (5-6 ms of YAML for a step
# list), and `scripts/get` a script's `.script.yaml` for its schema (1.5-3 ms each; the planner and
# execute_plan ask for the scripts of every plan).
_parsed: dict[Path, tuple[object, bytes]] = {}


def _parsed_once(key: Path, stamp: object, parse: Callable[[], Any]) -> Any:
    """`parse()` for `key`, called again only when `stamp` changed."""
    cached = _parsed.get(key)
    if cached is None or cached[0] != stamp:
        cached = _parsed[key] = (stamp, pickle.dumps(parse()))
    return pickle.loads(cached[1])  # each caller gets its own copy (our own bytes, never foreign)


def _read_flow(folder: Path) -> dict[str, Any]:
    """The flow of `folder` (its !inline files resolved), parsed again only when one of its files changed."""
    stamps = sorted(
        (str(f), st.st_mtime_ns, st.st_size) for f in folder.rglob("*") if f.is_file() and (st := f.stat())
    )
    return _parsed_once(folder, stamps, lambda: resolve_inline(load_yaml(folder / "flow.yaml"), folder))


def read_script_meta(file: Path) -> dict[str, Any]:
    """The metadata file of a script (`{}` when there is none), parsed again only when it changed."""
    try:
        st = file.stat()
    except OSError:
        return {}
    return _parsed_once(file, (st.st_mtime_ns, st.st_size), lambda: load_yaml(file) or {})


class Bundle:
    """The scripts, flows, resources, variables and resource types under the script roots."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = [Path(r).resolve() for r in roots]

    def find_script(self, path: str) -> ScriptSource | None:
        if not _safe_path(path):
            return None
        for root in self.roots:
            for file in (root / f"{path}.py", root / f"{path}__mod" / "script.py"):
                if file.is_file():
                    return ScriptSource(
                        path=path, content=file.read_text(encoding="utf-8"), file=file, root=root
                    )
        return None

    def find_flow(self, path: str) -> dict[str, Any] | None:
        if not _safe_path(path):
            return None
        for root in self.roots:
            for folder in (root / f"{path}__flow", root / f"{path}.flow"):
                file = folder / "flow.yaml"
                if file.is_file():
                    flow = _read_flow(folder)
                    flow["path"] = path
                    return flow
        return None

    def _iter(self, pattern: str, start: str = "") -> list[tuple[str, Path]]:
        """(item path, file) of each file matching `pattern` whose item path starts with `start`;
        only the folder `start` names is walked (a person's folder, not the whole tree)."""
        found: dict[str, Path] = {}
        suffix = pattern.lstrip("*")
        folder = start.rsplit("/", 1)[0] if start.count("/") >= 1 else ""
        for root in self.roots:
            for top in _ITEM_DIRS:
                base = root / top
                if folder:
                    parts = folder.split("/")
                    if parts[0] != top or not _plain_parts(parts):
                        continue
                    base = root / folder
                if not base.is_dir():
                    continue
                for file in sorted(base.rglob(pattern)):
                    if "__pycache__" in file.parts:
                        continue
                    item_path = file.relative_to(root).as_posix()[: -len(suffix)]
                    if item_path.startswith(start):
                        found.setdefault(item_path, file)
        return sorted(found.items())

    def scripts(self, start: str = "") -> list[str]:
        """The scripts on disk whose path starts with `start`."""
        paths = [p for p, _ in self._iter("*.py", start) if "__flow/" not in p and ".flow/" not in p]
        return [p.removesuffix("__mod/script") for p in paths]

    def flows(self, start: str = "") -> list[str]:
        """The flows on disk whose path starts with `start`."""
        folders = [p for p, _ in self._iter("*/flow.yaml", start)]
        return [
            p.removesuffix("__flow").removesuffix(".flow") for p in folders if p.endswith(("__flow", ".flow"))
        ]

    def resources(self) -> list[tuple[str, str, str]]:
        """(path, the resource's JSON without its value, the value's JSON) for each resource file,
        as `Store.put_json` takes them."""
        return [(path, *resource_json(path, file)) for path, file in self._iter("*.resource.yaml")]

    def variables(self) -> list[dict[str, Any]]:
        out = []
        for path, file in self._iter("*.variable.yaml"):
            doc = load_yaml(file) or {}
            out.append(
                {
                    "path": path,
                    "value": "" if doc.get("value") is None else str(doc.get("value")),
                    "is_secret": bool(doc.get("is_secret", False)),
                    "description": doc.get("description") or "",
                }
            )
        return out

    def schedules(self) -> list[dict[str, Any]]:
        return [{**(load_yaml(file) or {}), "path": path} for path, file in self._iter("*.schedule.yaml")]

    def folders(self) -> list[dict[str, Any]]:
        out = []
        for root in self.roots:
            for file in sorted((root / "f").glob("*/folder.meta.yaml")):
                doc = load_yaml(file) or {}
                name = file.parent.name
                perms = {k: bool(v) for k, v in (doc.get("extra_perms") or {}).items()}
                out.append(
                    {
                        "name": name,
                        "summary": doc.get("summary") or "",
                        "owners": doc.get("owners") or [k for k, v in perms.items() if v],
                        "extra_perms": perms,
                    }
                )
        return out

    def resource_types(self) -> list[dict[str, Any]]:
        out = []
        for root in self.roots:
            for file in sorted(root.glob("*.resource-type.yaml")):
                doc = load_yaml(file) or {}
                out.append(
                    {
                        "name": file.name.removesuffix(".resource-type.yaml"),
                        "schema": doc.get("schema"),
                        "description": doc.get("description") or "",
                    }
                )
        return out


def resource_json(path: str, file: Path) -> tuple[str, str]:
    """The resource item of `file` as JSON text: (the item without its value, the value). The
    skills' embedding table is 10 MB of YAML, which took 0.2-0.3 s of every start to parse and 0.1 s
    to turn into JSON: the JSON is kept per file version (path, mtime, size), in this process and in
    var/cache (one line each: JSON text holds no raw newline)."""
    st = file.stat()
    key = (str(file.resolve()), st.st_mtime_ns, st.st_size)
    texts = _compiled.get(key)
    if texts is not None:
        return texts
    cached = None
    if st.st_size >= _CACHE_MIN_BYTES:
        name = hashlib.sha256(key[0].encode()).hexdigest()[:12]
        version = hashlib.sha256(f"{path}|{key[1]}|{key[2]}".encode()).hexdigest()[:12]
        cached = CACHE_DIR / f"resource-{name}-{version}.json"
        with contextlib.suppress(OSError, ValueError):
            meta, value = cached.read_text(encoding="utf-8").split("\n")
            texts = meta, value
    if texts is None:
        doc = load_yaml(file) or {}
        item = {
            "path": path,
            "description": doc.get("description") or "",
            "resource_type": doc.get("resource_type", "any"),
            # Windmill stamps edited_at on every create and update; a file's is when it changed, so
            # an unchanged resource keeps it across restarts (and stays unwritten, see Store.put_json)
            "edited_at": datetime.fromtimestamp(st.st_mtime, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
        }
        texts = json.dumps(item), json.dumps(doc.get("value"))
        if cached is not None:
            _write_cache(cached, "\n".join(texts))
    _compiled[key] = texts
    return texts


def _write_cache(cached: Path, text: str) -> None:
    """Write a compiled copy, replacing the copies of the file's earlier versions."""
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        for old in CACHE_DIR.glob(cached.name.rsplit("-", 1)[0] + "-*.json"):
            old.unlink(missing_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, cached)
    except OSError:  # a read-only checkout only loses the speed-up
        pass


def _plain_parts(parts: list[str]) -> bool:
    """Path parts that name folders below the root: none empty, "." or ".."."""
    return all(p and p not in {".", ".."} for p in parts)


def _safe_path(path: str) -> bool:
    """A Windmill path: u/<user>/... or f/<folder>/..., never escaping the root."""
    parts = path.split("/")
    return len(parts) >= 3 and parts[0] in _ITEM_DIRS and _plain_parts(parts)
