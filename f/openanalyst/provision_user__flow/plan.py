"""Provisioning step 1: validate the user id and every template item before anything is created."""

from f.openanalyst.lib.builder.apps import app_body
from f.openanalyst.lib.builder.flows import flow_body
from f.openanalyst.lib.builder.scripts import script_body
from f.openanalyst.lib.user_templates import render
from f.openanalyst.lib.users import user_folder, validate_user_id
from f.openanalyst.lib.windmill.progress import report


def main(user_id: str, session_id: str | None = None) -> dict:
    """The items to create in u/<user_id>/, each with its validated REST body."""
    validate_user_id(user_id)
    items = []
    for t in render(user_id):
        if t["kind"] == "script":
            body = script_body(
                user_id, t["name"], t["content"], t["language"], t["summary"], t["description"]
            )
        elif t["kind"] == "flow":
            body = flow_body(user_id, t["name"], t["summary"], t["value"], t["schema"], t["description"])
        else:
            body = app_body(user_id, t["name"], t["summary"], t["value"], t["execution_mode"])
        items.append({"kind": t["kind"], "body": body})
    report("provision", 10, f"{len(items)} items to set up", user_id=user_id, session_id=session_id)
    return {"user_id": user_id, "folder": user_folder(user_id), "items": items}
