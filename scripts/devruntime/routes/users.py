"""users/whoami, tokens and version."""

from __future__ import annotations

from starlette.responses import Response

from scripts.devruntime.auth import new_token
from scripts.devruntime.http import Call, Op, js, text

VERSION = "v1.743.0-openanalyst-dev"


def _user(call: Call) -> dict[str, object]:
    s = call.runtime.settings
    return {
        # GlobalUserInfo fields, plus the User fields the CLI's whoami also reads.
        "email": s.email,
        "login_type": "password",
        "super_admin": True,
        "verified": True,
        "first_time_user": False,
        "role_source": "manual",
        "username": s.username,
        "is_admin": True,
        "is_super_admin": True,
        "name": "OpenAnalyst dev runtime",
        "created_at": "2026-01-01T00:00:00Z",
        "operator": False,
        "disabled": False,
        "groups": [],
        "folders": [],
        "folders_read": [],
        "folders_owners": [],
    }


async def whoami(call: Call) -> Response:
    return js(_user(call))


async def ws_whoami(call: Call) -> Response:
    s = call.runtime.settings
    return js(
        {
            "email": s.email,
            "username": s.username,
            "is_admin": True,
            "is_super_admin": True,
            "created_at": "2026-01-01T00:00:00Z",
            "operator": False,
            "disabled": False,
            "groups": [],
            "folders": [],
            "folders_owners": [],
            "folders_read": [],
        }
    )


async def create_token(call: Call) -> Response:
    body = call.json() or {}
    return text(new_token(call.runtime, body.get("label"), body.get("expiration")), 201)


async def version(call: Call) -> Response:
    return text(VERSION)


OPS = [
    Op("GET", "/users/whoami", whoami),
    Op("GET", "/w/{workspace}/users/whoami", ws_whoami),
    Op("POST", "/users/tokens/create", create_token),
    Op("GET", "/version", version, public=True),
]
