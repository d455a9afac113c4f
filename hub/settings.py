"""Hub settings, read once from the environment (documented in .env.example, section `hub`).

Each field `x` is read from `HUB_X` (pydantic-settings), except the few shared with other
components (`REDIS_URL`, `WINDMILL_URL`, `WINDMILL_WORKSPACE`, `WINDMILL_TOKEN`, falling back
to the dev runtime's `OPENANALYST_DEV_TOKEN`). An empty variable counts as unset.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_FILE = REPO_ROOT / "var" / "hub_jwt_secret"
LOCAL_BACKEND_URL = "http://127.0.0.1:8000"

JwtAlgorithm = Literal["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384"]

# HS* secrets shorter than the hash output make brute-forcing a token's key practical (RFC 7518 3.2:
# https://www.rfc-editor.org/rfc/rfc7518#section-3.2 requires at least the hash size).
MIN_HMAC_SECRET_BYTES = 32


def _shared(name: str, *fallbacks: str) -> AliasChoices:
    """A setting read from a variable other components use too (not HUB_-prefixed)."""
    return AliasChoices(name, *fallbacks)


class SettingsError(ValueError):
    """A setting that makes the hub unable to start safely."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", env_prefix="HUB_", env_ignore_empty=True, validate_by_name=True
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8002, ge=0, le=65535)

    # Where flows run: `local` = the dev runtime's REST API, `windmill` = a real Windmill.
    backend: Literal["local", "windmill"] = "local"
    windmill_url: str | None = Field(default=None, validation_alias=_shared("WINDMILL_URL"))
    windmill_workspace: str = Field(default="openanalyst", validation_alias=_shared("WINDMILL_WORKSPACE"))
    windmill_token: SecretStr | None = Field(
        default=None, validation_alias=_shared("WINDMILL_TOKEN", "OPENANALYST_DEV_TOKEN")
    )
    flow_path: str = "f/openanalyst/handle_request"
    backend_timeout_s: float = Field(default=10.0, gt=0)
    backend_retries: int = Field(default=6, ge=0)
    backend_backoff_s: float = Field(default=0.5, ge=0)
    backend_backoff_max_s: float = Field(default=10.0, ge=0)
    # HTTP connections to Windmill per hub process: one getupdate_sse stream per followed job.
    backend_max_connections: int = Field(default=1000, ge=1)
    poll_interval_s: float = Field(default=1.0, gt=0)
    follow_timeout_s: float = Field(default=3600.0, gt=0)

    # Auth: one algorithm (one family) per deployment.
    jwt_algorithm: JwtAlgorithm = "HS256"
    jwt_secret: SecretStr | None = None
    jwt_public_key: str | None = Field(default=None, description="PEM text or a path to a PEM file")
    jwt_jwks_url: str | None = None
    jwt_issuer: str | None = "openanalyst"
    jwt_audience: str | None = "openanalyst-hub"
    jwt_leeway_s: int = Field(default=10, ge=0)
    auth_timeout_s: float = Field(default=5.0, gt=0)

    push_secret: SecretStr | None = None
    redis_url: str | None = Field(default=None, validation_alias=_shared("REDIS_URL"))
    # Prefix of every Redis key and channel of this hub deployment (hubs sharing it serve one user base).
    redis_prefix: str = Field(default="oa:hub", pattern=r"^[A-Za-z0-9_:.-]{1,64}$")
    # Redis connections per hub process; a caller waits up to redis_pool_timeout_s for a free one
    # (a burst queues instead of failing).
    redis_max_connections: int = Field(default=50, ge=2)
    redis_pool_timeout_s: float = Field(default=10.0, gt=0)
    # A job whose following hub stopped renewing this lease is taken over by another hub.
    follow_lease_s: float = Field(default=15.0, gt=0)

    # Limits.
    max_frame_bytes: int = Field(default=64 * 1024, ge=1024)
    max_push_bytes: int = Field(default=256 * 1024, ge=1024)
    max_connections_per_user: int = Field(default=10, ge=1)
    requests_per_minute: int = Field(default=30, ge=1)
    send_queue_bytes: int = Field(default=1024 * 1024, ge=1024)
    ping_interval_s: float = Field(default=25.0, ge=0)
    ping_timeout_s: float = Field(default=20.0, gt=0)
    history_size: int = Field(default=300, ge=1)
    history_ttl_s: int = Field(default=86400, ge=1)
    question_ttl_s: int = Field(default=86400, ge=1)

    chat_dir: Path = REPO_ROOT / "apps" / "chat"
    # Where conversations are kept (hub/history.py): the store the flow's jobs write, as a
    # `postgresql://` DSN or the SQLite file path; unset = the chat page keeps no history.
    store: str | None = None
    # Windmill's web UI, for "runs" links under answers (default: WINDMILL_URL with HUB_BACKEND=windmill).
    windmill_ui_url: str | None = None

    @field_validator("jwt_issuer", "jwt_audience", mode="before")
    @classmethod
    def _dash_means_unchecked(cls, value: object) -> object:
        return None if value == "-" else value

    @field_validator("jwt_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < MIN_HMAC_SECRET_BYTES:
            raise SettingsError(
                f"too short ({len(value.get_secret_value().encode())} bytes); use at least "
                f"{MIN_HMAC_SECRET_BYTES} random bytes (e.g. `openssl rand -base64 48`)"
            )
        return value

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.jwt_algorithm.startswith("HS"):
            if self.jwt_public_key or self.jwt_jwks_url:
                raise SettingsError(
                    f"HUB_JWT_ALGORITHM={self.jwt_algorithm} is HMAC; a public key or JWKS needs RS*/ES*"
                )
        elif not (self.jwt_public_key or self.jwt_jwks_url):
            raise SettingsError(
                f"HUB_JWT_ALGORITHM={self.jwt_algorithm} needs HUB_JWT_PUBLIC_KEY or HUB_JWT_JWKS_URL"
            )
        return self

    @property
    def backend_url(self) -> str:
        if self.windmill_url:
            return self.windmill_url.rstrip("/")
        if self.backend == "local":
            return LOCAL_BACKEND_URL
        raise SettingsError("HUB_BACKEND=windmill needs WINDMILL_URL")

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """The process environment's settings; `overrides` (field names) win."""
        return cls(**overrides)  # type: ignore[arg-type]

    def hmac_secret(self) -> str:
        """The HS* signing secret; a local-backend dev machine gets one generated once on disk."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        if self.backend != "local":
            raise SettingsError("HUB_JWT_SECRET is required with HUB_BACKEND=windmill")
        return dev_secret()


def env_name(field: str) -> str:
    """The environment variable a field is read from."""
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return f"HUB_{field.upper()}"


def explain(exc: ValidationError) -> str:
    """Settings errors in the operator's terms: the variable and what is wrong with it."""
    lines = []
    for err in exc.errors(include_url=False):
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        loc = err.get("loc") or ()
        lines.append(f"{env_name(str(loc[0]))}: {message}" if loc else message)
    return "; ".join(lines)


def dev_secret(path: Path = DEV_SECRET_FILE) -> str:
    """A per-checkout secret in var/, so `scripts/dev token` and a dev hub agree without setup."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value
