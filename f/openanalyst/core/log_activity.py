"""Record what happened for a person: a structured audit line in the job's log.

Details are redacted (tokens, secrets, keys) before they are written anywhere.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Literal

from f.openanalyst.lib.log import bind, get_logger, log, redact
from f.openanalyst.lib.users import validate_user_id

_logger = get_logger(__name__)
_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def main(
    user_id: str,
    action: str,
    details: dict | None = None,
    level: Literal["info", "warning", "error"] = "info",
    session_id: str | None = None,
) -> dict[str, Any]:
    """Log one activity of `user_id` (e.g. action="post_scheduled", details={"path": ...}).

    Args:
        user_id: the person the activity belongs to.
        action: a short snake_case name of what happened.
        details: extra fields; secret-looking keys and values are redacted.
        level: info, warning or error.
        session_id: the websocket session, when there is one.
    """
    validate_user_id(user_id)
    action = action.strip()
    if not action or len(action) > 100:
        raise ValueError("action must be 1-100 characters, e.g. 'post_scheduled'")
    safe_details = redact(dict(details or {}))
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with bind(user_id=user_id, session_id=session_id):
        log(_logger, _LEVELS[level], action, activity=action, details=safe_details)
    return {"logged": True, "action": action, "level": level, "at": at}
