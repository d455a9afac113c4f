"""Hub test step: reports progress both ways a real step does, slowly enough to be seen."""

import time

import wmill

import f.openanalyst.lib.windmill.hub_push as hub_push


def main(user_id: str, session_id: str, message_id: str, request: str) -> dict:
    wmill.set_progress(30)
    pushed = hub_push.push(
        user_id,
        session_id,
        "TASK_PROGRESS",
        {"step": "prepare", "percent": 40, "message": f"Preparing: {request[:40]}"},
        message_id,
    )
    time.sleep(0.5)
    wmill.set_progress(60)
    time.sleep(0.3)
    return {"pushed": pushed}
