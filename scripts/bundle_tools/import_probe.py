"""Import each given .py under a repository root, in this fresh process, and report failures.

Run as `python import_probe.py ROOT REL_PATH...`; prints one JSON line after MARKER with
{rel_path: error or null}. A separate process keeps heavy or broken imports out of the caller.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import traceback
from pathlib import Path

MARKER = "@@import-probe@@"


def _import(root: Path, rel: str) -> None:
    parts = Path(rel).with_suffix("").parts
    name = ".".join(parts)
    if all(part.isidentifier() for part in parts):
        importlib.import_module(name)
        return
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), root / rel)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {rel}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


def main(argv: list[str]) -> int:
    root = Path(argv[0]).resolve()
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [str(root), *(p for p in sys.path if p not in {here, "", "."})]
    os.chdir(root)
    results: dict[str, str | None] = {}
    for rel in argv[1:]:
        try:
            _import(root, rel)
            results[rel] = None
        except BaseException as exc:  # SystemExit on import is a failure too
            frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
            at = f" ({Path(frame.filename).name}:{frame.lineno})" if frame else ""
            results[rel] = f"{type(exc).__name__}: {exc}{at}"
    sys.stdout.write("\n" + MARKER + json.dumps(results) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
