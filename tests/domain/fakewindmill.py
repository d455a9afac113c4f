"""A stateful stand-in for Windmill's REST API, mounted on a respx router (HTTP level).

It answers the calls the domain scripts make (exists/get/create/update of scripts, flows, apps,
schedules, resources; variables; resource types; set_progress) with the response shapes of the
REST spec, and checks every request against the spec first (tests/domain/restspec.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import respx

from tests.domain import restspec

BASE = "http://windmill.test"
WS = "openanalyst"

_KIND_OF = {
    "scripts": "script",
    "flows": "flow",
    "apps": "app",
    "schedules": "schedule",
    "resources": "resource",
}


@dataclass
class FakeWindmill:
    items: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {k: {} for k in ("script", "flow", "app", "schedule", "resource")}
    )
    variables: dict[str, str] = field(default_factory=dict)
    resource_types: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str, Any]] = field(default_factory=list)  # (method, spec template, body)
    progress: list[int] = field(default_factory=list)
    router: Any = None  # the respx router, for tests that mock other hosts too
    failing: list[str] = field(default_factory=list)  # path fragments answered with a 500
    members: dict[str, dict[str, Any]] = field(default_factory=dict)  # username -> workspace user

    # ------------------------------------------------------------------ helpers for tests
    def writes(self) -> list[tuple[str, str, Any]]:
        """The items written (members added to the workspace are in `members`)."""
        return [c for c in self.calls if c[0] == "POST" and not c[1].endswith("/workspaces/add_user")]

    def paths(self, kind: str) -> list[str]:
        return sorted(self.items[kind])

    def snapshot(self) -> str:
        return json.dumps(self.items, sort_keys=True)

    # ---------------------------------------------------------------------- the handler
    def handle(self, request: httpx.Request) -> httpx.Response:
        template = restspec.spec().check(request)
        body = json.loads(request.content) if request.content else None
        self.calls.append((request.method, template, body))
        path = request.url.path.removeprefix(f"/api/w/{WS}/")
        if any(fragment in path for fragment in self.failing):
            return httpx.Response(500, text="internal error")
        m = re.match(r"^(scripts|flows|apps|schedules|resources|variables)/exists/(?:p/)?(.+)$", path)
        if m:
            if m.group(1) == "variables":
                return httpx.Response(200, json=m.group(2) in self.variables)
            return httpx.Response(200, json=m.group(2) in self.items[_KIND_OF[m.group(1)]])
        m = re.match(r"^(scripts|flows|apps|schedules|resources)/get/(?:p/)?(.+)$", path)
        if m:
            item = self.items[_KIND_OF[m.group(1)]].get(m.group(2))
            if item is None:
                return httpx.Response(404, text=f"not found: {m.group(2)}")
            return httpx.Response(200, json=item)
        m = re.match(r"^(scripts|flows|apps|schedules|resources)/create$", path)
        if m:
            kind = _KIND_OF[m.group(1)]
            assert body is not None
            p = body["path"]
            if p in self.items[kind] and not (kind == "script" and body.get("parent_hash")):
                return httpx.Response(400, text=f"{kind} {p} already exists")
            stored = dict(body)
            if kind == "script":
                stored["hash"] = hashlib.sha256(body["content"].encode()).hexdigest()[:16]
            self.items[kind][p] = stored
            return httpx.Response(201, text=stored.get("hash", p))
        m = re.match(r"^(flows|apps|schedules|resources)/update/(.+)$", path)
        if m:
            kind = _KIND_OF[m.group(1)]
            if m.group(2) not in self.items[kind]:
                return httpx.Response(404, text="not found")
            self.items[kind][m.group(2)].update(body or {})
            return httpx.Response(200, text=m.group(2))
        m = re.match(r"^schedules/setenabled/(.+)$", path)
        if m:
            if m.group(1) not in self.items["schedule"]:
                return httpx.Response(404, text="not found")
            self.items["schedule"][m.group(1)]["enabled"] = body["enabled"]
            return httpx.Response(200, text="ok")
        m = re.match(r"^variables/get_value/(.+)$", path)
        if m:
            if m.group(1) not in self.variables:
                return httpx.Response(404, text="variable not found")
            return httpx.Response(200, json=self.variables[m.group(1)])
        m = re.match(r"^resources/get_value_interpolated/(.+)$", path)
        if m:
            item = self.items["resource"].get(m.group(1))
            if item is None:
                return httpx.Response(404, text="resource not found")
            return httpx.Response(200, json=item["value"])
        m = re.match(r"^resources/type/get/(.+)$", path)
        if m:
            rt = self.resource_types.get(m.group(1))
            return httpx.Response(200, json=rt) if rt else httpx.Response(404, text="no such type")
        m = re.match(r"^(scripts|flows)/list$", path)
        if m:
            start = request.url.params.get("path_start", "")
            kind = _KIND_OF[m.group(1)]
            return httpx.Response(200, json=[i for p, i in self.items[kind].items() if p.startswith(start)])
        m = re.match(r"^schedules/list$", path)
        if m:
            start = request.url.params.get("path_start", "")
            return httpx.Response(
                200, json=[s for p, s in self.items["schedule"].items() if p.startswith(start)]
            )
        if path == "resources/list":  # listResources: filtered by resource_type and path_start
            start = request.url.params.get("path_start", "")
            kind = request.url.params.get("resource_type")
            found = [
                r
                for p, r in self.items["resource"].items()
                if p.startswith(start) and (not kind or r.get("resource_type") == kind)
            ]
            return httpx.Response(200, json=found)
        m = re.match(r"^users/whois/(.+)$", path)
        if m:
            user = self.members.get(m.group(1))
            return httpx.Response(200, json=user) if user else httpx.Response(404, text="user not found")
        if path == "workspaces/add_user":
            assert body is not None
            username = body.get("username") or body["email"].split("@")[0]
            if username in self.members:
                return httpx.Response(400, text=f"user {username} already exists")
            self.members[username] = {
                "email": body["email"],
                "username": username,
                "is_admin": body["is_admin"],
                "is_super_admin": False,
                "created_at": "2026-01-01T00:00:00Z",
                "operator": body["operator"],
                "disabled": False,
                "folders": [],
                "folders_owners": [],
            }
            return httpx.Response(200, text=f"user {username} added")
        m = re.match(r"^jobs_u/get/(.+)$", path)
        if m:
            return httpx.Response(200, json={"id": m.group(1), "type": "QueuedJob", "parent_job": None})
        m = re.match(r"^job_metrics/set_progress/(.+)$", path)
        if m:
            self.progress.append(body["percent"])
            return httpx.Response(200, text="ok")
        raise AssertionError(f"FakeWindmill has no handler for {request.method} {request.url.path}")

    def mount(self, router: respx.Router) -> None:
        self.router = router
        router.route(url__startswith=f"{BASE}/api/").mock(side_effect=self.handle)
