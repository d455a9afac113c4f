"""A warm job launcher: one long-lived process with the common imports done, forking a fresh
child process per job (each job still runs in its own process, as on a Windmill worker).
It also imports the bundle's own modules and the libraries jobs use (the model SDKs, seconds each,
only once a job has imported them: preloads.py) and builds the validators their pydantic models
defer to first use, in a successor: a process forked from it that preloads while this one goes
on forking jobs, then takes its place (a job never waits behind an import in progress). A job is
never forked with a bundle module whose file changed since (they are all forgotten first and the
job imports them from disk).

Protocol (JSON lines): the executor writes {"job": id, "spec": job.json, "log": file, "env": {...},
"cwd": dir} on stdin; this process answers {"started": id, "pid": n} then {"exited": id,
"code": n} on its stdout ({"done": id, "code": n} before that, when the job's last act says so),
and {"preloaded": true} once jobs are forked with every preload done. A job that imported a group
of heavy libraries the server had not loaded says so: {"done": id, "code": n, "used": [group]};
the executor then writes {"preload": group}, and the group is preloaded like a stage
(scripts/devruntime/preloads.py).
The child runs scripts.devruntime.runner with the job's environment, its stdout/stderr going to
the log file.
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
import time
from dataclasses import dataclass

from scripts.devruntime import preloads, runner, warmups

_children: dict[int, str] = {}
_done: dict[int, str] = {}  # the read end of each running job's `done` pipe -> its job id
# The heavy groups ({name: modules}), their packages -> group, and the bundle modules each group's
# stage imports after them (those that import a group's library at their top).
_GROUPS: dict[str, list[str]] = preloads.parse_groups(os.environ.get("OPENANALYST_DEV_PRELOAD_ON_USE") or "")
_GROUP_OF = preloads.group_of_package(_GROUPS)
_GROUP_BUNDLE: dict[str, list[str]] = {}


def _read_done(fds: list[int], out_fd: int) -> None:
    """Report each job among `fds` that said it is done (a pipe that closed unsaid: the exit will tell)."""
    for fd in fds:
        job = _done.pop(fd, None)
        if job is None:
            continue
        code, *used = os.read(fd, 4096).decode(errors="replace").split() or [""]  # "": killed unsaid
        os.close(fd)
        if code.lstrip("-").isdigit():
            _send(out_fd, {"done": job, "code": int(code), **({"used": used} if used else {})})


def _send(out_fd: int, message: dict[str, object]) -> None:
    os.write(out_fd, (json.dumps(message) + "\n").encode())


def _reap(out_fd: int) -> set[int]:
    """Collect every child that has exited and report the jobs; the other pids (a successor)."""
    others: set[int] = set()
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return others
        if pid == 0:
            return others
        job = _children.pop(pid, None)
        if job is not None:
            _send(out_fd, {"exited": job, "code": os.waitstatus_to_exitcode(status)})
        else:
            others.add(pid)


def _child(request: dict[str, object], out_fd: int, done_fd: int) -> None:
    """Run the job in this forked process. Its last act, after the result is written and the logs
    flushed, is to write its exit code on `done_fd`, a pipe of its own (the protocol pipe is closed
    here: a job cannot speak for another): the server says {"done": id, "code": n} at once, and the
    kernel's tearing down of a process of this size (~6 ms) overlaps the next job instead of
    delaying it. A Windmill worker waits for the exit itself (`handle_child` in
    https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/common.rs); after
    `done` this process only runs `os._exit`, so what a caller sees (result, logs, status) is the same."""
    code = 70
    loaded = {package for package in _GROUP_OF if package in sys.modules}
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
    used = {group for package, group in _GROUP_OF.items() if package not in loaded and package in sys.modules}
    with contextlib.suppress(OSError):
        os.write(done_fd, " ".join([str(code), *sorted(used)]).encode())
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


def _compile_lazy(values: list[object], lazy: type, depth: int) -> None:
    """Compile the lazy patterns among `values` and the lists, tuples and dicts they hold."""
    for value in values:
        if isinstance(value, lazy):
            with contextlib.suppress(Exception):  # a bad pattern fails where it is used
                value.compiled()  # type: ignore[attr-defined]
        elif depth > 0 and isinstance(value, list | tuple | dict):
            _compile_lazy(list(value.values() if isinstance(value, dict) else value), lazy, depth - 1)


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
    # Patterns the bundle compiles on first use (f.openanalyst.lib.lazy_re: a fresh process
    # compiles only those it uses), compiled here once instead of in every job (10-20 ms each).
    lazy = getattr(sys.modules.get("f.openanalyst.lib.lazy_re"), "LazyPattern", None)
    if lazy is not None:
        _compile_lazy(list(vars(module).values()), lazy, 3)
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


def _wake_pipe() -> tuple[int, int]:
    """SIGCHLD wakes select() through this pipe (single-threaded on purpose: forking a threaded
    process is unsafe)."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    return wake_r, wake_w


def _preload_idle(name: str) -> None:
    if name.startswith(preloads.GROUP_MARK):
        group = name[len(preloads.GROUP_MARK) :]
        for module in [*_GROUPS.get(group, []), *_GROUP_BUNDLE.get(group, [])]:
            _preload_idle(module)
        return
    _preload(name)
    warmups.warm(name)
    if _is_bundle(name):
        _build_deferred_models(name)
    _record_bundle()


def _loaded(group: str) -> bool:
    """True when the group's libraries are imported here (or it names no group)."""
    return all(module.split(".", 1)[0] in sys.modules for module in _GROUPS.get(group, []))


@dataclass
class _Successor:
    pid: int
    ready_r: int  # it writes b"r" here once it has preloaded
    go_w: int  # this process writes b"g" here when it stops reading requests (then the stages it
    # was asked for meanwhile, as JSON)
    stages: list[list[str]]  # what it preloads (the first stage) and leaves to its own successor
    ready: bool = False


# A later stage starts after this long without a running job (the first request's jobs do not
# share the CPU with an SDK's import they do not need), or this long after the server took over
# at the latest (jobs that never stop coming, as in the scenario suite, still get it).
QUIET_S = 0.5
LATEST_S = 3.0


def _start_successor(
    stages: list[list[str]], wake: tuple[int, int], io: tuple[int, int], bundle: list[str]
) -> _Successor:
    """Fork the process that imports the first stage's modules, then serves in this one's place
    (and starts the successor of the next stage)."""
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid:
        os.close(ready_w)
        os.close(go_r)
        return _Successor(pid, ready_r, go_w, stages)
    code = 0
    try:
        for fd in (ready_r, go_w, *wake, *_done):
            os.close(fd)
        _children.clear()
        _done.clear()
        own_wake = _wake_pipe()
        for name in stages[0]:
            _preload_idle(name)
        os.write(ready_w, b"r")
        said = b""
        while chunk := os.read(go_r, 65536):
            said += chunk
        if said.startswith(b"g"):  # else the server stopped before it handed over
            os.close(go_r)
            os.close(ready_w)
            rest = stages[1:] + json.loads(said[1:] or b"[]")
            if not rest:
                _send(io[1], {"preloaded": True})
            _serve(io, own_wake, bundle, rest, QUIET_S)
    except BaseException:
        code = 70
    os._exit(code)


def _serve(
    io: tuple[int, int], wake: tuple[int, int], bundle: list[str], stages: list[list[str]], quiet_s: float
) -> None:
    """Fork a job per request line until the runtime closes the pipe. The preload `stages` go to a
    successor, started once no job has run for `quiet_s` (after LATEST_S at the latest); when it
    is ready it takes over, and this process only reports its own jobs' exits until it ends."""
    in_fd, out_fd = io
    wake_r = wake[0]
    pending = b""
    idle: list[str] = []  # imports done here, between requests (the bundle's again after a change)
    successor: _Successor | None = None
    later: list[list[str]] = []  # stages asked for while a successor preloads: handed over to it
    active = time.monotonic()  # when a job last started or ended
    latest = active + max(quiet_s, LATEST_S)  # when the successor starts whatever the jobs do
    while True:
        timeout: float | None = 0 if idle else None
        if stages and successor is None:
            due = latest if _children else min(latest, active + quiet_s)
            timeout = max(0.0, due - time.monotonic())
            if timeout == 0:
                successor = _start_successor(stages, wake, io, bundle)
                stages = []
                continue
        fds = [in_fd, wake_r, *_done]
        if successor is not None and not successor.ready:
            fds.append(successor.ready_r)
        try:
            readable, _, _ = select.select(fds, [], [], timeout)
        except InterruptedError:
            continue
        _read_done(readable, out_fd)
        if not readable:
            if idle:
                _preload_idle(idle.pop(0))
            continue
        if wake_r in readable:
            os.read(wake_r, 4096)
            exited = _reap(out_fd)
            active = time.monotonic()
            if successor is not None and successor.pid in exited:
                if not successor.ready:  # it failed: preload here, as without a successor
                    print("forkserver: the preloading successor failed", file=sys.stderr)
                    idle = [name for stage in successor.stages for name in stage]
                successor = None
                stages, later = later, []
        if successor is not None and successor.ready_r in readable:
            successor.ready = os.read(successor.ready_r, 1) == b"r"
        if in_fd in readable:
            chunk = os.read(in_fd, 65536)
            if not chunk:  # the runtime closed the pipe: stop (running jobs finish on their own)
                if successor is not None:
                    os.kill(successor.pid, signal.SIGKILL)
                return
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                if not line.strip():
                    continue
                request = json.loads(line)
                if "preload" in request:
                    if _loaded(str(request["preload"])):
                        if not stages and successor is None:
                            _send(out_fd, {"preloaded": True})
                    else:
                        (later if successor is not None else stages).append(
                            [preloads.GROUP_MARK + str(request["preload"])]
                        )
                    continue
                private = wake if successor is None else (*wake, successor.ready_r, successor.go_w)
                idle = _fork_job(request, out_fd, private, idle, bundle)
                active = time.monotonic()
        _reap(out_fd)
        if successor is not None and successor.ready and not pending:
            os.write(successor.go_w, b"g" + json.dumps(later).encode())  # it reads the requests from now on
            os.close(successor.go_w)
            _retire(out_fd, wake_r, successor.pid)
            return


def _fork_job(
    request: dict[str, object], out_fd: int, private: tuple[int, ...], idle: list[str], bundle: list[str]
) -> list[str]:
    """Fork the job's process (`private`: this process's pipes, closed in it); the idle imports
    still to do (the bundle's again if it changed)."""
    if _forget_stale_bundle():
        again = bundle + [m for group in _GROUP_BUNDLE if _loaded(group) for m in _GROUP_BUNDLE[group]]
        idle = again + [n for n in idle if n not in again]  # import them again when idle
    sys.stderr.flush()
    # A job inherits every object imported here. Frozen, they are never scanned by its collector:
    # a full collection in a job walked them all (100-250 ms in route_skill, touching each page
    # copy-on-write). The recipe of gc.freeze's documentation
    # (https://docs.python.org/3/library/gc.html#gc.freeze); this process unfreezes them again so
    # it still collects its own garbage.
    gc.freeze()
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid != 0:
        gc.unfreeze()
    if pid == 0:
        for fd in (*private, *_done, done_r):  # this process's pipes and the other jobs'
            os.close(fd)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _child(request, out_fd, done_w)
    os.close(done_w)
    _done[done_r] = str(request["job"])
    _children[pid] = str(request["job"])
    _send(out_fd, {"started": request["job"], "pid": pid})
    return idle


def _retire(out_fd: int, wake_r: int, successor: int) -> None:
    """Report the exits of the jobs this process forked, until its successor ends."""
    while True:
        try:
            readable, _, _ = select.select([wake_r, *_done], [], [])
        except InterruptedError:
            continue
        _read_done(readable, out_fd)
        if wake_r not in readable:
            continue
        os.read(wake_r, 4096)
        if successor in _reap(out_fd):
            return


def main() -> None:
    for name in _names("OPENANALYST_DEV_PRELOAD"):
        _preload(name)
    _record_bundle()
    bundle = _names("OPENANALYST_DEV_PRELOAD_BUNDLE")
    _GROUP_BUNDLE.update(preloads.parse_groups(os.environ.get("OPENANALYST_DEV_PRELOAD_GROUP_BUNDLE") or ""))
    # Two stages: the steps and their lib first (a request's jobs start warm sooner), then the rest,
    # with the heavy groups jobs of this runtime have used.
    idle = _names("OPENANALYST_DEV_PRELOAD_IDLE")
    idle += [preloads.GROUP_MARK + group for group in _names("OPENANALYST_DEV_PRELOAD_GROUPS")]
    stages = [stage for stage in (bundle, idle) if stage]
    out_fd = os.dup(1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # stray prints must not corrupt the protocol
    wake = _wake_pipe()
    io = (sys.stdin.fileno(), out_fd)
    _send(out_fd, {"ready": True})
    if not stages:
        _send(out_fd, {"preloaded": True})
    # The idle imports happen in a successor, so a job that comes meanwhile is forked at once
    # (from this process, without them: it imports what it needs itself, as without a fork server).
    _serve(io, wake, bundle, stages, 0.0)


if __name__ == "__main__":
    main()
