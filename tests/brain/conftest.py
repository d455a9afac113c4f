"""Fixtures of the brain's tests: model configuration through the environment, skill values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.brain import anthropic_bodies as bodies

REPO = Path(__file__).resolve().parents[2]
MESSAGES_URL = "https://api.anthropic.com/v1/messages"
_WM_ENV = (
    "BASE_INTERNAL_URL",
    "WM_BASE_URL",
    "WM_TOKEN",
    "WM_JOB_ID",
    "WM_FLOW_JOB_ID",
    "WM_ROOT_FLOW_JOB_ID",
)


def skill_value(name: str) -> dict[str, Any]:
    """The compiled value of a shipped skill, as route_skill hands it to the plan step."""
    data = yaml.safe_load((REPO / "f/openanalyst/skills" / f"{name.lower()}.resource.yaml").read_text())
    return data["value"]


def route_for(name: str, confidence: float = 0.9) -> dict[str, Any]:
    return {
        "skill": name,
        "confidence": confidence,
        "alternatives": [],
        "reason": "test",
        "skill_context": skill_value(name),
    }


@pytest.fixture
def no_windmill(monkeypatch: pytest.MonkeyPatch) -> None:
    """main() called directly, with no Windmill server configured."""
    for name in _WM_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("OPENANALYST_HUB_URL", raising=False)
    monkeypatch.delenv("HUB_PUSH_SECRET", raising=False)


@pytest.fixture
def offline_env(monkeypatch: pytest.MonkeyPatch, no_windmill: None) -> None:
    for name in (
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "OPENANALYST_PLANNER_MODEL",
        "OPENANALYST_JUDGE_MODEL",
        "OPENANALYST_RESEARCHER_MODEL",
        "OPENANALYST_OFFLINE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def model_env(monkeypatch: pytest.MonkeyPatch, offline_env: None) -> None:
    """A configured model (ids from the environment, as the variables would give them)."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-key")
    monkeypatch.setenv("OPENANALYST_PLANNER_MODEL", bodies.PLANNER_MODEL)
    monkeypatch.setenv("OPENANALYST_JUDGE_MODEL", bodies.JUDGE_MODEL)
    monkeypatch.setenv("OPENANALYST_RESEARCHER_MODEL", bodies.PLANNER_MODEL)
    monkeypatch.setenv("OPENANALYST_MODEL_MAX_RETRIES", "0")


# ------------------------------------------------------------------ flow-level fixtures
from tests.support.devruntime import _dev_runtime_server, dev_runtime  # noqa: E402, F401  (fixtures)

PUSH_SECRET = "brain-test-push-secret"


@pytest.fixture
def hub(dev_runtime, monkeypatch, tmp_path):  # noqa: F811 (the fixture above)
    """A hub stub the flow's steps push to, and a private SQLite store for this test."""
    from tests.brain.loopback import HubStub, running

    monkeypatch.setenv("OPENANALYST_SQLITE_PATH", str(tmp_path / "brain.sqlite3"))
    with running(HubStub(PUSH_SECRET)) as stub:
        dev_runtime.set_variable("f/openanalyst/hub_url", stub.url)
        dev_runtime.set_variable("f/openanalyst/hub_push_secret", PUSH_SECRET, is_secret=True)
        try:
            yield stub
        finally:  # the runtime is shared by the session: leave no hub behind
            dev_runtime.set_variable("f/openanalyst/hub_url", "")
            dev_runtime.set_variable("f/openanalyst/hub_push_secret", "", is_secret=True)


@pytest.fixture
def no_model(monkeypatch):
    for name in ("ANTHROPIC_API_KEY", "OPENANALYST_ANTHROPIC_BASE_URL", "OPENANALYST_OFFLINE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def model_api(monkeypatch, no_model):
    """Start a ModelServer with a script and point every job at it: `model_api(script)`."""
    from tests.brain.loopback import ModelServer

    servers: list[ModelServer] = []

    def start(script: dict[str, list[dict[str, Any]]]) -> ModelServer:
        server = ModelServer(script).start()
        servers.append(server)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-key")
        monkeypatch.setenv("OPENANALYST_ANTHROPIC_BASE_URL", server.url)
        monkeypatch.setenv("OPENANALYST_MODEL_MAX_RETRIES", "0")
        return server

    yield start
    for server in servers:
        server.stop()
