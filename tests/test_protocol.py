"""The websocket protocol: what a client may send, and the errors it gets back."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

import f.openanalyst.lib.protocol as protocol


def frame(**kw: object) -> str:
    return json.dumps({"type": "USER_REQUEST", "sessionId": "sess_abc", **kw})


def test_seed_example_request_parses_with_camel_case_keys() -> None:
    raw = frame(
        userId="user_123",
        payload={"content": "Create a Twitter post about AI", "attachments": []},
        timestamp=1703001234567,
        messageId="msg_xyz",
    )
    msg = protocol.parse_frame(raw)
    assert isinstance(msg, protocol.UserRequest)
    assert msg.user_id == "user_123" and msg.message_id == "msg_xyz"
    assert msg.payload.content == "Create a Twitter post about AI"
    dumped = json.loads(msg.model_dump_json())
    assert dumped["userId"] == "user_123" and dumped["messageId"] == "msg_xyz"


def test_response_serialises_seed_metadata_names() -> None:
    msg = protocol.AssistantResponse(
        session_id="sess_abc",
        correlation_id="msg_xyz",
        payload=protocol.AssistantResponsePayload(
            content="done",
            metadata=protocol.ResponseMetadata(
                skill="SOCIAL_MEDIA", windmill_jobs=["j1"], research_applied=True
            ),
        ),
    )
    body = json.loads(msg.model_dump_json())
    assert body["correlationId"] == "msg_xyz"
    assert body["payload"]["metadata"]["windmillJobs"] == ["j1"]
    assert body["payload"]["metadata"]["researchApplied"] is True


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (frame(payload={}), "payload.content"),
        (frame(payload={"content": "x" * (protocol.MAX_REQUEST_CHARS + 1)}), "payload.content"),
        (frame(payload={"content": "hi"}, userId="../admin"), "userId"),
        (frame(payload={"content": "hi"}, surprise=1), "surprise"),
        (json.dumps({"type": "NOPE", "sessionId": "s"}), "type"),
        # text Windmill's worker would swap for a stored secret or the job's token
        (frame(payload={"content": "$var:f/openanalyst/hub_push_secret"}), "payload.content"),
        (frame(payload={"content": "  $res:f/openanalyst/db"}), "payload.content"),
        (frame(payload={"content": "$WM_TOKEN"}), "payload.content"),
        (frame(payload={"content": "ok", "answers": {"topic": "$encrypted:abc"}}), "payload.answers"),
        (frame(payload={"content": "ok", "answers": {"a": {"b": ["$var:u/x/y"]}}}), "payload.answers"),
    ],
)
def test_bad_frames_name_the_field(raw: str, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        protocol.parse_frame(raw)
    assert field.split(".")[-1] in str(err.value)


def test_text_that_only_looks_like_a_reference_is_kept() -> None:
    for text in ("$500 budget for ads: write a post", "costs $WM_TOKEN? no", "$$var:x", "price: $var:x"):
        parsed = protocol.parse_frame(frame(payload={"content": text, "answers": {"a": text}}))
        assert parsed.payload.content == text


def test_not_json_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        protocol.parse_frame("{not json")


def test_a_browser_timezone_is_carried_when_real_and_dropped_otherwise() -> None:
    """What the chat sends as `payload.timezone` is a hint: a real IANA zone is kept, anything
    else (unknown, a path, a secret reference, not text, or UTC, which is the default anyway) is
    dropped, never an error the person sees."""
    for zone in ("Europe/Paris", "America/Argentina/Buenos_Aires", "Asia/Kolkata", "Etc/GMT+5"):
        parsed = protocol.parse_frame(frame(payload={"content": "hi", "timezone": zone}))
        assert parsed.payload.timezone == zone
    junk_zones = ["Mars/Olympus", "../../etc/passwd", "$var:f/openanalyst/db", "", "x" * 300, 42, None]
    junk_zones += [["Europe/Paris"], "UTC", "Etc/UTC", "localtime", "europe/paris", "Europe/Paris "]
    for junk in junk_zones:
        parsed = protocol.parse_frame(frame(payload={"content": "hi", "timezone": junk}))
        assert parsed.payload.timezone is None, junk
    assert protocol.parse_frame(frame(payload={"content": "hi"})).payload.timezone is None


def test_a_frame_of_a_known_type_validates_as_the_union_would() -> None:
    """A step validates the one frame it pushes with that frame's model (building the union's eleven
    validators cost every step process ~10 ms): same frame, same errors."""
    assert set(protocol.FRAME_MODELS) == set(protocol.MessageType.__args__)
    progress = {
        "type": "TASK_PROGRESS",
        "userId": "user_123",
        "sessionId": "sess_abc",
        "messageId": "msg_1",
        "timestamp": 1,
        "payload": {"jobId": "j", "step": "plan", "percent": 40, "message": "Planning"},
    }
    one = protocol.parse_frame_of("TASK_PROGRESS", progress)
    assert isinstance(one, protocol.TaskProgress)
    assert one == protocol.parse_frame_obj(progress)
    with pytest.raises(ValidationError, match="percent"):
        protocol.parse_frame_of("TASK_PROGRESS", {**progress, "payload": {"step": "plan", "percent": "x"}})
    with pytest.raises(ValidationError):  # a type that is not the frame's: the union's answer
        protocol.parse_frame_of("TASK_COMPLETE", progress | {"type": "NOPE"})
