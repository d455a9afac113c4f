"""Run one of the person's own scripts or flows now and show what it returned.

The target is named in words ("my analytics report", "social_post") and found in the person's
folder only (`lib/builder/targets`: `u/<user>/scripts` and `u/<user>/flows`, never another
person's), then run as a child job with Windmill's `run_wait_result`, which answers when the job
ends (https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api-jobs/src/execution.rs).
"""

from __future__ import annotations

import ast
import json
import re
import uuid
from typing import Any

import f.openanalyst.lib.builder.owner as owner
import f.openanalyst.lib.builder.targets as targets
import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.builder.paths import BuildError
from f.openanalyst.lib.reports import Report

# A run the person waits for in the chat: longer belongs on a schedule.
TIMEOUT_S = 120.0
# How much of the result the answer shows (the whole result stays with the run in Windmill).
SHOWN_CHARS = 1500


def main(user_id: str, target: str, args: dict | None = None) -> dict[str, Any]:
    """Run u/<user_id>/scripts/<target> (or a flow of theirs) now and return its result.

    Args:
        user_id: the person; only their own scripts and flows can be run.
        target: which one, as the person named it ("my analytics report", "social_post").
        args: the inputs to run it with (its defaults for the rest).
    """
    if not target.strip():
        raise BuildError("say which of your scripts or flows to run, e.g. 'run my analytics report now'")
    found = targets.find_runnable(user_id, target)
    missing = targets.unset_inputs(found, args or {})
    if missing:
        raise BuildError(
            f"`{found.path}` needs {', '.join(missing)} to run, which I cannot pass from the chat yet: "
            "run it from its page in Windmill, where its form asks for them."
        )
    owner.ensure_runs_as_owner(found.path, found.is_flow)  # never the person's code as the admin
    job_id = str(uuid.uuid4())
    try:
        result = windmill_rest.run_script_and_wait(found.path, args or {}, job_id, TIMEOUT_S, found.is_flow)
    except windmill_rest.JobFailed as exc:
        raise BuildError(f"`{found.path}` ran and failed: {innermost(str(exc))}") from exc
    return {"path": found.path, "job_id": job_id, "result": result, "answer": answer(found.path, result)}


# wmill's client raises "Job <id> was not successful: {'message': ..., 'name': ..., 'stack': ...}"
# when a script's own child job fails (`wait_job` in
# https://github.com/windmill-labs/windmill/blob/main/python-client/wmill/wmill/client.py): the
# person needs that child's message, never its stack.
_NESTED = re.compile(r"Job [\w-]+ was not successful: (\{.*\})\s*$", re.S)


def innermost(message: str) -> str:
    """The message of the innermost failed job in `message` (the first line of it otherwise)."""
    while found := _NESTED.search(message):
        try:
            inner = ast.literal_eval(found[1])
        except (ValueError, SyntaxError):
            break
        if not isinstance(inner, dict) or not inner.get("message"):
            break
        message = str(inner["message"])
    return message.split("\nTraceback", 1)[0].strip()


def answer(path: str, result: Any) -> str:
    """What the person reads: what ran, and its result (a report as the chat shows reports, with
    its charts; anything else as JSON cut to a readable length)."""
    kind = "flow" if "/flows/" in path else "script"
    if report := Report.from_rendered(result):
        return f"Ran your {kind} `{path}`:\n\n{report.message()}"
    shown = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    if len(shown) > SHOWN_CHARS:
        shown = shown[:SHOWN_CHARS].rsplit("\n", 1)[0] + "\n…"
    return f"Ran your {kind} `{path}`. It returned:\n\n```json\n{shown}\n```"
