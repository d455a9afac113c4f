"""Deleting items created through the API (bundle files are never touched)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.responses import Response

from scripts.devruntime.errors import BadRequest, NotFound
from scripts.devruntime.http import Call, Op, js, text


def _deleter(kind: str, as_json: bool = False) -> Callable[[Call], Awaitable[Response]]:
    async def delete(call: Call) -> Response:
        path = call.params["path"]
        call.require_write(path)
        if call.runtime.store.get(kind, path) is not None and call.runtime.store.delete(kind, path):
            message = f"{kind} {path} deleted"
            return js(message) if as_json else text(message)
        bundle = call.runtime.bundle
        on_disk = (
            bundle.find_script(path)
            if kind == "script"
            else bundle.find_flow(path)
            if kind == "flow"
            else None
        )
        if on_disk is not None:
            raise BadRequest(f"{kind} {path} is part of the bundle on disk; change the repository instead")
        raise NotFound(f"{kind} {path} not found")

    return delete


OPS = [
    Op("DELETE", "/w/{workspace}/variables/delete/{path}", _deleter("variable")),
    Op("DELETE", "/w/{workspace}/resources/delete/{path}", _deleter("resource")),
    Op("POST", "/w/{workspace}/scripts/delete/p/{path}", _deleter("script", as_json=True)),
    Op("DELETE", "/w/{workspace}/flows/delete/{path}", _deleter("flow")),
    Op("DELETE", "/w/{workspace}/apps/delete/{path}", _deleter("app")),
    Op("DELETE", "/w/{workspace}/schedules/delete/{path}", _deleter("schedule")),
]
