"""Create a flow in the person's folder (u/<user>/flows/<name>), validated first: the OpenFlow
schema (vendored Windmill spec, $refs resolved), `wmill lint` rules (rawscript content/language/
input_transforms, loop skip_failures, branchone default, module keys beside id/value), unique
module ids, and every script or subflow it calls being the person's own or shared OpenAnalyst code.
"""

from __future__ import annotations

from typing import Any

from f.openanalyst.lib.builder.create import ensure
from f.openanalyst.lib.builder.drafts import draft_flow
from f.openanalyst.lib.builder.flows import flow_body
from f.openanalyst.lib.builder.paths import BuildError


def main(
    user_id: str,
    name: str,
    value: dict | None = None,
    summary: str = "",
    description: str = "",
    schema: dict | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Create u/<user_id>/flows/<name> from an OpenFlow `value` ({"modules": [...]}).

    Args:
        user_id: the person; the flow is created in their folder only.
        name: a plain name, e.g. "weekly_report".
        value: the OpenFlow value {"modules": [...]}; empty: composed from the description.
        summary: a short title.
        description: what it does.
        schema: the flow's input JSON schema (type object).
        overwrite: replace an existing different flow.
    """
    mode = "given"
    if not value:
        wanted = description.strip() or summary.strip()  # a title alone still says what it does
        if not wanted:
            raise BuildError("say what the flow should do, step by step")
        value, drafted_schema, mode = draft_flow(user_id, wanted)
        schema = schema or drafted_schema
    body = flow_body(user_id, name, summary or description[:80], value, schema, description)
    done = ensure("flow", body, overwrite)
    steps = [str(m.get("summary") or m.get("id")) for m in body["value"].get("modules") or []]
    inputs = list((body.get("schema") or {}).get("properties") or {})
    said = (
        f"Your flow `{done['path']}` already does this; I left it as it is."
        if done["action"] == "unchanged"
        else f"Created the flow `{done['path']}`"
        + (f" with {len(steps)} steps: " + ", then ".join(s.lower() for s in steps) + "." if steps else ".")
    )
    if inputs:
        said += f" Run it from your Windmill folder with its inputs ({', '.join(inputs)})."
    return done | {"mode": mode, "answer": said}
