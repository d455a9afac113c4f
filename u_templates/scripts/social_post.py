"""Write a post for one of my platforms with OpenAnalyst's writer (f/openanalyst/social/create_post)."""

from typing import Literal

import wmill


def main(
    topic: str,
    platform: Literal["twitter", "linkedin", "instagram", "facebook"] = "linkedin",
    tone: Literal["professional", "casual", "enthusiastic", "informative", "witty"] = "professional",
) -> dict:
    """Draft a post about `topic`; the result says whether a model or the template wrote it."""
    return wmill.run_script_by_path(
        "f/openanalyst/social/create_post",
        args={"user_id": "{{user_id}}", "platform": platform, "topic": topic, "tone": tone},
    )
