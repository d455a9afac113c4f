"""A loopback Anthropic Messages API that answers each scenario with its own recorded bodies.

Scenarios run concurrently, so replies are chosen by content, not by order: a request belongs to
the case whose markers (its request text, and the topic a writer prompt carries) occur in the
body; within the case, the request's role (planner, writer, judge, ...) picks the list of bodies,
served in order (the last repeats). A reply is `(status, body)`, so overloaded errors (529) and
rate limits are served as the real API sends them.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from typing import Any

from tests.brain.loopback import _Server, role_of

Reply = tuple[int, dict[str, Any]]


class ScenarioModelServer(_Server):
    def __init__(self) -> None:
        super().__init__()
        self.cases: dict[str, tuple[list[str], dict[str, list[Reply]]]] = {}
        self.served: dict[tuple[str, str], int] = defaultdict(int)
        self.requests: list[tuple[str | None, str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def script(self, case_id: str, markers: list[str], replies: dict[str, list[Reply]]) -> None:
        """Register `case_id`'s replies per role; `markers` identify its requests."""
        escaped = [json.dumps(m, ensure_ascii=False)[1:-1] for m in markers if m]
        self.cases[case_id] = (escaped, replies)

    def case_of(self, raw: str) -> str | None:
        best: tuple[int, str] | None = None
        for case_id, (markers, _) in self.cases.items():
            for marker in markers:
                if marker in raw and (best is None or len(marker) > best[0]):
                    best = (len(marker), case_id)
        return best[1] if best else None

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> Reply:
        if not path.startswith("/v1/messages"):
            return 404, {"type": "error", "error": {"type": "not_found_error", "message": path}}
        body = json.loads(raw or b"{}")
        role = role_of(body)
        text = raw.decode("utf-8", "replace")
        with self._lock:
            case_id = self.case_of(text)
            self.requests.append((case_id, role, body))
            replies = self.cases[case_id][1].get(role) if case_id else None
            if not replies:
                return 500, {
                    "type": "error",
                    "error": {"type": "api_error", "message": "Internal server error"},
                }
            index = min(self.served[(case_id or "", role)], len(replies) - 1)
            self.served[(case_id or "", role)] += 1
        return replies[index]

    def calls(self, case_id: str, role: str | None = None) -> list[dict[str, Any]]:
        return [b for c, r, b in self.requests if c == case_id and (role is None or r == role)]
