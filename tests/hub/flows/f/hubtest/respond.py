"""Hub test step: the final answer, shaped as an AssistantResponsePayload, with a report image."""

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def chart() -> str:
    """A small bar chart as a data URL, like the analytics report's images."""
    fig, ax = plt.subplots(figsize=(3.2, 1.8), dpi=100)
    ax.bar(["Mon", "Tue", "Wed", "Thu"], [120, 180, 150, 210], color="#2f6fde")
    ax.set_title("Engagement")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def main(request: str, prepared: dict) -> dict:
    content = (
        f"## Draft ready\n\nYou asked: *{request}*\n\n"
        "- **Platform:** Twitter\n- **When:** tomorrow 09:00\n\n"
        f"![Engagement report]({chart()})"
    )
    return {
        "content": content,
        "done": True,
        "metadata": {"skill": "SOCIAL_MEDIA", "attempts": 1, "model": "offline"},
    }
