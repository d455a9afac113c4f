"""What the dev runtime costs a caller: replies on a kept-alive connection come at once, and jobs
start with the bundle preloaded but always run the code on disk."""

from __future__ import annotations

import contextlib
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scripts.devruntime.config import REPO_ROOT
from scripts.devruntime.server import DevServer
from tests.support.devruntime import DevRuntime, start_dev_server


def test_keep_alive_replies_are_not_held_back_by_nagle(dev_runtime: DevRuntime) -> None:
    # With Nagle's algorithm on, every reply on a reused connection waited ~40 ms for the
    # client's delayed ACK (a simple GET took 48 ms instead of ~2 ms).
    client = dev_runtime.client
    client.get("/api/version").raise_for_status()  # open the connection
    times = []
    for _ in range(15):
        start = time.perf_counter()
        client.get("/api/version").raise_for_status()
        times.append(time.perf_counter() - start)
    # Linux delays an ACK at least 40 ms, so with Nagle on no reply can come in under that; a loaded
    # machine makes a reply take 2-25 ms, so 35 ms tells the two apart.
    assert statistics.median(times) < 0.035, [round(t * 1000, 1) for t in times]


def _reply(sock: socket.socket) -> bytes:
    """One HTTP/1.1 response read off a kept-alive socket (headers, then Content-Length bytes)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return data  # the server closed the connection
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head)[1])  # type: ignore[index]
    while len(body) < length:
        body += sock.recv(4096)
    return head


def test_an_idle_kept_alive_connection_stays_open_for_the_client_to_close(dev_runtime: DevRuntime) -> None:
    # Windmill (axum::serve) puts no idle limit on kept-alive connections; uvicorn's default closed
    # them after 5 s, when httpx (5 s expiry) may reuse one: "Connection reset by peer".
    url = urlsplit(dev_runtime.base_url)
    request = f"GET /api/version HTTP/1.1\r\nHost: {url.netloc}\r\n\r\n".encode()
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(request)
        assert _reply(sock).startswith(b"HTTP/1.1 200")
        time.sleep(6)
        sock.sendall(request)
        assert _reply(sock).startswith(b"HTTP/1.1 200")


_SHARED = 'import os\n\nVALUE = "{value}"\nIMPORTED_IN = os.getpid()\n'
_READ = (
    "import os\n\nimport f.speedcheck.shared as shared\n\n\n"
    "def main() -> dict:\n"
    '    return {"value": shared.VALUE, "preloaded": shared.IMPORTED_IN != os.getpid()}\n'
)


def _until_preloaded(runtime: DevRuntime, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        result = runtime.wait(runtime.run_script("f/speedcheck/read", {}))
        if result["preloaded"] or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


@contextlib.contextmanager
def _speedcheck(tmp_path: Path, **modules: str) -> Iterator[tuple[Path, DevServer, DevRuntime]]:
    """A runtime whose bundle is `f/speedcheck/` (a shared module, a script reading it, `modules`)."""
    folder = tmp_path / "bundle" / "f" / "speedcheck"
    folder.mkdir(parents=True)
    for name, text in modules.items():
        (folder / f"{name}.py").write_text(text)
    (folder / "shared.py").write_text(_SHARED.format(value="first"))
    (folder / "read.py").write_text(_READ)
    server = start_dev_server(tmp_path / "runtime", bundle_root=tmp_path / "bundle")
    runtime = DevRuntime(server)
    try:
        yield folder, server, runtime
    finally:
        runtime.client.close()
        server.stop()


def test_a_job_runs_the_bundle_code_on_disk_although_the_fork_server_preloaded_it(tmp_path: Path) -> None:
    # The fork server imports the bundle's modules while idle, so a job starts with them loaded;
    # a module whose file changed must not outlive the change.
    with _speedcheck(tmp_path) as (folder, _, runtime):
        assert _until_preloaded(runtime) == {"value": "first", "preloaded": True}
        (folder / "shared.py").write_text(_SHARED.format(value="second"))
        assert runtime.wait(runtime.run_script("f/speedcheck/read", {}))["value"] == "second"
        assert _until_preloaded(runtime) == {"value": "second", "preloaded": True}


def test_the_runtime_says_when_jobs_start_with_every_preload_done(tmp_path: Path) -> None:
    # A benchmark measures the steady state from this signal; it must not come before the bundle
    # (or the idle libraries) are in the process jobs are forked from.
    with _speedcheck(tmp_path) as (_, server, runtime):
        assert not server.runtime.executor.preloaded.is_set()
        runtime.wait(runtime.run_script("f/speedcheck/read", {}))  # starts the fork server
        assert server.runtime.executor.preloaded.wait(timeout=120)
        result = runtime.wait(runtime.run_script("f/speedcheck/read", {}))
        assert result == {"value": "first", "preloaded": True}


_SDK_CLIENT = "import anthropic\n\nCLIENT = anthropic.Anthropic\n"
_SDK_USER = (
    "import sys\n\n\n"
    "def main(call: bool = False) -> dict:\n"
    '    found = {"sdk": "anthropic" in sys.modules, "client": "f.speedcheck.sdk_client" in sys.modules}\n'
    "    if call:  # a step that calls the model imports the SDK then\n"
    "        import f.speedcheck.sdk_client  # noqa: F401\n"
    "    return found\n"
)


def test_jobs_are_forked_without_the_model_sdk_until_a_job_imports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Forking and ending a job's process costs the kernel more the more the fork server holds:
    # 17 ms a job with the model SDKs and matplotlib loaded, 11-12 ms without (an offline request
    # never imports them). They are preloaded once a job has imported them, with the bundle
    # modules that import them at their top.
    for name in ("ANTHROPIC_API_KEY", "OPENANALYST_ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with _speedcheck(tmp_path, sdk_client=_SDK_CLIENT, sdk_user=_SDK_USER) as (_, server, runtime):
        assert _until_preloaded(runtime)["preloaded"]
        assert server.runtime.executor.preloaded.wait(timeout=120)
        found = runtime.wait(runtime.run_script("f/speedcheck/sdk_user", {}))
        assert found == {"sdk": False, "client": False}
        runtime.wait(runtime.run_script("f/speedcheck/sdk_user", {"call": True}))
        assert server.runtime.executor.preloaded.wait(timeout=120)
        found = runtime.wait(runtime.run_script("f/speedcheck/sdk_user", {}))
        assert found == {"sdk": True, "client": True}


_MODELS = (
    "from pydantic import BaseModel, ConfigDict\n\n\n"
    "class Deferred(BaseModel):\n"
    "    model_config = ConfigDict(defer_build=True)\n"
    "    name: str\n"
)
_BUILT = (
    "import f.speedcheck.models as models\n\n\n"
    "def main() -> dict:\n"
    '    return {"built": models.Deferred.__pydantic_complete__}\n'
)


def test_a_forked_job_inherits_the_bundles_pydantic_validators_built(tmp_path: Path) -> None:
    # The brain's contracts defer building their validators to first use; a forked job built them
    # again every time (10-25 ms of CPU per step), so the fork server builds them while idle.
    folder = tmp_path / "bundle" / "f" / "speedcheck"
    folder.mkdir(parents=True)
    (folder / "models.py").write_text(_MODELS)
    (folder / "built.py").write_text(_BUILT)
    server = start_dev_server(tmp_path / "runtime", bundle_root=tmp_path / "bundle")
    runtime = DevRuntime(server)
    try:
        deadline = time.monotonic() + 30
        while not (built := runtime.wait(runtime.run_script("f/speedcheck/built", {}))["built"]):
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert built is True
    finally:
        runtime.client.close()
        server.stop()


_SLOW = (
    "import time\nfrom pathlib import Path\n\n"
    "time.sleep(4)  # a heavy import (a model SDK takes seconds)\n"
    'Path(__file__).with_name("slow.done").touch()\n'
)
_QUICK = (
    "import os\nfrom pathlib import Path\n\nIMPORTED_IN = os.getpid()\n\n\n"
    "def main() -> dict:\n"
    '    slow_done = Path(__file__).with_name("slow.done").exists()\n'
    '    return {"slow_done": slow_done, "preloaded": IMPORTED_IN != os.getpid()}\n'
)


def test_a_job_does_not_wait_behind_the_fork_servers_preloading(tmp_path: Path) -> None:
    # The fork server preloads the bundle and the model SDKs (seconds) after it is ready; the
    # first request's jobs waited behind an import in progress (the first step took 1.7-4.2 s
    # instead of 0.2 s). A successor process preloads now, and takes over when it is done.
    folder = tmp_path / "bundle" / "f" / "speedcheck"
    folder.mkdir(parents=True)
    (folder / "a_slow.py").write_text(_SLOW)
    (folder / "quick.py").write_text(_QUICK)
    server = start_dev_server(tmp_path / "runtime", bundle_root=tmp_path / "bundle")
    runtime = DevRuntime(server)
    try:
        first = runtime.wait(runtime.run_script("f/speedcheck/quick", {}))
        assert first == {"slow_done": False, "preloaded": False}
        deadline = time.monotonic() + 60
        while not (result := runtime.wait(runtime.run_script("f/speedcheck/quick", {})))["preloaded"]:
            assert time.monotonic() < deadline, result
            time.sleep(0.2)
        assert result == {"slow_done": True, "preloaded": True}  # the successor serves now
    finally:
        runtime.client.close()
        server.stop()


_HELD = """\
import time
from pathlib import Path
from urllib.parse import urlsplit


def main(gate: str) -> int:
    deadline = time.monotonic() + 30
    while not Path(gate).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return 42
"""
_FORGER = """\
import json
import os


def main(victim: str) -> int:
    # Say "done" for another job on every descriptor this process can write to.
    line = (json.dumps({"done": victim, "code": 0}) + "\\n").encode()
    written = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            os.write(int(fd), line)
            written += 1
        except OSError:
            pass
    return written
"""


def _one_step(content: str, arg: str) -> dict:
    step = {
        "type": "rawscript",
        "language": "python3",
        "content": content,
        "input_transforms": {arg: {"type": "javascript", "expr": f"flow_input.{arg}"}},
    }
    return {"summary": "one step", "value": {"modules": [{"id": "only", "value": step}]}, "schema": {}}


def test_a_job_cannot_say_that_another_job_is_done(dev_runtime: DevRuntime, tmp_path: Path) -> None:
    # A forked job's process says it is done on a pipe of its own; the runtime's protocol pipe is
    # closed in it, so one person's job cannot end another's early (with no result).
    gate = tmp_path / "gate"
    dev_runtime.create_flow("u/admin/held", _one_step(_HELD, "gate"))
    dev_runtime.create_flow("u/admin/forger", _one_step(_FORGER, "victim"))
    held = dev_runtime.run_flow("u/admin/held", {"gate": str(gate)})
    deadline = time.monotonic() + 30
    victim = None
    while victim is None and time.monotonic() < deadline:
        modules = (dev_runtime.get_job(held).get("flow_status") or {}).get("modules") or []
        if modules and modules[0].get("type") == "InProgress" and modules[0].get("job"):
            victim = modules[0]["job"]
        time.sleep(0.05)
    assert victim, "the held step never started"
    try:
        dev_runtime.wait(dev_runtime.run_flow("u/admin/forger", {"victim": victim}))
    finally:
        gate.touch()
    assert dev_runtime.wait(held) == 42


_FIRST_USE = (
    "import time\n\n"
    "from anthropic.types import Message\n"
    "from anthropic.types.beta import BetaMessage\n\n"
    "from f.openanalyst.lib.timeparse import find_time\n\n\n"
    "def main() -> dict:\n"
    "    started = time.process_time()\n"
    '    find_time("what did I post yesterday at 3pm?", "UTC")\n'
    "    return {\n"
    '        "sdk_built": Message.__pydantic_complete__ and BetaMessage.__pydantic_complete__,\n'
    '        "read_time_s": time.process_time() - started,\n'
    "    }\n"
)
_FIRST_USE_FRESH = (
    "import time\n"
    "from f.openanalyst.lib.timeparse import find_time\n"
    "import dateparser.search\n"
    "started = time.process_time()\n"
    'find_time("what did I post yesterday at 3pm?", "UTC")\n'
    "print(time.process_time() - started)\n"
)


def test_a_forked_job_inherits_the_first_uses_of_the_model_sdk_and_the_time_reader(
    dev_runtime: DevRuntime,
) -> None:
    # The Anthropic SDK builds a response's types when it parses its first one (50-80 ms of CPU in
    # every step that called a model) and dateparser compiles its patterns on its first search
    # (~250 ms in every job that read "yesterday"): the fork server makes both first uses once.
    path = f"u/admin/first_use_{int(time.time() * 1000)}"
    script = {"path": path, "summary": "first uses", "content": _FIRST_USE, "language": "python3"}
    assert dev_runtime.client.post(f"{dev_runtime.api}/scripts/create", json=script).status_code == 201
    dev_runtime.wait(dev_runtime.run_script(path, {}))  # the first job starts the fork server
    assert dev_runtime.runtime.executor.preloaded.wait(timeout=120)
    found = dev_runtime.wait(dev_runtime.run_script(path, {}))
    assert found["sdk_built"] is True
    # the same reading in a fresh interpreter, with its modules imported: the first use, measured now
    fresh = subprocess.run(
        [sys.executable, "-c", _FIRST_USE_FRESH], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert found["read_time_s"] < float(fresh.stdout) / 3
