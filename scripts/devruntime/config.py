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
    preload: str = "wmill,httpx,httpcore,pydantic,pydantic.main,pydantic.fields,pydantic.types,yaml"
    # third-party modules it imports when idle, after it is ready (the fork server runs OpenBLAS
    # with one thread, so numpy may be loaded before a fork: no thread is running then)
    # Libraries import some modules where they are first used (matplotlib in the report, dateparser's
    # search in the time reader, multiprocessing's locks through bm25s's tqdm, httpx's IDNA codec,
    # the HTTP cores of httpx and of anthropic's httpx2, anthropic's trace propagation; some of them
    # in the groups of preload_on_use below): in the scenario runs those imports were 30 % (offline)
    # and 8 % (model) of every job's time.
    preload_idle: str = (
        "numpy,bm25s,Stemmer,jsonschema,frontmatter,"
        "dateparser,dateparser.search,multiprocessing.synchronize,encodings.idna"
    )
    # groups of heavy libraries, "name=module,...;...": a group is preloaded when idle only once a
    # job has imported one of its packages (an offline request never does; scripts/devruntime/preloads.py)
    preload_on_use: str = (
        "models=anthropic,agno.agent,agno.team,agno.models.anthropic,agno.agent._response,httpcore2,"
        "opentelemetry.propagate;"
        "charts=matplotlib.pyplot,matplotlib.dates,matplotlib.ticker,matplotlib.backends.backend_agg"
    )
    # ... and at start when one of these variables is set ("group=NAME,...;..."): the jobs of a
    # runtime started with a model key call the model, and the first request should not wait for it
    preload_when_set: str = "models=ANTHROPIC_API_KEY,OPENANALYST_ANTHROPIC_BASE_URL"
    # preload_bundle: while idle, it also imports the bundle's own modules (`f/**.py`: the shared
    # lib first, then the steps); before each fork it checks their files, and when one changed it
    # forgets them all, so a job always runs the code on disk. Off: every job imports them itself.
    preload_bundle: bool = True
    # The environment a job gets besides WM_*: an allow-list, like a Windmill worker's
    # WHITELIST_ENVS (https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/worker.rs).
    # Settings the bundle's scripts read; never the operator token or other dev runtime settings.
    passthrough_names: tuple[str, ...] = (
        "PATH", "HOME", "LANG", "TZ", "CI",
        "OPENANALYST_ANTHROPIC_BASE_URL", "OPENANALYST_CACHE_DIR", "OPENANALYST_DB_APP_ROLE",
        "OPENANALYST_DB_OWNER_ROLE", "OPENANALYST_DB_SCHEMA", "OPENANALYST_EMBEDDINGS",
        "OPENANALYST_EMBED_CACHE", "OPENANALYST_HUB_URL", "OPENANALYST_JUDGE_MODEL", "OPENANALYST_LOG_LEVEL",
        "OPENANALYST_MODEL_MAX_RETRIES", "OPENANALYST_MODEL_TIMEOUT_S", "OPENANALYST_OFFLINE",
        "OPENANALYST_PLANNER_MODEL",
        "OPENANALYST_PUSH_TIMEOUT_S", "OPENANALYST_RESEARCHER_MODEL", "OPENANALYST_SQLITE_PATH",
        "OPENANALYST_WRITER_MODEL",
    )  # fmt: skip
    # Operator secrets only jobs running as an admin get (the platform's own flows); a person's
    # job never sees them.
    admin_env_names: tuple[str, ...] = ("ANTHROPIC_API_KEY",)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def person_store(self, username: str) -> Path:
        """The embedded store a non-admin user's jobs get: theirs alone, beside the runtime's state."""
        return self.db_path.with_name(self.db_path.stem + ".people") / f"{username}.sqlite3"

    @property
    def worker_cache_dir(self) -> Path:
        """What a Windmill worker's /tmp/windmill/cache/ is to its jobs: a folder that outlives
        them (the bundle keeps the compiled embedding table there), beside the runtime's state."""
        return self.db_path.resolve().parent / "worker-cache"

    @property
    def store_sqlite_path(self) -> Path:
        """The bundle's embedded memory store (SQLite) a job opens when f/openanalyst/db is unset."""
        return self.db_path.resolve().parent / "openanalyst.sqlite3"

    @property
    def token_file(self) -> Path:
        """Where the operator token is written (0600) for the dev tools; never printed."""
        return self.db_path.with_name(self.db_path.name + ".token")

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
        settings.preload_idle = env.get("OPENANALYST_DEV_PRELOAD_IDLE", settings.preload_idle)
        settings.preload_on_use = env.get("OPENANALYST_DEV_PRELOAD_ON_USE", settings.preload_on_use)
        settings.preload_bundle = _bool(env.get("OPENANALYST_DEV_PRELOAD_BUNDLE"), settings.preload_bundle)
        settings.sse_timeout_s = float(env.get("TIMEOUT_SSE_STREAM", settings.sse_timeout_s))
        return settings
