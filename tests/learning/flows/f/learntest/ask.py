"""Learning test step: the real clarify step (it pushes the question to the hub at once), then a
pause before the step ends and the flow suspends, read from the request (`linger=<seconds>`): an
answer sent the moment the question arrives then always comes before the flow waits for it."""

import re
import time

import f.openanalyst.brain.clarify as clarify


def main(user_id: str, session_id: str, message_id: str, request: str) -> dict:
    # The attempt that needs the person: only they can say what the post is about.
    needs_topic = {"kind": "outcome", "phase": "loop", "missing": ["topic"], "needs_person": True}
    asked = clarify.main(user_id, session_id, message_id, [needs_topic])
    linger = re.search(r"linger=([0-9.]+)", request)
    time.sleep(float(linger.group(1)) if linger else 0.0)
    return asked
