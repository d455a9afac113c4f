"""Hub settings, read once from the environment (documented in .env.example, section `hub`).

Each field `x` is read from `HUB_X`, except the few shared with other components
(`REDIS_URL`, `WINDMILL_URL`, `WINDMILL_WORKSPACE`, `WINDMILL_TOKEN`). An empty variable
counts as unset.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_FILE = REPO_ROOT / "var" / "hub_jwt_secret"
LOCAL_BACKEND_URL = "http://127.0.0.1:8000"

JwtAlgorithm = Literal["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384"]

_SHARED_NAMES = {
    "redis_url": "REDIS_URL",
    "windmill_url": "WINDMILL_URL",
    "windmill_workspace": "WINDMILL_WORKSPACE",
    "windmill_token": "WINDMILL_TOKEN",
}


class SettingsError(ValueError):
    """A setting that makes the hub unable to start safely."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8002, ge=0, le=65535)

    # Where flows run: `local` = the dev runtime's REST API, `windmill` = a real Windmill.
    backend: Literal["local", "windmill"] = "local"
    windmill_url: str | None = None
    windmill_workspace: str = "openanalyst"
    windmill_token: SecretStr | None = None
    flow_path: str = "f/openanalyst/handle_request"
    backend_timeout_s: float = Field(default=10.0, gt=0)
    backend_retries: int = Field(default=6, ge=0)
    backend_backoff_s: float = Field(default=0.5, ge=0)
    backend_backoff_max_s: float = Field(default=10.0, ge=0)
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
    redis_url: str | None = None

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

    @field_validator("jwt_issuer", "jwt_audience", mode="before")
    @classmethod
    def _dash_means_unchecked(cls, value: object) -> object:
        return None if value == "-" else value

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
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for name in cls.model_fields:
            raw = env.get(_SHARED_NAMES.get(name, f"HUB_{name.upper()}"), "")
            if raw != "":
                values[name] = raw
        if "windmill_token" not in values and env.get("OPENANALYST_DEV_TOKEN"):
            values["windmill_token"] = env["OPENANALYST_DEV_TOKEN"]
        values.update(overrides)
        return cls.model_validate(values)

    def hmac_secret(self) -> str:
        """The HS* signing secret; a local-backend dev machine gets one generated once on disk."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        if self.backend != "local":
            raise SettingsError("HUB_JWT_SECRET is required with HUB_BACKEND=windmill")
        return dev_secret()


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
