"""Create a script in the person's folder (u/<user>/scripts/<name>), validated first.

Without code, the model writes it from the description (validated; a typed starter when no model
is configured, and `mode` says which). Python code must parse and define `main()`; its input
schema is inferred from main's signature so the Windmill UI shows a form. Imports of workspace
code may only name the person's own scripts or shared OpenAnalyst code. An existing script is
left alone when identical, replaced (as a new version) only with overwrite=true.
"""

from __future__ import annotations

from typing import Any, Literal

import f.openanalyst.lib.builder.locks as locks
from f.openanalyst.lib.builder.create import ensure
from f.openanalyst.lib.builder.drafts import draft_script
from f.openanalyst.lib.builder.paths import BuildError
from f.openanalyst.lib.builder.scripts import script_body


def main(
    user_id: str,
    name: str,
    content: str = "",
    language: Literal["python3", "bun", "deno", "bash", "postgresql"] = "python3",
    summary: str = "",
    description: str = "",
    overwrite: bool = False,
    scheduled: bool = False,
) -> dict[str, Any]:
    """Create u/<user_id>/scripts/<name> with `content`.

    Args:
        user_id: the person; the script is created in their folder only.
        name: a plain name (a-z, 0-9, '_'; up to 4 '/'-separated segments), e.g. "weekly_digest".
        content: the source code (Python needs a `def main`); empty: written from the description.
        language: python3, bun, deno, bash or postgresql.
        summary: a short title shown in Windmill.
        description: what it does.
        overwrite: replace an existing different script with this version.
        scheduled: a schedule for it follows in the same request (the answer then does not offer one).
    """
    mode, notes = "given", []
    if not content.strip():
        if language != "python3":
            raise BuildError("give the script's content (only Python can be drafted from a description)")
        if not description.strip():
            raise BuildError("give the script's content, or a description of what it must do")
        content, mode, notes = draft_script(user_id, name, description)
    # Code the builder wrote runs with the versions it was checked against; a person's own code is
    # locked by Windmill when it is deployed.
    lock = locks.lock_for(content) if mode != "given" else None
    body = script_body(user_id, name, content, language, summary or description[:80], description, lock)
    done = ensure("script", body, overwrite)
    return done | {
        "schema": body.get("schema"),
        "mode": mode,
        "notes": notes,
        "answer": answer(done, description, notes, scheduled),
    }


def answer(done: dict[str, Any], description: str, notes: list[str], scheduled: bool = False) -> str:
    """What the person reads: the script's path, what it does, how to run it, what is left to do."""
    what = " ".join(description.split()).rstrip(".")
    if done["action"] == "unchanged":
        text = f"Your script `{done['path']}` already does this; I left it as it is."
    else:
        text = f"Created the script `{done['path']}`" + (f": {what[:1].lower()}{what[1:]}." if what else ".")
    offer = "." if scheduled else ", or ask me to run it on a schedule."
    text += " Run it from your Windmill folder" + offer
    if notes:
        text += " Note: " + "; ".join(notes) + "."
    return text
