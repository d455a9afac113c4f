"""Hub test step: the final answer, shaped as an AssistantResponsePayload, with a report image."""

# A 1x1 PNG, so the chat client has a report image to render.
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def main(request: str, prepared: dict) -> dict:
    content = (
        f"## Draft ready\n\nYou asked: *{request}*\n\n"
        "- **Platform:** Twitter\n- **When:** tomorrow 09:00\n\n"
        f"![report]({PIXEL})"
    )
    return {
        "content": content,
        "done": True,
        "metadata": {"skill": "SOCIAL_MEDIA", "attempts": 1, "model": "offline"},
    }
