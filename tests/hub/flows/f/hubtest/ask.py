"""Hub test step: asks the person one question, as brain/clarify.py does (a signed push of an
ASSISTANT_RESPONSE with `questions` and `resumeJobId`); the flow then waits for the answer."""

import os

import f.openanalyst.lib.windmill.hub_push as hub_push


def main(user_id: str, session_id: str, message_id: str, request: str) -> dict:
    payload = {
        "messageId": message_id,
        "content": f"Before I go on: when should '{request[:40]}' go out?",
        "done": False,
        "questions": [{"id": "when", "question": "When?"}],
        "resumeJobId": os.environ["WM_FLOW_JOB_ID"],
    }
    pushed = hub_push.push(user_id, session_id, "ASSISTANT_RESPONSE", payload, message_id)
    return {"pushed": pushed}
