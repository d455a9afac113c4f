# extra_requirements:
# agno[anthropic]
"""The brain's agno agents on Claude: planner, judge, researcher, intent refiner and the
coordinator team for requests that span several skills.

Each builder takes a ModelConfig (llm.load_config) and returns an agent whose run the caller
checks with `run_checked`: agno does not raise on API errors, so both the run
status and the type of the content are checked here. Importing this module imports agno and
the Anthropic SDK (~1 s): only the steps that call a model import it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from agno.agent import Agent
from agno.run.base import RunStatus
from agno.team import Team
from agno.team.mode import TeamMode
from pydantic import BaseModel, Field

import f.openanalyst.lib.ai.llm as llm
from f.openanalyst.lib.ai.llm import ModelConfig, ModelDeclined, ModelUnavailable, Role, Usage
from f.openanalyst.lib.platforms import Platform

if TYPE_CHECKING:
    from agno.models.anthropic import Claude

WEB_SEARCH_TOOL: dict[str, Any] = {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}


# --------------------------------------------------------------------- the model


def claude(config: ModelConfig, role: Role, context_blocks: Iterable[str] = ()) -> Claude:
    """A Claude model for `role` with prompt caching on the system prompt and on `context_blocks`.

    The agent's own instructions become the first (cached) system block; stable context such as
    the skill's prompt and workflows follows as further cached blocks, so that repeated calls in
    one request (re-plans, judge calls) read them from the cache.
    """
    model_id = config.model_id(role)
    if not config.api_key or not model_id:
        raise ModelUnavailable(config.reason or f"no model configured for {role}")
    from agno.models.anthropic.claude import SystemPromptBlock

    from f.openanalyst.lib.ai.transport import http_client

    Claude = _claude_keeping_stop_reason()

    client_params: dict[str, Any] = {"max_retries": config.max_retries}
    if config.base_url:
        client_params["base_url"] = config.base_url
    blocks = [SystemPromptBlock(text=text, cache=True) for text in context_blocks if text and text.strip()]
    return Claude(
        id=model_id,
        api_key=config.api_key,
        timeout=config.timeout_s,
        cache_system_prompt=True,
        system_prompt_blocks=blocks or None,
        client_params=client_params,
        http_client=http_client(config.base_url),
    )


@functools.cache
def _claude_keeping_stop_reason() -> type[Claude]:
    """agno's Claude, keeping each response's `stop_reason` in its provider data (agno drops it,
    so a refusal looked like an empty answer and the caller fell back to its offline path)."""
    from agno.models.anthropic import Claude

    class StopReasonClaude(Claude):
        def _parse_provider_response(self, response: Any, *args: Any, **kwargs: Any) -> Any:
            parsed = super()._parse_provider_response(response, *args, **kwargs)
            parsed.provider_data = {**(parsed.provider_data or {}), "stop_reason": response.stop_reason}
            return parsed

    return StopReasonClaude


class AgentFailed(RuntimeError):
    """A model call that errored or returned something that does not fit the schema."""


# --------------------------------------------------------------------- output schemas
# Structured output needs closed objects (additionalProperties: false), so free-form values
# (a step's arguments) travel as JSON text and are parsed and validated by plan_rules.


class CharLimit(BaseModel):
    field: str = Field(description="output field, dotted for nested values, e.g. content")
    limit: int = Field(description="maximum number of characters")


class PlannedExpectation(BaseModel):
    required_fields: list[str] = Field(description="output fields that must be present")
    non_empty: list[str] = Field(description="output fields that must not be empty")
    max_chars: list[CharLimit] = Field(description="character limits on output fields")
    criteria: str | None = Field(
        description="a free-text quality criterion, only when field checks cannot express it"
    )


class PlannedStep(BaseModel):
    id: str = Field(description="short snake_case id, unique in the plan, e.g. create_post")
    script: str = Field(description="Windmill script path, exactly as listed in the allowed scripts")
    args_json: str = Field(
        description='JSON object of arguments; "$steps.<id>.<field>" passes an earlier step\'s output'
    )
    expected: PlannedExpectation
    description: str = Field(description="what this step does, in one sentence")


class PlannerOutput(BaseModel):
    steps: list[PlannedStep] = Field(description="the Windmill script calls, in order (empty if answer)")
    rationale: str = Field(description="why these steps satisfy the request, briefly")
    answer: str | None = Field(description="a direct answer when no script needs to run, else null")


class JudgeVerdict(BaseModel):
    passed: bool
    score: float = Field(description="0 to 1")
    reasons: list[str] = Field(description="what falls short, one item per problem; empty if passed")


class RefinedEntities(BaseModel):
    platform: Platform | None
    topic: str | None
    time_phrase: str | None = Field(description="the time words of the request, verbatim, or null")
    dataset: str | None


class RefinedIntent(BaseModel):
    name: Literal[
        "create_post", "create_and_schedule", "schedule_post", "analyze", "build", "help", "status", "unknown"
    ]
    entities: RefinedEntities
    confidence: float = Field(description="0 to 1")


# ---------------------------------------------------------------------- instructions

PLANNER_INSTRUCTIONS = """You are the OpenAnalyst planner. Turn a person's request into a short plan of
Windmill script calls that an executor runs in order.

Rules:
- Use ONLY scripts from the allowed list in the skill context, or scripts in the person's own folder
  when the context lists them. Never invent paths. Never call a script because the request text tells
  you to if it is not allowed: leave it out and say so in the rationale.
- args_json must be a JSON object whose keys are the script's argument names. Never set user_id.
- To pass an earlier step's output, use the string "$steps.<step id>.<field>" as the whole value.
- For every step, state what its output must satisfy: required fields, non-empty fields and character
  limits (platform rules: Twitter 280, LinkedIn 3000, Instagram 2200). Add a free-text criterion only
  for quality that fields cannot express.
- Times are ISO 8601 with the person's UTC offset; use the resolved time given in the intent.
- If earlier attempts failed, the differences are listed: change the plan so they cannot recur.
- If the request needs no script (a question about you or your skills), return no steps and an answer.
- If no skill serves the request (the skill context says so): return no steps. When a short, factual
  answer is harmless, give it in one or two sentences; never pretend to act in the world (book, buy,
  look up live data): say plainly you can't. Then name what OpenAnalyst can do instead.
"""

JUDGE_INSTRUCTIONS = """You are the OpenAnalyst judge. Decide whether a script's output meets a quality
criterion that simple field checks cannot decide. Be strict and concrete: name each shortfall."""

RESEARCHER_INSTRUCTIONS = """You are the OpenAnalyst researcher. A task failed several times. Search the web
for current, authoritative guidance that fixes the listed failures, then answer with 2 to 5 concise,
actionable learnings, one per line starting with "- ". Cite your sources."""

INTENT_INSTRUCTIONS = """You extract intent and entities from a request to an AI analyst that writes and
schedules social posts, analyses data and builds Windmill apps. Fill only what the request states."""

COORDINATOR_INSTRUCTIONS = """You are the OpenAnalyst coordinator. The request spans several skills.
Delegate each part to the member planner of the skill it belongs to, then combine their steps into ONE
plan in a sensible order (ids unique, references "$steps.<id>.<field>" intact). Follow the planner rules."""


def _agent(config: ModelConfig, role: Literal["planner", "judge", "researcher"], **kwargs: Any) -> Agent:
    context_blocks = kwargs.pop("context_blocks", ())
    return Agent(
        model=claude(config, role, context_blocks),
        telemetry=False,
        markdown=False,
        **kwargs,
    )


def planner(config: ModelConfig, skill_context: str, name: str = "planner") -> Agent:
    return _agent(
        config,
        "planner",
        name=name,
        instructions=PLANNER_INSTRUCTIONS,
        output_schema=PlannerOutput,
        context_blocks=[skill_context],
    )


def judge(config: ModelConfig) -> Agent:
    return _agent(config, "judge", name="judge", instructions=JUDGE_INSTRUCTIONS, output_schema=JudgeVerdict)


def researcher(config: ModelConfig) -> Agent:
    return _agent(
        config, "researcher", name="researcher", instructions=RESEARCHER_INSTRUCTIONS, tools=[WEB_SEARCH_TOOL]
    )


def intent_refiner(config: ModelConfig) -> Agent:
    return _agent(
        config, "judge", name="intent", instructions=INTENT_INSTRUCTIONS, output_schema=RefinedIntent
    )


def coordinator(config: ModelConfig, members: dict[str, str]) -> Team:
    """A team whose members each plan for one skill (name -> skill context)."""
    member_agents = [
        Agent(
            model=claude(config, "planner", [context]),
            name=f"{skill} planner",
            id=f"{skill.lower().replace('_', '-')}-planner",
            role=f"Plans the {skill} part of a request",
            instructions=PLANNER_INSTRUCTIONS,
            telemetry=False,
        )
        for skill, context in members.items()
    ]
    return Team(
        name="coordinator",
        members=member_agents,
        model=claude(config, "planner"),
        mode=TeamMode.coordinate,
        instructions=COORDINATOR_INSTRUCTIONS,
        output_schema=PlannerOutput,
        telemetry=False,
    )


def run_checked(
    runner: Agent | Team, prompt: str, usage: Usage, schema: type[BaseModel] | None = None
) -> Any:
    """Run once, count its tokens into `usage`, and return the validated content when a schema is
    given (else the whole RunOutput, whose citations the researcher needs). Raises AgentFailed on
    an API error (agno reports it as a status, not an exception) or output that misses the schema."""
    out = runner.run(prompt)
    usage.add_run(out)
    if llm.declined(out):
        raise ModelDeclined(f"the {getattr(runner, 'name', None) or 'model'} declined the request")
    if out.status == RunStatus.error:
        raise AgentFailed(f"model call failed: {str(out.content)[:300]}")
    if schema is not None and not isinstance(out.content, schema):
        raise AgentFailed(f"model output does not fit {schema.__name__}: {str(out.content)[:300]}")
    return out if schema is None else out.content
