"""Progress reporting for any flow step: Windmill's job progress plus a TASK_PROGRESS push.

`report("plan", 40, "Planning the post")` sets the job's progress bar in Windmill
(`job_metrics/set_progress`, as `wmill.set_progress` does) and, when the step knows the person
and session, pushes a TASK_PROGRESS frame to the hub. It never raises: progress is a courtesy,
not a step's result.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import f.openanalyst.lib.windmill.hub_push as hub_push
import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.log import get_logger, log

_logger = get_logger(__name__)


def report(
    step: str,
    percent: int,
    message: str = "",
    *,
    user_id: str | None = None,
    session_id: str | None = None,
    correlation_id: str | None = None,
    job_id: str | None = None,
) -> dict[str, Any]:
    """Report `percent` (0-100) done for `step`; returns what happened to each channel."""
    percent = max(0, min(100, int(percent)))
    # The job the person is waiting on: the root flow (what the hub started), else this job.
    job_id = (
        job_id
        or os.environ.get("WM_ROOT_FLOW_JOB_ID")
        or os.environ.get("WM_FLOW_JOB_ID")
        or os.environ.get("WM_JOB_ID")
    )
    outcome: dict[str, Any] = {"step": step, "percent": percent, "windmill": False, "hub": None}
    if os.environ.get("WM_JOB_ID") and windmill_rest.configured():
        try:
            # Windmill clamps to 0..99 (100 is reserved for completion).
            windmill_rest.set_progress(min(percent, 99))
            outcome["windmill"] = True
        except Exception as exc:  # progress must never fail a step
            log(_logger, logging.WARNING, "set_progress failed", error=exc.__class__.__name__)
    if user_id and session_id:
        try:
            outcome["hub"] = hub_push.push(
                user_id,
                session_id,
                "TASK_PROGRESS",
                {"jobId": job_id, "step": step, "percent": percent, "message": message},
                correlation_id,
            )
        except Exception as exc:
            outcome["hub"] = {"delivered": False, "reason": f"{exc.__class__.__name__}: {exc}"[:300]}
    log(_logger, logging.INFO, "progress", step=step, percent=percent, progress_message=message)
    return outcome
