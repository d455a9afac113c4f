"""Route a request to a skill: the shared skills plus the person's own, read from Windmill.

Step `route_skill` of f/openanalyst/handle_request. No model call: explicit `/skill-name` or a
named skill wins, else the hybrid BM25 + local-embedding score (BM25 alone when the embedding
model is not installed on the worker), else no skill.
"""

from __future__ import annotations

from typing import Any

import wmill

from f.openanalyst.lib.log import get_logger
from f.openanalyst.lib.skill_loader import Skill, SkillError
from f.openanalyst.lib.skill_router import SkillRegistry
from f.openanalyst.lib.skill_workflows import select_workflow, skill_workflows
from f.openanalyst.lib.users import user_folder, validate_user_id

RESOURCE_TYPE = "openanalyst_skill"
SHARED_PREFIX = "f/openanalyst/skills/"
PER_PAGE = 500
log = get_logger(__name__)


def list_skill_resources(client: Any, path_start: str) -> list[dict[str, Any]]:
    """Every `openanalyst_skill` resource under `path_start` (all pages), values included."""
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        resp = client.get(
            f"w/{client.workspace}/resources/list",
            params={
                "resource_type": RESOURCE_TYPE,
                "path_start": path_start,
                "page": page,
                "per_page": PER_PAGE,
            },
        )
        items = resp.json()
        if not isinstance(items, list):
            raise RuntimeError(f"unexpected answer from resources/list: {type(items).__name__}")
        for item in items:
            path = item.get("path") if isinstance(item, dict) else None
            # Filter again here: a token that sees more than it should must not widen routing.
            if not isinstance(path, str) or not path.startswith(path_start):
                continue
            if item.get("value") is None:
                item = {**item, "value": client.get_resource(path, none_if_undefined=True)}
            out.append(item)
        if len(items) < PER_PAGE:
            return out
        page += 1


def build_registry(client: Any, user_id: str) -> tuple[SkillRegistry, list[str]]:
    """The registry of shared skills + `user_id`'s custom skills, and warnings about bad ones."""
    registry = SkillRegistry()
    warnings: list[str] = []
    for item in list_skill_resources(client, SHARED_PREFIX):
        try:
            registry.add(Skill.from_value(item["value"], source="shared", location=item["path"]))
        except SkillError as exc:
            warnings.append(f"{item['path']}: {exc}")
    for item in list_skill_resources(client, f"{user_folder(user_id)}/skills/"):
        try:
            skill = Skill.from_value(item["value"], source="custom", owner=user_id, location=item["path"])
        except SkillError as exc:
            warnings.append(f"{item['path']}: {exc}")
            continue
        registry.add_custom(user_id, skill)
    return registry, warnings + registry.warnings


def main(user_id: str, request: str, intent: dict | None = None) -> dict:
    """Pick the skill for `request`.

    Returns the SkillMatch (`skill`, `confidence`, `alternatives`, `reason`) plus `skill_context`:
    the chosen skill's compiled value (system prompt, allowed scripts, workflows, body), or None;
    `catalog`: name, description, triggers and source of every skill the person can use;
    `embeddings`: whether the local embedding model was available; `warnings`: unusable skills.
    When nothing scores above the threshold but the intent analyser named an intent that exactly
    one skill's workflows serve, that skill is chosen (reason says so).
    """
    validate_user_id(user_id)
    if not isinstance(request, str) or not request.strip():
        raise ValueError("request is empty: nothing to route")
    client = wmill.Windmill()
    registry, warnings = build_registry(client, user_id)
    for warning in warnings:
        log.warning("skill not usable: %s", warning)
    match = registry.route(request, user_id)
    intent_name = (intent or {}).get("name") if isinstance(intent, dict) else None
    if match.skill is None and intent_name and intent_name != "unknown":
        serving = [
            s
            for s in registry.skills(user_id)
            if s.model_invocable and select_workflow(skill_workflows(s.workflows), intent_name) is not None
        ]
        if len(serving) == 1:
            match = match.model_copy(
                update={"skill": serving[0].name, "reason": f"intent {intent_name!r} (router abstained)"}
            )
    result: dict[str, Any] = match.model_dump(mode="json")
    result["skill_context"] = registry.get(match.skill, user_id).to_value() if match.skill else None
    result["catalog"] = registry.catalog(user_id)  # tier 1 of every skill the person can use
    result["embeddings"] = registry.can_embed()
    result["warnings"] = warnings
    return result
