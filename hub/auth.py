"""Websocket authentication: JWT verification and dev tokens.

One algorithm per deployment (HS* with a shared secret, or RS*/ES* with a public key or a
JWKS), never a mix: a list mixing families lets a public key act as an HMAC secret
(https://pyjwt.readthedocs.io/en/stable/algorithms.html, and RFC 8725 section 3.1).
`exp` and `sub` are required; `iss`/`aud` are checked when configured;
`sub` must be a valid user id. Tokens are never logged.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from f.openanalyst.lib.users import InvalidUserId, validate_user_id
from hub.settings import Settings

# Close codes (4000-4999 are application codes; reasons stay under 123 bytes).
CLOSE_UNAUTHORIZED = 4001
CLOSE_TOKEN_EXPIRED = 4002
CLOSE_FORBIDDEN = 4003
CLOSE_TOO_MANY_CONNECTIONS = 4008
CLOSE_SLOW_CONSUMER = 4009
CLOSE_GOING_AWAY = 1001
CLOSE_RECONNECT = 1012  # "service restart": reconnect with the last event id


class AuthError(Exception):
    """A token that is refused; `reason` is safe to show (it never contains the token)."""

    def __init__(self, reason: str, code: int = CLOSE_UNAUTHORIZED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True, slots=True)
class Identity:
    user_id: str
    expires_at: float

    def ttl(self, now: float | None = None) -> int:
        return max(0, int(self.expires_at - (now if now is not None else time.time())))


def _read_key(value: str) -> str:
    text = value.strip()
    if text.startswith("-----BEGIN"):
        return text
    return Path(text).read_text()


class TokenVerifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.algorithms = [settings.jwt_algorithm]
        self._jwks: jwt.PyJWKClient | None = None
        self._key: Any
        if settings.jwt_algorithm.startswith("HS"):
            self._key = settings.hmac_secret()
        elif settings.jwt_public_key:
            self._key = _read_key(settings.jwt_public_key)
        else:
            assert settings.jwt_jwks_url
            self._key = None
            self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True, lifespan=300, timeout=5)

    def _decode(self, token: str) -> dict[str, Any]:
        key = self._key
        if self._jwks is not None:
            key = self._jwks.get_signing_key_from_jwt(token).key
        return jwt.decode(
            token,
            key,
            algorithms=self.algorithms,
            audience=self.settings.jwt_audience,
            issuer=self.settings.jwt_issuer,
            leeway=self.settings.jwt_leeway_s,
            options={"require": ["exp", "sub"], "verify_aud": self.settings.jwt_audience is not None},
        )

    def verify(self, token: str) -> Identity:
        """Return the token's identity or raise AuthError saying why it is refused."""
        if not token:
            raise AuthError("token required")
        try:
            claims = self._decode(token)
        except jwt.ExpiredSignatureError:
            raise AuthError("token expired", CLOSE_TOKEN_EXPIRED) from None
        except jwt.InvalidAudienceError:
            raise AuthError("wrong audience") from None
        except jwt.InvalidIssuerError:
            raise AuthError("wrong issuer") from None
        except jwt.InvalidSignatureError:
            raise AuthError("bad signature") from None
        except jwt.InvalidAlgorithmError:
            raise AuthError("algorithm not allowed") from None
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(f"missing claim {exc.claim}") from None
        except jwt.ImmatureSignatureError:
            raise AuthError("token not yet valid") from None
        except jwt.PyJWKClientError:
            raise AuthError("signing key not found") from None
        except jwt.PyJWTError:
            raise AuthError("malformed token") from None
        try:
            user_id = validate_user_id(claims["sub"])
        except InvalidUserId:
            raise AuthError("invalid subject") from None
        return Identity(user_id=user_id, expires_at=float(claims["exp"]))

    async def averify(self, token: str) -> Identity:
        """`verify`, off the event loop when a JWKS fetch may block."""
        if self._jwks is not None:
            return await asyncio.to_thread(self.verify, token)
        return self.verify(token)


def issue_token(settings: Settings, user_id: str, ttl_s: int = 3600) -> str:
    """An HS* token for `user_id` that this hub's verifier accepts."""
    validate_user_id(user_id)
    if not settings.jwt_algorithm.startswith("HS"):
        raise ValueError(f"cannot issue tokens for {settings.jwt_algorithm}: the hub only holds a public key")
    now = int(time.time())
    claims: dict[str, Any] = {"sub": user_id, "iat": now, "exp": now + int(ttl_s), "jti": uuid.uuid4().hex}
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, settings.hmac_secret(), algorithm=settings.jwt_algorithm)


def issue_dev_token(user_id: str, ttl_s: int = 3600) -> str:
    """A token for `user_id` signed with HUB_JWT_SECRET (or the dev secret), for `scripts/dev token`."""
    return issue_token(Settings.from_env(), user_id, ttl_s)
