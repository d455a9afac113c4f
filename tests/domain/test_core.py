"""core/send_ws_message, lib/progress and core/log_activity."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from pydantic import ValidationError

import f.openanalyst.lib.signing as signing
import f.openanalyst.lib.windmill.progress as progress
from f.openanalyst.core import log_activity, send_ws_message
from f.openanalyst.lib.users import InvalidUserId

HUB = "http://hub.test"
SECRET = "s3cret-push-key"


def hub_route(windmill, status: int = 202):
    """A hub that checks the HMAC signature like hub/ does and records the frames."""
    frames: list[dict] = []

    def receive(request: httpx.Request) -> httpx.Response:
        signing.verify(SECRET, request.content, dict(request.headers))
        frames.append(json.loads(request.content))
        return httpx.Response(status, json={"delivered": 1})

    windmill.router.post(f"{HUB}/internal/push").mock(side_effect=receive)
    return frames


def configure_hub(windmill) -> None:
    windmill.variables["f/openanalyst/hub_url"] = HUB
    windmill.variables["f/openanalyst/hub_push_secret"] = SECRET


def test_send_ws_message_signs_and_delivers_a_valid_frame(windmill):
    configure_hub(windmill)
    frames = hub_route(windmill)
    out = send_ws_message.main(
        "alice", "sess_1", "TASK_PROGRESS", {"step": "plan", "percent": 40, "message": "Planning"}, "msg_9"
    )
    assert out["delivered"] is True
    assert frames == [
        {
            "type": "TASK_PROGRESS",
            "userId": "alice",
            "sessionId": "sess_1",
            "correlationId": "msg_9",
            "payload": {"step": "plan", "percent": 40, "message": "Planning"},
            "timestamp": frames[0]["timestamp"],
            "messageId": out["message_id"],
        }
    ]


def test_a_hub_that_is_down_never_fails_the_flow(windmill):
    configure_hub(windmill)
    windmill.router.post(f"{HUB}/internal/push").mock(side_effect=httpx.ConnectError("refused"))
    out = send_ws_message.main("alice", "s1", "ASSISTANT_TYPING", {"typing": True})
    assert out["delivered"] is False and "unreachable" in out["reason"]


def test_a_hub_that_refuses_is_reported_not_raised(windmill):
    configure_hub(windmill)
    hub_route(windmill, status=401)
    out = send_ws_message.main("alice", "s1", "ASSISTANT_TYPING", {"typing": True})
    assert out == {
        "delivered": False,
        "reason": "hub answered 401",
        "status": 401,
        "message_id": out["message_id"],
    }


def test_an_unset_hub_is_reported_and_nothing_is_sent(windmill):
    out = send_ws_message.main("alice", "s1", "ASSISTANT_TYPING", {"typing": True})
    assert out["delivered"] is False and out["reason"] == "hub URL not configured"
    windmill.variables["f/openanalyst/hub_url"] = HUB
    out = send_ws_message.main("alice", "s1", "ASSISTANT_TYPING", {"typing": True})
    assert out["reason"] == "hub push secret not configured"


def test_bad_frames_and_user_ids_are_refused_before_any_request(windmill):
    configure_hub(windmill)
    with pytest.raises(ValidationError):
        send_ws_message.main("alice", "s1", "TASK_PROGRESS", {"percent": 300, "step": "x"})
    with pytest.raises(InvalidUserId):
        send_ws_message.main("../bob", "s1", "ASSISTANT_TYPING", {})
    assert windmill.calls == []


def test_progress_sets_windmill_progress_and_pushes_task_progress(windmill, monkeypatch):
    monkeypatch.setenv("WM_JOB_ID", "0190a6f0-0000-7000-8000-000000000001")
    configure_hub(windmill)
    frames = hub_route(windmill)
    out = progress.report("plan", 100, "done", user_id="alice", session_id="s1")
    assert out["windmill"] is True and out["hub"]["delivered"] is True
    assert windmill.progress == [99]  # Windmill reserves 100 for completion
    assert frames[0]["payload"] == {
        "jobId": "0190a6f0-0000-7000-8000-000000000001",
        "step": "plan",
        "percent": 100,
        "message": "done",
    }


def test_progress_inside_a_flow_names_the_root_flow_job(windmill, monkeypatch):
    monkeypatch.setenv("WM_JOB_ID", "step-job")
    monkeypatch.setenv("WM_FLOW_JOB_ID", "subflow-job")
    monkeypatch.setenv("WM_ROOT_FLOW_JOB_ID", "root-flow-job")
    configure_hub(windmill)
    frames = hub_route(windmill)
    progress.report("execute", 70, "Running step 2 of 3", user_id="alice", session_id="s1")
    assert frames[0]["payload"]["jobId"] == "root-flow-job"


def test_progress_never_raises(windmill, monkeypatch):
    monkeypatch.setenv("WM_JOB_ID", "job-1")
    configure_hub(windmill)
    windmill.router.post(f"{HUB}/internal/push").mock(return_value=httpx.Response(500))
    windmill.failing.append("job_metrics/set_progress")
    out = progress.report("x", 50, user_id="alice", session_id="s1")
    assert out["windmill"] is False and out["hub"]["delivered"] is False
    out = progress.report("x", 50, user_id="Not Valid", session_id="s1")
    assert out["hub"]["delivered"] is False


def test_log_activity_redacts_secrets(windmill, caplog):
    caplog.set_level(logging.INFO, logger="f.openanalyst.core.log_activity")
    out = log_activity.main(
        "alice", "post_scheduled", {"path": "u/alice/schedules/x", "api_key": "sk-ant-abc"}
    )
    assert out["logged"] is True and out["action"] == "post_scheduled"
    record = next(r for r in caplog.records if r.name == "f.openanalyst.core.log_activity")
    assert record.fields["details"] == {"path": "u/alice/schedules/x", "api_key": "[redacted]"}
    with pytest.raises(ValueError, match="action"):
        log_activity.main("alice", "  ")
