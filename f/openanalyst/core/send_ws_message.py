"""Send one websocket frame to a person through the hub (HMAC-signed POST to /internal/push).

The hub delivers it to that person's sockets only. A hub that is down, or not configured,
never fails the flow: the result then says {"delivered": false, "reason": ...}.
"""

from __future__ import annotations

from typing import Any, Literal

import f.openanalyst.lib.windmill.hub_push as hub_push
from f.openanalyst.lib.users import validate_user_id


def main(
    user_id: str,
    session_id: str,
    type: Literal["ASSISTANT_TYPING", "ASSISTANT_RESPONSE", "TASK_PROGRESS", "TASK_COMPLETE", "TASK_ERROR"],
    payload: dict,
    correlation_id: str | None = None,
) -> dict[str, Any]:
    """Push a TASK_PROGRESS / ASSISTANT_RESPONSE / ... frame to `user_id`'s open sessions.

    Args:
        user_id: the person (validated against the user-id pattern).
        session_id: the websocket session the request came from.
        type: the frame type; the payload is validated against it (protocol.py).
        payload: the frame payload, camelCase or snake_case keys.
        correlation_id: the message id this frame answers, if any.
    """
    validate_user_id(user_id)
    return hub_push.push(user_id, session_id, type, payload, correlation_id)
