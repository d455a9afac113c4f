"""Bearer-token auth like Windmill's: `Authorization: Bearer`, a `token` cookie or `?token=`.

Three kinds of token: the operator's (the workspace admin), tokens created through the API (each
belongs to a user and may carry scopes), and job tokens, which act as the user the job runs as
(`permissioned_as`), never as the operator.
Windmill: https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api-auth/src/auth.rs
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime

from starlette.requests import Request

from scripts.devruntime.acl import Identity
from scripts.devruntime.jobs import Runtime

TOKEN_PREFIX_LEN = 10


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get("token") or request.query_params.get("token") or None


def _expired(expiration: str | None) -> bool:
    if not expiration:
        return False
    try:
        when = datetime.fromisoformat(expiration.replace("Z", "+00:00"))
    except ValueError:
        return True
    return (when if when.tzinfo else when.replace(tzinfo=UTC)) <= datetime.now(UTC)


def authenticate(runtime: Runtime, request: Request) -> Identity | None:
    token = token_of(request)
    if not token:
        return None
    settings = runtime.settings
    acl = runtime.acl
    if hmac.compare_digest(token.encode(), settings.token.encode()):
        return acl.identity_of(settings.username, "operator")
    job_id = runtime.job_tokens.get(token)
    if job_id is not None:
        doc = runtime.get_job(job_id)
        username = str(doc.get("permissioned_as") or "").removeprefix("u/")
        return acl.identity_of(username, "job", job_id=job_id)
    record = runtime.store.get("token", token)
    if record is None or _expired(record.get("expiration")):
        return None
    scopes = record.get("scopes")
    return acl.identity_of(
        record.get("username") or settings.username,
        "token",
        scopes=tuple(scopes) if scopes is not None else None,
    )


def new_token(
    runtime: Runtime,
    username: str,
    label: str | None,
    expiration: str | None,
    scopes: list[str] | None = None,
) -> str:
    token = secrets.token_urlsafe(24)
    runtime.store.put(
        "token",
        token,
        {
            "username": username,
            "label": label or "",
            "expiration": expiration,
            "scopes": scopes,
            "token_prefix": token[:TOKEN_PREFIX_LEN],
        },
    )
    return token
