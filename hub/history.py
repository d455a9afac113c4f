"""Conversations a person can come back to: kept in the OpenAnalyst store, read by the chat page.

The flow's `record_history` step already writes each answered request (user message + answer
`<messageId>:answer`) into the store's `conversations`/`messages` tables. The hub writes the
same rows as events pass through it, so a question shows before the flow ends, a failure or a
clarification is kept too, and a reload mid-request still shows what was asked. Writes use the
same ids as `record_history`, so the two writers upsert one row, never two.

Routes (token in `Authorization: Bearer <jwt>`, the same JWT as the websocket):
- `GET /api/me`: who the token names, whether history is kept, the Windmill run-page link template;
- `GET /api/conversations`: the person's conversations, most recent first;
- `GET /api/conversations/{id}`: one conversation's messages, oldest first.

The store is synchronous (sqlite3 / psycopg): every call runs on one dedicated thread, which
also satisfies sqlite3's same-thread rule.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic.alias_generators import to_camel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from f.openanalyst.lib.inline_images import moved_out
from f.openanalyst.lib.log import get_logger, log
from f.openanalyst.lib.protocol import (
    MAX_REQUEST_CHARS,
    AssistantResponse,
    Frame,
    Identifier,
    TaskError,
    UserRequest,
)
from f.openanalyst.lib.store.base import Store
from f.openanalyst.lib.store.connect import open_store
from hub.auth import AuthError, Identity
from hub.core import Hub

logger = get_logger("hub.history")

T = TypeVar("T")

MAX_MESSAGES = 200
MAX_CONVERSATIONS = 50
SESSION_ID: TypeAdapter[str] = TypeAdapter(Identifier)


class _Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, serialize_by_alias=True)


class ConversationOut(_Wire):
    id: str
    title: str
    updated_at: str | None = None


class MessageOut(_Wire):
    id: str
    role: str
    content: str
    created_at: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


def answer_id(request_id: str) -> str:
    """The store id of a request's answer (the one `record_history` uses)."""
    return f"{request_id}:answer"


class History:
    """The hub's handle on the store; None-safe helpers so a failing store never breaks a chat."""

    def __init__(self, opener: Callable[[], Store]) -> None:
        self._opener = opener
        self._store: Store | None = None
        self._registered: set[str] = set()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hub-history")

    @classmethod
    def from_setting(cls, value: str) -> History:
        """`value` is a `postgresql://` DSN or the path of the SQLite file the flow's jobs use."""
        if value.startswith(("postgresql://", "postgres://")):
            return cls(lambda: open_store(value))
        return cls(lambda: open_store(None, sqlite_path=value))

    async def _call(self, fn: Callable[[Store], T]) -> T:
        def run() -> T:
            if self._store is None:
                self._store = self._opener()
            return fn(self._store)

        return await asyncio.get_running_loop().run_in_executor(self._executor, run)

    async def close(self) -> None:
        def shut() -> None:
            if self._store is not None:
                self._store.close()
                self._store = None

        await asyncio.get_running_loop().run_in_executor(self._executor, shut)
        self._executor.shutdown(wait=False)

    # ------------------------------------------------------------------ writes

    async def _put(
        self, user_id: str, session_id: str, message_id: str, role: str, content: str, meta: dict[str, Any]
    ) -> None:
        def write(store: Store) -> None:
            if user_id not in self._registered:
                store.register_user(user_id)  # idempotent; the flow's load_context does the same
                self._registered.add(user_id)
            store.add_message(user_id, session_id, message_id, role, content, meta)

        try:
            await self._call(write)
        except Exception as exc:  # history is a convenience: the request goes on without it
            log(logger, 30, "could not keep a message in the history", error=f"{type(exc).__name__}: {exc}")

    async def record_request(self, user_id: str, frame: UserRequest) -> None:
        meta: dict[str, Any] = {}
        if frame.payload.answers is not None:
            meta["answers"] = True
        if frame.payload.attachments:
            meta["attachments"] = [a.name for a in frame.payload.attachments]
        await self._put(user_id, frame.session_id, frame.message_id, "user", frame.payload.content, meta)

    async def record_event(self, user_id: str, frame: Frame) -> None:
        """An answer, a clarification or a failure, stored as the request's answer."""
        request_id = frame.correlation_id
        if request_id is None:
            return
        if isinstance(frame, AssistantResponse):
            p = frame.payload
            meta: dict[str, Any] = {
                "jobs": p.metadata.windmill_jobs,
                "skill": p.metadata.skill,
                "mode": p.metadata.mode,
                "model": p.metadata.model,
                "duration": p.metadata.duration,
            }
            if p.questions:
                meta["questions"] = [q.model_dump(mode="json") for q in p.questions]
                meta["questionId"] = frame.message_id
            # Charts go to the metadata (256 KB); the text keeps `kept:N` (the page puts them back).
            text, images = moved_out(p.content, MAX_REQUEST_CHARS)
            if images:
                meta["images"] = images
            await self._put(user_id, frame.session_id, answer_id(request_id), "assistant", text, meta)
        elif isinstance(frame, TaskError):
            e = frame.payload
            meta = {"error": True, "code": e.code, "action": e.action, "jobs": [e.job_id] if e.job_id else []}
            await self._put(user_id, frame.session_id, answer_id(request_id), "assistant", e.error, meta)

    # ------------------------------------------------------------------- reads

    async def conversations(self, user_id: str) -> list[ConversationOut]:
        rows = await self._call(lambda s: s.conversations(user_id, MAX_CONVERSATIONS))
        return [ConversationOut.model_validate(r) for r in rows]

    async def messages(self, user_id: str, session_id: str) -> list[MessageOut]:
        rows = await self._call(lambda s: s.messages(user_id, session_id, MAX_MESSAGES))
        return [MessageOut.model_validate({**r, "metadata": r.get("metadata") or {}}) for r in rows]


# ---------------------------------------------------------------------- HTTP


async def authenticated(hub: Hub, request: Request) -> Identity | Response:
    """The token's identity, or the 401 to answer with."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return JSONResponse({"error": "sign in first: send Authorization: Bearer <token>"}, status_code=401)
    try:
        return await hub.verifier.averify(token.strip())
    except AuthError as exc:
        return JSONResponse({"error": f"token refused: {exc.reason}"}, status_code=401)


def run_url_template(hub: Hub) -> str | None:
    """Windmill's run page for a job, `{job}` to fill in; None when the hub knows no Windmill UI.

    Windmill: https://github.com/windmill-labs/windmill/tree/main/frontend/src/routes/(root)/(logged)/run
    (the page `/run/<job id>?workspace=<workspace>`).
    """
    s = hub.settings
    base = s.windmill_ui_url or (s.windmill_url if s.backend == "windmill" else None)
    if not base:
        return None
    return f"{base.rstrip('/')}/run/{{job}}?workspace={s.windmill_workspace}"


def routes(hub: Hub, history: History | None) -> list[Route]:
    async def me(request: Request) -> Response:
        who = await authenticated(hub, request)
        if isinstance(who, Response):
            return who
        body = {"userId": who.user_id, "history": history is not None, "runUrl": run_url_template(hub)}
        return JSONResponse(body)

    async def list_conversations(request: Request) -> Response:
        who = await authenticated(hub, request)
        if isinstance(who, Response):
            return who
        if history is None:
            return JSONResponse({"conversations": [], "kept": False})
        try:
            found = await history.conversations(who.user_id)
        except Exception as exc:
            log(logger, 40, "history unavailable", error=f"{type(exc).__name__}: {exc}")
            return JSONResponse({"error": "past conversations cannot be loaded right now"}, status_code=503)
        return JSONResponse({"conversations": [c.model_dump() for c in found], "kept": True})

    async def one_conversation(request: Request) -> Response:
        who = await authenticated(hub, request)
        if isinstance(who, Response):
            return who
        session_id = request.path_params["session_id"]
        try:
            SESSION_ID.validate_python(session_id)
        except ValidationError:
            return JSONResponse({"error": "no such conversation"}, status_code=404)
        if history is None:
            return JSONResponse({"messages": [], "kept": False})
        try:
            found = await history.messages(who.user_id, session_id)  # only this person's rows
        except Exception as exc:
            log(logger, 40, "history unavailable", error=f"{type(exc).__name__}: {exc}")
            return JSONResponse({"error": "this conversation cannot be loaded right now"}, status_code=503)
        return JSONResponse({"messages": [m.model_dump() for m in found], "kept": True})

    return [
        Route("/api/me", me),
        Route("/api/conversations", list_conversations),
        Route("/api/conversations/{session_id}", one_conversation),
    ]
