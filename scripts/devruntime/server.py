"""Serve the dev runtime with uvicorn, in the foreground or in a background thread."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

from scripts.devruntime.config import Settings

# uvicorn and the app are imported by what serves, not by `bind`: scripts/dev binds the port and
# starts the hub before it imports them, so both start-ups run side by side.


def _server(app: Any, log_level: str) -> Any:
    """uvicorn serving the runtime's app; once it listens, the REST spec starts loading (a thread:
    its imports would otherwise share the CPU with the start-up, and delay the first answer).
    No websockets: the Windmill API the runtime serves has none (and uvicorn would import them)."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            app.state.validator.load()

    config = uvicorn.Config(
        app,
        log_level=log_level,
        lifespan="on",
        timeout_graceful_shutdown=2,
        ws="none",
        timeout_keep_alive=KEEP_ALIVE_S,
    )
    return Server(config)


# Windmill serves its API with `axum::serve` (`run_server` in
# https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/src/lib.rs), which puts no
# idle limit on a keep-alive connection: the client closes it (httpx after 5 s idle). uvicorn's
# default closes one after 5 s, the very moment an httpx client may reuse it, and that request
# then fails with "Connection reset by peer" (a scenario run saw two). Idle connections here last
# longer than any client keeps them, as on Windmill.
KEEP_ALIVE_S = 120


def bind(settings: Settings) -> socket.socket:
    """Bind the listening socket first, so port 0 picks a free port jobs can be told about.

    The protocol is named (IPPROTO_TCP) because asyncio sets TCP_NODELAY only on accepted sockets
    whose `proto` says TCP: with proto 0 Nagle's algorithm stayed on and every keep-alive reply
    waited about 40 ms for the client's delayed ACK."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    settings.port = sock.getsockname()[1]
    sock.set_inheritable(False)
    return sock


class DevServer:
    """A dev runtime on a background thread: `with DevServer(settings) as srv: srv.base_url`."""

    def __init__(self, settings: Settings, sock: socket.socket | None = None) -> None:
        from scripts.devruntime.app import create_app

        self.settings = settings
        self._sock = sock or bind(settings)
        self.app = create_app(settings)
        self.runtime = self.app.state.runtime
        self.violations: list[str] = self.app.state.violations.items
        self._server = _server(self.app, "warning")
        self._thread = threading.Thread(target=self._run, name="devruntime", daemon=True)
        self.loop: asyncio.AbstractEventLoop | None = None

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._server.serve(sockets=[self._sock]))
        self.loop.close()

    def start(self, timeout: float = 30.0) -> DevServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the dev runtime did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._sock.close()
        self.runtime.store.close()

    def __enter__(self) -> DevServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def serve_forever(settings: Settings) -> None:
    from scripts.devruntime.app import create_app

    sock = bind(settings)
    _server(create_app(settings), "info").run(sockets=[sock])
