"""Benchmark: one request through the hub on the dev runtime, against the same steps in one process.

    uv run python scripts/bench/request.py                 # offline, jobs forked from the warm server
    uv run python scripts/bench/request.py --plain         # a fresh interpreter per job (a Windmill worker)
    uv run python scripts/bench/request.py --model         # a model replayed over HTTP at zero latency

A real hub process (`python -m hub`, local backend) and an embedded dev runtime; a websocket client
sends USER_REQUEST and waits for TASK_COMPLETE, `--runs` times after one warm-up request (and,
when forking, after the fork server has finished preloading: the steady state). The
baseline, measured in the same run: the very step jobs of each request (their script and the
arguments the flow gave them, read back from the runtime) called one after another in this one
process, with the modules already imported. Child jobs a step starts (execute_plan's) still run as
jobs in both. The ratio is request p50 / in-process p50: what processes, imports, the flow engine,
waits and the hub add to the steps' own work.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path[0] = str(REPO_ROOT)  # not this folder: its requests.py would shadow `requests`
os.environ["AGNO_TELEMETRY"] = "false"

import httpx  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from hub.auth import issue_token  # noqa: E402
from hub.backend import job_id_for  # noqa: E402
from hub.settings import Settings as HubSettings  # noqa: E402
from scripts.devruntime.config import Settings  # noqa: E402
from scripts.devruntime.server import DevServer  # noqa: E402
from tests.brain.loopback import ModelServer  # noqa: E402
from tests.brain.scenarios import SEED, script  # noqa: E402

USER = "bench"
JWT_SECRET = "bench-jwt-secret-0123456789abcdef0123456789"
PUSH_SECRET = "bench-push-secret-0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def hub_process(runtime: DevServer, log: Path) -> Iterator[int]:
    port = _free_port()
    env = {
        **os.environ,
        "HUB_BACKEND": "local",
        "HUB_HOST": "127.0.0.1",
        "HUB_PORT": str(port),
        "WINDMILL_URL": runtime.base_url,
        "WINDMILL_TOKEN": runtime.settings.token,
        "HUB_JWT_SECRET": JWT_SECRET,
        "HUB_PUSH_SECRET": PUSH_SECRET,
    }
    env.pop("REDIS_URL", None)
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "hub"], cwd=REPO_ROOT, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the hub exited: {log.read_text()[-2000:]}")
            try:
                httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=0.5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


async def one_request(port: int, token: str, message_id: str) -> tuple[float, dict[str, Any]]:
    async with connect(f"ws://127.0.0.1:{port}/ws", open_timeout=10) as ws:
        await ws.send(json.dumps({"type": "AUTH", "sessionId": "auth", "payload": {"token": token}}))
        connected = json.loads(await ws.recv())
        assert connected["type"] == "CONNECTED", connected
        start = time.perf_counter()
        frame = {
            "type": "USER_REQUEST",
            "sessionId": "sess_bench",
            "messageId": message_id,
            "payload": {"content": SEED},
        }
        await ws.send(json.dumps(frame))
        while True:
            got = json.loads(await asyncio.wait_for(ws.recv(), 300))
            if got["type"] in ("TASK_COMPLETE", "TASK_ERROR") and got.get("correlationId") == message_id:
                return time.perf_counter() - start, got


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def step_jobs(api: httpx.Client, flow_job: str) -> tuple[list[dict[str, Any]], int]:
    """The flow's own step jobs in the order they started (loop iterations included, the jobs the
    steps started themselves left out), and how many jobs the request ran in all."""
    jobs = api.get("/jobs/list", params={"per_page": 100}).json()
    family, grew = {flow_job}, True
    while grew:
        grew = False
        for job in jobs:
            if job["id"] not in family and (job.get("parent_job") in family or job.get("root_job") in family):
                family.add(job["id"])
                grew = True
    kinds = {j["id"]: j.get("job_kind") for j in jobs}
    scripts = [j for j in jobs if j["id"] in family and j.get("job_kind") == "script"]
    steps = [j for j in scripts if kinds.get(j.get("parent_job")) != "script"]
    steps.sort(key=lambda j: _ts(j["started_at"]))
    for job in steps:
        job["args"] = api.get(f"/jobs_u/get_args/{job['id']}").json()
    return steps, len(scripts)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """The steps' own logs (stderr) are not the benchmark's output."""
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def replay(steps: list[dict[str, Any]], base_env: dict[str, str]) -> float:
    """The same step functions, with the same arguments, called in this process."""
    with quiet():
        return _replay(steps, base_env)


def _replay(steps: list[dict[str, Any]], base_env: dict[str, str]) -> float:
    start = time.perf_counter()
    for job in steps:
        os.environ.update(base_env)
        os.environ["WM_JOB_ID"] = job["id"]
        os.environ["WM_JOB_PATH"] = job["script_path"]
        os.environ["WM_FLOW_JOB_ID"] = job.get("parent_job") or ""
        os.environ["WM_ROOT_FLOW_JOB_ID"] = job.get("root_job") or job.get("parent_job") or ""
        os.environ["WM_FLOW_STEP_ID"] = job.get("flow_step_id") or ""
        module = importlib.import_module(job["script_path"].replace("/", "."))
        module.main(**job["args"])
    return time.perf_counter() - start


def timeline(api: httpx.Client, flow_job: str) -> None:
    """Each job of the request: when it was created, started and ended, from the flow's start."""
    jobs = api.get("/jobs/list", params={"per_page": 100}).json()
    root = next(j for j in jobs if j["id"] == flow_job)
    t0 = _ts(root["created_at"])
    mine = [j for j in jobs if j.get("root_job") == flow_job or j.get("parent_job") or j["id"] == flow_job]
    for job in sorted(mine, key=lambda j: _ts(j["created_at"])):
        if _ts(job["created_at"]) < t0:
            continue
        doc = api.get(f"/jobs_u/get/{job['id']}").json()
        ended = doc.get("completed_at") or doc.get("started_at") or job["created_at"]
        print(
            f"  {(_ts(job['created_at']) - t0).total_seconds():6.3f} "
            f"start +{(_ts(job['started_at']) - _ts(job['created_at'])).total_seconds():.3f} "
            f"run {(_ts(ended) - _ts(job['started_at'])).total_seconds():.3f}  "
            f"{job.get('job_kind')} {job.get('script_path')}"
        )


def tree_cpu() -> dict[str, float]:
    """CPU seconds used so far, by part: "runtime" is this process (the dev runtime's server and
    flow engine, and the steps when they are replayed in-process), "hub" the hub process, "jobs"
    the fork server (and the successor it hands over to) and every job process reaped (forked, or
    fresh interpreters this process started). Each live process below this one counts its own
    time and its reaped children's, so every process is counted once. On a shared machine, CPU
    time moves less with the load than wall time does."""
    times = os.times()
    out = {
        "runtime": times.user + times.system,
        "hub": 0.0,
        "jobs": times.children_user + times.children_system,
    }
    tick = os.sysconf("SC_CLK_TCK")
    procs: dict[str, tuple[str, float, bool]] = {}  # pid -> (ppid, CPU, is the hub)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            hub = b"hub" in (stat.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        # ppid; then utime, stime, cutime, cstime
        procs[stat.parent.name] = (fields[1], sum(int(x) for x in fields[11:15]) / tick, hub)
    parts = {str(os.getpid()): "runtime"}
    grew = True
    while grew:
        grew = False
        for pid, (ppid, cpu, hub) in procs.items():
            if pid not in parts and ppid in parts:
                parts[pid] = "hub" if hub or parts[ppid] == "hub" else "jobs"
                out[parts[pid]] += cpu
                grew = True
    return out


def _cpu(start: dict[str, float], end: dict[str, float]) -> dict[str, float]:
    return {k: end[k] - start[k] for k in start}


def p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="measured requests (after one warm-up)")
    parser.add_argument("--plain", action="store_true", help="a fresh interpreter per job instead of forking")
    parser.add_argument("--model", action="store_true", help="with a model replayed at zero latency")
    parser.add_argument("--profile", action="store_true", help="profile the last in-process replay")
    parser.add_argument("--timeline", action="store_true", help="print each job's queue and run times")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-request-"))
    os.environ["OPENANALYST_SQLITE_PATH"] = str(tmp / "store.sqlite3")
    for key in ("ANTHROPIC_API_KEY", "OPENANALYST_ANTHROPIC_BASE_URL"):
        os.environ.pop(key, None)
    model: ModelServer | None = None
    if args.model:
        model = ModelServer(script([True])).start()
        os.environ.update(
            {
                "ANTHROPIC_API_KEY": "sk-ant-bench",
                "OPENANALYST_ANTHROPIC_BASE_URL": model.url,
                "OPENANALYST_MODEL_MAX_RETRIES": "0",
            }
        )
    settings = Settings(port=0, db_path=tmp / "devruntime.sqlite3", fork=not args.plain)
    hub_settings = HubSettings(jwt_secret=JWT_SECRET)
    token = issue_token(hub_settings, USER)
    request_s: list[float] = []
    inprocess_s: list[float] = []
    request_cpu: list[dict[str, float]] = []
    inprocess_cpu: list[dict[str, float]] = []
    jobs_per_request: list[int] = []
    calls: list[int] = []
    with DevServer(settings) as server:
        api = httpx.Client(
            base_url=f"{server.base_url}/api/w/{settings.workspace}",
            headers={"Authorization": f"Bearer {settings.token}"},
            timeout=60,
        )
        api.post("/variables/create", json={"path": "f/openanalyst/hub_url", "value": "", "is_secret": False})
        base_env = {
            "BASE_INTERNAL_URL": server.base_url,
            "WM_BASE_URL": server.base_url,
            "WM_TOKEN": settings.token,
            "WM_WORKSPACE": settings.workspace,
            # The worker's cache the jobs get (the compiled embedding table): the same in both.
            "OPENANALYST_CACHE_DIR": str(settings.worker_cache_dir),
            "WM_EMAIL": settings.email,
            "WM_USERNAME": settings.username,
            "WM_PERMISSIONED_AS": f"u/{settings.username}",
        }
        with hub_process(server, tmp / "hub.log") as port:
            hub_url = f"http://127.0.0.1:{port}"
            api.post("/variables/update/f/openanalyst/hub_url", json={"value": hub_url}).raise_for_status()
            api.post(
                "/variables/create",
                json={"path": "f/openanalyst/hub_push_secret", "value": PUSH_SECRET, "is_secret": True},
            )
            api.post("/variables/update/f/openanalyst/hub_push_secret", json={"value": PUSH_SECRET})
            for run in range(args.runs + 1):
                message_id = f"msg_{uuid.uuid4().hex[:12]}"
                served_before = len(model.requests) if model else 0
                cpu_start = tree_cpu()
                seconds, done = asyncio.run(one_request(port, token, message_id))
                cpu_mid = tree_cpu()
                if done["type"] != "TASK_COMPLETE":
                    print(f"request failed: {done}", file=sys.stderr)
                    return 1
                steps, n_jobs = step_jobs(api, job_id_for(USER, message_id))
                cpu_replay = tree_cpu()
                in_process = replay(steps, base_env)
                cpu_end = tree_cpu()
                if args.timeline and run == args.runs:
                    timeline(api, job_id_for(USER, message_id))
                if args.profile and run == args.runs:
                    import cProfile
                    import pstats

                    profile = cProfile.Profile()
                    with quiet():
                        profile.runcall(_replay, steps, base_env)
                    pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
                print(
                    f"run {run}: request {seconds:.2f} s, in-process {in_process:.2f} s, "
                    f"{len(steps)} steps, {n_jobs} jobs" + (" (warm-up)" if not run else ""),
                    flush=True,
                )
                if not run and not args.plain:
                    # Steady state: measure once the fork server forks jobs with every preload
                    # done (a runtime that has been up a few seconds), not while it is importing.
                    started = time.monotonic()
                    if not server.runtime.executor.preloaded.wait(timeout=180):
                        print("the fork server never finished preloading", file=sys.stderr)
                        return 1
                    print(f"fork server preloaded ({time.monotonic() - started:.1f} s after the warm-up)")
                if run:
                    request_s.append(seconds)
                    inprocess_s.append(in_process)
                    request_cpu.append(_cpu(cpu_start, cpu_mid))
                    inprocess_cpu.append(_cpu(cpu_replay, cpu_end))
                    jobs_per_request.append(n_jobs)
                    if model:
                        calls.append(len(model.requests) - served_before)
        api.close()
    if model:
        model.stop()
    mode = "fresh interpreter per job" if args.plain else "forked from the warm fork server"
    r50, b50 = statistics.median(request_s), statistics.median(inprocess_s)
    print(f"request through the hub ({mode}{', model replayed' if model else ', offline'}), {args.runs} runs")
    print(f"  jobs per request        : {statistics.median(jobs_per_request):.0f}")
    if model:
        print(f"  model calls per request : {statistics.median(calls):.0f} (each replayed at zero latency)")
    print(f"  request p50 / p95       : {r50:.2f} s / {p(request_s, 0.95):.2f} s")
    print(f"  same steps in-process   : {b50:.2f} s (p50)")
    print(f"  ratio                   : {r50 / b50:.2f}x")
    c50 = statistics.median(sum(c.values()) for c in request_cpu)
    cb50 = statistics.median(sum(c.values()) for c in inprocess_cpu)

    def parts(cpu: list[dict[str, float]]) -> str:
        return ", ".join(f"{k} {statistics.median(c[k] for c in cpu):.2f}" for k in cpu[0])

    print(f"  CPU per request (p50)   : {c50:.2f} s ({parts(request_cpu)})")
    print(f"  CPU in-process (p50)    : {cb50:.2f} s ({parts(inprocess_cpu)}): ratio {c50 / cb50:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
