"""What the brain's steps hand each other: one pydantic model per hand-off, validated at both ends.

`f/openanalyst/handle_request` and its `f/openanalyst/attempt` sub-flow pass these between steps as
JSON objects (snake_case keys). A step declares them in its signature and is wrapped in `@step`,
which validates every argument on entry and the returned model on exit, and hands Windmill plain
JSON (Windmill calls `main(**args)` with decoded JSON and serialises the result with `json.dumps`:
https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/python_executor.rs).

The websocket frames the hub and the flows exchange are elsewhere (`lib/protocol.py`).

Windmill forms. Windmill's Python parser turns an annotation into a form field by its name only,
and looks for pydantic models in the script's own file
(https://github.com/windmill-labs/windmill/blob/main/backend/parsers/windmill-parser-py/src/lib.rs,
`parse_typ`; `pydantic_parser.rs`, `detect_model_type`): an imported `Intent` would become a
resource picker of type "Intent". Steps therefore annotate `contracts.Intent` (an attribute, which
the parser leaves untyped) and `scripts/bundle.py metadata` writes each model's fields, typed and
described, into the step's `.script.yaml` schema (`schema_of`), which the CLI keeps.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, ParamSpec, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
    model_validator,
    validate_call,
)

from f.openanalyst.lib.platforms import Platform

# The eval loop's attempts before research: the flow runs attempt_1..attempt_3 (a test holds the
# flow to this number).
MAX_ATTEMPTS = 3

WindmillPath = Annotated[str, StringConstraints(pattern=r"^(f|u)/[a-z0-9_]+(/[a-z0-9_]+)+$")]
Mode = Literal["model", "offline"]
Phase = Literal["loop", "research", "answers"]
# What the flow does after a step: run the plan, try again, research, ask the person, or conclude.
Next = Literal["execute", "retry", "research", "ask", "conclude"]
Tokens = dict[str, int]


class Contract(BaseModel):
    """Base of every hand-off: snake_case, unknown keys refused, computed fields ignored on input."""

    model_config = ConfigDict(
        extra="forbid",
        # Build each validator on first use: a step process uses a few of these models.
        defer_build=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_computed(cls, data: Any) -> Any:
        # A model read back from its own JSON carries its computed fields (`next`): not inputs.
        if isinstance(data, dict) and cls.model_computed_fields:
            return {k: v for k, v in data.items() if k not in cls.model_computed_fields}
        return data


# ------------------------------------------------------------------------ what was asked


class Entities(Contract):
    platform: Platform | None = Field(default=None, description="the social platform named")
    topic: str | None = Field(default=None, description="what it is about")
    time: str | None = Field(default=None, description="ISO 8601 with offset, in the person's timezone")
    timezone: str | None = Field(default=None, description="IANA timezone the time was read in")
    dataset: str | None = Field(default=None, description="the table or data the request names")
    extra: dict[str, Any] = Field(default_factory=dict, description="other details the rules found")


class Intent(Contract):
    """What is wanted (analyze_intent's `intent`)."""

    name: str = Field(description="e.g. create_post, create_and_schedule, analyze, build, help, unknown")
    entities: Entities = Field(default_factory=Entities, description="platform, topic, time, dataset")
    confidence: float = Field(default=0.0, ge=0.0, le=1.0, description="how sure the analysis is (0-1)")
    source: Literal["rules", "model"] = Field(default="rules", description="rules, or refined by the model")
    tokens: Tokens = Field(default_factory=dict, description="model tokens spent on the analysis")
    model: str = Field(default="offline", description="the model that refined it, or offline")


# The store's timezone for a person who never chose one (its column's default): not theirs, so a
# timezone their browser reports takes its place. One who says "set my timezone to UTC" gets UTC's
# canonical name, Etc/UTC, which is theirs.
UNSET_TIMEZONE = "UTC"
CHOSEN_UTC = "Etc/UTC"


class Draft(Contract):
    """A post written earlier in this conversation (a create_post step's arguments and output),
    which a follow-up ("post it now", "make it shorter") acts on."""

    content: str = Field(description="the post as the person read it")
    platform: Platform = Field(description="the platform it was written for")
    topic: str = Field(description="what it is about")
    tone: str = Field(default="professional", description="the tone it was written in")
    chars: int = Field(default=0, ge=0, description="its length as the platform counts it")
    key_points: list[str] = Field(default_factory=list, description="points the person asked it to make")
    call_to_action: str | None = Field(default=None, description="the closing line the person asked for")
    audience: str | None = Field(default=None, description="who it is for")
    turn: int = Field(default=0, ge=0, description="how many requests ago it was written (0: the latest)")


# A table carried to the conversation's next request; a larger one is attached again.
MAX_EARLIER_DATA = 64_000


class EarlierData(Contract):
    """The table this conversation's latest analysis read (its fetch_metrics step's `data`), which
    a follow-up ("show that as a line chart", "what was the average?") analyses again."""

    data: str = Field(max_length=MAX_EARLIER_DATA, description="the table as the analysis read it")
    title: str | None = Field(default=None, description="the report's title")
    chart: Literal["bar", "line", "pie", "scatter"] | None = Field(
        default=None, description="the chart the person asked for, kept for the next question"
    )
    findings: list[str] = Field(default_factory=list, description="what the report found, first ones first")
    turn: int = Field(default=0, ge=0, description="how many requests ago it was made (0: the latest)")


class Context(Contract):
    """load_context: what OpenAnalyst remembers about the person (analyze_intent's `context`)."""

    user_id: str = Field(description="the person")
    preferences: dict[str, Any] = Field(default_factory=dict, description="the person's preferences")
    custom_instructions: str | None = Field(default=None, description="instructions the person gave")
    timezone: str | None = Field(default=None, description="the person's IANA timezone")
    timezone_source: Literal["stored", "browser"] | None = Field(
        default=None,
        description="where the timezone comes from: stored (theirs), browser (this request's: none stored)",
    )
    recent_tasks: list[dict[str, Any]] = Field(default_factory=list, description="latest requests")
    learnings: list[dict[str, Any]] = Field(default_factory=list, description="relevant learnings")
    skill_stats: dict[str, Any] = Field(default_factory=dict, description="the skill's success rate")
    drafts: list[Draft] = Field(
        default_factory=list, description="the posts this conversation's latest post request wrote"
    )
    data: EarlierData | None = Field(
        default=None, description="the table this conversation's latest analysis read"
    )
    new_user: bool = Field(default=False, description="seen for the first time")
    backend: str = Field(default="", description="the store that answered (sqlite or postgres)")


class Understood(Contract):
    """analyze_intent: what is wanted, read with what OpenAnalyst remembers about the person.

    One step (one process) for both: loading the context is a few milliseconds of store reads,
    and the intent needs its timezone."""

    context: Context = Field(description="what is remembered: preferences, timezone, recent tasks, learnings")
    intent: Intent = Field(description="what is wanted: intent, entities, confidence")


class SkillCandidate(Contract):
    skill: str
    confidence: float = Field(ge=0.0, le=1.0)


class SkillMatch(Contract):
    skill: str | None = Field(description="the chosen skill, or none")
    confidence: float = Field(ge=0.0, le=1.0, description="the router's confidence (0-1)")
    alternatives: list[SkillCandidate] = Field(default_factory=list, description="runners-up")
    reason: str = Field(default="", description="why this skill")


class Route(SkillMatch):
    """route_skill: the skill that serves the request, and what it may run."""

    skill_context: dict[str, Any] | None = Field(
        default=None, description="the chosen skill's compiled value: prompt, scripts, workflows"
    )
    catalog: list[dict[str, Any]] = Field(default_factory=list, description="every skill the person can use")
    embeddings: bool = Field(default=False, description="whether the embedding table was used")
    model_calls: int = Field(default=0, description="model calls this routing made (0 or 1)")
    warnings: list[str] = Field(default_factory=list, description="skills that could not be used")

    @property
    def scripts(self) -> list[str]:
        """The scripts the chosen skill may call."""
        return [str(s) for s in (self.skill_context or {}).get("scripts") or []]


# ------------------------------------------------------------------------------ a plan


class Expectation(Contract):
    """What a step's output must satisfy; checked deterministically before any judge."""

    required_fields: list[str] = Field(default_factory=list)
    non_empty: list[str] = Field(default_factory=list)
    max_chars: dict[str, int] = Field(default_factory=dict)
    equals: dict[str, Any] = Field(default_factory=dict)
    criteria: str | None = Field(default=None, description="free-text criterion for the judge")


# The one step-reference grammar (workflows, the planner's plans, the executor): `$steps.<id>`
# is a step's whole result, `$steps.<id>.<field>[.<field>...]` one of its fields. Here, beside the
# plan it belongs to, so that reading a plan's references imports no workflow parser (yaml).
STEP_REF_RE = re.compile(r"^\$steps\.([a-z][a-z0-9_]{0,39})(?:\.([A-Za-z0-9_.]+))?$")


class PlanStep(Contract):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    script: WindmillPath
    args: dict[str, Any] = Field(default_factory=dict)
    expected: Expectation = Field(default_factory=Expectation)
    description: str = ""


class Plan(Contract):
    skill: str = Field(description="the skill the plan serves")
    steps: list[PlanStep] = Field(default_factory=list, max_length=10, description="scripts to run, in order")
    rationale: str = Field(default="", description="why these steps")
    mode: Mode = Field(default="offline", description="made by the model, or offline from workflows")
    answer: str | None = Field(default=None, description="a direct answer when no step is needed")


class Planned(Contract):
    """plan: a checked plan, or why there is none."""

    skill: str = Field(description="the skill that planned")
    plan: Plan = Field(description="the steps to run (or the direct answer)")
    mode: Mode = Field(default="offline", description="model or offline")
    model: str = Field(default="offline", description="the planner model, or offline")
    refused: list[str] = Field(default_factory=list, description="why the request or plan was refused")
    missing: list[str] = Field(default_factory=list, description="what the person still has to say")
    problems: list[str] = Field(default_factory=list, description="problems met while planning")
    extra_scripts: list[str] = Field(default_factory=list, description="scripts of a second skill")
    revisions: list[str] = Field(
        default_factory=list, description="how the differences changed the plan last tried"
    )
    repeated: bool = Field(
        default=False, description="the plan repeated one already tried, so the person is asked instead"
    )
    tokens: Tokens = Field(default_factory=dict, description="model tokens spent planning")
    context_update: dict[str, Any] | None = Field(
        default=None, description="a preference change the request makes (CORE)"
    )
    phase: Literal["initial", "loop", "research", "answers"] = Field(
        default="initial", description="the first plan, or the plan of an attempt"
    )
    attempt: int = Field(default=1, ge=1, description="1-based attempt number")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def next(self) -> Next:
        """`conclude` when planning already answered (CORE, refused), else `execute`."""
        return "conclude" if self.plan.answer is not None or self.refused else "execute"


# ------------------------------------------------------------------------- an attempt


class Provisioned(Contract):
    """provision: a person's starting folder, set up on their first request."""

    folder: str = Field(description="the person's folder, u/<user>")
    created: list[str] = Field(default_factory=list, description="paths created now (kept items are not)")


class StepResult(Contract):
    step_id: str
    script: str
    job_id: str | None = None
    success: bool
    result: Any = None
    error: str | None = None
    error_kind: str | None = None  # the job error's `name` (the exception's class), e.g. NeedsInput
    duration_ms: int = 0


class Execution(Contract):
    """execute_plan: what each step's job returned."""

    attempt: int = Field(default=1, ge=1, description="1-based attempt number")
    results: list[StepResult] = Field(default_factory=list, description="one per step that ran")
    jobs: list[str] = Field(default_factory=list, description="Windmill job ids of the steps")
    refused: list[str] = Field(default_factory=list, description="why nothing ran (a refused plan)")
    skipped: str | None = Field(default=None, description="why nothing ran otherwise")
    duration_ms: int = Field(default=0, description="milliseconds the steps took")


class EvalResult(Contract):
    success: bool
    differences: list[str] = Field(default_factory=list)
    score: float = Field(default=0.0, ge=0.0, le=1.0)
    judged_by: Literal["rules", "model"] = "rules"


class Research(Contract):
    """research: what a web search found about the failures."""

    query: str = Field(default="", description="what was searched")
    learnings: list[dict[str, Any]] = Field(default_factory=list, description="cited learnings")
    sources: list[dict[str, Any]] = Field(default_factory=list, description="pages the learnings cite")
    searched: bool = Field(default=False, description="whether a search ran")
    reason: str | None = Field(default=None, description="why nothing was searched")
    tokens: Tokens = Field(default_factory=dict, description="model tokens spent")
    model: str = Field(default="offline", description="the researcher model, or offline")


class Outcome(Contract):
    """evaluate: one attempt judged, and what the flow does next (`next`)."""

    kind: Literal["outcome"] = "outcome"
    phase: Literal["plan", "loop", "research", "answers"] = Field(
        default="loop", description="decided at planning, an eval-loop attempt, after research, with answers"
    )
    attempt: int = Field(default=1, ge=1, description="1-based attempt number")
    success: bool = Field(default=False, description="the checks passed")
    refused: bool = Field(default=False, description="the plan was refused: nothing ran")
    refusals: list[str] = Field(default_factory=list, description="why it was refused")
    needs_person: bool = Field(default=False, description="only the person can supply what is missing")
    stopped: bool = Field(
        default=False,
        description="a step said only the person can go on (NeedsInput): the answer says what to give",
    )
    missing: list[str] = Field(default_factory=list, description="what is missing")
    differences: list[str] = Field(default_factory=list, description="expected against actual")
    feedback: list[str] = Field(
        default_factory=list, description="every difference so far, for the next plan"
    )
    score: float = Field(default=0.0, ge=0.0, le=1.0, description="the judge's or the rules' score")
    judged_by: Literal["rules", "model"] = Field(default="rules", description="who judged")
    skill: str | None = Field(default=None, description="the skill that planned")
    mode: Mode = Field(default="offline", description="model or offline")
    model: str = Field(default="offline", description="the planner model, or offline")
    plan: Plan | None = Field(default=None, description="the plan that ran")
    results: list[StepResult] = Field(default_factory=list, description="what its steps returned")
    jobs: list[str] = Field(default_factory=list, description="Windmill job ids of the steps")
    tokens: Tokens = Field(default_factory=dict, description="model tokens of this attempt")
    research: dict[str, Any] | None = Field(default=None, description="the research this attempt applied")
    context_update: dict[str, Any] | None = Field(default=None, description="a preference change (CORE)")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def next(self) -> Next:
        """What the flow does after this attempt (the branch conditions read it)."""
        if self.success or self.refused or self.stopped or self.phase in ("plan", "answers"):
            return "conclude"
        if self.needs_person or self.phase == "research":
            return "ask"
        return "retry" if self.attempt < MAX_ATTEMPTS else "research"


class Clarification(Contract):
    """clarify: the questions the person was asked, and where their answers resume the flow."""

    outcome: Outcome = Field(description="the attempt the questions are about")
    questions: list[dict[str, Any]] = Field(description="the questions ({id, question, choices})")
    resume_urls: dict[str, Any] = Field(default_factory=dict, description="Windmill's signed resume URLs")
    resume_job_id: str | None = Field(default=None, description="the flow job that waits for the answers")
    content: str = Field(default="", description="the message the person read")
    delivered: bool = Field(default=False, description="whether the hub took the message")


class Conclusion(Contract):
    """conclude: the request's end, which respond records in the history and answers from."""

    success: bool = Field(description="the deciding attempt passed")
    refused: bool = Field(default=False, description="the request was refused")
    stopped: bool = Field(default=False, description="it ended asking for what only the person can give")
    skill: str | None = Field(default=None, description="the skill that handled it")
    content: str = Field(description="the answer the person reads")
    attempts: int = Field(default=0, description="attempts evaluated")
    research_applied: bool = Field(default=False, description="research changed the deciding attempt")
    research: list[dict[str, Any]] = Field(default_factory=list, description="research rounds")
    learnings: list[dict[str, Any]] = Field(default_factory=list, description="what was learned")
    failures: list[dict[str, Any]] = Field(default_factory=list, description="the failed attempts")
    windmill_jobs: list[str] = Field(default_factory=list, description="job ids of every step run")
    tokens: Tokens = Field(default_factory=dict, description="model tokens of the whole request")
    model: str = Field(default="offline", description="the last model used, or offline")
    mode: Mode = Field(default="offline", description="model or offline")
    duration_ms: int = Field(default=0, description="milliseconds from request to answer")
    context_update: dict[str, Any] | None = Field(default=None, description="a preference change to apply")
    result: dict[str, Any] = Field(default_factory=dict, description="plan, outputs and differences")


# ------------------------------------------------------------------------ the step wrapper

P = ParamSpec("P")
R = TypeVar("R")


def step(fn: Callable[P, R]) -> Callable[P, Any]:
    """Validate `fn`'s arguments against its annotations and its returned model, and return JSON.

    The checked function is built on first call, so importing a step costs nothing extra;
    `main.prepare()` builds it ahead (a warm process that forks jobs calls it once, so each job
    does not build it again: 2-35 ms per forked step).
    """
    checked: list[Callable[..., Any]] = []

    def prepare() -> None:
        if not checked:
            checked.append(validate_call(fn, validate_return=True))

    @functools.wraps(fn)
    def validated(*args: P.args, **kwargs: P.kwargs) -> Any:
        prepare()
        result = checked[0](*args, **kwargs)
        return result.model_dump(mode="json") if isinstance(result, BaseModel) else result

    validated.prepare = prepare  # type: ignore[attr-defined]
    return validated


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """A model as a Windmill form field: an object whose properties are typed and described.

    Windmill's forms read `type`, `description`, `properties`, `items` and `enum` (no `$ref`,
    no `anyOf`), so references are inlined and `X | None` becomes X.
    """
    full = model.model_json_schema(mode="validation")
    defs = full.get("$defs") or {}

    def simplify(node: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in node:
            target = defs[node["$ref"].rsplit("/", 1)[-1]]
            return simplify({**target, **{k: v for k, v in node.items() if k != "$ref"}})
        if "anyOf" in node:
            options = [o for o in node["anyOf"] if o.get("type") != "null"]
            rest = {k: v for k, v in node.items() if k != "anyOf"}
            return simplify({**(options[0] if len(options) == 1 else {"type": "object"}), **rest})
        out: dict[str, Any] = {"type": node.get("type", "object")}
        if node.get("description"):
            out["description"] = node["description"]
        if "enum" in node:
            out["enum"] = list(node["enum"])
        elif "const" in node:
            out["enum"] = [node["const"]]
        if out["type"] == "object" and "properties" in node:
            out["properties"] = {k: simplify(v) for k, v in node["properties"].items()}
        if out["type"] == "array":
            out["items"] = simplify(node.get("items") or {"type": "object"})
        return out

    top = simplify(full)
    top.pop("description", None)  # the step's docstring describes the argument
    return top
