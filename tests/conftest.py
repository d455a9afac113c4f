"""Test set-up shared by every test module.

Runs before anything imports httpx: the Anthropic SDK (>= 1.0) speaks httpx2, so we alias
httpx to httpx2 process-wide and respx, agno, the SDK and wmill share one client package
(https://github.com/anthropics/anthropic-sdk-python). respx's own pytest plugin is disabled in
pyproject (-p no:respx).
"""

from __future__ import annotations

import os

os.environ["AGNO_TELEMETRY"] = "false"
os.environ.setdefault("WM_WORKSPACE", "openanalyst")

import httpx2

httpx2.alias_httpx()

import pytest  # noqa: E402
import respx  # noqa: E402

pytest_plugins = ["tests.support.services", "tests.support.devruntime"]


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker per core and one more. A third of the suite's time is spent waiting
    on real processes (runtimes, hubs, a browser, restarts): measured on 2 cores, two workers took
    263-293 s and three 240 s, with the same tests passing."""
    return (os.cpu_count() or 1) + 1


@pytest.fixture
def respx_mock():
    """A respx router that fails on any unmocked request and any unused route."""
    with respx.mock(assert_all_called=True, assert_all_mocked=True) as router:
        yield router


@pytest.fixture(autouse=True)
def _fresh_job_settings():
    """What a job reads once (the hub's URL and secret, a member's email: per WM_JOB_ID) is read
    anew by each test, which may reuse a job id with another hub or runtime."""
    yield
    import sys

    hub_push = sys.modules.get("f.openanalyst.lib.windmill.hub_push")
    if hub_push is not None:
        hub_push._settings.clear()
    owner = sys.modules.get("f.openanalyst.lib.builder.owner")
    if owner is not None:
        owner._emails.clear()
