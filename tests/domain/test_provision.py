"""provision_user: u/<user>/ from the templates; twice gives the same folder; attacks refused."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml

from f.openanalyst.lib.users import InvalidUserId

FLOW_DIR = Path(__file__).resolve().parents[2] / "f/openanalyst/provision_user__flow"
plan = importlib.import_module("f.openanalyst.provision_user__flow.plan")
ensure_item = importlib.import_module("f.openanalyst.provision_user__flow.ensure_item")
summarize = importlib.import_module("f.openanalyst.provision_user__flow.summarize")

EXPECTED = {
    "script": [
        "u/alice/scripts/analytics_report",
        "u/alice/scripts/dashboard_data",
        "u/alice/scripts/scheduler",
        "u/alice/scripts/social_post",
    ],
    "flow": ["u/alice/flows/create_and_schedule_post"],
    "app": ["u/alice/apps/dashboard"],
}


def provision(user_id: str) -> dict:
    """The flow's three steps, wired as flow.yaml wires them (plan -> for each item -> summarize)."""
    modules = yaml.safe_load((FLOW_DIR / "flow.yaml").read_text())["value"]["modules"]
    assert [m["id"] for m in modules] == ["plan", "create_items", "summarize"]
    planned = plan.main(user_id)
    items = planned["items"]
    results = [ensure_item.main(user_id, item, i, len(items)) for i, item in enumerate(items)]
    return summarize.main(user_id, planned["folder"], results)


def test_provisioning_creates_the_folder_and_twice_changes_nothing(windmill):
    first = provision("alice")
    assert sorted(first["created"]) == sorted(p for paths in EXPECTED.values() for p in paths)
    assert first["changed"] is True and first["dashboard"] == "/apps/get/u/alice/apps/dashboard"
    for kind, paths in EXPECTED.items():
        assert windmill.paths(kind) == paths
    app = windmill.items["app"]["u/alice/apps/dashboard"]
    assert "{{user_id}}" not in str(app) and "u/alice/scripts/scheduler" in str(app)
    assert (
        "u/alice/" in windmill.items["script"]["u/alice/scripts/social_post"]["content"]
        or '"user_id": "alice"' in windmill.items["script"]["u/alice/scripts/social_post"]["content"]
    )
    before, writes = windmill.snapshot(), len(windmill.writes())

    second = provision("alice")
    assert second["created"] == [] and second["changed"] is False
    assert sorted(second["unchanged"]) == sorted(first["created"])
    assert windmill.snapshot() == before and len(windmill.writes()) == writes  # not one write


def test_a_persons_own_edits_survive_reprovisioning(windmill):
    provision("alice")
    windmill.items["app"]["u/alice/apps/dashboard"]["summary"] = "My own title"
    again = provision("alice")
    assert again["kept"] == ["u/alice/apps/dashboard"]
    assert windmill.items["app"]["u/alice/apps/dashboard"]["summary"] == "My own title"


def test_two_people_get_separate_folders(windmill):
    provision("alice")
    provision("bob")
    assert windmill.paths("app") == ["u/alice/apps/dashboard", "u/bob/apps/dashboard"]
    assert "u/alice" not in str(windmill.items["app"]["u/bob/apps/dashboard"])


@pytest.mark.parametrize("user_id", ["../alice", "Alice", "u/alice", "alice/../bob", "ａlice", "a" * 49, ""])
def test_bad_user_ids_create_nothing(windmill, user_id):
    with pytest.raises(InvalidUserId):
        provision(user_id)
    assert windmill.calls == []


def test_an_item_outside_the_persons_folder_is_refused(windmill):
    item = plan.main("alice")["items"][0]
    item["body"]["path"] = "u/bob/scripts/social_post"
    with pytest.raises(ValueError, match="not in u/alice/"):
        ensure_item.main("alice", item)
    assert windmill.calls == []
