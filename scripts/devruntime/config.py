"""Settings of the dev runtime, read from the environment (documented in .env.example)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from scripts.windmill_spec import REST_SPEC

REPO_ROOT = Path(__file__).resolve().parents[2]
# Windmill's REST spec (1.743), vendored with the OpenFlow spec its $refs point to (scripts/windmill_spec/).
SPEC_PATH = REST_SPEC


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class Settings:
    """Where the dev runtime listens, what it serves and where it keeps its state."""

    host: str = "127.0.0.1"
    port: int = 8000
    workspace: str = "openanalyst"
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    token_generated: bool = True
    bundle_root: Path = REPO_ROOT
    extra_roots: list[Path] = field(default_factory=list)
    db_path: Path = REPO_ROOT / "var" / "devruntime.sqlite3"
    spec_path: Path = SPEC_PATH
    # strict: also validate every response against the spec and record violations (tests).
    strict: bool = False
    email: str = "admin@openanalyst.dev"
    username: str = "admin"
    sse_timeout_s: float = 60.0
    # fork: start jobs from a warm fork server (fast); else a fresh interpreter per job.
    fork: bool = True
    # modules the fork server imports once, comma-separated
    preload: str = "wmill,httpx,pydantic,yaml"
    # Environment names passed through to jobs besides WM_* (prefix match on the first).
    passthrough_prefixes: tuple[str, ...] = ("OPENANALYST_",)
    passthrough_names: tuple[str, ...] = ("ANTHROPIC_API_KEY", "PATH", "HOME", "LANG", "TZ", "CI")

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def script_roots(self) -> list[Path]:
        return [self.bundle_root, *self.extra_roots]

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        settings = cls()
        settings.host = env.get("OPENANALYST_DEV_HOST", settings.host)
        settings.port = int(env.get("OPENANALYST_DEV_PORT", settings.port))
        settings.workspace = env.get("OPENANALYST_DEV_WORKSPACE", settings.workspace)
        if env.get("OPENANALYST_DEV_TOKEN"):
            settings.token = env["OPENANALYST_DEV_TOKEN"]
            settings.token_generated = False
        if env.get("OPENANALYST_DEV_BUNDLE"):
            settings.bundle_root = Path(env["OPENANALYST_DEV_BUNDLE"]).resolve()
        if env.get("OPENANALYST_DEV_EXTRA_ROOTS"):
            settings.extra_roots = [
                Path(p).resolve() for p in env["OPENANALYST_DEV_EXTRA_ROOTS"].split(os.pathsep) if p
            ]
        if env.get("OPENANALYST_DEV_DB"):
            settings.db_path = Path(env["OPENANALYST_DEV_DB"])
        if env.get("OPENANALYST_DEV_SPEC"):
            settings.spec_path = Path(env["OPENANALYST_DEV_SPEC"])
        settings.strict = _bool(env.get("OPENANALYST_DEV_STRICT"), settings.strict)
        settings.fork = _bool(env.get("OPENANALYST_DEV_FORK"), settings.fork)
        settings.preload = env.get("OPENANALYST_DEV_PRELOAD", settings.preload)
        settings.sse_timeout_s = float(env.get("TIMEOUT_SSE_STREAM", settings.sse_timeout_s))
        return settings
