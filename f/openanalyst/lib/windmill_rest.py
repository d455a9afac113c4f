"""Windmill REST calls the domain scripts make: variables, resources, exists/create of items.

Uses the `wmill` client's authenticated httpx client (base URL, token and workspace come from
the job's WM_* environment), so the same code runs on a Windmill worker and on the dev runtime.
Errors become `WindmillError` with the status and Windmill's message, so a script can say what
went wrong instead of dumping a traceback.
"""

from __future__ import annotations

import os
from typing import Any, Literal
from urllib.parse import quote

import httpx
import wmill

ItemKind = Literal["script", "flow", "app", "schedule", "resource", "variable"]

# GET .../<exists endpoint>/<path> -> true | false (REST spec: */exists/*).
_EXISTS = {
    "script": "scripts/exists/p/{path}",
    "flow": "flows/exists/{path}",
    "app": "apps/exists/{path}",
    "schedule": "schedules/exists/{path}",
    "resource": "resources/exists/{path}",
    "variable": "variables/exists/{path}",
}
_CREATE = {
    "script": "scripts/create",
    "flow": "flows/create",
    "app": "apps/create",
    "schedule": "schedules/create",
    "resource": "resources/create",
    "variable": "variables/create",
}
_GET = {
    "script": "scripts/get/p/{path}",
    "flow": "flows/get/{path}",
    "app": "apps/get/p/{path}",
    "schedule": "schedules/get/{path}",
    "resource": "resources/get/{path}",
    "variable": "variables/get/{path}",
}


class WindmillError(RuntimeError):
    """A Windmill API call that failed; `status` is the HTTP status (0 when unreachable)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


def configured() -> bool:
    """True when the job environment names a Windmill server (a worker or the dev runtime)."""
    return bool(os.environ.get("BASE_INTERNAL_URL") or os.environ.get("WM_BASE_URL"))


def workspace() -> str:
    return os.environ.get("WM_WORKSPACE") or "openanalyst"


def _client() -> httpx.Client:
    if not configured():
        raise WindmillError("no Windmill server configured (BASE_INTERNAL_URL / WM_BASE_URL unset)")
    return wmill.Windmill().client


def _p(path: str) -> str:
    # Windmill paths are '/'-separated and already validated; keep the slashes, quote the rest.
    return quote(path, safe="/")


def request(method: str, endpoint: str, **kwargs: Any) -> httpx.Response:
    """`method /api/w/{ws}/{endpoint}`; raises WindmillError on transport errors or status >= 400."""
    url = f"/w/{workspace()}/{endpoint.lstrip('/')}"
    try:
        resp = _client().request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise WindmillError(f"Windmill unreachable: {type(exc).__name__}: {exc}") from exc
    if resp.status_code >= 400:
        raise WindmillError(
            f"{method} {url} -> {resp.status_code}: {resp.text[:300]}", status=resp.status_code
        )
    return resp


def exists(kind: ItemKind, path: str) -> bool:
    resp = request("GET", _EXISTS[kind].format(path=_p(path)))
    return resp.json() is True


def get(kind: ItemKind, path: str) -> dict[str, Any] | None:
    """The item at `path`, or None when there is none (404)."""
    try:
        return request("GET", _GET[kind].format(path=_p(path))).json()
    except WindmillError as exc:
        if exc.status == 404:
            return None
        raise


def create(kind: ItemKind, body: dict[str, Any]) -> str:
    """Create an item; returns Windmill's text answer (path, hash or id)."""
    return request("POST", _CREATE[kind], json=body).text


def update_flow(path: str, body: dict[str, Any]) -> str:
    return request("POST", f"flows/update/{_p(path)}", json=body).text


def update_app(path: str, body: dict[str, Any]) -> str:
    return request("POST", f"apps/update/{_p(path)}", json=body).text


def update_schedule(path: str, body: dict[str, Any]) -> str:
    return request("POST", f"schedules/update/{_p(path)}", json=body).text


def update_resource(path: str, body: dict[str, Any]) -> str:
    return request("POST", f"resources/update/{_p(path)}", json=body).text


def set_schedule_enabled(path: str, enabled: bool) -> str:
    return request("POST", f"schedules/setenabled/{_p(path)}", json={"enabled": enabled}).text


def list_resources(resource_type: str | None = None, path_start: str | None = None) -> list[dict[str, Any]]:
    params = {k: v for k, v in {"resource_type": resource_type, "path_start": path_start}.items() if v}
    return request("GET", "resources/list", params=params).json()


def variable(path: str, default: str | None = None) -> str | None:
    """A variable's value, or `default` when it is unset, empty or Windmill is unreachable."""
    try:
        value = wmill.get_variable(path) if configured() or os.environ.get("WM_MOCKED_API_FILE") else None
    except Exception:  # wmill raises a bare Exception for a missing variable (404)
        return default
    return value if value else default


def resource(path: str) -> dict[str, Any] | None:
    """A resource's value (interpolated), or None when it does not exist or cannot be read."""
    try:
        if not (configured() or os.environ.get("WM_MOCKED_API_FILE")):
            return None
        return wmill.get_resource(path, none_if_undefined=True)
    except Exception:
        return None
