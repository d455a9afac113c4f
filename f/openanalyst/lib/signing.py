"""HMAC signatures for events that flows push to the hub (`POST /internal/push`).

The signature covers a timestamp and the exact body bytes, so a captured push cannot be
replayed later or altered; the hub rejects pushes older than MAX_SKEW_S.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-OpenAnalyst-Signature"
TIMESTAMP_HEADER = "X-OpenAnalyst-Timestamp"
MAX_SKEW_S = 300


class BadSignature(ValueError):
    """A push whose signature or timestamp does not check out."""


def _digest(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def sign(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """The headers to send with `body`."""
    if not secret:
        raise ValueError("push secret is empty")
    timestamp = str(int(now if now is not None else time.time()))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: _digest(secret, timestamp, body)}


def verify(secret: str, body: bytes, headers: dict[str, str], now: float | None = None) -> None:
    """Raise BadSignature unless `headers` carry a fresh, valid signature of `body`."""
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    signature = lowered.get(SIGNATURE_HEADER.lower(), "")
    if not secret:
        raise BadSignature("push secret is not configured")
    if not timestamp.isdigit() or not signature:
        raise BadSignature("missing signature or timestamp")
    if abs((now if now is not None else time.time()) - int(timestamp)) > MAX_SKEW_S:
        raise BadSignature("timestamp outside the allowed window")
    if not hmac.compare_digest(signature, _digest(secret, timestamp, body)):
        raise BadSignature("signature mismatch")
