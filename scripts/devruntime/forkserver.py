"""A warm job launcher: one long-lived process with the common imports done, forking a fresh
child process per job (each job still runs in its own process, as on a Windmill worker).

Protocol (JSON lines): the executor writes {"job": id, "spec": job.json, "log": file, "env": {...},
"cwd": dir} on stdin; this process answers {"started": id, "pid": n} then {"exited": id,
"code": n} on its stdout. The child runs scripts.devruntime.runner with the job's environment,
its stdout/stderr going to the log file.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import sys
import threading

from scripts.devruntime import runner

_children: dict[int, str] = {}
_lock = threading.Lock()
_have_children = threading.Event()


def _send(out_fd: int, message: dict[str, object]) -> None:
    # One os.write per message (< PIPE_BUF): atomic, and no Python-level lock a fork could copy.
    os.write(out_fd, (json.dumps(message) + "\n").encode())


def _reap(out_fd: int) -> None:
    while True:
        _have_children.wait()
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            with _lock:
                if not _children:
                    _have_children.clear()
            continue
        with _lock:
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


def main() -> None:
    for name in filter(None, (os.environ.get("OPENANALYST_DEV_PRELOAD") or "").split(",")):
        try:
            importlib.import_module(name.strip())
        except Exception as exc:  # a bad preload only costs speed
            print(f"forkserver: cannot preload {name}: {exc}", file=sys.stderr)
    out_fd = os.dup(1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # stray prints must not corrupt the protocol
    threading.Thread(target=_reap, args=(out_fd,), daemon=True).start()
    _send(out_fd, {"ready": True})
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        sys.stderr.flush()
        with _lock:
            pid = os.fork()
            if pid == 0:
                _child(request, out_fd)
            _children[pid] = str(request["job"])
            _have_children.set()
        _send(out_fd, {"started": request["job"], "pid": pid})


if __name__ == "__main__":
    main()
