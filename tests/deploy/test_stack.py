"""scripts/deploy: the compose file of the production stack, and the hub image.

No Docker here: the compose file is checked against the Compose specification's JSON schema
(vendored by the check-jsonschema package, `vendor.compose-spec`), raw and after interpolation
with the values of scripts/deploy/.env.example, the way `docker compose config` interpolates
then validates. The hub image is checked by laying out what its Dockerfile copies in a directory
and running its CMD there with the environment the compose file gives it, against a real
Windmill stand-in (the dev runtime) and the machine's Redis, then running its HEALTHCHECK.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml
from dotenv import dotenv_values

from tests.support.devruntime import DevRuntime

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "scripts" / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"
DOCKERFILE = REPO / "hub" / "Dockerfile"

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, and $$ (a literal $):
# https://github.com/compose-spec/compose-spec/blob/main/spec.md#interpolation
_VAR = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def compose_schema() -> dict[str, Any]:
    text = (
        resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text()
    )
    return json.loads(text)


def interpolate(node: Any, env: dict[str, str]) -> Any:
    """Compose's interpolation of every string in the file; a missing required value raises."""
    if isinstance(node, dict):
        return {k: interpolate(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate(v, env) for v in node]
    if not isinstance(node, str):
        return node

    def sub(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        value = env.get(name)
        unset = value is None or (op is not None and op.startswith(":") and value == "")
        if op and op.endswith("?") and unset:
            raise ValueError(f"required variable {name} is missing: {arg}")
        if op and op.endswith("-") and unset:
            return arg
        return value or ""

    return _VAR.sub(sub, node)


def compose_variables(text: str) -> dict[str, str | None]:
    """Each variable the compose file reads, with its `:?` message (None when optional)."""
    found: dict[str, str | None] = {}
    for match in _VAR.finditer(text):
        if match.group("name"):
            required = (match.group("op") or "").endswith("?")
            found[match.group("name")] = match.group("arg") if required else found.get(match.group("name"))
    return found


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def filled_env() -> dict[str, str]:
    """.env.example as a newcomer fills it in: every empty value set."""
    example = {k: v or "" for k, v in dotenv_values(ENV_EXAMPLE).items()}
    return {k: v or f"filled-{k.lower()}-0123456789abcdef0123456789abcdef" for k, v in example.items()}


def test_the_compose_file_is_valid_per_the_compose_specification(
    compose: dict[str, Any], filled_env: dict[str, str]
) -> None:
    schema = compose_schema()
    jsonschema.validate(compose, schema)  # as written (interpolations are strings)
    jsonschema.validate(interpolate(compose, filled_env), schema)  # as docker compose runs it


def test_the_schema_catches_a_broken_compose_file(compose: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(compose))
    broken["services"]["hub"]["depends_on"] = {"redis": {"condition": "when_ready"}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, compose_schema())


def test_the_stack_is_windmill_official_images_postgres_redis_the_hub_and_a_one_shot_push(
    compose: dict[str, Any], filled_env: dict[str, str]
) -> None:
    services = interpolate(compose, filled_env)["services"]
    assert set(services) == {"db", "redis", "windmill_server", "windmill_worker", "hub", "sync"}
    for name, mode in (("windmill_server", "server"), ("windmill_worker", "worker")):
        assert services[name]["image"].startswith("ghcr.io/windmill-labs/windmill:")
        assert services[name]["environment"]["MODE"] == mode
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://postgres:filled-")
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["db"]["image"].startswith("postgres:")
    assert "./initdb:/docker-entrypoint-initdb.d:ro" in services["db"]["volumes"]
    assert services["redis"]["image"].startswith("redis:")
    hub = services["hub"]
    assert hub["build"] == {"context": "../..", "dockerfile": "hub/Dockerfile"}
    assert (COMPOSE.parent / hub["build"]["context"] / hub["build"]["dockerfile"]).resolve() == DOCKERFILE
    assert hub["environment"]["HUB_BACKEND"] == "windmill"
    assert hub["environment"]["WINDMILL_URL"] == "http://windmill_server:8000"
    assert hub["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    sync = services["sync"]
    assert sync["profiles"] == ["sync"]  # one-shot: only `docker compose run --rm sync` starts it
    assert "restart" not in sync
    script = (COMPOSE.parent / "../..").resolve() / sync["entrypoint"][-1]
    assert script == DEPLOY / "sync.sh"
    assert re.search(r"^wmill --workspace \S+ sync push --yes", script.read_text(), re.M)


def test_every_value_the_compose_file_reads_is_in_the_env_example() -> None:
    example = dotenv_values(ENV_EXAMPLE)
    read = compose_variables(COMPOSE.read_text())
    assert set(read) <= set(example), set(read) - set(example)
    required = {name for name, message in read.items() if message is not None}
    # what a newcomer must fill in is empty in the example, and missing it stops compose with why
    assert required == {
        "POSTGRES_PASSWORD",
        "OPENANALYST_DB_PASSWORD",
        "HUB_JWT_SECRET",
        "HUB_PUSH_SECRET",
        "WMILL_TOKEN",
    }
    assert all(not example[name] for name in required)
    with pytest.raises(ValueError, match="WMILL_TOKEN is missing: create a token in Windmill"):
        interpolate(yaml.safe_load(COMPOSE.read_text()), {k: "x" for k in required - {"WMILL_TOKEN"}})


def test_the_sync_without_a_token_says_what_to_do(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "WINDMILL_URL": "http://127.0.0.1:9",
        "WINDMILL_WORKSPACE": "openanalyst",
    }
    done = subprocess.run(
        ["bash", str(DEPLOY / "sync.sh")], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert "create a token (Account settings > Tokens) and set WMILL_TOKEN" in done.stderr


# ---------------------------------------------------------------- the hub image


def dockerfile_final_stage() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile's last stage, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    stages: list[list[tuple[str, str]]] = []
    for line in lines:
        instruction, _, args = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        elif stages:
            stages[-1].append((instruction.upper(), args.strip()))
    return stages[-1]


def lay_out_image(app: Path) -> dict[str, str]:
    """Copy what the final stage COPYs from the build context into `app`; return its ENV."""
    env: dict[str, str] = {}
    for instruction, args in dockerfile_final_stage():
        if instruction == "COPY" and not args.startswith("--from="):
            *sources, dest = args.split()
            for source in sources:
                src = REPO / source
                assert src.exists(), f"hub/Dockerfile copies {source}, which is not in the repository"
                target = app / dest
                if src.is_dir():
                    shutil.copytree(
                        src, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
                    )
                else:
                    target_file = target / src.name if dest.endswith("/") else target
                    target_file.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, target_file)
        elif instruction == "COPY":
            # the chat page's vendored scripts come from the node stage: the same npm files
            (app / "apps/chat/vendor").mkdir(parents=True, exist_ok=True)
            for file in (
                "node_modules/marked/lib/marked.umd.js",
                "node_modules/dompurify/dist/purify.min.js",
            ):
                shutil.copy2(REPO / file, app / "apps/chat/vendor")
        elif instruction == "ENV":
            for key, value in re.findall(r"(\w+)=(\S+)", args):
                env[key] = value
    return env


def exec_form(instruction: str) -> list[str]:
    (args,) = [a for i, a in dockerfile_final_stage() if i == instruction]
    return json.loads(args[args.index("[") :])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_dockerfile_ignore_file_keeps_every_copied_source() -> None:
    ignore = (REPO / "hub" / "Dockerfile.dockerignore").read_text().splitlines()
    kept = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    for instruction, args in dockerfile_final_stage():
        if instruction == "COPY" and not args.startswith("--from="):
            for source in args.split()[:-1]:
                assert source.rstrip("/") in kept, source


@pytest.mark.redis
def test_the_hub_images_entry_point_starts_and_its_health_check_answers(
    tmp_path: Path,
    dev_runtime: DevRuntime,
    redis_url: str,
    compose: dict[str, Any],
    filled_env: dict[str, str],
) -> None:
    app = tmp_path / "app"
    image_env = lay_out_image(app)
    assert exec_form("CMD") == ["python", "-m", "hub"]
    port = free_port()
    hub_env = interpolate(compose, filled_env)["services"]["hub"]["environment"]
    env = {
        **{k: str(v) for k, v in hub_env.items()},
        **{k: v for k, v in image_env.items() if k != "PATH"},
        # what differs here from the stack: the Windmill stand-in, this machine's Redis, a free port
        "PATH": os.environ["PATH"],
        "HUB_HOST": "127.0.0.1",
        "HUB_PORT": str(port),
        "WINDMILL_URL": dev_runtime.base_url,
        "WINDMILL_TOKEN": dev_runtime.token,
        "REDIS_URL": redis_url,
        "HUB_REDIS_PREFIX": f"oa:deploytest:{uuid.uuid4().hex[:8]}",
        "HUB_STORE": str(tmp_path / "hub-store.sqlite3"),
        "PYTHONPATH": str(app),
    }
    healthcheck = [sys.executable, *exec_form("HEALTHCHECK")[1:]]
    assert exec_form("HEALTHCHECK")[0] == "python"
    # before the hub starts the health check fails
    assert subprocess.run(healthcheck, env=env, cwd=app, capture_output=True, timeout=30).returncode == 1
    hub = subprocess.Popen(
        [sys.executable, *exec_form("CMD")[1:]],
        env=env,
        cwd=app,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            check = subprocess.run(healthcheck, env=env, cwd=app, capture_output=True, text=True, timeout=30)
            if check.returncode == 0 or time.monotonic() > deadline or hub.poll() is not None:
                break
            time.sleep(0.5)
        assert hub.poll() is None, hub.stderr.read() if hub.stderr else ""
        assert check.returncode == 0, check.stderr
        health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
        assert health["ok"] is True and health["checks"]["backend"]["kind"] == "windmill"
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert page.status_code == 200 and "vendor/marked.umd.js" in page.text
        assert httpx.get(f"http://127.0.0.1:{port}/vendor/purify.min.js", timeout=5).status_code == 200
        # the chat link the README has a newcomer print, from the same image
        link = subprocess.run(
            [sys.executable, "-m", "scripts.deploy.chat_link", "alice"],
            env=env, cwd=app, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert link.returncode == 0, link.stderr
        assert link.stdout.startswith(f"{hub_env['OPENANALYST_CHAT_URL']}/#token=")
    finally:
        hub.terminate()
        hub.wait(timeout=20)


# ---------------------------------------------------------------- the sync's workspace values


WMILL = REPO / "node_modules" / ".bin" / "wmill"


@pytest.mark.skipif(not WMILL.exists(), reason="windmill-cli not installed (run scripts/setup)")
def test_the_sync_sets_the_workspace_only_values_with_the_pinned_cli(tmp_path: Path) -> None:
    """workspace_values.sh (the sync's last step) against a Windmill stand-in: the store's
    `postgresql` resource, the hub's URL and secret push secret, the model key; twice, as a
    re-run of the sync does. (`wmill workspace add` and `sync push` need server endpoints the
    dev runtime does not serve.)"""
    from tests.support.devruntime import DevRuntime, start_dev_server

    server = start_dev_server(tmp_path / "runtime")
    rt = DevRuntime(server)
    try:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "WMILL_CONFIG_DIR": str(tmp_path / "wmill-config"),
            "NO_COLOR": "1",
            "WINDMILL_URL": rt.base_url,
            "WINDMILL_WORKSPACE": rt.workspace,
            "WMILL_TOKEN": rt.token,
            "OPENANALYST_DB_PASSWORD": "store-password-1",
            "HUB_PUSH_SECRET": "push-secret-0123456789abcdef0123456789",
            "ANTHROPIC_API_KEY": "sk-ant-test",
        }
        for _ in range(2):
            done = subprocess.run(
                ["bash", str(DEPLOY / "workspace_values.sh")],
                env=env, cwd=REPO, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            assert done.returncode == 0, done.stdout + done.stderr
        api = rt.client
        db = api.get(f"{rt.api}/resources/get/f/openanalyst/db").json()
        assert db["resource_type"] == "postgresql"
        value = api.get(f"{rt.api}/resources/get_value/f/openanalyst/db").json()
        assert {k: value[k] for k in ("host", "port", "user", "password", "dbname", "sslmode")} == {
            "host": "db",
            "port": 5432,
            "user": "openanalyst",
            "password": "store-password-1",
            "dbname": "openanalyst",
            "sslmode": "disable",
        }
        assert api.get(f"{rt.api}/variables/get_value/f/openanalyst/hub_url").json() == "http://hub:8002"
        secret = api.get(f"{rt.api}/variables/get/f/openanalyst/hub_push_secret").json()
        assert secret["is_secret"] is True
        assert (
            api.get(f"{rt.api}/variables/get_value/f/openanalyst/hub_push_secret").json()
            == env["HUB_PUSH_SECRET"]
        )
        key = api.get(f"{rt.api}/resources/get_value/f/openanalyst/anthropic").json()
        assert key == {"apiKey": "sk-ant-test"}
    finally:
        rt.client.close()
        server.stop()
