"""A loopback HTTP responder that answers `GET /api/users/whoami`, the only server call
`wmill generate-metadata --schema-only` needs. Everything else gets 404."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WHOAMI = {
    "email": "bundle@localhost",
    "username": "admin",
    "is_admin": True,
    "is_super_admin": True,
    "operator": False,
    "disabled": False,
    "folders": [],
    "folders_owners": [],
    "groups": [],
    "created_at": "2026-01-01T00:00:00Z",
}


class _Handler(BaseHTTPRequestHandler):
    def _reply(self, status: int, body: bytes = b"") -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/api/users/whoami":
            self._reply(200, json.dumps(WHOAMI).encode())
        else:
            self._reply(404)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self._reply(404)  # the CLI's raw_temp/diff upload: a 404 is only a warning

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@contextmanager
def whoami_server() -> Iterator[str]:
    """Serve on a free loopback port for the duration of the block; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, name="whoami-stub", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
