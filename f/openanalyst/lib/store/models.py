# extra_requirements:
# PyStemmer
"""What the memory and history store accepts and returns: validated inputs, limits, errors.

Everything a caller hands the store is checked here, before any write starts, so bad input
gets a clear error and the stored data stays as it was.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from f.openanalyst.lib.protocol import MAX_REQUEST_CHARS, Identifier

# Limits: generous for real use, small enough that one bad call cannot bloat the database.
MAX_JSON_BYTES = 256 * 1024  # one result, input or research finding set, encoded
MAX_PREFERENCES_BYTES = 32 * 1024
MAX_INSTRUCTIONS_CHARS = 8_000
MAX_LEARNING_CHARS = 4_000
MAX_ANSWER_CHARS = 20_000
MAX_ITEMS = 50  # learnings, failures, research entries per request
MAX_TAGS = 20
MAX_TERMS_PER_LEARNING = 40

Skill = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,100}$")]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
TaskStatus = Literal["queued", "running", "success", "failure", "cancelled"]


class StoreError(ValueError):
    """Base of the store's errors: the message says what was wrong and what to do."""


class UnknownUser(StoreError):
    """The user id is well-formed but not registered in the store."""


class InvalidInput(StoreError):
    """A value the store cannot accept (bad JSON, wrong shape, bad timezone...)."""


class PayloadTooLarge(InvalidInput):
    """A value over one of the store's size limits."""


class StoreConfigError(StoreError):
    """The store is misconfigured (unreachable database, unreadable resource...)."""


class StoreNotConfigured(StoreConfigError):
    """On a Windmill worker with no database: what the person can do, then what the admin sets."""

    def __init__(self, resource_path: str, *, defined: bool = False) -> None:
        self.resource_path = resource_path
        problem = "has no host" if defined else "does not exist in this workspace"
        super().__init__(
            "OpenAnalyst is not fully set up on this Windmill yet: it has no database to remember "
            "your requests in. Ask your workspace admin to finish the set-up, then send your "
            f"request again. (For the admin: the resource {resource_path} {problem}. Create it "
            f"once under Resources > Add resource, type 'postgresql', at path {resource_path}, "
            "with the host, port, user, password, dbname of the store's PostgreSQL, as the "
            "README's 'Deploying to your own Windmill' shows.)"
        )


def encode_json(value: Any, what: str, limit: int = MAX_JSON_BYTES) -> str:
    """`value` as compact JSON text, refusing what JSON cannot hold or what is over `limit`."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{what} is not JSON-serialisable: {exc}") from None
    size = len(text.encode())
    if size > limit:
        raise PayloadTooLarge(f"{what} is {size} bytes encoded; the limit is {limit} bytes")
    return text


def parse_preferences(value: dict[str, Any] | str) -> dict[str, Any]:
    """Preferences as a JSON object: a dict, or JSON text holding an object."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"preferences are not valid JSON: {exc.msg} at position {exc.pos}") from None
    if not isinstance(value, dict):
        raise InvalidInput(f"preferences must be a JSON object, got {type(value).__name__}")
    encode_json(value, "preferences", MAX_PREFERENCES_BYTES)
    return value


def check_timezone(name: str) -> str:
    """An IANA timezone name, e.g. 'Europe/Paris'."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"unknown timezone {name[:64]!r}: use an IANA name such as 'Europe/Paris'"
        ) from None
    return name


def check_instructions(text: str) -> str:
    if not isinstance(text, str):
        raise InvalidInput("custom instructions must be text")
    if len(text) > MAX_INSTRUCTIONS_CHARS:
        raise PayloadTooLarge(
            f"custom instructions are {len(text)} characters; the limit is {MAX_INSTRUCTIONS_CHARS}"
        )
    return text


class _In(BaseModel):
    # defer_build: a validator is built when a model is first used, not for every model at import.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, defer_build=True)


class LearningIn(_In):
    """Something learned (from research, an evaluation or the person) worth recalling later."""

    content: Annotated[str, StringConstraints(min_length=1, max_length=MAX_LEARNING_CHARS)]
    source: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "eval"
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    skill: Skill | None = None
    sources: list[dict[str, Any]] = Field(default_factory=list, max_length=MAX_TAGS)  # e.g. {url, title}


class FailureIn(_In):
    """One failed attempt: what went wrong, and the evaluation's details."""

    error: Annotated[str, StringConstraints(min_length=1, max_length=MAX_LEARNING_CHARS)]
    attempt: Annotated[int, Field(ge=0, le=100)] = 0
    details: dict[str, Any] = Field(default_factory=dict)


class ResearchIn(_In):
    """A web research round: the query and what was found."""

    query: Annotated[str, StringConstraints(min_length=1, max_length=2_000)]
    findings: list[Any] = Field(default_factory=list)
    applied: bool = False


class ContextUpdate(_In):
    """A change of the person's context made by a request ("set my timezone to Europe/Berlin"),
    applied in the same transaction as its history. `merge` merges preferences into the stored ones.
    """

    preferences: dict[str, Any] | None = None
    custom_instructions: str | None = None
    timezone: str | None = None
    merge: bool = True

    @field_validator("preferences", mode="before")
    @classmethod
    def _preferences(cls, value: Any) -> dict[str, Any] | None:  # a dict, or JSON text of one
        return None if value is None else parse_preferences(value)

    @field_validator("custom_instructions")
    @classmethod
    def _instructions(cls, value: str | None) -> str | None:
        return None if value is None else check_instructions(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)


class HistoryEntry(_In):
    """Everything recorded about one request once the flow has answered it."""

    session_id: Identifier
    message_id: Identifier
    request: Annotated[str, StringConstraints(max_length=MAX_REQUEST_CHARS)]
    skill: Skill | None = None
    success: bool
    result: dict[str, Any] = Field(default_factory=dict)
    answer: Annotated[str, StringConstraints(max_length=MAX_ANSWER_CHARS)] | None = None
    attempts: Annotated[int, Field(ge=0, le=100)] = 0
    research: list[ResearchIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    learnings: list[LearningIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    failures: list[FailureIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    windmill_job_id: Annotated[str, StringConstraints(max_length=128)] | None = None
    windmill_jobs: list[Annotated[str, StringConstraints(max_length=128)]] = Field(
        default_factory=list, max_length=500
    )
    tokens: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    duration_ms: Annotated[int, Field(ge=0)] = 0
    context_update: ContextUpdate | None = None

    @field_validator("result")
    @classmethod
    def _result_fits(cls, value: dict[str, Any]) -> dict[str, Any]:
        encode_json(value, "result")
        return value

    @field_validator("learnings")
    @classmethod
    def _learnings_fit(cls, value: list[LearningIn]) -> list[LearningIn]:
        encode_json([lrn.sources for lrn in value], "learning sources")
        return value

    @field_validator("research")
    @classmethod
    def _research_fits(cls, value: list[ResearchIn]) -> list[ResearchIn]:
        encode_json([r.findings for r in value], "research findings")
        return value

    @field_validator("failures")
    @classmethod
    def _failures_fit(cls, value: list[FailureIn]) -> list[FailureIn]:
        encode_json([f.details for f in value], "failure details")
        return value


_TOO_LONG = frozenset({"string_too_long", "too_long"})


def validate_entry(data: HistoryEntry | dict[str, Any]) -> HistoryEntry:
    """A HistoryEntry, or InvalidInput/PayloadTooLarge naming the offending fields."""
    if isinstance(data, HistoryEntry):
        return data
    try:
        return HistoryEntry.model_validate(data)
    except ValidationError as exc:
        too_large = [
            e
            for e in exc.errors()
            if e["type"] in _TOO_LONG or isinstance(e.get("ctx", {}).get("error"), PayloadTooLarge)
        ]
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors()[:5]
        )
        error = PayloadTooLarge if too_large else InvalidInput
        raise error(f"history entry refused: {problems}") from None


# ---------------------------------------------------------------- terms for learning recall

_WORD_RE = re.compile(r"[a-z0-9][a-z0-9_+#-]{2,39}")
_STOPWORDS_TEXT = """the and for with that this from into onto have has had are was were will would could
    should about after before then than them they their there these those what when where which
    while who whom why how all any both each few more most other some such not only own same
    too very can just don does did doing our ours you your yours his her its it's itself out
    over under again further once here also make made please want need let get got use using"""
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def _words(text: str) -> Iterator[str]:
    return (w for w in _WORD_RE.findall(text.lower()) if w not in _STOPWORDS)


def _stem(word: str) -> str:
    """A word's Snowball stem ("trends", "trending" -> "trend"), as the skill router stems."""
    global _stemmer
    if _stemmer is None:
        import Stemmer

        _stemmer = Stemmer.Stemmer("english")
    return _stemmer.stemWord(word)


_stemmer: Any = None


def terms(text: str, limit: int = MAX_TERMS_PER_LEARNING) -> list[str]:
    """Distinct stems of the content words of `text` (3-40 chars, no stopwords), in order: a
    learning about "trends" is found by a request about a "trend"."""
    seen: dict[str, None] = {}
    for word in _words(text):
        seen.setdefault(_stem(word), None)
        if len(seen) >= limit:
            break
    return list(seen)


def query_terms(text: str, limit: int) -> list[str]:
    """The terms a request looks learnings up by: each word's stem, then the word itself, so
    learnings indexed by whole words (before stems) are still found."""
    seen: dict[str, None] = {}
    for word in list(dict.fromkeys(_words(text)))[:limit]:
        seen.setdefault(_stem(word), None)
        seen.setdefault(word, None)
    return list(seen)


def tag_term(tag: str) -> str:
    """A tag or skill name as an index term (case-insensitive, at most 64 chars)."""
    return tag.strip().lower()[:64]
