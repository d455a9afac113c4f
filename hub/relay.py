"""From a USER_REQUEST to the events the person sees.

ASSISTANT_TYPING, then the flow is started (job id derived from the message id), followed,
and its progress relayed as TASK_PROGRESS; it ends with ASSISTANT_RESPONSE + TASK_COMPLETE or
TASK_ERROR. Every event carries `correlationId` = the request's `messageId`. An answer to a
clarification resumes the suspended flow, whose relay is still running.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import ValidationError

from f.openanalyst.lib.log import bind, get_logger, log
from f.openanalyst.lib.protocol import (
    AssistantResponse,
    AssistantResponsePayload,
    AssistantTyping,
    TaskComplete,
    TaskCompletePayload,
    TaskError,
    TaskErrorPayload,
    TaskProgress,
    TaskProgressPayload,
    UserRequest,
    new_id,
)
from hub.backend import BackendError, is_finished, job_id_for
from hub.core import Hub

logger = get_logger("hub.relay")

QUESTION_SEPARATOR = "\n"


def progress_of(state: dict[str, Any]) -> tuple[str, int, str]:
    """(step, percent, message) from a merged getupdate state."""
    flow_status = state.get("flow_status") or {}
    modules = flow_status.get("modules") or []
    step, message = "queued", "Waiting for a worker"
    done = 0.0
    for module in modules:
        kind = module.get("type")
        if kind in ("Success", "Failure"):
            done += 1
        elif kind == "InProgress" and step == "queued":
            step, message = str(module.get("id") or "running"), f"Running {module.get('id') or 'the flow'}"
            # A step's wmill.set_progress shows on its module (REFERENCE 4.3).
            module_progress = _number(module.get("progress"))
            if module_progress is not None:
                done += min(max(module_progress, 0), 100) / 100
                message += f" ({int(module_progress)}%)"
        elif kind == "WaitingForEvents" and step == "queued":
            step, message = str(module.get("id") or "suspended"), "Waiting for your answers"
    if step == "queued" and state.get("running"):
        step, message = "running", "Running"
    progress = _number(state.get("progress"))
    if progress is not None:
        percent = int(progress)  # a single job (not a flow) that called set_progress
    elif modules:
        percent = int(done * 100 / len(modules))
    else:
        percent = 0
    return step, max(0, min(percent, 99)), message


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def error_text(result: Any) -> str:
    """The message of a failed job's result (`{"error": {"name", "message", ...}}`)."""
    if isinstance(result, dict):
        error = result.get("error", result)
        if isinstance(error, dict):
            name, message = error.get("name"), error.get("message")
            if message:
                return f"{name}: {message}" if name else str(message)
        elif isinstance(error, str):
            return error
    return str(result)[:500] if result is not None else "the flow failed without a message"


def response_payload(result: Any, job_id: str, duration_ms: int) -> AssistantResponsePayload:
    """The flow's result as an ASSISTANT_RESPONSE payload (it should already be one)."""
    try:
        payload = AssistantResponsePayload.model_validate(result)
    except ValidationError:
        content = result.get("content") if isinstance(result, dict) else None
        payload = AssistantResponsePayload(content=str(content if content is not None else result))
    if payload.message_id is None:
        payload.message_id = new_id("resp")
    if job_id not in payload.metadata.windmill_jobs:
        payload.metadata.windmill_jobs.insert(0, job_id)
    if not payload.metadata.duration:
        payload.metadata.duration = duration_ms
    return payload


class Relay:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def handle_request(self, user_id: str, frame: UserRequest) -> None:
        """A validated USER_REQUEST from `user_id` (the token's subject)."""
        hub = self.hub
        message_id = frame.message_id
        if frame.correlation_id and frame.payload.answers is not None:
            hub.spawn(self.answer(user_id, frame), name=f"answer-{message_id}")
            return
        hub.metrics.requests.labels(outcome="accepted").inc()
        hub.spawn(self.run(user_id, frame), name=f"request-{message_id}")

    async def _error(
        self,
        user_id: str,
        session_id: str,
        correlation_id: str,
        error: str,
        *,
        code: str,
        retryable: bool,
        action: str,
        job_id: str | None = None,
    ) -> None:
        await self.hub.emit(
            user_id,
            TaskError(
                session_id=session_id,
                correlation_id=correlation_id,
                payload=TaskErrorPayload(
                    job_id=job_id, error=error, code=code, retryable=retryable, action=action
                ),
            ),
        )

    async def run(self, user_id: str, frame: UserRequest) -> None:
        hub, settings = self.hub, self.hub.settings
        session_id, message_id = frame.session_id, frame.message_id
        job_id = job_id_for(user_id, message_id)
        started_at = time.monotonic()
        with bind(user_id=user_id, session_id=session_id, message_id=message_id, job_id=job_id):
            await hub.emit(user_id, AssistantTyping(session_id=session_id, correlation_id=message_id))

            async def on_retry(attempt: int, delay: float, problem: str) -> None:
                await hub.emit(
                    user_id,
                    TaskProgress(
                        session_id=session_id,
                        correlation_id=message_id,
                        payload=TaskProgressPayload(
                            job_id=job_id,
                            step="waiting_for_backend",
                            percent=0,
                            message=(
                                f"Windmill is slow or unreachable ({problem}); retrying in {delay:.1f} s "
                                f"(attempt {attempt} of {settings.backend_retries}). Your request is kept."
                            ),
                        ),
                    ),
                )

            args: dict[str, Any] = {
                "user_id": user_id,
                "session_id": session_id,
                "message_id": message_id,
                "request": frame.payload.content,
            }
            try:
                started = await hub.backend.run_flow(settings.flow_path, args, job_id, on_retry=on_retry)
            except BackendError as exc:
                hub.metrics.requests.labels(outcome="backend_error").inc()
                log(logger, 40, "could not start the flow", error=str(exc))
                action = (
                    "Your request was not started. Send it again in a few minutes; it will not run twice."
                    if exc.retryable
                    else "The hub is misconfigured; tell the operator (see the hub's logs)."
                )
                await self._error(
                    user_id,
                    session_id,
                    message_id,
                    str(exc),
                    code=exc.kind,
                    retryable=exc.retryable,
                    action=action,
                    job_id=job_id,
                )
                return
            log(logger, 20, "flow started" if started else "flow already running; following it")
            if job_id in hub.following:
                return  # a resend while this process already relays it: the events reach every socket
            await self.follow(user_id, session_id, message_id, job_id, started_at)

    async def follow(
        self, user_id: str, session_id: str, correlation_id: str, job_id: str, started_at: float
    ) -> None:
        hub = self.hub
        hub.following.add(job_id)
        try:
            last: tuple[str, int] | None = None
            state: dict[str, Any] = {}
            async for state in hub.backend.follow(job_id):
                if is_finished(state):
                    break
                step, percent, message = progress_of(state)
                if (step, percent) != last:
                    last = (step, percent)
                    await hub.emit(
                        user_id,
                        TaskProgress(
                            session_id=session_id,
                            correlation_id=correlation_id,
                            payload=TaskProgressPayload(
                                job_id=job_id, step=step, percent=percent, message=message
                            ),
                        ),
                    )
            success, result = await hub.backend.outcome(job_id, state)
        except BackendError as exc:
            log(logger, 40, "lost track of the job", error=str(exc))
            await self._error(
                user_id,
                session_id,
                correlation_id,
                f"lost track of job {job_id}: {exc}",
                code=exc.kind,
                retryable=True,
                job_id=job_id,
                action="The job may still be running. Send the same request again to reattach to it.",
            )
            return
        finally:
            hub.following.discard(job_id)
        duration_ms = int((time.monotonic() - started_at) * 1000)
        if not success:
            hub.metrics.requests.labels(outcome="flow_failed").inc()
            await self._error(
                user_id,
                session_id,
                correlation_id,
                error_text(result),
                code="flow_failed",
                retryable=True,
                job_id=job_id,
                action="Rephrase the request or try again; the job's logs in Windmill say more.",
            )
            return
        payload = response_payload(result, job_id, duration_ms)
        if payload.questions and payload.resume_job_id:
            await hub.broker.put_question(
                user_id,
                payload.message_id or "",
                self._question_value(payload.resume_job_id, correlation_id, session_id),
                hub.settings.question_ttl_s,
            )
        await hub.emit(
            user_id,
            AssistantResponse(
                session_id=session_id,
                correlation_id=correlation_id,
                message_id=payload.message_id or new_id("resp"),
                payload=payload,
            ),
        )
        await hub.emit(
            user_id,
            TaskComplete(
                session_id=session_id,
                correlation_id=correlation_id,
                payload=TaskCompletePayload(job_id=job_id, duration=duration_ms),
            ),
        )
        hub.metrics.requests.labels(outcome="completed").inc()

    @staticmethod
    def _question_value(job_id: str, correlation_id: str, session_id: str) -> str:
        return QUESTION_SEPARATOR.join((job_id, correlation_id, session_id))

    async def remember_question(self, user_id: str, frame: AssistantResponse) -> None:
        """A pushed clarification: remember which suspended job its answer resumes."""
        payload = frame.payload
        if payload.questions and payload.resume_job_id:
            value = self._question_value(
                payload.resume_job_id, frame.correlation_id or frame.message_id, frame.session_id
            )
            ttl = self.hub.settings.question_ttl_s
            await self.hub.broker.put_question(user_id, frame.message_id, value, ttl)
            if payload.message_id and payload.message_id != frame.message_id:
                await self.hub.broker.put_question(user_id, payload.message_id, value, ttl)

    async def answer(self, user_id: str, frame: UserRequest) -> None:
        """Answers to a clarification (correlationId = the question's message id)."""
        hub = self.hub
        question_id = frame.correlation_id or ""
        session_id, message_id = frame.session_id, frame.message_id
        with bind(user_id=user_id, session_id=session_id, message_id=message_id):
            stored = await hub.broker.get_question(user_id, question_id)
            if stored is None:
                hub.metrics.requests.labels(outcome="unknown_question").inc()
                await self._error(
                    user_id,
                    session_id,
                    message_id,
                    f"no open question {question_id}",
                    code="unknown_question",
                    retryable=False,
                    action="The question expired or was already answered; send your request again.",
                )
                return
            job_id, original_correlation, original_session = stored.split(QUESTION_SEPARATOR)
            hub.metrics.requests.labels(outcome="answer").inc()
            await hub.emit(user_id, AssistantTyping(session_id=session_id, correlation_id=message_id))
            answers = dict(frame.payload.answers or {})
            try:
                await hub.backend.resume(job_id, {"answers": answers})
            except BackendError as exc:
                await self._error(
                    user_id,
                    session_id,
                    message_id,
                    str(exc),
                    code="resume_failed",
                    retryable=exc.retryable,
                    job_id=job_id,
                    action="Send your answers again in a moment."
                    if exc.retryable
                    else "The question can no longer be answered; send your request again.",
                )
                return
            log(logger, 20, "flow resumed with answers", job_id=job_id)
            if job_id not in hub.following:
                # The relay that started the job is gone (another process or a restart): take over.
                await self.follow(user_id, original_session, original_correlation, job_id, time.monotonic())
