"""Fixtures for the domain scripts: a job environment pointing at a fake Windmill (respx,
every request checked against the REST spec), and the dev runtime when it is available."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import respx
import wmill.client
import yaml

from tests.domain.fakewindmill import BASE, WS, FakeWindmill

ROOT = Path(__file__).resolve().parents[2]
_CLEARED = (
    "WM_BASE_URL",
    "WM_JOB_ID",
    "WM_FLOW_JOB_ID",
    "WM_ROOT_FLOW_JOB_ID",
    "WM_MOCKED_API_FILE",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "OPENANALYST_OFFLINE",
    "OPENANALYST_PLANNER_MODEL",
    "OPENANALYST_WRITER_MODEL",
    "OPENANALYST_HUB_URL",
    "HUB_PUSH_SECRET",
)


@pytest.fixture
def wm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The WM_* environment of a job on the fake Windmill; no model key, no hub."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BASE_INTERNAL_URL", BASE)
    monkeypatch.setenv("WM_TOKEN", "test-token")
    monkeypatch.setenv("WM_WORKSPACE", WS)
    monkeypatch.setattr(wmill.client, "_client", None)  # the wmill module caches one client


@pytest.fixture
def windmill(wm_env: None) -> Iterator[FakeWindmill]:
    """A fake Windmill on respx; unmatched or non-conforming requests fail the test."""
    fake = FakeWindmill()
    skill_type = yaml.safe_load((ROOT / "openanalyst_skill.resource-type.yaml").read_text())
    fake.resource_types["openanalyst_skill"] = {"name": "openanalyst_skill", **skill_type}
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        fake.mount(router)
        fake.router = router
        yield fake
