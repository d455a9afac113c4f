"""Drafts from a description: a starter script, flow or app the model (or a template) writes."""

from __future__ import annotations

import json
import re
from typing import Any

import f.openanalyst.lib.builder.locks as locks
import f.openanalyst.lib.builder.templates as templates
from f.openanalyst.lib.ai.writer import ModelUnavailable, complete
from f.openanalyst.lib.builder.flows import validate_flow_value
from f.openanalyst.lib.builder.paths import BuildError
from f.openanalyst.lib.builder.scripts import script_body
from f.openanalyst.lib.user_templates import render

# ---------------------------------------------------------------- drafts from a description

_CODE_RE = re.compile(r"```(?:python|json)?\s*\n(.*?)```", re.S)
SHARED_SCRIPTS = (
    "f/openanalyst/social/create_post",
    "f/openanalyst/social/schedule_post",
    "f/openanalyst/social/publish_post",
    "f/openanalyst/social/analyze_engagement",
    "f/openanalyst/analytics/fetch_metrics",
    "f/openanalyst/analytics/generate_report",
    "f/openanalyst/core/log_activity",
)


def _extract(text: str) -> str:
    m = _CODE_RE.search(text)
    return (m.group(1) if m else text).strip() + "\n"


def starter_script(name: str, description: str) -> str:
    """A runnable, typed starting point when no model can write the code (mode "starter")."""
    doc = " ".join(description.split())[:300].replace("\\", "/").replace('"', "'") or f"{name} script"
    return (
        f'"""{doc}"""\n\n\n'
        # \x28 is "(": Windmill reads a file's imports only up to the first main definition in
        # its text, even one inside a string (scripts/bundle_tools/windmill_deps.py).
        'def main\x28text: str = "", count: int = 1) -> dict:\n'
        f'    """{doc}\n\n'
        '    A starter created without a model: replace the body with the logic you need.\n    """\n'
        '    return {"text": text, "count": count, "words": len(text.split())}\n'
    )


def draft_script(user_id: str, name: str, description: str) -> tuple[str, str, list[str]]:
    """(code, mode, notes): model-written and validated when a model is configured; without one, the
    fetch template when the description asks to fetch one web address, else a starter."""
    system = (
        "You write Windmill Python scripts. Exactly one top-level `def main\x28...)` with a typed signature "
        "(str, int, float, bool, dict, list[str], Literal[...] for choices; never Enum), a docstring, and a "
        "JSON-serialisable return value. Use only the standard library, `wmill` and `httpx`. Answer with one "
        "```python code block and nothing else."
    )
    prompt = f"Script name: {name}\nWhat it must do: {description}"
    notes: list[str] = []
    url = templates.fetch_url(description)  # refuses a non-web address before anything is written
    try:
        for _ in range(2):
            code = _extract(complete(system, prompt, max_tokens=4096).text)
            try:  # parsed, main() typed, imports allowed and available to lock
                script_body(user_id, name, code, "python3", name)
                locks.check_typed_main(code)
                locks.lock_for(code)
                return code, "model", notes
            except BuildError as exc:
                prompt += f"\n\nYour code was refused: {exc}. Fix it."
        if url:
            return templates.fetch_script(url), "template", notes
        notes.append("the model's code did not pass the checks twice, so this is a starter to fill in")
    except ModelUnavailable:
        if url:
            return templates.fetch_script(url), "template", notes
        notes.append(
            "writing this script's logic needs a model, and none is configured (no Anthropic key), so "
            "this is a starter with a typed main() to fill in"
        )
    return starter_script(name, description), "starter", notes


def draft_flow(user_id: str, description: str) -> tuple[dict[str, Any], dict[str, Any] | None, str]:
    """(OpenFlow value, input schema or None, mode): written by the model from `description` and
    validated (one retry); without a model, composed from the shared actions it names (templates)."""
    system = (
        "You compose Windmill flows. Answer with one ```json block holding an OpenFlow value: "
        '{"modules": [{"id": "snake_case", "value": {"type": "script", "path": "<script path>", '
        '"input_transforms": {"<arg>": {"type": "static", "value": ...} | {"type": "javascript", "expr": '
        '"flow_input.x or results.<id>.<field>"}}}}]}. Use only these scripts: '
        + ", ".join(SHARED_SCRIPTS)
        + f", or the person's own under u/{user_id}/. Pass user_id as the static value {user_id!r}."
    )
    prompt = f"The flow must: {description}"
    try:
        for _ in range(2):
            text = _extract(complete(system, prompt, max_tokens=4096).text)
            try:
                value = json.loads(text)
                validate_flow_value(user_id, value)
                return value, None, "model"
            except (ValueError, BuildError) as exc:
                prompt += f"\n\nYour flow was refused: {str(exc)[:300]}. Fix it."
    except ModelUnavailable:
        value, schema, _ = templates.compose_flow(user_id, description)
        return value, schema, "template"
    try:  # the model's flows did not pass the checks: the template's, when the actions are known
        value, schema, _ = templates.compose_flow(user_id, description)
        return value, schema, "template"
    except BuildError:
        raise BuildError(
            "I could not write a valid flow from this description; list the steps it should run, one by one"
        ) from None


def starter_app(user_id: str, title: str) -> dict[str, Any]:
    """The person's dashboard app (from the templates), titled `title`: a working starting point."""
    app = next(t for t in render(user_id) if t["kind"] == "app")["value"]
    for item in app["grid"]:
        if item["data"]["type"] == "textcomponent":
            item["data"]["componentInput"]["value"] = " ".join(title.split())[:120]
            break
    return app
