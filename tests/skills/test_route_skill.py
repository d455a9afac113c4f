"""f/openanalyst/brain/route_skill: against a mocked Windmill (respx) and on the dev runtime."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import wmill.client
import yaml

import f.openanalyst.lib.planning.understanding as understanding
import f.openanalyst.lib.skills.static_embeddings as static_embeddings
from f.openanalyst.brain import route_skill
from f.openanalyst.lib.skills.loader import Skill
from f.openanalyst.lib.skills.router import SkillRegistry

ROOT = Path(__file__).resolve().parents[2]
BASE = "http://windmill.test"
LIST_URL = f"{BASE}/api/w/openanalyst/resources/list"
TABLE_PATH = static_embeddings.RESOURCE_PATH
TABLE_URL = f"{BASE}/api/w/openanalyst/resources/get_value_interpolated/{TABLE_PATH}"
BAKERY = {
    "name": "bakery-orders",
    "description": "Take cake and bread orders for the bakery and confirm pickup times.",
    "triggers": ["cake order", "bread order"],
    "scripts": ["u/alice/scripts/take_order", "f/openanalyst/social/create_post", "f/openanalyst/admin/x"],
    "system_prompt": "You take bakery orders.",
}


def listable(path: str, value: Any) -> dict[str, Any]:
    """A ListableResource as the Windmill REST spec (1.743) describes it."""
    return {
        "workspace_id": "openanalyst",
        "path": path,
        "description": "",
        "resource_type": "openanalyst_skill",
        "value": value,
        "is_oauth": False,
        "extra_perms": {},
        "is_expired": False,
        "is_linked": False,
        "is_refreshed": False,
        "account": None,
        "created_by": "admin",
        "edited_at": "2026-11-21T06:00:00.000Z",
    }


def shared_resources() -> list[dict[str, Any]]:
    """What resources/list?resource_type=openanalyst_skill answers: the compiled skills only (the
    embedding table in the same folder has another type)."""
    out = []
    for file in sorted((ROOT / "f" / "openanalyst" / "skills").glob("*.resource.yaml")):
        if file.name == f"{TABLE_PATH.rsplit('/', 1)[-1]}.resource.yaml":
            continue
        doc = yaml.safe_load(file.read_text())
        out.append(listable(f"f/openanalyst/skills/{file.name.removesuffix('.resource.yaml')}", doc["value"]))
    return out


def table_value() -> dict[str, Any]:
    table = static_embeddings.default_table()
    assert table is not None
    return table.to_value()


@pytest.fixture
def windmill_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASE_INTERNAL_URL", BASE)
    monkeypatch.setenv("WM_TOKEN", "job-token")
    monkeypatch.setenv("WM_WORKSPACE", "openanalyst")
    monkeypatch.setattr(wmill.client, "_client", None)


def mock_lists(respx_mock, user_items: list[dict[str, Any]]) -> tuple[Any, Any]:
    shared = respx_mock.get(LIST_URL, params__contains={"path_start": "f/openanalyst/skills/"}).mock(
        return_value=httpx.Response(200, json=shared_resources())
    )
    user = respx_mock.get(LIST_URL, params__contains={"path_start": "u/alice/skills/"}).mock(
        return_value=httpx.Response(200, json=user_items)
    )
    respx_mock.get(TABLE_URL).mock(return_value=httpx.Response(200, json=table_value()))
    return shared, user


def test_seed_request_routes_to_social_media_with_its_context(respx_mock, windmill_env) -> None:
    shared, user = mock_lists(respx_mock, [])
    out = route_skill.main(
        "alice", "Write a LinkedIn post about our Q3 launch and schedule it for Tuesday 9am", None
    )
    assert out["skill"] == "SOCIAL_MEDIA" and out["confidence"] > 0.5
    assert out["embeddings"] is True and out["model_calls"] == 0
    ctx = out["skill_context"]
    assert "f/openanalyst/social/schedule_post" in ctx["scripts"]
    assert "create-and-schedule-post" in ctx["workflows"] and ctx["system_prompt"]
    request = shared.calls.last.request
    assert request.headers["authorization"] == "Bearer job-token"
    assert "openanalyst_skill" in request.url.params["resource_type"].split(",")
    assert user.called


def test_custom_skill_routes_for_its_owner_only_and_foreign_rows_are_ignored(
    respx_mock, windmill_env
) -> None:
    rogue = {**BAKERY, "name": "bob-secret", "description": "Bob's private skill: cake order handling."}
    mock_lists(
        respx_mock,
        [
            listable("u/alice/skills/bakery_orders", BAKERY),
            # A token that sees too much must not widen routing: rows outside the prefix are dropped.
            listable("u/bob/skills/bob_secret", rogue),
            listable("u/alice/skills/broken", {"name": "broken"}),
        ],
    )
    out = route_skill.main("alice", "a cake order for saturday: two sourdough loaves")
    assert out["skill"] == "bakery-orders"
    assert out["skill_context"]["source"] == "custom"
    # A custom skill may call its owner's scripts and scripts shared skills allow, nothing else.
    assert out["skill_context"]["scripts"] == [
        "u/alice/scripts/take_order",
        "f/openanalyst/social/create_post",
    ]
    assert all(a["skill"] != "bob-secret" for a in out["alternatives"])
    names = [s["name"] for s in out["catalog"]]
    assert "bakery-orders" in names and "SOCIAL_MEDIA" in names and "bob-secret" not in names
    assert any("broken" in w and "description" in w for w in out["warnings"])


def test_value_missing_from_the_list_is_fetched(respx_mock, windmill_env) -> None:
    mock_lists(respx_mock, [listable("u/alice/skills/bakery_orders", None)])
    get = respx_mock.get(
        f"{BASE}/api/w/openanalyst/resources/get_value_interpolated/u/alice/skills/bakery_orders"
    )
    get.mock(return_value=httpx.Response(200, json=BAKERY))
    assert route_skill.main("alice", "/bakery-orders please")["skill"] == "bakery-orders"


def test_nothing_fits_but_the_intent_names_one_skill(respx_mock, windmill_env) -> None:
    mock_lists(respx_mock, [])
    out = route_skill.main("alice", "zzz qqq", {"name": "status", "entities": {}})
    assert out["skill"] == "CORE" and "intent" in out["reason"]
    plain = route_skill.main("alice", "zzz qqq")
    assert plain["skill"] is None and plain["skill_context"] is None


@pytest.mark.parametrize(
    "request_text",
    [
        "every weekday at 7am fetch https://api.github.com/repos/python/cpython and send me the result",
        "Send me a weekly report of my posts every Friday at 5pm",
        "Schedule my social_post script with cron 0 0 9 * * 1-5",
        "Create a flow that drafts a LinkedIn post and schedules it",
    ],
)
def test_a_build_request_goes_to_the_builder_whatever_its_words_resemble(
    respx_mock, windmill_env, request_text
) -> None:
    """These routed to CORE or SOCIAL_MEDIA by their words, which have no workflow for them: the
    rules' intent (a schedule, a flow to build) settles it."""
    mock_lists(respx_mock, [])
    found = understanding.extract(request_text, "UTC")
    out = route_skill.main("alice", request_text, found.model_dump(mode="json"))
    assert out["skill"] == "WORKFLOW_BUILDER", out["reason"]


def test_a_persons_own_skill_keeps_the_request_its_triggers_chose(respx_mock, windmill_env) -> None:
    """The rules read "make my daily update" as a post; the person's skill named by its trigger keeps it."""
    standup = {
        "name": "standup",
        "description": "Turn my notes into a daily standup update for the team.",
        "triggers": ["standup", "daily update"],
        "scripts": ["u/alice/scripts/standup_notes"],
    }
    mock_lists(respx_mock, [listable("u/alice/skills/standup", standup)])
    text = "make my daily update from: shipped the onboarding emails, paired with Sam"
    found = understanding.extract(text, "UTC")
    assert found.name == "create_post"
    assert route_skill.main("alice", text, found.model_dump(mode="json"))["skill"] == "standup"


def test_bad_input_is_refused_before_any_call(windmill_env) -> None:
    with pytest.raises(ValueError, match="invalid user id"):
        route_skill.main("../bob", "hello")
    with pytest.raises(ValueError, match="empty"):
        route_skill.main("alice", "   ")


def test_on_the_dev_runtime(dev_runtime) -> None:
    dev_runtime.set_resource(
        "u/carol/skills/plant_care",
        {
            "name": "plant-care",
            "description": "Watering and repotting schedules for Carol's house plants.",
            "triggers": ["water the plants", "repot"],
        },
        resource_type="openanalyst_skill",
    )
    job = dev_runtime.run_script(
        "f/openanalyst/brain/route_skill", {"user_id": "carol", "request": "when should I repot the fern?"}
    )
    out = dev_runtime.wait(job, timeout=120)
    assert out["skill"] == "plant-care" and out["skill_context"]["source"] == "custom"
    job = dev_runtime.run_script(
        "f/openanalyst/brain/route_skill", {"user_id": "dave", "request": "when should I repot the fern?"}
    )
    assert dev_runtime.wait(job, timeout=120)["skill"] != "plant-care"
    job = dev_runtime.run_script(
        "f/openanalyst/brain/route_skill", {"user_id": "dave", "request": "Draft a tweet about our launch"}
    )
    assert dev_runtime.wait(job, timeout=120)["skill"] == "SOCIAL_MEDIA"


def test_without_the_table_resource_routing_is_bm25_alone(respx_mock, windmill_env) -> None:
    mock_lists(respx_mock, [])
    respx_mock.get(TABLE_URL).mock(return_value=httpx.Response(404, json={"error": "not found"}))
    out = route_skill.main("alice", "Draft a tweet about our launch")
    assert out["skill"] == "SOCIAL_MEDIA" and out["embeddings"] is False and "bm25" in out["reason"]
    assert any("BM25 alone" in w for w in out["warnings"])


# Shipped-skill requests of each kind: clear, vague, general knowledge, a task no skill does.
PARITY = [
    "Write a LinkedIn post about our Q3 launch and schedule it for Tuesday 9am",
    "something short and punchy for our company page about the award we won",
    "which marketing channel brought the most paying customers",
    "what's the capital of Australia",
    "order a pizza with mushrooms",
]


def test_a_routing_job_on_the_dev_runtime_answers_as_in_process(dev_runtime) -> None:
    """The job reads the skills and the embedding table from the workspace; in-process routing
    reads the same compiled files from the checkout: same skill, same confidence."""
    skills = [
        Skill.from_value(item["value"], source="shared", location=item["path"]) for item in shared_resources()
    ]
    local = SkillRegistry(skills)
    assert local.can_embed()
    for request in PARITY:
        job = dev_runtime.run_script(
            "f/openanalyst/brain/route_skill", {"user_id": "erin", "request": request}
        )
        out = dev_runtime.wait(job, timeout=120)
        want = local.route(request)
        assert out["embeddings"] is True, out["warnings"]
        assert (out["skill"], out["confidence"]) == (want.skill, want.confidence), request
        assert out["reason"] == want.reason
    # The jobs kept one copy of the table in the worker's cache (the first one downloaded it).
    kept = dev_runtime.server.settings.worker_cache_dir / "openanalyst" / "embedding_table"
    assert any(kept.glob("*.bin"))


def table_row(edited_at: str) -> dict[str, Any]:
    """The table's row in the listing, as Windmill lists it: no value, its description and edit time."""
    text = static_embeddings.repo_table_file().read_text(encoding="utf-8")
    head = yaml.safe_load(text[: text.index("\nvalue:")])
    return {
        **listable(TABLE_PATH, None),
        "resource_type": static_embeddings.RESOURCE_TYPE,
        "description": head["description"],
        "edited_at": edited_at,
    }


def test_only_the_first_job_on_a_worker_downloads_the_table(
    respx_mock, windmill_env, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("OPENANALYST_CACHE_DIR", str(tmp_path))
    listed = [table_row("2026-12-06T10:00:00.000Z"), *[{**r, "value": None} for r in shared_resources()]]
    shared = respx_mock.get(LIST_URL, params__contains={"path_start": "f/openanalyst/skills/"})
    shared.mock(return_value=httpx.Response(200, json=listed))
    respx_mock.get(LIST_URL, params__contains={"path_start": "u/alice/skills/"}).mock(
        return_value=httpx.Response(200, json=[])
    )
    for item in shared_resources():  # Windmill lists without values: each skill is read
        respx_mock.get(f"{BASE}/api/w/openanalyst/resources/get_value_interpolated/{item['path']}").mock(
            return_value=httpx.Response(200, json=item["value"])
        )
    table = respx_mock.get(TABLE_URL).mock(return_value=httpx.Response(200, json=table_value()))
    request = "Write a LinkedIn post about our Q3 launch and schedule it for Tuesday 9am"
    first = route_skill.main("alice", request)
    second = route_skill.main("alice", request)
    assert table.call_count == 1 and first == second
    assert first["skill"] == "SOCIAL_MEDIA" and first["embeddings"] is True
    assert shared.calls.last.request.url.params["resource_type"].split(",") == [
        "openanalyst_skill",
        static_embeddings.RESOURCE_TYPE,
    ]
    # An edited table (Windmill stamps edited_at) is read again.
    shared.mock(return_value=httpx.Response(200, json=[table_row("2026-12-07T10:00:00.000Z"), *listed[1:]]))
    assert route_skill.main("alice", request) == first and table.call_count == 2
