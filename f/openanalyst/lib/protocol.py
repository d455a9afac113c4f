"""The OpenAnalyst wire protocol: the websocket frames between the chat, the hub and the flows.

One definition used by the Windmill scripts and by the hub. What the brain's steps hand each
other is in `lib/contracts.py`. Frames are `WSMessage`
objects with camelCase keys on the wire; Python code uses snake_case.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
)
from pydantic.alias_generators import to_camel

from f.openanalyst.lib.users import USER_ID_PATTERN

MAX_REQUEST_CHARS = 8_000

UserId = Annotated[str, StringConstraints(pattern=rf"^{USER_ID_PATTERN}$")]
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,128}$")]


def now_ms() -> int:
    return int(time.time() * 1000)


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


class Model(BaseModel):
    """Base: camelCase on the wire, snake_case in Python, unknown keys refused."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="forbid",
        # Build each model's validator on first use: a step uses a few of these models, and
        # building all of them cost every job's process ~40 ms at import.
        defer_build=True,
    )


# --------------------------------------------------------------------------- payloads


class Attachment(Model):
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    content_type: str = "application/octet-stream"
    url: str | None = None
    data: str | None = Field(default=None, description="base64 content for small uploads")


# Windmill's worker replaces a job argument that starts with `$var:`, `$res:` or `$encrypted:` by
# the item it names, and one like `$WM_TOKEN` by that reserved variable, read with the job's rights
# (`transform_json_value` in
# https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/common.rs). A
# person's text reaches the flow's steps as arguments, so text of that form is refused here.
_WORKER_REFERENCE = re.compile(r"^\$(?:var:|res:|encrypted:|[A-Z][A-Z0-9_]*$)")
NOT_A_REFERENCE = (
    "a message may not start with $var:, $res: or $encrypted:, nor be a name like $WM_TOKEN "
    "(Windmill would read it as a reference to a stored secret); put a word before it"
)


def _no_reference(value: Any) -> Any:
    """`value` unchanged, unless a string in it (at any depth) is a worker reference."""
    if isinstance(value, str) and _WORKER_REFERENCE.match(value.strip()):
        raise ValueError(NOT_A_REFERENCE)
    for item in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
        _no_reference(item)
    return value


# An IANA name as zoneinfo reads it ("Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/GMT+5").
_ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}$")
# Not worth carrying: UTC is what an unknown timezone means anyway, and privacy modes (Firefox's
# resistFingerprinting, Tor Browser) report it whatever the person's real zone; `localtime`,
# `posixrules` and `Factory` are files of the system's zone database, not places.
_NOT_A_PLACE = frozenset(
    {"UTC", "Etc/UTC", "UCT", "Etc/UCT", "GMT", "Etc/GMT", "GMT0", "Etc/GMT0", "GMT+0", "Etc/GMT+0",
     "GMT-0", "Etc/GMT-0", "Greenwich", "Etc/Greenwich", "Universal", "Etc/Universal", "Zulu",
     "Etc/Zulu", "localtime", "posixrules", "Factory"}
)  # fmt: skip


def known_timezone(value: Any) -> str | None:
    """`value` when it is a real IANA timezone other than UTC (zoneinfo can load it), else None.

    What a browser reports (`Intl.DateTimeFormat().resolvedOptions().timeZone`) is a hint, never
    an error to the person: anything else is ignored."""
    if not isinstance(value, str) or len(value) > 64 or not _ZONE_NAME.match(value):
        return None
    if value in _NOT_A_PLACE:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return value


class UserRequestPayload(Model):
    content: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REQUEST_CHARS),
        AfterValidator(_no_reference),
    ]
    attachments: list[Attachment] = Field(default_factory=list, max_length=10)
    # The browser's IANA timezone, used when the person has none stored; anything that is not a
    # real one is dropped here (None), never refused.
    timezone: Annotated[str | None, BeforeValidator(known_timezone)] = None
    # Answers to a clarification: the frame's correlationId names the question message.
    answers: Annotated[dict[str, Any] | None, AfterValidator(_no_reference)] = None


class AssistantTypingPayload(Model):
    typing: bool = True


class ClarificationQuestion(Model):
    id: Identifier
    question: str
    choices: list[str] | None = None


class TokenUsage(Model):
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0


class ResponseMetadata(Model):
    skill: str | None = None
    duration: int = Field(default=0, description="milliseconds from request to answer")
    windmill_jobs: list[str] = Field(default_factory=list)
    attempts: int = 0
    research_applied: bool = False
    model: str = Field(default="offline", description="the model id used, or 'offline'")
    tokens: TokenUsage = Field(default_factory=TokenUsage)
    mode: Literal["model", "offline"] | None = Field(default=None, description="what produced the answer")
    calls: int = Field(default=0, description="model calls made for this request")


class AssistantResponsePayload(Model):
    message_id: Identifier | None = None
    content: str
    done: bool = True
    metadata: ResponseMetadata = Field(default_factory=ResponseMetadata)
    questions: list[ClarificationQuestion] | None = None
    # Where the person's answers go (the flow is suspended until they arrive).
    resume_job_id: str | None = None


class TaskProgressPayload(Model):
    job_id: str | None = None
    step: str
    percent: Annotated[int, Field(ge=0, le=100)] = 0
    message: str = ""


class TaskCompletePayload(Model):
    job_id: str | None = None
    duration: int = 0
    result: dict[str, Any] | None = None


class TaskErrorPayload(Model):
    job_id: str | None = None
    error: str
    code: str = "error"
    retryable: bool = False
    action: str = Field(default="", description="what the person can do next")


class EmptyPayload(Model):
    pass


class AuthPayload(Model):
    token: Annotated[str, StringConstraints(min_length=1, max_length=8192)]
    # Resume a stream: the last event id the client saw (hub stream offset).
    last_event_id: str | None = None


class ConnectedPayload(Model):
    user_id: UserId
    ttl: int | None = Field(default=None, description="seconds until the token expires")
    epoch: str | None = None
    recovered: bool | None = None


class ErrorPayload(Model):
    code: str
    message: str
    field: str | None = None


# ----------------------------------------------------------------------------- frames


class Frame(Model):
    """Fields every frame carries."""

    user_id: UserId | None = None  # set by the hub from the token, never trusted from a client
    session_id: Identifier
    timestamp: int = Field(default_factory=now_ms)
    message_id: Identifier = Field(default_factory=lambda: new_id("msg"))
    correlation_id: Identifier | None = None
    # Hub stream offset, so a reconnecting client can say what it saw last.
    event_id: str | None = None


class UserRequest(Frame):
    type: Literal["USER_REQUEST"] = "USER_REQUEST"
    payload: UserRequestPayload


class AssistantTyping(Frame):
    type: Literal["ASSISTANT_TYPING"] = "ASSISTANT_TYPING"
    payload: AssistantTypingPayload = Field(default_factory=AssistantTypingPayload)


class AssistantResponse(Frame):
    type: Literal["ASSISTANT_RESPONSE"] = "ASSISTANT_RESPONSE"
    payload: AssistantResponsePayload


class TaskProgress(Frame):
    type: Literal["TASK_PROGRESS"] = "TASK_PROGRESS"
    payload: TaskProgressPayload


class TaskComplete(Frame):
    type: Literal["TASK_COMPLETE"] = "TASK_COMPLETE"
    payload: TaskCompletePayload


class TaskError(Frame):
    type: Literal["TASK_ERROR"] = "TASK_ERROR"
    payload: TaskErrorPayload


class Ping(Frame):
    type: Literal["PING"] = "PING"
    payload: EmptyPayload = Field(default_factory=EmptyPayload)


class Pong(Frame):
    type: Literal["PONG"] = "PONG"
    payload: EmptyPayload = Field(default_factory=EmptyPayload)


class Auth(Frame):
    type: Literal["AUTH"] = "AUTH"
    session_id: Identifier = "auth"
    payload: AuthPayload


class Connected(Frame):
    type: Literal["CONNECTED"] = "CONNECTED"
    payload: ConnectedPayload


class Error(Frame):
    type: Literal["ERROR"] = "ERROR"
    payload: ErrorPayload


WSMessage = Annotated[
    UserRequest
    | AssistantTyping
    | AssistantResponse
    | TaskProgress
    | TaskComplete
    | TaskError
    | Ping
    | Pong
    | Auth
    | Connected
    | Error,
    Field(discriminator="type"),
]
MessageType = Literal[
    "USER_REQUEST",
    "ASSISTANT_TYPING",
    "ASSISTANT_RESPONSE",
    "TASK_PROGRESS",
    "TASK_COMPLETE",
    "TASK_ERROR",
    "PING",
    "PONG",
    "AUTH",
    "CONNECTED",
    "ERROR",
]
# Frames a client may send; the rest only flow from server to client.
CLIENT_TYPES: frozenset[str] = frozenset({"USER_REQUEST", "PING", "PONG", "AUTH"})

_frame_adapter: TypeAdapter[WSMessage] = TypeAdapter(WSMessage, config=ConfigDict(defer_build=True))


def parse_frame(raw: str | bytes) -> WSMessage:
    """Parse and validate one JSON frame; raises pydantic.ValidationError naming the field."""
    return _frame_adapter.validate_json(raw)


def parse_frame_obj(data: Any) -> WSMessage:
    return _frame_adapter.validate_python(data)


# Each frame type's model: what the discriminated union picks for that `type`.
FRAME_MODELS: dict[str, type[Frame]] = {
    model.model_fields["type"].default: model
    for model in (
        UserRequest,
        AssistantTyping,
        AssistantResponse,
        TaskProgress,
        TaskComplete,
        TaskError,
        Ping,
        Pong,
        Auth,
        Connected,
        Error,
    )
}


def parse_frame_of(type: str, data: Any) -> WSMessage:
    """`parse_frame_obj` for a frame whose type the caller knows (a step pushing one): the same
    validation, but only that frame's validator is built, not the union's eleven (a step process
    pushes one or two kinds of frame, and builds each validator on first use)."""
    model = FRAME_MODELS.get(type)
    if model is None or (isinstance(data, dict) and data.get("type") != type):
        return parse_frame_obj(data)  # the union names what is wrong
    return model.model_validate(data)  # type: ignore[return-value]
