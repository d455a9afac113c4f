"""A real hub on loopback (uvicorn in a thread, or `python -m hub` processes) and websocket helpers."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from hub.__main__ import uvicorn_options
from hub.app import create_app
from hub.auth import issue_token
from hub.core import Hub
from hub.settings import Settings
from tests.hub.fake_windmill import BASE, FakeWindmill
from tests.support.devruntime import DevRuntime, start_dev_server

REPO = Path(__file__).resolve().parents[2]
HUB_FLOWS = Path(__file__).parent / "flows"
JWT_SECRET = "test-secret-for-the-hub-0123456789abcdef"
PUSH_SECRET = "push-secret-0123456789"


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "backend": "windmill",
        "windmill_url": BASE,
        "windmill_token": "wm-token",
        "jwt_secret": JWT_SECRET,
        "push_secret": PUSH_SECRET,
        "port": 0,
        "backend_retries": 3,
        "backend_backoff_s": 0.05,
        "poll_interval_s": 0.02,
        "backend_timeout_s": 2,
    }
    values.update(overrides)
    return Settings.model_validate(values)


@dataclass
class RunningHub:
    settings: Settings
    port: int
    hub: Hub | None = None
    process: subprocess.Popen[bytes] | None = None  # when it runs as `python -m hub`

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def token(self, user_id: str, ttl_s: int = 3600) -> str:
        return issue_token(self.settings, user_id, ttl_s)

    async def connect(self, user_id: str, *, last_event_id: str | None = None, **kwargs: Any) -> Client:
        """An authenticated client (AUTH first frame), after its CONNECTED frame."""
        ws = await connect(self.ws, open_timeout=5, **kwargs)
        auth: dict[str, Any] = {
            "type": "AUTH",
            "sessionId": "auth",
            "payload": {"token": self.token(user_id)},
        }
        if last_event_id:
            auth["payload"]["lastEventId"] = last_event_id
        await ws.send(json.dumps(auth))
        client = Client(ws)
        connected = await client.recv()
        assert connected["type"] == "CONNECTED", connected
        client.connected = connected
        return client


class Client:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.connected: dict[str, Any] = {}
        self.seen: list[dict[str, Any]] = []

    async def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        self.seen.append(frame)
        return frame

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    async def request(self, content: str, message_id: str, session_id: str = "sess_1", **extra: Any) -> None:
        await self.send(
            {
                "type": "USER_REQUEST",
                "sessionId": session_id,
                "messageId": message_id,
                "payload": {"content": content, **extra},
            }
        )

    async def until(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Frames received until (and including) the first one matching `predicate`."""
        frames = []
        deadline = time.monotonic() + timeout
        while True:
            frame = await self.recv(max(0.01, deadline - time.monotonic()))
            frames.append(frame)
            if predicate(frame):
                return frames

    async def close(self) -> None:
        await self.ws.close()


def done_for(message_id: str) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f["type"] in ("TASK_COMPLETE", "TASK_ERROR") and f.get("correlationId") == message_id


@contextmanager
def serve_in_thread(settings: Settings, hub: Hub | None = None) -> Iterator[RunningHub]:
    """The hub app under uvicorn on a free loopback port, in a thread of this process."""
    hub = hub or Hub(settings)
    app = create_app(settings, hub)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="on", **uvicorn_options(settings))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("hub did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield RunningHub(settings, port, hub)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def fake_windmill() -> Iterator[FakeWindmill]:
    # Only the fake Windmill's host is mocked; loopback traffic (the hub itself) passes through.
    with respx.mock(assert_all_called=False, assert_all_mocked=False) as router:
        router.route(host="127.0.0.1").pass_through()
        yield FakeWindmill(router)


@pytest.fixture
def hub_factory(fake_windmill: FakeWindmill) -> Iterator[Callable[..., RunningHub]]:
    """Start hubs with setting overrides, against the fake Windmill; all stopped at the end."""
    stack: list[Any] = []

    def start(**overrides: Any) -> RunningHub:
        cm = serve_in_thread(make_settings(**overrides))
        running = cm.__enter__()
        stack.append(cm)
        return running

    yield start
    for cm in reversed(stack):
        cm.__exit__(None, None, None)


@pytest.fixture
def hub_server(hub_factory: Callable[..., RunningHub]) -> RunningHub:
    return hub_factory()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def hub_process(env: dict[str, str], log_path: Path) -> Iterator[RunningHub]:
    """`python -m hub` as a real process (for multi-process and log tests)."""
    port = free_port()
    full_env = {**os.environ, **env, "HUB_PORT": str(port), "HUB_HOST": "127.0.0.1"}
    full_env.pop("CI_HUB_UNUSED", None)
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hub"], cwd=REPO, env=full_env, stderr=log_file, stdout=log_file
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"hub exited: {log_path.read_text()[-2000:]}")
                try:
                    httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=0.5)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            # What the clients need to know of the process's settings: how to sign tokens, the Redis.
            settings = make_settings(jwt_secret=env["HUB_JWT_SECRET"], redis_url=env.get("REDIS_URL"))
            yield RunningHub(settings, port, process=proc)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevRuntime]:
    """A dev runtime serving the bundle plus this folder's test flow (f/hubtest/handle_request)."""
    server = start_dev_server(tmp_path_factory.mktemp("hub-devruntime"), extra_roots=[HUB_FLOWS])
    handle = DevRuntime(server)
    try:
        yield handle
    finally:
        handle.client.close()
        server.stop()
