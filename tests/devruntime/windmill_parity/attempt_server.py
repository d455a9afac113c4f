"""worker.rs `retry::Server` in Python: a loopback TCP server that lets steps fail on cue.

Each connection sends one byte (which attempt it is); the server records it and answers with the
next scripted byte, or closes without answering (the step then fails). Steps run in their own
processes, so they reach it over the network like Windmill's steps do.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType


class AttemptServer:
    def __init__(self, responses: list[int | None]) -> None:
        self.responses = responses
        self.received: list[int] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port: int = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        for answer in self.responses:
            while not self._stop.is_set():
                try:
                    peer, _ = self._sock.accept()
                    break
                except TimeoutError:
                    continue
            else:
                return
            with peer:
                data = peer.recv(1)
                if data:
                    self.received.append(data[0])
                if answer is not None:
                    peer.sendall(bytes([answer]))

    def __enter__(self) -> AttemptServer:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()
