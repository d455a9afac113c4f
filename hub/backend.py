"""Starting and following flows through Windmill's REST API (or the dev runtime's copy of it).

- `run_flow` starts a flow with a caller-chosen job id (`job_id` of Windmill's `runFlowByPath`,
  https://app.windmill.dev/openapi.html), visible only to the runner (`invisible_to_owner`).
  Windmill answers 400 for an id that already exists, so a resent request never runs twice: the
  hub then follows the existing job. Transport errors, 429 and 5xx are retried with exponential backoff, and
  each retry is reported to the caller so the person can be told.
- `follow` yields the job's merged state as it changes, from `getupdate_sse` (partial updates
  merged, reconnecting with the stored offsets on `timeout` or a dropped stream), falling
  back to polling `getupdate` when the stream keeps failing.

Backends: `windmill` (a real Windmill) and `local` (the dev runtime on 127.0.0.1:8000, which
serves the same API); they differ only in defaults (see Settings).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
from httpx_sse import aconnect_sse
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from f.openanalyst.lib.log import get_logger, log
from hub.metrics import Metrics
from hub.settings import Settings

logger = get_logger("hub.backend")

# job ids are uuid5(JOB_NAMESPACE, "<user_id>/<message_id>"): stable per request, distinct per user.
JOB_NAMESPACE = uuid.UUID("6f1c8f6e-3b0a-5d2e-9a53-0a8e0c6a1f42")

RetryCallback = Callable[[int, float, str], Awaitable[None]]


def job_id_for(user_id: str, message_id: str) -> str:
    return str(uuid.uuid5(JOB_NAMESPACE, f"{user_id}/{message_id}"))


# Windmill's getupdate_sse looks at the job every 100 ms for its first ten looks with `fast=true`,
# then every 500 ms (every 3 s after a hundred, or without `fast`): `start_job_update_sse_stream`
# in https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/src/jobs.rs. A job
# that moves after that first second is followed on a new stream, so its next change (its end
# above all) is heard within 100 ms, not 500: one more request per change, as many as its steps.
FAST_PHASE_S = 1.0


class BackendError(Exception):
    """A failure the person should hear about; `retryable` says whether trying later may help."""

    def __init__(self, message: str, *, retryable: bool, kind: str = "error") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.kind = kind


class _Retry(Exception):
    """An attempt that failed in a way worth retrying; the message says how."""


def _retryable_status(status: int) -> bool:
    return status == 429 or status >= 500


def merge_update(state: dict[str, Any], update: dict[str, Any]) -> None:
    """Merge a partial `getupdate` result into `state` (absent fields mean unchanged)."""
    for key, value in update.items():
        if key == "type":
            continue
        if key == "new_logs":
            continue  # logs are not relayed; keep memory flat
        state[key] = value


def is_finished(state: dict[str, Any]) -> bool:
    job = state.get("job")
    return bool(state.get("completed")) or (isinstance(job, dict) and job.get("type") == "CompletedJob")


class WindmillBackend:
    def __init__(
        self,
        settings: Settings,
        metrics: Metrics,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.workspace = settings.windmill_workspace
        headers = {"Accept": "application/json"}
        if settings.windmill_token is not None:
            headers["Authorization"] = f"Bearer {settings.windmill_token.get_secret_value()}"
        self.client = httpx.AsyncClient(
            base_url=settings.backend_url + "/api",
            headers=headers,
            timeout=httpx.Timeout(settings.backend_timeout_s),
            # httpx's default of 100 would queue the 101st followed job's stream until a timeout.
            limits=httpx.Limits(
                max_connections=settings.backend_max_connections, max_keepalive_connections=100
            ),
            transport=transport,
        )

    @property
    def name(self) -> str:
        return self.settings.backend

    async def aclose(self) -> None:
        await self.client.aclose()

    def _w(self, path: str) -> str:
        return f"/w/{self.workspace}/{path}"

    def _delay(self, attempt: int) -> float:
        s = self.settings
        return min(s.backend_backoff_s * (2**attempt), s.backend_backoff_max_s)

    async def _attempt(self, method: str, path: str, what: str, kwargs: dict[str, Any]) -> httpx.Response:
        """One call; a failure worth retrying (transport, timeout, 429, 5xx) raises _Retry."""
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.TimeoutException:
            self.metrics.backend_errors.labels(kind="timeout").inc()
            raise _Retry(f"{what}: timed out") from None
        except httpx.TransportError as exc:
            self.metrics.backend_errors.labels(kind="unreachable").inc()
            raise _Retry(f"{what}: {type(exc).__name__}") from None
        if _retryable_status(response.status_code):
            self.metrics.backend_errors.labels(kind=f"http_{response.status_code}").inc()
            raise _Retry(f"{what}: HTTP {response.status_code}")
        return response

    async def _request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        on_retry: RetryCallback | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One call with retries on transport errors, 429 and 5xx; other statuses are returned."""

        async def report(state: RetryCallState) -> None:
            problem = str(state.outcome.exception()) if state.outcome else what
            delay = state.next_action.sleep if state.next_action else 0.0
            attempt = state.attempt_number
            log(
                logger,
                30,
                "backend call failed; retrying",
                problem=problem,
                attempt=attempt,
                retry_in_s=delay,
            )
            if on_retry is not None:
                await on_retry(attempt, delay, problem)

        s = self.settings
        retrying = AsyncRetrying(
            stop=stop_after_attempt(s.backend_retries + 1),
            wait=wait_exponential(multiplier=s.backend_backoff_s, max=s.backend_backoff_max_s),
            retry=retry_if_exception_type(_Retry),
            before_sleep=report,
            reraise=True,
        )
        try:
            return await retrying(self._attempt, method, path, what, kwargs)
        except _Retry as exc:
            raise BackendError(
                f"{self.name} backend unavailable ({exc})", retryable=True, kind="unavailable"
            ) from None

    # ------------------------------------------------------------------ runs

    async def run_flow(
        self, path: str, args: dict[str, Any], job_id: str, on_retry: RetryCallback | None = None
    ) -> bool:
        """Start `path` as job `job_id`. True when started now, False when it already existed."""
        response = await self._request(
            "POST",
            self._w(f"jobs/run/f/{path}"),
            what="starting the flow",
            on_retry=on_retry,
            # runner-only whatever the flow says: Windmill's run endpoint takes the run's visibility
            # from this flag (`invisible_to_owner` of runFlowByPath in
            # https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/openapi.yaml;
            # `run_flow_by_path` in backend/windmill-api/src/jobs.rs pushes the job with
            # `!run_query.invisible_to_owner`), so a person's request is never readable by the
            # flow's other readers
            params={"job_id": job_id, "invisible_to_owner": "true"},
            json=args,
        )
        if response.status_code in (200, 201):
            started = response.text.strip().strip('"')
            if started and started != job_id:
                raise BackendError(f"backend started job {started} instead of {job_id}", retryable=False)
            return True
        if response.status_code == 400 and await self.job_exists(job_id):
            return False  # a resent request, or a retry after a lost reply: never run twice
        self.metrics.backend_errors.labels(kind=f"http_{response.status_code}").inc()
        if response.status_code in (401, 403):
            raise BackendError(
                f"the hub's {self.name} token was refused (HTTP {response.status_code})",
                retryable=False,
                kind="auth",
            )
        if response.status_code == 404:
            raise BackendError(f"flow {path} not found on the {self.name} backend", retryable=False)
        raise BackendError(
            f"the {self.name} backend refused the run (HTTP {response.status_code}: {response.text[:200]})",
            retryable=False,
        )

    async def job_exists(self, job_id: str) -> bool:
        response = await self._request(
            "GET", self._w(f"jobs_u/get/{job_id}"), what="looking up the job", params={"no_logs": "true"}
        )
        return response.status_code == 200

    async def resume(self, job_id: str, payload: dict[str, Any]) -> None:
        """Resume a suspended flow with the person's answers (authenticated resume)."""
        response = await self._request(
            "POST",
            self._w(f"jobs_u/flow/resume_suspended/{job_id}"),
            what="resuming the flow",
            json={"payload": payload, "approved": True},
        )
        if response.status_code >= 400:
            self.metrics.backend_errors.labels(kind=f"http_{response.status_code}").inc()
            # 400/5xx: Windmill refuses a flow that is not waiting (yet); 401/403/404: never will.
            raise BackendError(
                f"could not resume the flow (HTTP {response.status_code}: {response.text[:200]})",
                retryable=response.status_code >= 500,
                kind="refused" if response.status_code in (401, 403, 404) else "not_waiting",
            )

    async def result(self, job_id: str) -> dict[str, Any]:
        """{completed, result, success} of a job (get_result_maybe)."""
        response = await self._request(
            "GET", self._w(f"jobs_u/completed/get_result_maybe/{job_id}"), what="fetching the result"
        )
        if response.status_code != 200:
            raise BackendError(f"could not fetch the result (HTTP {response.status_code})", retryable=True)
        return response.json()

    async def health(self) -> str:
        response = await self.client.get("/version", timeout=3)
        if response.status_code >= 500:
            raise BackendError(f"HTTP {response.status_code}", retryable=True)
        return response.text.strip()[:64] if response.status_code == 200 else f"HTTP {response.status_code}"

    # ---------------------------------------------------------------- follow

    def _update_params(self, state: dict[str, Any]) -> dict[str, str]:
        return {
            "running": "true" if state.get("running") else "false",
            "log_offset": str(state.get("log_offset", 0)),
            "stream_offset": str(state.get("stream_offset", 0)),
            "get_progress": "true",
            "no_logs": "true",
        }

    async def _sse(self, job_id: str, state: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """Yield parsed SSE events of one `getupdate_sse` connection until it ends."""
        params = {**self._update_params(state), "fast": "true"}
        async with aconnect_sse(
            self.client,
            "GET",
            self._w(f"jobs_u/getupdate_sse/{job_id}"),
            params=params,
            timeout=httpx.Timeout(self.settings.backend_timeout_s, read=120.0),
        ) as source:
            if source.response.status_code != 200:
                await source.response.aread()
                raise BackendError(
                    f"getupdate_sse: HTTP {source.response.status_code}", retryable=True, kind="sse"
                )
            async for sse in source.aiter_sse():
                try:
                    event = sse.json()
                except ValueError:
                    continue
                if isinstance(event, dict):
                    yield event

    async def follow(self, job_id: str) -> AsyncIterator[dict[str, Any]]:
        """Yield the merged job state after each change; the last one is finished (`is_finished`)."""
        state: dict[str, Any] = {}
        failures = 0
        use_sse = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.follow_timeout_s
        while loop.time() < deadline:
            if use_sse:
                try:
                    updated = False
                    opened = loop.time()
                    async for event in self._sse(job_id, state):
                        kind = event.get("type")
                        if kind == "update":
                            updated = True
                            merge_update(state, event)
                            failures = 0
                            yield state
                            if is_finished(state):
                                return
                            if loop.time() - opened > FAST_PHASE_S:
                                break  # the job moved: follow it with fast polls again
                        elif kind == "notfound":
                            raise BackendError("job not found", retryable=True, kind="notfound")
                        elif kind == "error":
                            raise BackendError(
                                f"getupdate_sse: {event.get('error')}", retryable=True, kind="sse"
                            )
                        # ping: nothing to do; timeout: fall out and reconnect with the offsets
                    if not updated:
                        # A stream that ended without news: make sure the job did not finish unseen.
                        data = await self.result(job_id)
                        if data.get("completed"):
                            state.update(running=False, completed=True)
                            state["job"] = {
                                "type": "CompletedJob",
                                "success": bool(data.get("success")),
                                "result": data.get("result"),
                            }
                            yield state
                            return
                        await asyncio.sleep(self.settings.poll_interval_s)
                    continue
                except (httpx.TransportError, BackendError) as exc:
                    failures += 1
                    self.metrics.backend_errors.labels(kind="follow").inc()
                    if failures >= 3:
                        log(logger, 30, "getupdate_sse keeps failing; polling instead", error=str(exc))
                        use_sse = False
                        failures = 0
                    else:
                        await asyncio.sleep(self._delay(failures - 1))
                    continue
            response = await self._request(
                "GET",
                self._w(f"jobs_u/getupdate/{job_id}"),
                what="polling the job",
                params=self._update_params(state),
            )
            if response.status_code == 404:
                failures += 1
                if failures > self.settings.backend_retries:
                    raise BackendError(
                        "the job disappeared from the backend", retryable=False, kind="notfound"
                    )
            elif response.status_code == 200:
                failures = 0
                merge_update(state, response.json())
                yield state
                if is_finished(state):
                    return
            else:
                raise BackendError(f"getupdate: HTTP {response.status_code}", retryable=True)
            await asyncio.sleep(self.settings.poll_interval_s)
        raise BackendError("gave up following the job (follow timeout)", retryable=True, kind="timeout")

    async def outcome(self, job_id: str, state: dict[str, Any]) -> tuple[bool, Any]:
        """(success, result) of a finished job, from the final update or get_result_maybe."""
        job = state.get("job")
        if isinstance(job, dict) and job.get("type") == "CompletedJob" and "result" in job:
            return bool(job.get("success")), job.get("result")
        data = await self.result(job_id)
        return bool(data.get("success")), data.get("result")
