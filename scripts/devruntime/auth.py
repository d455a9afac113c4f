"""Bearer-token auth like Windmill's: `Authorization: Bearer`, a `token` cookie or `?token=`."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from starlette.requests import Request

from scripts.devruntime.jobs import Runtime


@dataclass(frozen=True)
class Identity:
    """Who is calling: the operator token, a job's token, or a token created through the API."""

    kind: str  # "operator" | "job" | "token"
    username: str
    job_id: str | None = None


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get("token") or request.query_params.get("token") or None


def authenticate(runtime: Runtime, request: Request) -> Identity | None:
    token = token_of(request)
    if not token:
        return None
    settings = runtime.settings
    if hmac.compare_digest(token.encode(), settings.token.encode()):
        return Identity("operator", settings.username)
    job_id = runtime.job_tokens.get(token)
    if job_id is not None:
        return Identity("job", settings.username, job_id)
    if runtime.store.get("token", token) is not None:
        return Identity("token", settings.username)
    return None


def new_token(runtime: Runtime, label: str | None, expiration: str | None) -> str:
    token = secrets.token_urlsafe(24)
    runtime.store.put("token", token, {"label": label or "", "expiration": expiration})
    return token
