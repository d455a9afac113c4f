"""send_ws_message and progress against the real hub (uvicorn on loopback): the hub accepts
the signed frames, and refuses a wrong secret without the flow failing."""

from __future__ import annotations

import pytest

import f.openanalyst.lib.windmill.progress as progress
from f.openanalyst.core import send_ws_message

hub_settings = pytest.importorskip("hub.settings")
hub_helpers = pytest.importorskip("tests.hub.conftest")

SECRET = "push-secret-for-tests-0123456789"


@pytest.fixture
def running_hub(monkeypatch):
    settings = hub_settings.Settings(
        port=0,
        push_secret=SECRET,
        jwt_secret="jwt-secret-for-tests-0123456789abcdef",
        backend="local",
        windmill_url="http://127.0.0.1:9",
    )
    for name in ("BASE_INTERNAL_URL", "WM_BASE_URL", "WM_JOB_ID", "WM_FLOW_JOB_ID", "WM_MOCKED_API_FILE"):
        monkeypatch.delenv(name, raising=False)
    with hub_helpers.serve_in_thread(settings) as running:
        monkeypatch.setenv("OPENANALYST_HUB_URL", f"http://127.0.0.1:{running.port}")
        monkeypatch.setenv("HUB_PUSH_SECRET", SECRET)
        yield running


def test_the_hub_accepts_signed_frames(running_hub):
    out = send_ws_message.main("alice", "s1", "TASK_PROGRESS", {"step": "plan", "percent": 30})
    assert out["delivered"] is True and out["status"] == 202
    report = progress.report("plan", 60, "Planning", user_id="alice", session_id="s1")
    assert report["hub"]["delivered"] is True
    answer = {"content": "Done", "metadata": {"skill": "social_media"}}
    assert send_ws_message.main("alice", "s1", "ASSISTANT_RESPONSE", answer, "msg_1")["delivered"] is True


def test_a_wrong_secret_is_refused_and_reported(running_hub, monkeypatch):
    monkeypatch.setenv("HUB_PUSH_SECRET", "not-the-secret")
    out = send_ws_message.main("alice", "s1", "ASSISTANT_TYPING", {"typing": True})
    assert out == {
        "delivered": False,
        "reason": "hub answered 401",
        "status": 401,
        "message_id": out["message_id"],
    }
