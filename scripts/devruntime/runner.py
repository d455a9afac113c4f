"""The job runner: the process a dev runtime job runs in (one process per job, like a worker).

Usage: python -m scripts.devruntime.runner <job.json>
job.json = {"module": dotted name or null, "file": path or null, "content": code or null,
            "args": {...}, "result_path": where to write the JSON result}
It imports the script, calls main(**args) with the arguments main() declares (as Windmill's
Python wrapper does), and writes the result, or {"error": {message, name, stack}}, as JSON.
Everything the script prints goes to stdout/stderr, which become the job's logs.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import math
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any


def _load(spec: dict[str, Any]) -> ModuleType:
    if spec.get("module"):
        return importlib.import_module(spec["module"])
    file = spec.get("file")
    if not file:
        raise ValueError("job has neither module nor file")
    module_spec = importlib.util.spec_from_file_location("__wm_script__", file)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load {file}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules["__wm_script__"] = module
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


def run(spec: dict[str, Any]) -> int:
    result_path = Path(spec["result_path"])
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
