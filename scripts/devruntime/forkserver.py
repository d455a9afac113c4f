"""A warm job launcher: one long-lived process with the common imports done, forking a fresh
child process per job (each job still runs in its own process, as on a Windmill worker).
While idle it also imports the bundle's own modules and builds the validators their pydantic
models defer to first use; a job is never forked with one whose file changed since (they are all
forgotten first and the job imports them from disk).

Protocol (JSON lines): the executor writes {"job": id, "spec": job.json, "log": file, "env": {...},
"cwd": dir} on stdin; this process answers {"started": id, "pid": n} then {"exited": id,
"code": n} on its stdout. The child runs scripts.devruntime.runner with the job's environment,
its stdout/stderr going to the log file.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import io
import json
import os
import select
import signal
import sys

from scripts.devruntime import runner

_children: dict[int, str] = {}


def _send(out_fd: int, message: dict[str, object]) -> None:
    os.write(out_fd, (json.dumps(message) + "\n").encode())


def _reap(out_fd: int) -> None:
    """Collect every child that has exited and report it."""
    while _children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        job = _children.pop(pid, None)
        if job is not None:
            _send(out_fd, {"exited": job, "code": os.waitstatus_to_exitcode(status)})


def _child(request: dict[str, object], out_fd: int) -> None:
    try:
        os.setsid()
        os.close(out_fd)
        log_fd = os.open(str(request["log"]), os.O_WRONLY | os.O_APPEND)
        null_fd = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null_fd, 0)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), write_through=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in dict(request["env"]).items()})  # type: ignore[call-overload]
        os.chdir(str(request["cwd"]))
        with open(str(request["spec"]), encoding="utf-8") as fh:
            spec = json.load(fh)
        code = runner.run(spec)
    except BaseException:
        code = 70
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:
            pass
    os._exit(code)


def _preload(name: str) -> None:
    try:
        importlib.import_module(name.strip())
    except Exception as exc:  # a bad preload only costs speed
        print(f"forkserver: cannot preload {name}: {exc}", file=sys.stderr)


def _names(variable: str) -> list[str]:
    return [n.strip() for n in (os.environ.get(variable) or "").split(",") if n.strip()]


# The bundle's modules this process imported, by file: (mtime_ns, size) when imported.
_BUNDLE_TOP = ("f", "u")
_bundle_files: dict[str, tuple[int, int]] = {}


def _is_bundle(name: str) -> bool:
    return name.split(".", 1)[0] in _BUNDLE_TOP


def _stamp(file: str) -> tuple[int, int] | None:
    try:
        st = os.stat(file)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _record_bundle() -> None:
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and _is_bundle(name) and file not in _bundle_files:
            stamp = _stamp(file)
            if stamp is not None:
                _bundle_files[file] = stamp


def _build_deferred_models(module_name: str) -> None:
    """Build the validators a bundle module's pydantic models and TypeAdapters defer to their
    first use (`defer_build`): a forked job inherits them built instead of building them again
    each job (10-25 ms of CPU per step). A model that cannot be built yet is left to its first
    use. So is the argument and result check a step's `main` builds on its first call
    (`main.prepare()`, f.openanalyst.lib.contracts.step: 2-35 ms per forked step)."""
    module = sys.modules.get(module_name)
    base = getattr(sys.modules.get("pydantic"), "BaseModel", None)
    adapter = getattr(sys.modules.get("pydantic"), "TypeAdapter", None)
    if module is None or base is None:
        return
    for value in list(vars(module).values()):
        # A deferred TypeAdapter (the protocol's frame union: ~10 ms on each job's first push).
        if adapter is not None and isinstance(value, adapter) and not value.pydantic_complete:
            with contextlib.suppress(Exception):
                value.rebuild(force=True)
    prepare = getattr(getattr(module, "main", None), "prepare", None)
    if callable(prepare):
        with contextlib.suppress(Exception):  # it is built on the first call instead
            prepare()
    for value in list(vars(module).values()):
        if (
            isinstance(value, type)
            and issubclass(value, base)
            and value.__module__ == module_name
            and not value.__pydantic_complete__
        ):
            # a forward reference not importable yet: left to its first use
            with contextlib.suppress(Exception):
                value.model_rebuild(force=True)


def _forget_stale_bundle() -> bool:
    """If a file of an imported bundle module changed (or went), forget every bundle module, so
    the next job imports them from disk. True when it did."""
    if not any(_stamp(file) != stamp for file, stamp in _bundle_files.items()):
        return False
    for name in [n for n in sys.modules if _is_bundle(n)]:
        del sys.modules[name]
    importlib.invalidate_caches()
    _bundle_files.clear()
    return True


def main() -> None:
    for name in _names("OPENANALYST_DEV_PRELOAD"):
        _preload(name)
    _record_bundle()
    # Heavy libraries (the model SDKs: seconds each) are imported only while no job is waiting:
    # a job forked before they are loaded imports them itself, as it would without a fork server.
    bundle = _names("OPENANALYST_DEV_PRELOAD_BUNDLE")
    idle = bundle + _names("OPENANALYST_DEV_PRELOAD_IDLE")
    out_fd = os.dup(1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # stray prints must not corrupt the protocol
    # Single-threaded on purpose (forking a threaded process is unsafe): SIGCHLD wakes select().
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    in_fd = sys.stdin.fileno()
    pending = b""
    _send(out_fd, {"ready": True})
    while True:
        try:
            readable, _, _ = select.select([in_fd, wake_r], [], [], 0 if idle else None)
        except InterruptedError:
            continue
        if not readable:
            name = idle.pop(0)
            _preload(name)
            if _is_bundle(name):
                _build_deferred_models(name)
            _record_bundle()
            continue
        if wake_r in readable:
            os.read(wake_r, 4096)
            _reap(out_fd)
        if in_fd not in readable:
            continue
        chunk = os.read(in_fd, 65536)
        if not chunk:
            return  # the runtime closed the pipe: stop (running jobs finish on their own)
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            if not line.strip():
                continue
            request = json.loads(line)
            if _forget_stale_bundle():
                idle = bundle + [n for n in idle if n not in bundle]  # import them again when idle
            sys.stderr.flush()
            # A job inherits every object imported here. Frozen, they are never scanned by its
            # collector: a full collection in a job walked them all (100-250 ms in route_skill,
            # touching each page copy-on-write). The recipe of gc.freeze's documentation
            # (https://docs.python.org/3/library/gc.html#gc.freeze); this process unfreezes
            # them again so it still collects its own garbage.
            gc.freeze()
            pid = os.fork()
            if pid != 0:
                gc.unfreeze()
            if pid == 0:
                os.close(wake_r)
                os.close(wake_w)
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _child(request, out_fd)
            _children[pid] = str(request["job"])
            _send(out_fd, {"started": request["job"], "pid": pid})
        _reap(out_fd)


if __name__ == "__main__":
    main()
