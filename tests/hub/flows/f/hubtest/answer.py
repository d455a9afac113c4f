"""Hub test step: the answer after the person replied, shaped as an AssistantResponsePayload."""


def main(request: str, answers: dict) -> dict:
    return {"content": f"Done: '{request[:40]}' goes out {answers.get('when', '?')}.", "done": True}
