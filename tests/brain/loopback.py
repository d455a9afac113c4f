"""Loopback stand-ins for what is outside the machine, reachable from job processes.

Flow steps run in their own processes, so respx in the test process cannot reach them. These
servers listen on 127.0.0.1 and answer as the real services do:

- `ModelServer`: the Anthropic Messages API. Each request is classified by its system prompt
  (planner, judge, researcher, intent, writer) and answered with the next recorded body of that
  role's script (the last one repeats), or by a role's responder: a function of the request body,
  for a model whose answer depends on what it was sent (a planner that reads the differences);
  every request is kept for assertions.
- `HubStub`: the hub's `POST /internal/push`, checking the HMAC signature and keeping each frame.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import f.openanalyst.lib.signing as signing

ROLE_MARKERS = (
    ("coordinator", "OpenAnalyst coordinator"),
    ("planner", "OpenAnalyst planner"),
    ("judge", "OpenAnalyst judge"),
    ("researcher", "OpenAnalyst researcher"),
    ("intent", "extract intent and entities"),
)


def role_of(body: dict[str, Any]) -> str:
    system = body.get("system") or ""
    text = system if isinstance(system, str) else " ".join(b.get("text", "") for b in system)
    for role, marker in ROLE_MARKERS:
        if marker in text:
            return role
    return "writer"


class _Server:
    def __init__(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                status, payload = owner.handle(self.path, dict(self.headers), raw)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        raise NotImplementedError

    def start(self) -> _Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


Body = dict[str, Any]
Responder = Callable[[Body], Body]


class ModelServer(_Server):
    def __init__(self, script: dict[str, list[Body] | Responder]) -> None:
        super().__init__()
        self.script = {role: bodies if callable(bodies) else list(bodies) for role, bodies in script.items()}
        self.served: dict[str, int] = defaultdict(int)
        self.requests: list[tuple[str, dict[str, Any], dict[str, str]]] = []

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        if not path.startswith("/v1/messages"):
            return 404, {"type": "error", "error": {"type": "not_found_error", "message": path}}
        body = json.loads(raw or b"{}")
        role = role_of(body)
        with self.lock:
            self.requests.append((role, body, headers))
            bodies = self.script.get(role)
            if callable(bodies):
                return 200, bodies(body)
            if not bodies:
                return 500, {
                    "type": "error",
                    "error": {"type": "api_error", "message": f"no {role} body scripted"},
                }
            index = min(self.served[role], len(bodies) - 1)
            self.served[role] += 1
        return 200, bodies[index]

    def calls(self, role: str | None = None) -> list[dict[str, Any]]:
        return [body for r, body, _ in self.requests if role is None or r == role]


class HubStub(_Server):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret
        self.frames: list[dict[str, Any]] = []

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        if path != "/internal/push":
            return 404, {"error": "not found"}
        try:
            signing.verify(self.secret, raw, {k.lower(): v for k, v in headers.items()})
        except Exception as exc:
            return 401, {"error": f"bad signature: {exc}"}
        with self.lock:
            self.frames.append(json.loads(raw))
        return 202, {"delivered": 1}

    def of_type(self, kind: str, correlation: str | None = None) -> list[dict[str, Any]]:
        return [
            f
            for f in self.frames
            if f.get("type") == kind and (correlation is None or f.get("correlationId") == correlation)
        ]


@contextmanager
def running(server: _Server) -> Iterator[Any]:
    server.start()
    try:
        yield server
    finally:
        server.stop()
