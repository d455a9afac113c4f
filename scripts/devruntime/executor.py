"""Run one script job in its own process, with the environment a Windmill worker gives."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.devruntime.bundle import ScriptSource
from scripts.devruntime.config import REPO_ROOT, Settings


@dataclass
class ProcessResult:
    success: bool
    result: Any


def job_env(settings: Settings, env: dict[str, str]) -> dict[str, str]:
    """The base environment of a job: pass-through settings, PYTHONPATH, then the WM_* values."""
    out = {
        k: v
        for k, v in os.environ.items()
        if k in settings.passthrough_names or k.startswith(settings.passthrough_prefixes)
    }
    roots = [str(REPO_ROOT), *(str(r) for r in settings.script_roots)]
    out["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(roots))
    out["PYTHONUNBUFFERED"] = "1"
    out["PYTHONDONTWRITEBYTECODE"] = "0"
    out.update(env)
    return out


class Executor:
    """Starts `python -m scripts.devruntime.runner` per job and streams its output as logs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._procs: dict[str, asyncio.subprocess.Process] = {}
        self._tmp = Path(tempfile.mkdtemp(prefix="devruntime-jobs-"))

    async def run(
        self,
        job_id: str,
        source: ScriptSource,
        args: dict[str, Any],
        env: dict[str, str],
        on_log: Callable[[str], None],
        timeout: float | None = None,
    ) -> ProcessResult:
        if source.language != "python3":
            return ProcessResult(
                False,
                _error(
                    "LanguageNotSupported",
                    f"the dev runtime runs python3 scripts only, not {source.language!r} ({source.path})",
                ),
            )
        workdir = self._tmp / job_id
        workdir.mkdir(parents=True, exist_ok=True)
        spec: dict[str, Any] = {"args": args, "result_path": str(workdir / "result.json")}
        module = source.module_name
        if module:
            spec["module"] = module
        else:
            code_file = source.file or workdir / "main.py"
            if source.file is None:
                code_file.write_text(source.content, encoding="utf-8")
            spec["file"] = str(code_file)
        (workdir / "job.json").write_text(json.dumps(spec), encoding="utf-8")
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "scripts.devruntime.runner",
            str(workdir / "job.json"),
            cwd=str(REPO_ROOT),
            env=job_env(self.settings, env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        self._procs[job_id] = proc
        try:
            await asyncio.wait_for(self._pump(proc, on_log), timeout)
        except TimeoutError:
            self.kill(job_id)
            await proc.wait()
            return ProcessResult(False, _error("Timeout", f"job timed out after {timeout} s"))
        except asyncio.CancelledError:
            # Never leave an orphan process or a transport behind a closed loop.
            self.kill(job_id)
            await asyncio.shield(proc.wait())
            raise
        finally:
            self._procs.pop(job_id, None)
        result_file = workdir / "result.json"
        try:
            if result_file.exists():
                result = json.loads(result_file.read_text(encoding="utf-8"))
                return ProcessResult(proc.returncode == 0, result)
            return ProcessResult(
                False, _error("ExecutionErr", f"job process exited with code {proc.returncode} and no result")
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    async def _pump(self, proc: asyncio.subprocess.Process, on_log: Callable[[str], None]) -> None:
        assert proc.stdout is not None
        while True:
            chunk = await proc.stdout.read(65536)
            if not chunk:
                break
            on_log(chunk.decode("utf-8", errors="replace"))
        await proc.wait()

    def kill(self, job_id: str) -> bool:
        proc = self._procs.get(job_id)
        if proc is None or proc.returncode is not None:
            return False
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            return False
        return True

    def kill_all(self) -> None:
        for job_id in list(self._procs):
            self.kill(job_id)


def _error(name: str, message: str) -> dict[str, Any]:
    return {"error": {"name": name, "message": message}}
