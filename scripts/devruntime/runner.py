"""The job runner: the process a dev runtime job runs in (one process per job, like a worker).

Usage: python -m scripts.devruntime.runner <job.json>
job.json = {"module": dotted name or null, "file": path or null, "content": code or null,
            "module_name": the dotted name a file runs as (its Windmill path) or null,
            "args": {...}, "result_path": where to write the JSON result,
            "lock_only": true when PYTHONPATH names the script's lock's packages (`lockenv`)}
It imports the script, calls main(**args) with the arguments main() declares (as Windmill's
Python wrapper does), and writes the result, or {"error": {message, name, stack}}, as JSON.
Everything the script prints goes to stdout/stderr, which become the job's logs.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import json
import math
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any


class WorkspaceImporter(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Windmill's loader: `import u.alice.lib` / `from f.x.y import z` fetches the script from
    `scripts/raw/p/<path>.py` when it is not on disk (scripts created through the API)."""

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        parts = fullname.split(".")
        if parts[0] not in ("u", "f"):
            return None
        path = "/".join(parts)
        code = self._get(f"scripts/raw/p/{path}.py") if len(parts) >= 3 else None
        self._code[fullname] = code
        if (
            code is None
            and len(parts) >= 3
            and self._get(f"scripts/list?path_start={path}/&per_page=1") in (None, "[]")
        ):
            return None  # neither a script nor a folder holding scripts: ModuleNotFoundError
        if code is None:  # a folder level: a namespace package
            spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
            spec.submodule_search_locations = []
            return spec
        return importlib.machinery.ModuleSpec(fullname, self, origin=f"windmill:{'/'.join(parts)}.py")

    def _get(self, endpoint: str) -> str | None:
        import os
        import urllib.error
        import urllib.request

        base = os.environ.get("BASE_INTERNAL_URL") or os.environ.get("WM_BASE_URL")
        workspace = os.environ.get("WM_WORKSPACE")
        if not base or not workspace:
            return None
        request = urllib.request.Request(
            f"{base}/api/w/{workspace}/{endpoint}",
            headers={"Authorization": f"Bearer {os.environ.get('WM_TOKEN', '')}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise

    def __init__(self) -> None:
        self._code: dict[str, str | None] = {}

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        code = self._code.get(module.__name__)
        if code is None:
            raise ImportError(f"script {module.__name__} not found in the workspace")
        exec(compile(code, module.__name__.replace(".", "/") + ".py", "exec"), module.__dict__)


def _load(spec: dict[str, Any]) -> ModuleType:
    if spec.get("module"):
        return importlib.import_module(spec["module"])
    file = spec.get("file")
    if not file:
        raise ValueError("job has neither module nor file")
    # Named after its Windmill path when it has one (f.x.y), so `from .z import ...` is f.x.z.
    name = spec.get("module_name") or "__wm_script__"
    module_spec = importlib.util.spec_from_file_location(name, file)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load {file}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    module_spec.loader.exec_module(module)
    return module


def _call_args(main: Any, args: dict[str, Any]) -> dict[str, Any]:
    params = inspect.signature(main).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return dict(args)
    return {k: v for k, v in args.items() if k in params}


def _clean(value: Any) -> Any:
    """NaN and infinities are not JSON: Windmill's wrapper turns them into null."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _dump(value: Any) -> str:
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    return json.dumps(_clean(value), default=str, separators=(",", ":"))


def _only_pythonpath_packages() -> None:
    """Forget the environment's site-packages: the job's packages are the PYTHONPATH folders of
    its lock, as a worker's are (`lockenv`)."""
    import site

    installed = {os.path.realpath(p) for p in site.getsitepackages()}
    sys.path[:] = [p for p in sys.path if os.path.realpath(p) not in installed]


def run(spec: dict[str, Any]) -> int:
    result_path = Path(spec["result_path"])
    if spec.get("lock_only"):
        _only_pythonpath_packages()
    # After the path finders: scripts on disk import as files, the others come from the workspace.
    sys.meta_path.append(WorkspaceImporter())
    try:
        module = _load(spec)
        main = getattr(module, "main", None)
        if main is None:
            raise AttributeError("the script has no main() function")
        result = main(**_call_args(main, spec.get("args") or {}))
        text = _dump(result)
        code = 0
    except BaseException as exc:  # the job's error is its result, whatever it is
        traceback.print_exc()
        text = json.dumps(
            {
                "error": {
                    "message": str(exc),
                    "name": type(exc).__name__,
                    "stack": traceback.format_exc(),
                }
            }
        )
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    result_path.write_text(text, encoding="utf-8")
    return code


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    sys.exit(run(spec))


if __name__ == "__main__":
    main()
