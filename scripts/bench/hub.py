"""Hub benchmark: idle memory per connection and event relay, each against a bare `websockets` server.

Both servers run as separate processes on the same event loop (uvloop when installed, as
`python -m hub` uses it; else asyncio's), measured in the same run:

- the hub (`python -m hub`: Starlette/uvicorn, JWT auth, per-connection queues, history);
- a bare `websockets` server that accepts a first frame naming its user, answers CONNECTED,
  and routes whatever a publisher connection sends to the sockets of the frame's `userId`
  (`json.loads` + a dict of sockets per user + `websockets.broadcast`; no backpressure, no auth).

1. Idle: N authenticated connections (one user each); server RSS growth / N.
2. Relay at C connections: events published one at a time at a steady rate give the delivery
   latency p50/p99 (publish call to receipt); a burst gives deliveries per second. The hub is
   fed through `POST /internal/push` (signed), the baseline through a publisher websocket.
   `--fan-out` (the old mode): one user holds all C sockets, so each event is C deliveries and
   the per-event cost (HTTP push, signature, validation) is spread over them. Default: one
   socket per user, each event for one user, so every delivery pays the whole per-event cost.

Targets (issue 16): under 40 KiB per idle connection; server CPU per delivered event <= 1.5x
the bare server's, paced and in bursts. The default run is small (< 60 s); `--full` uses 10,000
idle and 1,000 relay connections. With 2 cores the server is pinned to CPU 0 and the clients to
CPU 1 (`--no-pin` to disable).

    uv run python scripts/bench/hub.py                  # quick, one socket per user
    uv run python scripts/bench/hub.py --full           # the issue's sizes
    uv run python scripts/bench/hub.py --full --fan-out # 1,000 sockets of one user
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

REPO = Path(__file__).resolve().parents[2]
sys.path[0] = str(REPO)  # not this folder: its requests.py would shadow `requests`

import f.openanalyst.lib.signing as signing  # noqa: E402
from hub.auth import issue_token  # noqa: E402
from hub.settings import Settings  # noqa: E402

JWT_SECRET = "bench-secret-0123456789abcdef0123456789"
PUSH_SECRET = "bench-push-secret-0123456789"

BARE_SERVER = r"""
import asyncio, json, sys
from websockets.asyncio.server import broadcast, serve

users = {}

async def handler(ws):
    first = json.loads(await ws.recv())
    await ws.send('{"type":"CONNECTED"}')
    if first.get("role") == "publisher":
        async for message in ws:
            broadcast(users.get(json.loads(message)["userId"], ()), message)
        return
    sockets = users.setdefault(first["user"], set())
    sockets.add(ws)
    try:
        await ws.wait_closed()
    finally:
        sockets.discard(ws)
        if not sockets:
            del users[first["user"]]

async def main():
    async with serve(handler, "127.0.0.1", int(sys.argv[1]), compression=None, max_size=65536,
                     ping_interval=25, ping_timeout=20):
        print("ready", flush=True)
        await asyncio.Future()

try:
    import uvloop
except ImportError:  # the hub then runs on asyncio's loop too
    asyncio.run(main())
else:
    uvloop.run(main())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raise_fd_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    hello: Callable[[int], str]  # the first frame of connection i
    settings: Settings | None = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws" if self.settings else f"ws://127.0.0.1:{self.port}/"


def _wait_port(proc: subprocess.Popen[bytes], port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("server did not start")


@contextmanager
def start_hub(pin: bool, max_per_user: int):
    port = free_port()
    env = {
        **os.environ,
        "HUB_PORT": str(port),
        "HUB_HOST": "127.0.0.1",
        "HUB_BACKEND": "local",
        "WINDMILL_URL": "http://127.0.0.1:9",  # never called: the bench pushes events directly
        "HUB_JWT_SECRET": JWT_SECRET,
        "HUB_PUSH_SECRET": PUSH_SECRET,
        "HUB_MAX_CONNECTIONS_PER_USER": str(max_per_user),
        "HUB_SEND_QUEUE_BYTES": str(4 * 1024 * 1024),
        "OPENANALYST_LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    settings = Settings.model_validate({"jwt_secret": JWT_SECRET})
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub"],
        cwd=REPO,
        env=env,
        preexec_fn=_pin(0) if pin else None,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_port(proc, port)
        tokens: dict[int, str] = {}

        def hello(i: int) -> str:
            token = tokens.get(i) or issue_token(settings, user_name(i), 3600)
            tokens[i] = token
            return json.dumps({"type": "AUTH", "sessionId": "auth", "payload": {"token": token}})

        yield Server("hub", proc, port, hello, settings)
    finally:
        _stop(proc)


@contextmanager
def start_bare(pin: bool):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", BARE_SERVER, str(port)],
        preexec_fn=_pin(0) if pin else None,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_port(proc, port)
        yield Server(
            "bare websockets",
            proc,
            port,
            lambda i: json.dumps({"type": "AUTH", "role": "client", "user": user_name(i)}),
        )
    finally:
        _stop(proc)


def _pin(cpu: int) -> Callable[[], None]:
    def apply() -> None:
        if hasattr(os, "sched_setaffinity") and os.cpu_count() and os.cpu_count() > 1:  # type: ignore[operator]
            os.sched_setaffinity(0, {cpu})
        raise_fd_limit()

    return apply


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def open_clients(server: Server, count: int, user_of: Callable[[int], int]) -> list[ClientConnection]:
    sem = asyncio.Semaphore(100)
    clients: list[ClientConnection] = []

    async def one(i: int) -> None:
        async with sem:
            ws = await connect(
                server.ws_url,
                compression=None,
                ping_interval=None,
                max_queue=64,
                open_timeout=60,
                max_size=2**20,
            )
            await ws.send(server.hello(user_of(i)))
            reply = json.loads(await ws.recv())
            if reply.get("type") != "CONNECTED":
                raise RuntimeError(f"{server.name} refused connection {i}: {reply}")
            clients.append(ws)

    await asyncio.gather(*(one(i) for i in range(count)))
    return clients


async def close_all(clients: list[ClientConnection]) -> None:
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


async def idle(server: Server, count: int) -> float:
    """KiB of server RSS per idle authenticated connection."""
    warm = await open_clients(server, 50, lambda i: i)
    await close_all(warm)
    await asyncio.sleep(1.0)
    before = rss_kib(server.proc.pid)
    clients = await open_clients(server, count, lambda i: 1000 + i)
    await asyncio.sleep(2.0)
    after = rss_kib(server.proc.pid)
    await close_all(clients)
    await settle(server.proc.pid)
    return (after - before) / count


async def settle(pid: int, timeout: float = 15.0) -> None:
    """Wait until the server is idle again: closing 10,000 sockets keeps a server busy for a
    second or two after the clients see their close, which would count as relay CPU."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = cpu_s(pid)
        await asyncio.sleep(0.25)
        if cpu_s(pid) - before < 0.01:
            return


def user_name(i: int) -> str:
    """Connection i's user: `bench` for the fan-out user (-1), else `bench_<i>`."""
    return f"bench_{i}" if i >= 0 else "bench"


def event(n: int, users: int) -> bytes:
    """Event n, for user n % users (or for the fan-out user when users == 0)."""
    frame = {
        "type": "TASK_PROGRESS",
        "userId": user_name(n % users if users else -1),
        "sessionId": "sess_bench",
        "messageId": f"ev_{n}",
        "correlationId": "msg_bench",
        "payload": {"step": "execute", "percent": n % 100, "message": f"{time.perf_counter():.9f}"},
    }
    return json.dumps(frame, separators=(",", ":")).encode()


class Receivers:
    def __init__(self, clients: list[ClientConnection]) -> None:
        self.latencies: list[float] = []
        self.count = 0
        self.record = True
        self.tasks = [asyncio.create_task(self._run(c)) for c in clients]

    async def _run(self, ws: ClientConnection) -> None:
        try:
            async for message in ws:
                now = time.perf_counter()
                self.count += 1
                if self.record:
                    sent = float(json.loads(message)["payload"]["message"])
                    self.latencies.append(now - sent)
        except Exception:
            pass

    async def wait_for(self, total: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.count < total:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.002)
        return True

    def stop(self) -> None:
        for task in self.tasks:
            task.cancel()


async def relay(
    server: Server, connections: int, events: int, rate: float, burst: int, fan_out: bool
) -> dict[str, float]:
    users = 0 if fan_out else connections
    clients = await open_clients(server, connections, (lambda i: -1) if fan_out else (lambda i: i))
    per_event = connections if fan_out else 1  # deliveries per event
    receivers = Receivers(clients)
    kind = "hub" if server.settings is not None else "bare"
    pid = server.proc.pid
    # Latency: one event at a time, at a steady rate, from a separate publisher process (as flows
    # push from their own workers); perf_counter is CLOCK_MONOTONIC, shared by the processes.
    cpu0 = cpu_s(pid)
    await run_publisher(kind, server.port, 0, events, rate, 1, users)
    ok = await receivers.wait_for(events * per_event, timeout=60)
    paced_cpu = cpu_s(pid) - cpu0
    paced_count = receivers.count
    latencies = sorted(receivers.latencies)
    # Throughput: a burst as fast as the publisher goes (pushes: 8 in flight); deliveries per second.
    receivers.record = False
    cpu1 = cpu_s(pid)
    started = await run_publisher(kind, server.port, events, burst, 0, 8, users)
    ok = await receivers.wait_for(paced_count + burst * per_event, timeout=120) and ok
    elapsed = time.perf_counter() - started
    burst_cpu = cpu_s(pid) - cpu1
    burst_count = receivers.count - paced_count
    receivers.stop()
    await close_all(clients)
    return {
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "deliveries_per_s": burst_count / elapsed,
        # Server CPU per delivered event: steadier on a noisy shared machine than wall time.
        "paced_cpu_us": paced_cpu * 1e6 / max(1, paced_count),
        "burst_cpu_us": burst_cpu * 1e6 / max(1, burst_count),
        "complete": float(ok),
    }


async def run_publisher(
    kind: str, port: int, start: int, count: int, rate: float, concurrency: int, users: int
) -> float:
    """Run a publisher process; returns the perf_counter time it started publishing (after its imports)."""
    spec = json.dumps(
        {
            "kind": kind,
            "port": port,
            "start": start,
            "count": count,
            "rate": rate,
            "concurrency": concurrency,
            "users": users,
        }
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--publisher", spec, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    started = float((await proc.stdout.readline()).decode() or "nan")
    await proc.stdout.read()
    if await proc.wait() != 0:
        raise RuntimeError("publisher failed")
    return started


async def publisher_main(spec: dict[str, Any]) -> None:
    """Publish `count` events to one server: signed pushes to the hub, or frames to the bare server."""
    kind, port, start, count = spec["kind"], spec["port"], spec["start"], spec["count"]
    rate, concurrency, users = spec["rate"], spec["concurrency"], spec["users"]
    if kind == "hub":
        http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=httpx.Limits(max_connections=16))

        async def publish(body: bytes) -> None:
            r = await http.post("/internal/push", content=body, headers=signing.sign(PUSH_SECRET, body))
            r.raise_for_status()
    else:
        ws = await connect(f"ws://127.0.0.1:{port}/", compression=None, ping_interval=None)
        await ws.send(json.dumps({"role": "publisher"}))
        await ws.recv()

        async def publish(body: bytes) -> None:
            await ws.send(body.decode())

    print(time.perf_counter(), flush=True)
    if rate:
        for n in range(start, start + count):
            await publish(event(n, users))
            await asyncio.sleep(1 / rate)
    else:
        sem = asyncio.Semaphore(concurrency)

        async def one(n: int) -> None:
            async with sem:
                await publish(event(n, users))

        await asyncio.gather(*(one(n) for n in range(start, start + count)))
    if kind == "hub":
        await http.aclose()
    else:
        await ws.close()


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


async def run(args: argparse.Namespace) -> int:
    raise_fd_limit()
    if args.pin and hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    results: dict[str, dict[str, float]] = {}
    for name, starter in (
        ("bare", lambda: start_bare(args.pin)),
        ("hub", lambda: start_hub(args.pin, max(args.relay, 10))),
    ):
        with starter() as server:
            per_conn = await idle(server, args.idle)
            stats = await relay(server, args.relay, args.events, args.rate, args.burst, args.fan_out)
            results[name] = {"kib_per_conn": per_conn, **stats}
            print(
                f"{server.name:>16}: {per_conn:6.1f} KiB/idle conn; relay p50 {stats['p50_ms']:.2f} ms, "
                f"p99 {stats['p99_ms']:.2f} ms, {stats['deliveries_per_s']:,.0f} deliveries/s, "
                f"CPU per delivery {stats['paced_cpu_us']:.1f} us paced, {stats['burst_cpu_us']:.1f} us burst"
                + ("" if stats["complete"] else "  (INCOMPLETE: some events were not delivered)"),
                flush=True,
            )
    hub, bare = results["hub"], results["bare"]
    print()
    mode = "one user holds every socket (fan-out)" if args.fan_out else "one socket per user"
    print(
        f"idle connections: {args.idle}; relay: {args.relay} connections, {mode}; {args.events} paced "
        f"events at {args.rate:g}/s, burst of {args.burst}"
    )
    print(
        f"memory per idle connection: hub {hub['kib_per_conn']:.1f} KiB vs bare "
        f"{bare['kib_per_conn']:.1f} KiB = {ratio(hub['kib_per_conn'], bare['kib_per_conn'])} "
        "(target: hub < 40 KiB)"
    )
    print(
        f"relay latency p50: {ratio(hub['p50_ms'], bare['p50_ms'])}, "
        f"p99: {ratio(hub['p99_ms'], bare['p99_ms'])} (target <= 1.5x)"
    )
    print(
        f"relay throughput: hub {ratio(hub['deliveries_per_s'], bare['deliveries_per_s'])} of bare "
        f"(target >= 0.67x)"
    )
    print(
        f"server CPU per delivered event: paced {ratio(hub['paced_cpu_us'], bare['paced_cpu_us'])}, "
        f"burst {ratio(hub['burst_cpu_us'], bare['burst_cpu_us'])} "
        "(the steadiest figures on a shared machine; target <= 1.5x)"
    )
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--publisher":
        asyncio.run(publisher_main(json.loads(sys.argv[2])))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--idle", type=int, default=2000, help="idle connections (full: 10000)")
    parser.add_argument("--relay", type=int, default=200, help="relay connections (full: 1000)")
    parser.add_argument("--events", type=int, default=100, help="paced events for latency")
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="paced events per second (default: 10,000 deliveries/s in all)",
    )
    parser.add_argument(
        "--burst", type=int, default=None, help="events in the burst (default: 100, or 2,000 per user)"
    )
    parser.add_argument(
        "--fan-out", action="store_true", help="one user holds every relay socket (each event: C deliveries)"
    )
    parser.add_argument("--full", action="store_true", help="10,000 idle and 1,000 relay connections")
    parser.add_argument("--no-pin", dest="pin", action="store_false", help="do not pin server/client CPUs")
    parser.add_argument("--json", action="store_true", help="also print the raw numbers as JSON")
    args = parser.parse_args()
    if args.full:
        args.idle, args.relay = max(args.idle, 10_000), max(args.relay, 1_000)
    if args.rate is None:
        # Fan-out: keep the clients' load the same at any size, so latency measures the servers.
        # Per user: each event is one delivery, paced as a busy hub's flows would push.
        args.rate = 10_000 / args.relay if args.fan_out else 500
    if args.burst is None:
        args.burst = 100 if args.fan_out else 2_000
    if not args.fan_out:
        args.events = max(args.events, 1_000)
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
