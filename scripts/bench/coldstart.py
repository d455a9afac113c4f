"""Benchmark: from `./scripts/dev` to the first answer, and the dev runtime's own start-up.

    uv run python scripts/bench/coldstart.py [--runs 3]

Each run starts `./scripts/dev` (set-up check, dev runtime, hub) on free ports with a fresh job
database, and times: the dev runtime's first REST answer, the hub's first answer, and the first
TASK_COMPLETE of the canonical example request sent over the websocket as soon as the hub answers (offline).
Then `python -m scripts.devruntime` alone: its first REST answer, and its first answer to a call
checked against the spec (which loads once the server is up). The baseline printed beside them
is a bare `python -c pass` start measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path[0] = str(REPO_ROOT)  # not this folder: its requests.py would shadow `requests`

import httpx  # noqa: E402

from hub.auth import issue_token  # noqa: E402
from hub.settings import Settings as HubSettings  # noqa: E402
from scripts.bench.request import JWT_SECRET, USER, _free_port, one_request  # noqa: E402


def _until_answers(url: str, start: float, proc: subprocess.Popen[bytes], timeout: float = 120) -> float:
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode} before {url} answered")
        try:
            httpx.get(url, timeout=1)
            return time.perf_counter() - start
        except httpx.TransportError:
            if time.perf_counter() - start > timeout:
                raise
            time.sleep(0.01)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def stack_run(tmp: Path) -> tuple[float, float, float]:
    rt_port, hub_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "OPENANALYST_DEV_PORT": str(rt_port),
        "OPENANALYST_DEV_DB": str(tmp / f"jobs-{rt_port}.sqlite3"),
        "OPENANALYST_SQLITE_PATH": str(tmp / f"store-{rt_port}.sqlite3"),
        "HUB_PORT": str(hub_port),
        "HUB_JWT_SECRET": JWT_SECRET,
    }
    env.pop("ANTHROPIC_API_KEY", None)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(REPO_ROOT / "scripts" / "dev")],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        runtime = _until_answers(f"http://127.0.0.1:{rt_port}/api/version", start, proc)
        hub = _until_answers(f"http://127.0.0.1:{hub_port}/metrics", start, proc)
        token = issue_token(HubSettings(jwt_secret=JWT_SECRET), USER)
        _, done = asyncio.run(one_request(hub_port, token, "msg_cold"))
        if done["type"] != "TASK_COMPLETE":
            raise RuntimeError(f"the first request failed: {done}")
        return runtime, hub, time.perf_counter() - start
    finally:
        _stop(proc)


def runtime_alone(tmp: Path) -> tuple[float, float]:
    """(its first answer, its first answer to a call checked against the spec: the spec loads
    once the server is up, and only such calls wait for it)."""
    port = _free_port()
    db = tmp / f"rt-{port}.sqlite3"
    env = {
        **os.environ,
        "OPENANALYST_DEV_PORT": str(port),
        "OPENANALYST_DEV_DB": str(db),
        "OPENANALYST_DEV_TOKEN": f"bench-{port}",
    }
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "scripts.devruntime"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        first = _until_answers(f"http://127.0.0.1:{port}/api/version", start, proc)
        checked = f"http://127.0.0.1:{port}/api/w/openanalyst/variables/exists/f/openanalyst/hub_url"
        httpx.get(checked, headers={"Authorization": f"Bearer bench-{port}"}, timeout=60).raise_for_status()
        return first, time.perf_counter() - start
    finally:
        _stop(proc)


def bare_python() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-coldstart-"))
    rows = []
    for run in range(args.runs):
        alone, checked = runtime_alone(tmp)
        rt, hub, first = stack_run(tmp)
        bare = bare_python()
        rows.append((alone, rt, hub, first, bare, checked))
        print(
            f"run {run + 1}: dev runtime alone {alone:.2f} s (a checked call {checked:.2f} s); "
            f"scripts/dev: runtime {rt:.2f} s, "
            f"hub {hub:.2f} s, "
            f"first answer {first:.2f} s; bare python {bare * 1000:.0f} ms",
            flush=True,
        )
    med = [statistics.median(col) for col in zip(*rows, strict=True)]
    print(
        f"median: dev runtime start-up {med[0]:.2f} s (a checked call {med[5]:.2f} s), "
        f"first answer after ./scripts/dev {med[3]:.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
