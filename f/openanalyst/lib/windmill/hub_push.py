"""Push one protocol frame to the websocket hub (`POST {hub_url}/internal/push`, HMAC-signed).

The hub URL and the shared secret are Windmill variables (`f/openanalyst/hub_url`,
`f/openanalyst/hub_push_secret`), with env fallbacks for the dev stack. A hub that is down,
slow or not configured never fails the caller: `push()` returns `{"delivered": False,
"reason": ...}`; the hub also follows jobs itself, so a lost push costs only immediacy.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import httpx

import f.openanalyst.lib.signing as signing
import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.log import get_logger, log
from f.openanalyst.lib.protocol import parse_frame_of

HUB_URL_VARIABLE = "f/openanalyst/hub_url"
HUB_SECRET_VARIABLE = "f/openanalyst/hub_push_secret"
PUSH_PATH = "/internal/push"
_logger = get_logger(__name__)


def _timeout() -> float:
    try:
        return float(os.environ.get("OPENANALYST_PUSH_TIMEOUT_S", "3"))
    except ValueError:
        return 3.0


_shared: dict[bool, httpx.Client] = {}


def _http(url: str) -> httpx.Client:
    """One client per process (and scheme), with the process's TLS context for it: a step pushes
    several frames, and `httpx.post` would load the CA bundle (10-30 ms) and open a connection
    for each."""
    secure = not url.lower().startswith("http://")
    if secure not in _shared:
        _shared[secure] = httpx.Client(verify=windmill_rest.tls(url))
    return _shared[secure]


# (hub_url, secret) per job: a step pushes several frames, and each read is two REST calls.
_settings: dict[tuple[str | None, ...], tuple[str | None, str | None]] = {}


def hub_settings() -> tuple[str | None, str | None]:
    """(hub_url, secret) from Windmill variables, else OPENANALYST_HUB_URL / HUB_PUSH_SECRET; read
    once per job (WM_JOB_ID), every time outside one."""
    scope = windmill_rest.job_scope()
    if scope is not None and scope in _settings:
        return _settings[scope]
    url = windmill_rest.variable(HUB_URL_VARIABLE) or os.environ.get("OPENANALYST_HUB_URL") or None
    secret = windmill_rest.variable(HUB_SECRET_VARIABLE) or os.environ.get("HUB_PUSH_SECRET") or None
    if scope is not None:
        _settings[scope] = (url, secret)
    return url, secret


def build_frame(
    user_id: str,
    session_id: str,
    type: str,
    payload: dict[str, Any],
    correlation_id: str | None = None,
) -> bytes:
    """The validated frame as JSON bytes (camelCase); raises pydantic.ValidationError if invalid."""
    frame = parse_frame_of(
        type,
        {
            "type": type,
            "userId": user_id,
            "sessionId": session_id,
            "payload": payload,
            **({"correlationId": correlation_id} if correlation_id else {}),
        },
    )
    return frame.model_dump_json(exclude_none=True).encode()


def push(
    user_id: str,
    session_id: str,
    type: str,
    payload: dict[str, Any],
    correlation_id: str | None = None,
    *,
    hub_url: str | None = None,
    secret: str | None = None,
) -> dict[str, Any]:
    """Send one frame; returns {"delivered": bool, "reason"?: str, "status"?: int, "message_id"}."""
    body = build_frame(user_id, session_id, type, payload, correlation_id)
    message_id = json.loads(body)["messageId"]
    if hub_url is None or secret is None:
        found_url, found_secret = hub_settings()
        hub_url, secret = hub_url or found_url, secret or found_secret
    if not hub_url:
        return {"delivered": False, "reason": "hub URL not configured", "message_id": message_id}
    if not secret:
        return {"delivered": False, "reason": "hub push secret not configured", "message_id": message_id}
    headers = {"Content-Type": "application/json", **signing.sign(secret, body)}
    url = hub_url.rstrip("/") + PUSH_PATH
    try:
        resp = _http(url).post(url, content=body, headers=headers, timeout=_timeout())
    except httpx.HTTPError as exc:
        log(_logger, logging.WARNING, "hub push failed", url=url, error=exc.__class__.__name__)
        return {
            "delivered": False,
            "reason": f"hub unreachable: {exc.__class__.__name__}",
            "message_id": message_id,
        }
    if resp.status_code >= 300:
        log(_logger, logging.WARNING, "hub refused push", url=url, status=resp.status_code)
        return {
            "delivered": False,
            "reason": f"hub answered {resp.status_code}",
            "status": resp.status_code,
            "message_id": message_id,
        }
    return {"delivered": True, "status": resp.status_code, "message_id": message_id}
