"""Run one script job in its own process, with the environment a Windmill worker gives."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.devruntime.bundle import ScriptSource
from scripts.devruntime.config import REPO_ROOT, Settings
from scripts.devruntime.lockenv import LockEnvironments, lock_of
from scripts.devruntime.preloads import bundle_groups, parse_groups


@dataclass
class ProcessResult:
    success: bool
    result: Any


def job_env(settings: Settings, env: dict[str, str]) -> dict[str, str]:
    """The base environment of a job: allow-listed settings, PYTHONPATH, then the job's own values."""
    out = {k: v for k, v in os.environ.items() if k in settings.passthrough_names}
    # The embedded store: the dev runtime names a SQLite file beside its own database, so the
    # bundle's store opens SQLite here. A Windmill worker names none (its job directory is
    # deleted after every job), and there the store needs the resource f/openanalyst/db.
    out.setdefault("OPENANALYST_SQLITE_PATH", str(settings.store_sqlite_path))
    # The worker's cache folder (f.openanalyst.lib.skills.table_cache), kept across jobs.
    out.setdefault("OPENANALYST_CACHE_DIR", str(settings.worker_cache_dir))
    roots = [str(REPO_ROOT), *(str(r) for r in settings.script_roots)]
    out["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(roots))
    out["PYTHONUNBUFFERED"] = "1"
    out["PYTHONDONTWRITEBYTECODE"] = "0"
    out.update(env)
    return out


class Executor:
    """Runs each job in a process of its own and streams its output as the job's logs.

    Fork mode (default): a warm fork server forks the job's process, skipping interpreter start
    and common imports. Plain mode: `python -m scripts.devruntime.runner` per job, with only the
    packages of the script's `.script.lock` importable, as on a worker (`lockenv`).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pids: dict[str, int] = {}
        self._waiters: dict[str, tuple[asyncio.Future[int], asyncio.Future[int]]] = {}
        self._fork_proc: asyncio.subprocess.Process | None = None
        self._fork_reader: asyncio.Task[None] | None = None
        self._fork_lock = asyncio.Lock()
        # Set once jobs are forked with every preload done (a benchmark's steady state); any thread may wait.
        self.preloaded = threading.Event()
        # The heavy preload groups a job has imported: preloaded from then on, restarts included.
        self._used_groups: set[str] = set()
        self._tmp = Path(tempfile.mkdtemp(prefix="devruntime-jobs-"))
        self._locks = LockEnvironments(self._tmp / "packages")

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
            # Windmill runs a script as the module of its path (f/x/y -> f.x.y), so its relative
            # imports resolve against its folder: `from .z import main` is f/x/z.
            # https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/python_executor.rs
            # (case: backend/tests/python_jobs.rs, test_relative_imports_python)
            parts = source.path.split("/")
            if len(parts) >= 3 and all(p.isidentifier() for p in parts):
                spec["module_name"] = ".".join(parts)
        packages = await self._lock_packages(source)
        if packages is not None:
            spec["lock_only"] = True
        (workdir / "job.json").write_text(json.dumps(spec), encoding="utf-8")
        env = job_env(self.settings, env)
        if packages:
            env["PYTHONPATH"] = os.pathsep.join([env["PYTHONPATH"], *packages])
        try:
            return await self._launch(job_id, workdir, env, on_log, timeout)
        finally:
            self._pids.pop(job_id, None)
            shutil.rmtree(workdir, ignore_errors=True)

    async def _lock_packages(self, source: ScriptSource) -> list[str] | None:
        """A fresh interpreter imports only the packages of the script's `.script.lock`, as on a
        worker (`lockenv`); None: the whole environment (forked jobs, scripts without a lock)."""
        if self.settings.fork or source.file is None:
            return None
        lock = lock_of(source.file)
        if lock is None:
            return None
        return await asyncio.to_thread(self._locks.paths, lock.read_text(encoding="utf-8"))

    async def _launch(
        self,
        job_id: str,
        workdir: Path,
        env: dict[str, str],
        on_log: Callable[[str], None],
        timeout: float | None,
    ) -> ProcessResult:
        launch = self._run_forked if self.settings.fork else self._run_process
        try:
            code = await asyncio.wait_for(launch(job_id, workdir, env, on_log), timeout)
        except TimeoutError:
            self.kill(job_id)
            return ProcessResult(False, _error("Timeout", f"job timed out after {timeout} s"))
        result_file = workdir / "result.json"
        if result_file.exists():
            result = json.loads(result_file.read_text(encoding="utf-8"))
            return ProcessResult(code == 0, result)
        return ProcessResult(
            False, _error("ExecutionErr", f"job process exited with code {code} and no result")
        )

    async def _run_process(
        self, job_id: str, workdir: Path, env: dict[str, str], on_log: Callable[[str], None]
    ) -> int:
        """Plain mode: a fresh `python -m scripts.devruntime.runner` per job."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "scripts.devruntime.runner",
            str(workdir / "job.json"),
            cwd=str(REPO_ROOT),
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        self._pids[job_id] = proc.pid
        assert proc.stdout is not None
        try:
            while chunk := await proc.stdout.read(65536):
                on_log(chunk.decode("utf-8", errors="replace"))
            return await proc.wait()
        except asyncio.CancelledError:
            # Never leave an orphan process or a transport behind a closed loop.
            self.kill(job_id)
            await asyncio.shield(proc.wait())
            raise

    async def _run_forked(
        self, job_id: str, workdir: Path, env: dict[str, str], on_log: Callable[[str], None]
    ) -> int:
        """Fork mode: the warm fork server starts the job's process; its log file is tailed."""
        server = await self._forkserver()
        log_file = workdir / "output.log"
        log_file.touch()
        loop = asyncio.get_running_loop()
        started: asyncio.Future[int] = loop.create_future()
        exited: asyncio.Future[int] = loop.create_future()
        self._waiters[job_id] = (started, exited)
        request = {
            "job": job_id,
            "spec": str(workdir / "job.json"),
            "log": str(log_file),
            "env": env,
            "cwd": str(REPO_ROOT),
        }
        assert server.stdin is not None
        server.stdin.write((json.dumps(request) + "\n").encode())
        await server.stdin.drain()
        try:
            self._pids[job_id] = await started
            with log_file.open("rb") as fh:
                while True:
                    done = exited.done()
                    chunk = fh.read()
                    if chunk:
                        on_log(chunk.decode("utf-8", errors="replace"))
                    if done:
                        return exited.result()
                    await asyncio.wait([exited], timeout=0.05)
        except asyncio.CancelledError:
            self.kill(job_id)
            raise
        finally:
            self._waiters.pop(job_id, None)

    async def warm(self) -> None:
        """Start the fork server now, so the first job does not wait for it."""
        if self.settings.fork:
            try:
                await self._forkserver()
            except Exception as exc:  # the first job will try again and report it
                print(f"devruntime: the job fork server did not start: {exc}", file=sys.stderr)

    async def _forkserver(self) -> asyncio.subprocess.Process:
        async with self._fork_lock:
            if self._fork_proc is not None and self._fork_proc.returncode is None:
                return self._fork_proc
            root = self.settings.bundle_root
            groups = parse_groups(self.settings.preload_on_use)
            bundle = bundle_modules(root) if self.settings.preload_bundle else []
            heavy = bundle_groups(root, bundle, groups)
            at_start = self._used_groups | self._wanted_at_start()
            env = job_env(
                self.settings,
                {
                    "OPENANALYST_DEV_PRELOAD": self.settings.preload,
                    "OPENANALYST_DEV_PRELOAD_IDLE": self.settings.preload_idle,
                    "OPENANALYST_DEV_PRELOAD_ON_USE": self.settings.preload_on_use,
                    "OPENANALYST_DEV_PRELOAD_GROUPS": ",".join(sorted(at_start)),
                    "OPENANALYST_DEV_PRELOAD_BUNDLE": ",".join(m for m in bundle if m not in heavy),
                    "OPENANALYST_DEV_PRELOAD_GROUP_BUNDLE": ";".join(
                        f"{group}={','.join(m for m in bundle if heavy.get(m) == group)}" for group in groups
                    ),
                    # One OpenBLAS thread: numpy loaded here starts no thread, so forking stays safe
                    # (a job's routing math is a few tiny products, where threads only contend).
                    **{name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")},
                },
            )
            self.preloaded.clear()
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "scripts.devruntime.forkserver",
                cwd=str(REPO_ROOT),
                env=env,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
            assert proc.stdout is not None
            ready = json.loads(await proc.stdout.readline() or b"{}")
            if not ready.get("ready"):
                raise RuntimeError("the job fork server did not start")
            self._fork_proc = proc
            self._fork_reader = asyncio.get_running_loop().create_task(self._read_forkserver(proc))
            return proc

    async def _read_forkserver(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            message = json.loads(line)
            if "started" in message and message["started"] in self._waiters:
                fut = self._waiters[message["started"]][0]
                if not fut.done():
                    fut.set_result(int(message["pid"]))
            elif message.get("preloaded"):
                self.preloaded.set()
            else:
                self._preload_used(proc, message.get("used") or [])
                # "done": the job's last act before it exits; "exited": the exit (after a crash,
                # the only one)
                if (job := message.get("done") or message.get("exited")) in self._waiters:
                    fut = self._waiters[job][1]
                    if not fut.done():
                        fut.set_result(int(message["code"]))
        # The fork server died: fail whatever waits on it; the next job starts a new one.
        for started, exited in list(self._waiters.values()):
            for fut in (started, exited):
                if not fut.done():
                    fut.set_exception(RuntimeError("the job fork server exited"))

    def _wanted_at_start(self) -> set[str]:
        return {
            group
            for group, names in parse_groups(self.settings.preload_when_set).items()
            if any(os.environ.get(name) for name in names)
        }

    def _preload_used(self, proc: asyncio.subprocess.Process, used: list[str]) -> None:
        """A job imported a heavy group the fork server had not loaded: have it preloaded (once)."""
        for group in used:
            if group in self._used_groups or proc.stdin is None:
                continue
            self._used_groups.add(group)
            self.preloaded.clear()  # until the fork server has preloaded it too
            proc.stdin.write((json.dumps({"preload": group}) + "\n").encode())

    async def close(self) -> None:
        self.kill_all()
        proc = self._fork_proc
        if proc is not None and proc.returncode is None:
            assert proc.stdin is not None
            proc.stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), 5)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if self._fork_reader is not None:
            await asyncio.gather(self._fork_reader, return_exceptions=True)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def kill(self, job_id: str) -> bool:
        pid = self._pids.get(job_id)
        if pid is None:
            return False
        try:
            os.killpg(pid, signal.SIGKILL)  # the job's session: the script and anything it started
        except ProcessLookupError:
            return False
        return True

    def kill_all(self) -> None:
        for job_id in list(self._pids):
            self.kill(job_id)


def bundle_modules(root: Path) -> list[str]:
    """The dotted names of the bundle's modules under `root/f`: the request's steps first (they
    import the shared lib they use), then the lib, then the rest; flows' inline steps are not
    modules."""
    names: list[str] = []
    for path in sorted((root / "f").rglob("*.py")):
        relative = path.relative_to(root).with_suffix("")
        if any("__" in part for part in relative.parts):  # __flow folders, __pycache__, __init__
            continue
        names.append(".".join(relative.parts))
    return sorted(names, key=lambda name: (".brain." not in name, ".lib." not in name))


def _error(name: str, message: str) -> dict[str, Any]:
    return {"error": {"name": name, "message": message}}
