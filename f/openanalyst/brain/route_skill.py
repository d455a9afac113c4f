"""Route a request to a skill: the shared skills plus the person's own, read from Windmill.

Step `route_skill` of f/openanalyst/handle_request. Explicit `/skill-name` or a named skill wins,
else the hybrid BM25 + static-embedding score with the calibrated skill / no-skill decision. The
embedding table is the compiled `f/openanalyst/skills/embedding_table` resource, so a worker routes
exactly as a local process does (BM25 alone if the resource is missing). With a model configured, a
request in the grey band is settled by one small cached model call (f.openanalyst.lib.skills.judge).
"""

from __future__ import annotations

from typing import Any

import f.openanalyst.lib.ai.llm as llm
import f.openanalyst.lib.contracts as contracts
import f.openanalyst.lib.skills.judge as route_judge
import f.openanalyst.lib.skills.static_embeddings as static_embeddings
import f.openanalyst.lib.skills.table_cache as table_cache
import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.log import get_logger
from f.openanalyst.lib.skills.loader import Skill, SkillError
from f.openanalyst.lib.skills.router import SkillRegistry
from f.openanalyst.lib.skills.workflows import select_workflow, skill_workflows
from f.openanalyst.lib.users import user_folder, validate_user_id

RESOURCE_TYPE = "openanalyst_skill"
SHARED_PREFIX = "f/openanalyst/skills/"
PER_PAGE = 500
# The rules' confidence at which a request's form settles the skill (see `_decisive`).
DECISIVE = 0.8
_logger = get_logger(__name__)


def list_resources(client: Any, path_start: str, resource_types: str) -> list[dict[str, Any]]:
    """Every resource of `resource_types` (comma-separated) under `path_start`, all pages. Windmill
    lists them without their values (`null::JSONB as value` in `list_resources`,
    https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/src/resources.rs)."""
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        resp = client.get(
            f"w/{client.workspace}/resources/list",
            params={
                "resource_type": resource_types,
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
            if isinstance(path, str) and path.startswith(path_start):
                out.append(item)
        if len(items) < PER_PAGE:
            return out
        page += 1


def with_values(client: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The listed resources with their values (read one by one when the listing has none)."""
    return [
        item
        if item.get("value") is not None
        else {**item, "value": client.get_resource(item["path"], none_if_undefined=True)}
        for item in items
    ]


def list_skill_resources(client: Any, path_start: str) -> list[dict[str, Any]]:
    """Every `openanalyst_skill` resource under `path_start` (all pages), values included."""
    return with_values(client, list_resources(client, path_start, RESOURCE_TYPE))


def load_table(
    client: Any, listed: dict[str, Any] | None = None
) -> tuple[static_embeddings.StaticTable | None, str | None]:
    """The compiled embedding table, or (None, why) to route by BM25 alone. `listed`: the table's
    row in the listing; when it declares the table's fingerprint, this worker's copy is used
    (f.openanalyst.lib.skills.table_cache) and only the first job on a worker downloads it."""
    cached = None
    if listed is not None:
        cached = table_cache.cache_key(listed, client.base_url, client.workspace)
        if cached is not None and (table := table_cache.load(*cached)) is not None:
            return table, None
    try:
        value = client.get_resource(static_embeddings.RESOURCE_PATH, none_if_undefined=True)
    except Exception as exc:  # an unreadable table must not stop routing
        return None, f"embedding table unreadable ({type(exc).__name__}): routing by BM25 alone"
    if not isinstance(value, dict):
        return None, "embedding table not deployed: routing by BM25 alone"
    try:
        table = static_embeddings.StaticTable.from_value(value)
    except (KeyError, ValueError, TypeError) as exc:
        return None, f"embedding table malformed ({exc}): routing by BM25 alone"
    if cached is not None:
        table_cache.store(cached[0], cached[1], table)
    return table, None


def build_registry(client: Any, user_id: str, judge: Any = None) -> tuple[SkillRegistry, list[str]]:
    """The registry of shared skills + `user_id`'s custom skills, and warnings about bad ones."""
    # One listing names the shared skills and the table (whose row carries what keys its cache).
    shared = list_resources(client, SHARED_PREFIX, f"{RESOURCE_TYPE},{static_embeddings.RESOURCE_TYPE}")
    listed_table = next(
        (
            item
            for item in shared
            if item.get("resource_type") == static_embeddings.RESOURCE_TYPE
            and item.get("path") == static_embeddings.RESOURCE_PATH
        ),
        None,
    )
    table, problem = load_table(client, listed_table)
    registry = SkillRegistry(table=table, use_embeddings=None if table is not None else False, judge=judge)
    warnings: list[str] = [problem] if problem else []
    skills = [item for item in shared if item.get("resource_type", RESOURCE_TYPE) == RESOURCE_TYPE]
    for item in with_values(client, skills):
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


def _decisive(intent: contracts.Intent | None, match: Any, registry: SkillRegistry, user_id: str) -> bool:
    """Does the intent settle the skill over the router's pick? Only when the rules read it for
    certain ("every Monday at 8am run my report": a schedule to build, whatever its words resemble),
    the pick was by resemblance (not named in the request), and it is a shared skill with no workflow
    for that intent (a person's own skill, chosen by its triggers, keeps the request)."""
    if intent is None or intent.source != "rules" or intent.confidence < DECISIVE:
        return False
    if match.reason.startswith("explicit") or match.reason == "skill named in the request":
        return False
    chosen = registry.get(match.skill, user_id)
    return (
        chosen.source != "custom" and select_workflow(skill_workflows(chosen.workflows), intent.name) is None
    )


@contracts.step
def main(user_id: str, request: str, intent: contracts.Intent | None = None) -> contracts.Route:
    """Pick the skill for `request`, and what it may run.

    The route is the match (`skill`, `confidence`, `alternatives`, `reason`) plus the chosen
    skill's compiled value (`skill_context`), the person's catalog, and whether embeddings and a
    model call (grey band only, with a model configured) were used. When nothing scores above the
    threshold but the intent names an intent that exactly one skill's workflows serve, that skill
    is chosen (the reason says so); so it is when the rules are sure of the intent and the
    router's pick, a shared skill chosen by resemblance, has no workflow for it.

    Args:
        user_id: the person asking; their own skills route too.
        request: what they asked, in plain language.
        intent: analyze_intent's result (its name settles a request the router abstains on).
    """
    validate_user_id(user_id)
    if not isinstance(request, str) or not request.strip():
        raise ValueError("request is empty: nothing to route")
    client = windmill_rest.windmill()  # the job's one client (one TLS context, one connection)
    try:
        judge = route_judge.judge_from_config(llm.load_config())
    except ValueError as exc:
        _logger.warning("routing without a model: %s", exc)
        judge = None
    calls_before = route_judge.STATS.calls
    registry, warnings = build_registry(client, user_id, judge)
    for warning in warnings:
        _logger.warning("skill not usable: %s", warning)
    match = registry.route(request, user_id)
    intent_name = intent.name if intent else None
    serving = []
    if intent_name and intent_name != "unknown":
        serving = [
            s
            for s in registry.skills(user_id)
            if s.model_invocable and select_workflow(skill_workflows(s.workflows), intent_name) is not None
        ]
    if match.skill is None and len(serving) == 1:
        match = match.model_copy(
            update={"skill": serving[0].name, "reason": f"intent {intent_name!r} (router abstained)"}
        )
    elif len(serving) == 1 and match.skill != serving[0].name and _decisive(intent, match, registry, user_id):
        match = match.model_copy(
            update={
                "skill": serving[0].name,
                "reason": f"intent {intent_name!r}: {match.skill} has no workflow for it ({match.reason})",
            }
        )
    return contracts.Route(
        **match.model_dump(),
        skill_context=registry.get(match.skill, user_id).to_value() if match.skill else None,
        catalog=registry.catalog(user_id),  # tier 1 of every skill the person can use
        embeddings=registry.can_embed(),
        model_calls=route_judge.STATS.calls - calls_before,
        warnings=warnings,
    )
