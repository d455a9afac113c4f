"""From a USER_REQUEST to the events the person sees.

ASSISTANT_TYPING, then the flow is started (job id derived from the message id), followed,
and its progress relayed as TASK_PROGRESS; it ends with ASSISTANT_RESPONSE + TASK_COMPLETE or
TASK_ERROR. Every event carries `correlationId` = the request's `messageId`. An answer to a
clarification resumes the suspended flow, whose relay is still running.
"""

from __future__ import annotations

import asyncio
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
from hub.answers import Pending, Question, Verdict
from hub.backend import BackendError, is_finished, job_id_for
from hub.core import Hub
from hub.follows import FollowedJob

logger = get_logger("hub.relay")

# An answer that came before the flow waits is offered again after these pauses (doubling).
DELIVERY_FIRST_PAUSE_S = 0.05
DELIVERY_MAX_PAUSE_S = 1.0

# What a person reads when an answer cannot be taken: (error, what to do).
REFUSED: dict[Verdict, tuple[str, str]] = {
    Verdict.ANSWERED: (
        "You already answered this question; your first answer is the one being used.",
        "Wait for the result of your first answer, or send a new message to change something.",
    ),
    Verdict.EXPIRED: (
        "This question expired before your answer arrived.",
        "Send your request again as a new message.",
    ),
    Verdict.UNKNOWN: (
        "There is no open question to answer here.",
        "Send your request again as a new message.",
    ),
}

# What a person can do after an error. A resend of the same message (same messageId) never runs
# twice (an unanswered one reattaches to its job; an answered one is ignored). So after a job that
# failed or was lost (a restarted runtime fails the jobs it was running), only a new message helps.
ACTION_NEW_MESSAGE = "Send your request again as a new message (rephrasing it may help)."
ACTION_SEND_AGAIN_SOON = (
    "Your request may not have started. Send it again in a moment; it will not run twice."
)


def progress_of(state: dict[str, Any]) -> tuple[str, int, str]:
    """(step, percent, message) from a merged getupdate state.

    `step` is the flow module's id (a machine field the page does not show); `message` is in the
    person's words: a step's own words arrive separately (its TASK_PROGRESS push), so this line
    says only how far along the request is, never a module id.
    """
    flow_status = state.get("flow_status") or {}
    modules = flow_status.get("modules") or []
    step, message = "queued", "Waiting for a worker"
    done = 0.0
    for index, module in enumerate(modules):
        kind = module.get("type")
        if kind in ("Success", "Failure"):
            done += 1
        elif kind == "InProgress" and step == "queued":
            step = str(module.get("id") or "running")
            message = f"Working on it: step {index + 1} of {len(modules)}"
            # A step's wmill.set_progress shows on its module
            # (https://www.windmill.dev/docs/advanced/explicit_progress).
            module_progress = _number(module.get("progress"))
            if module_progress is not None:
                done += min(max(module_progress, 0), 100) / 100
                message += f" ({int(module_progress)}%)"
        elif kind == "WaitingForEvents" and step == "queued":
            step, message = str(module.get("id") or "suspended"), "Waiting for your answers"
    if step == "queued" and state.get("running"):
        step, message = "running", "Working on it"
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


def is_cancelled(result: Any) -> bool:
    """A job that ended because someone cancelled it (its error is named `Canceled`)."""
    error = result.get("error") if isinstance(result, dict) else None
    return isinstance(error, dict) and error.get("name") == "Canceled"


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
        session_id, message_id = frame.session_id, frame.message_id
        with bind(user_id=user_id, session_id=session_id, message_id=message_id):
            try:
                await self._run(user_id, frame)
            except Exception as exc:  # never a silent end: the person hears that it failed
                log(logger, 40, "request failed", error=f"{type(exc).__name__}: {exc}")
                self.hub.metrics.requests.labels(outcome="internal_error").inc()
                await self._error(
                    user_id,
                    session_id,
                    message_id,
                    "the hub could not handle this request",
                    code="internal",
                    retryable=True,
                    action=ACTION_SEND_AGAIN_SOON,
                )

    async def _run(self, user_id: str, frame: UserRequest) -> None:
        hub, settings = self.hub, self.hub.settings
        session_id, message_id = frame.session_id, frame.message_id
        job_id = job_id_for(user_id, message_id)
        started_at = time.time()
        with bind(job_id=job_id):
            if await hub.follows.reported(job_id):
                # Answered already: never run or answered twice; the answer is in the event history.
                log(logger, 20, "request already answered; resend ignored")
                hub.metrics.requests.labels(outcome="already_answered").inc()
                return
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
            if frame.payload.attachments:  # files sent with the message (CSV/JSON to analyse)
                args["attachments"] = [a.model_dump(mode="json") for a in frame.payload.attachments]
            if frame.payload.timezone:  # the browser's IANA zone (a bad one was dropped when parsed)
                args["timezone"] = frame.payload.timezone
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
            log(logger, 20, "flow started" if started else "flow already exists; following it")
            job = FollowedJob(
                job_id=job_id,
                user_id=user_id,
                session_id=session_id,
                correlation_id=message_id,
                started_at=started_at,
            )
            await self.follow(job)

    async def follow(self, job: FollowedJob, *, claimed: bool = False) -> None:
        """Relay `job` to its person until it ends, unless another hub already does (then its events
        reach every socket through the broker). `claimed`: the lease is already ours (a takeover)."""
        hub = self.hub
        if job.job_id in hub.following:
            return  # a resend while this process relays it: the events reach every socket
        if not claimed and not await hub.follows.claim(job):
            log(logger, 20, "another hub follows this job", job_id=job.job_id)
            return
        hub.following.add(job.job_id)
        try:
            try:
                success, result = await self._watch(job)
            except BackendError as exc:
                log(logger, 40, "lost track of the job", job_id=job.job_id, error=str(exc))
                if await hub.follows.finish(job.job_id):
                    await self._lost(job, exc)
                return
            if not await hub.follows.finish(job.job_id):
                return  # another hub took the job over meanwhile and reports its end
            await self._report(job, success, result)
        finally:
            hub.following.discard(job.job_id)

    async def _report(self, job: FollowedJob, success: bool, result: Any) -> None:
        duration_ms = int(max(0.0, time.time() - job.started_at) * 1000)
        if not success and is_cancelled(result):
            await self._error(
                job.user_id,
                job.session_id,
                job.correlation_id,
                "You stopped this request.",
                code="cancelled",
                retryable=True,
                job_id=job.job_id,
                action="Send it again whenever you want it.",
            )
            return
        if not success:
            self.hub.metrics.requests.labels(outcome="flow_failed").inc()
            await self._error(
                job.user_id,
                job.session_id,
                job.correlation_id,
                error_text(result),
                code="flow_failed",
                retryable=False,
                job_id=job.job_id,
                action=ACTION_NEW_MESSAGE,
            )
            return
        await self._answer(job, result, duration_ms)

    async def _watch(self, job: FollowedJob) -> tuple[bool, Any]:
        """Relay progress until the job ends; (success, result). Windmill being unreachable is
        waited out (the job keeps running there) until HUB_FOLLOW_TIMEOUT_S after the request."""
        hub = self.hub
        deadline = job.started_at + hub.settings.follow_timeout_s
        last: tuple[str, int] | None = None
        told = False
        while True:
            state: dict[str, Any] = {}
            try:
                async for state in hub.backend.follow(job.job_id):
                    if is_finished(state):
                        break
                    step, percent, message = progress_of(state)
                    if (step, percent) != last:
                        last = (step, percent)
                        await self._progress(job, step, percent, message)
                return await hub.backend.outcome(job.job_id, state)
            except BackendError as exc:
                if not exc.retryable or exc.kind == "notfound" or time.time() > deadline:
                    raise
                log(logger, 30, "backend unreachable while following; waiting", error=str(exc))
                if not told:
                    told = True
                    await self._progress(
                        job,
                        "waiting_for_backend",
                        last[1] if last else 0,
                        "Lost contact with Windmill; your request is kept and its answer will appear "
                        "here once Windmill is reachable again.",
                    )
                await asyncio.sleep(hub.settings.backend_backoff_max_s)

    async def _progress(self, job: FollowedJob, step: str, percent: int, message: str) -> None:
        # The flow's view lags the steps' own pushes: a line of it behind those is not news.
        await self.hub.emit(
            job.user_id,
            TaskProgress(
                session_id=job.session_id,
                correlation_id=job.correlation_id,
                payload=TaskProgressPayload(job_id=job.job_id, step=step, percent=percent, message=message),
            ),
            if_behind="drop",
        )

    async def _lost(self, job: FollowedJob, exc: BackendError) -> None:
        hub = self.hub
        hub.metrics.requests.labels(outcome="lost").inc()
        if exc.kind == "notfound":
            error, action = "Windmill no longer knows this request", ACTION_NEW_MESSAGE
        else:
            minutes = int(hub.settings.follow_timeout_s // 60)
            error = f"no answer from Windmill within {minutes} minutes ({exc})"
            action = ACTION_NEW_MESSAGE
        await self._error(
            job.user_id,
            job.session_id,
            job.correlation_id,
            error,
            code=exc.kind,
            retryable=False,
            job_id=job.job_id,
            action=action,
        )

    async def _answer(self, job: FollowedJob, result: Any, duration_ms: int) -> None:
        hub = self.hub
        payload = response_payload(result, job.job_id, duration_ms)
        if payload.questions and payload.resume_job_id:
            await self._ask(
                job.user_id,
                [payload.message_id or ""],
                payload.resume_job_id,
                job.correlation_id,
                job.session_id,
            )
        await hub.emit(
            job.user_id,
            AssistantResponse(
                session_id=job.session_id,
                correlation_id=job.correlation_id,
                message_id=payload.message_id or new_id("resp"),
                payload=payload,
            ),
        )
        await hub.emit(
            job.user_id,
            TaskComplete(
                session_id=job.session_id,
                correlation_id=job.correlation_id,
                payload=TaskCompletePayload(job_id=job.job_id, duration=duration_ms),
            ),
        )
        hub.metrics.requests.labels(outcome="completed").inc()

    async def _ask(
        self, user_id: str, question_ids: list[str], resume_job_id: str, correlation_id: str, session_id: str
    ) -> None:
        question = Question(
            resume_job_id=resume_job_id,
            correlation_id=correlation_id,
            session_id=session_id,
            expires_at=time.time() + self.hub.settings.question_ttl_s,
        )
        for question_id in dict.fromkeys(q for q in question_ids if q):
            await self.hub.answers.ask(user_id, question_id, question)

    async def remember_question(self, user_id: str, frame: AssistantResponse) -> None:
        """A pushed clarification: remember which suspended job its answer resumes. Called before the
        question is published, so an answer sent the moment it arrives finds it."""
        payload = frame.payload
        if payload.questions and payload.resume_job_id:
            await self._ask(
                user_id,
                [frame.message_id, payload.message_id or ""],
                payload.resume_job_id,
                frame.correlation_id or frame.message_id,
                frame.session_id,
            )

    async def answer(self, user_id: str, frame: UserRequest) -> None:
        """Answers to a clarification (correlationId = the question's message id): accepted once,
        while the question is open, then delivered (held until the flow waits for it)."""
        hub = self.hub
        question_id = frame.correlation_id or ""
        session_id, message_id = frame.session_id, frame.message_id
        with bind(user_id=user_id, session_id=session_id, message_id=message_id):
            question = await hub.answers.question(user_id, question_id)
            verdict = Verdict.UNKNOWN
            if question is not None:
                pending = Pending(
                    user_id=user_id,
                    question_id=question_id,
                    question=question,
                    answers=dict(frame.payload.answers or {}),
                    session_id=session_id,
                    message_id=message_id,
                )
                hub.delivering.add(pending.key)
                verdict = await hub.answers.accept(pending)
                if verdict is not Verdict.ACCEPTED:
                    hub.delivering.discard(pending.key)
            if verdict is Verdict.RESENT:
                return  # the same answer again (a reconnecting client): it is already being used
            if verdict is not Verdict.ACCEPTED:
                hub.metrics.requests.labels(outcome=f"answer_{verdict.value}").inc()
                error, action = REFUSED[verdict]
                await self._error(
                    user_id,
                    session_id,
                    message_id,
                    error,
                    code=f"question_{verdict.value}",
                    retryable=False,
                    action=action,
                )
                return
            hub.metrics.requests.labels(outcome="answer").inc()
            await hub.emit(user_id, AssistantTyping(session_id=session_id, correlation_id=message_id))
        await self.deliver(pending)

    async def deliver(self, pending: Pending) -> None:
        """Resume the flow with an accepted answer. A flow that is not waiting yet (the answer came
        before the suspend) is asked again, with a growing pause, until it waits, ends, or the
        question expires; then the request's relay goes on (this hub takes it over if none does)."""
        hub, question = self.hub, pending.question
        hub.delivering.add(pending.key)
        job_id = question.resume_job_id
        root = FollowedJob(
            job_id=job_id_for(pending.user_id, question.correlation_id),
            user_id=pending.user_id,
            session_id=question.session_id,
            correlation_id=question.correlation_id,
            started_at=time.time(),
        )
        pause = DELIVERY_FIRST_PAUSE_S
        try:
            with bind(user_id=pending.user_id, job_id=job_id, message_id=pending.message_id):
                while True:
                    try:
                        await hub.backend.resume(job_id, {"answers": pending.answers})
                        break
                    except BackendError as exc:
                        problem, refused = str(exc), exc.kind == "refused"
                    ended = refused or await self._ended(job_id)
                    if ended or time.time() > question.expires_at:
                        log(logger, 30, "answer not delivered", reason=problem, ended=ended)
                        await hub.answers.done(pending.key)
                        await self._error(
                            pending.user_id,
                            pending.session_id,
                            pending.message_id,
                            "Your answer came after the request had ended."
                            if ended
                            else "This question expired before your answer could be used.",
                            code="question_expired",
                            retryable=False,
                            job_id=job_id,
                            action=ACTION_NEW_MESSAGE,
                        )
                        return
                    # Not waiting yet (the answer came first): held, asked again shortly.
                    if pause == DELIVERY_FIRST_PAUSE_S:
                        hub.metrics.requests.labels(outcome="answer_held").inc()
                        log(logger, 20, "answer held until the flow waits for it", reason=problem)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, DELIVERY_MAX_PAUSE_S)
                await hub.answers.done(pending.key)
                log(logger, 20, "flow resumed with answers")
        finally:
            hub.delivering.discard(pending.key)
        # Normally the hub that started the job still follows it; if none does, this one takes over.
        await self.follow(root)

    async def _ended(self, job_id: str) -> bool:
        """True when the job is known to have ended (a resume can never reach it)."""
        try:
            return bool((await self.hub.backend.result(job_id)).get("completed"))
        except BackendError:
            return False
