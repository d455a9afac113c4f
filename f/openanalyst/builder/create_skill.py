"""Create a person's CUSTOM skill: a resource of type openanalyst_skill at u/<user>/skills/<name>,
validated against the workspace's resource type schema (the skills contract). It routes only
for that person; its scripts must be their own or shared OpenAnalyst scripts.
"""

from __future__ import annotations

from typing import Any

from f.openanalyst.lib.builder.create import ensure
from f.openanalyst.lib.builder.paths import BuildError
from f.openanalyst.lib.builder.skills import skill_body


def main(
    user_id: str,
    name: str,
    description: str,
    triggers: list[str] | None = None,
    body: str = "",
    system_prompt: str = "",
    scripts: list[str] | None = None,
    platforms: list[str] | None = None,
    workflows: dict | None = None,
    priority: int = 0,
    requires_windmill: bool = True,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Create the custom skill u/<user_id>/skills/<name>.

    Args:
        user_id: the person the skill belongs to (and routes for).
        name: a plain name, e.g. "newsletter".
        description: what it does and when to use it (routing reads this).
        triggers: phrases that suggest it, e.g. ["newsletter", "weekly email"].
        body: the skill's instructions (markdown).
        system_prompt: the system prompt for plans made with it.
        scripts: Windmill script paths its plans may call (yours or f/openanalyst/...).
        platforms: platforms it concerns, if any.
        workflows: workflow name -> markdown steps.
        priority: breaks routing ties; higher wins.
        requires_windmill: false when it answers without running scripts.
        overwrite: replace an existing different skill.
    """
    value = {
        "description": description,
        "triggers": list(triggers or []),
        "body": body or description,
        "system_prompt": system_prompt,
        "scripts": list(scripts or []),
        "platforms": list(platforms or []),
        "workflows": dict(workflows or {}),
        "priority": priority,
        "requires_windmill": requires_windmill,
    }
    if not description.strip():
        raise BuildError("a skill needs a description: say what it does and when to use it")
    body = skill_body(user_id, name, value, description)
    done = ensure("resource", body, overwrite)
    triggers = ", ".join(f'"{t}"' for t in body["value"]["triggers"])
    said = (
        f"Your skill `{done['path']}` already says this; I left it as it is."
        if done["action"] == "unchanged"
        else f"Created your skill `{done['path']}`: {description.strip()} It is yours alone and is "
        f"chosen when a request mentions {triggers}."
    )
    if not body["value"]["workflows"]:
        said += (
            " It has no steps of its own yet, so it works when a model is configured; add a workflow "
            "to it (steps that run your scripts) to use it without one."
        )
    return done | {"answer": said}
