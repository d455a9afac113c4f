"""A person's starting folder: each template item (`u_templates/`) as its validated API body.

Used by the operators' `provision_user` flow (one job per item, each visible in the run graph), by
the request flow's `provision` step (a person's first request: one job for all), and by a schedule
that names a starting item the folder lacks (`targets`). Creating is `create.ensure`, which keeps
what the person already has.
"""

from __future__ import annotations

from typing import Any, Literal

from f.openanalyst.lib.builder.apps import app_body
from f.openanalyst.lib.builder.flows import flow_body
from f.openanalyst.lib.builder.scripts import script_body
from f.openanalyst.lib.user_templates import render

Kind = Literal["script", "flow", "app"]


def item_body(user_id: str, template: dict[str, Any]) -> dict[str, Any]:
    """The validated REST body of one rendered template item."""
    t = template
    if t["kind"] == "script":
        return script_body(user_id, t["name"], t["content"], t["language"], t["summary"], t["description"])
    if t["kind"] == "flow":
        return flow_body(user_id, t["name"], t["summary"], t["value"], t["schema"], t["description"])
    return app_body(user_id, t["name"], t["summary"], t["value"], t["execution_mode"])


def items(user_id: str) -> list[dict[str, Any]]:
    """Every starting item as {kind, body}, all validated before any is created."""
    return [{"kind": t["kind"], "body": item_body(user_id, t)} for t in render(user_id)]
