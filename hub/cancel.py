"""Stop a running request: `POST /api/cancel {"messageId": ...}` with the person's JWT.

Owner check by construction: the job id is derived from the token's user id and the request's
message id (`hub.backend.job_id_for`), so a person can only ever name their own jobs; another
person's message id gives a job id that does not exist. The hub then asks Windmill to cancel the
job; the relay that follows it sees the cancelled end and tells every open page (TASK_ERROR with
code `cancelled`).

Windmill: https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/src/jobs.rs
(`/queue/cancel/:id` -> `cancel_job_api`; a flow's cancel cancels its running steps too).
"""

from __future__ import annotations

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from f.openanalyst.lib.log import get_logger, log
from f.openanalyst.lib.protocol import Identifier
from hub.backend import BackendError, job_id_for
from hub.core import Hub
from hub.history import authenticated

logger = get_logger("hub.cancel")

CANCEL_REASON = "stopped by the person in the chat"


class CancelRequest(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid")

    message_id: Identifier


async def cancel_job(hub: Hub, job_id: str) -> int:
    """Ask the backend to cancel `job_id`; the HTTP status it answered."""
    backend = hub.backend
    response = await backend.client.post(
        f"/w/{backend.workspace}/jobs_u/queue/cancel/{job_id}", json={"reason": CANCEL_REASON}
    )
    if response.status_code >= 500:
        raise BackendError(f"cancel: HTTP {response.status_code}", retryable=True)
    return response.status_code


def routes(hub: Hub) -> list[Route]:
    async def cancel(request: Request) -> Response:
        who = await authenticated(hub, request)
        if isinstance(who, Response):
            return who
        try:
            body = CancelRequest.model_validate_json(await request.body())
        except ValidationError:
            return JSONResponse({"error": 'send {"messageId": "<the request to stop>"}'}, status_code=400)
        job_id = job_id_for(who.user_id, body.message_id)
        try:
            status = await cancel_job(hub, job_id)
        except (BackendError, httpx.HTTPError) as exc:
            log(logger, 40, "cancel failed", job_id=job_id, error=str(exc))
            return JSONResponse(
                {"error": "Windmill could not be reached to stop the request; try again in a moment"},
                status_code=503,
            )
        if status >= 400:
            # Unknown or already finished: nothing is running under this person's request.
            return JSONResponse({"error": "that request is not running any more"}, status_code=409)
        hub.metrics.requests.labels(outcome="cancelled").inc()
        log(logger, 20, "request cancelled", user_id=who.user_id, job_id=job_id)
        return JSONResponse({"cancelled": True, "jobId": job_id})

    return [Route("/api/cancel", cancel, methods=["POST"])]
