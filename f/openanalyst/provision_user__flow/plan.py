"""Provisioning step 1: validate the user id and every template item before anything is created."""

from f.openanalyst.lib.builder.starting_folder import items as starting_items
from f.openanalyst.lib.users import user_folder, validate_user_id
from f.openanalyst.lib.windmill.progress import report


def main(user_id: str, session_id: str | None = None) -> dict:
    """The items to create in u/<user_id>/, each with its validated REST body."""
    validate_user_id(user_id)
    items = starting_items(user_id)
    report("provision", 10, f"{len(items)} items to set up", user_id=user_id, session_id=session_id)
    return {"user_id": user_id, "folder": user_folder(user_id), "items": items}
