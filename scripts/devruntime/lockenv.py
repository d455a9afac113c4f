"""A script's packages as a Windmill worker gives them: only what its `.script.lock` pins.

A worker installs each line of a script's lock (`name==version`) into a folder of its own,
`<cache>/python_311/<name>==<version>`, and starts the job's interpreter with PYTHONPATH naming
those folders and nothing else: a package the lock does not pin cannot be imported, even when
another script's lock has it.
https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/python_executor.rs
(`handle_python_reqs`: one `--target` folder per requirement; `handle_python_job`: PYTHONPATH)

The dev runtime's fresh-interpreter mode does the same with the packages already installed in the
project's environment (uv sync installs the versions of uv.lock, which every script lock is
generated from): one folder per pinned distribution, holding links to that distribution's files.
Cost matters here: with the whole environment importable, optional imports succeed that fail on a
worker (httpx imports its command line, and so `click`, `rich` and `pygments`, whenever they are
installed: ~80 ms per job that a worker never pays).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import sys
import threading
from pathlib import Path

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")


def lock_of(script: Path) -> Path | None:
    """The committed lock beside a script file (`x.py` -> `x.script.lock`), when there is one."""
    lock = script.with_name(script.stem + ".script.lock")
    return lock if lock.is_file() else None


def pins(text: str) -> list[tuple[str, str]]:
    """(name, version) of each requirement line of a lock; the `# py:` header and comments skipped."""
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        match = _PIN.match(line.strip())
        if match:
            out.append((match.group(1), match.group(2)))
    return out


class LockEnvironments:
    """Builds (once per distribution) and hands out the PYTHONPATH folders of a lock."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache / f"python_{sys.version_info.major}{sys.version_info.minor}"
        self._paths: dict[str, list[str] | None] = {}
        self._lock = threading.Lock()  # jobs may ask from worker threads at once

    def paths(self, lock_text: str) -> list[str] | None:
        """The folders of every pinned distribution, in the lock's order, or None when one of them
        is not installed at its pinned version (then the job gets the whole environment)."""
        key = hashlib.sha256(lock_text.encode()).hexdigest()
        with self._lock:
            if key not in self._paths:
                self._paths[key] = self._build(pins(lock_text))
            return self._paths[key]

    def _build(self, wanted: list[tuple[str, str]]) -> list[str] | None:
        out: list[str] = []
        for name, version in wanted:
            folder = self.cache / f"{name}=={version}"
            if not (folder / ".valid").exists():
                try:
                    dist = importlib.metadata.distribution(name)
                except importlib.metadata.PackageNotFoundError:
                    return None
                if dist.version != version:
                    return None
                _link_distribution(dist, folder)
            out.append(str(folder))
        return out


def _link_distribution(dist: importlib.metadata.Distribution, folder: Path) -> None:
    """`folder` holds a link to each top-level entry of the distribution's installed files."""
    site = Path(str(dist.locate_file("")))
    tops: set[str] = set()
    for file in dist.files or ():
        parts = Path(file).parts
        if parts and parts[0] != "..":  # `../../bin/x`: console scripts, not importable
            tops.add(parts[0])
    folder.mkdir(parents=True, exist_ok=True)
    for top in sorted(tops):
        link = folder / top
        if not link.exists() and (site / top).exists():
            os.symlink(site / top, link)
    (folder / ".valid").touch()
