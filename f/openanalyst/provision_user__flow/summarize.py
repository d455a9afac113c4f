"""Provisioning step 3: what was created, what was already there, and where the dashboard is."""

from f.openanalyst.lib.windmill.progress import report
from f.openanalyst.lib.windmill.rest import public_url


def main(user_id: str, folder: str, results: list, session_id: str | None = None) -> dict:
    """Group the per-item outcomes."""
    by_action: dict = {}
    for r in results:
        by_action.setdefault(r["action"], []).append(r["path"])
    app = next((r["path"] for r in results if r["kind"] == "app"), None)
    report("provision", 100, f"{folder} ready", user_id=user_id, session_id=session_id)
    return {
        "user_id": user_id,
        "folder": folder,
        "created": by_action.get("created", []),
        "unchanged": by_action.get("unchanged", []),
        "kept": by_action.get("kept", []),
        "changed": bool(by_action.get("created")),
        "dashboard": public_url(f"/apps/get/{app}") if app else None,
    }
